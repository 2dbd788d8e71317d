package domain

// SignatureType is how the recipient signs a document (SvarUt's
// signaturtype). The values are stored and sent on the wire.
type SignatureType string

const (
	// SignatureAuthenticated: the signing is recorded with the signer's
	// ID-porten login as evidence (autentisert signatur).
	SignatureAuthenticated SignatureType = "AUTHENTICATED"
	// SignatureAdvanced: a PAdES signature with a certificate that names
	// the signer (avansert signatur).
	SignatureAdvanced SignatureType = "ADVANCED"
)

// Values lists the stored values, for the persistence layer.
func (SignatureType) Values() []string {
	return []string{string(SignatureAuthenticated), string(SignatureAdvanced)}
}
