package domain

import "time"

// Limits on the fields of a shipment. Lengths count characters (Unicode code
// points), not bytes, so that a Norwegian "æ" costs the same as an "a". The
// title, reference, sender system and file name limits are SvarUt's, so
// that what SvarUt takes svarsign takes; the others keep stored rows and
// error details bounded.
const (
	// MaxTitleLen is the longest shipment title.
	MaxTitleLen = 1000
	// MaxExternalRefLen is the longest external reference (eksternReferanse).
	MaxExternalRefLen = 100
	// MaxSenderSystemLen is the longest sender system name (avgivendeSystem).
	MaxSenderSystemLen = 100
	// MaxFileNameLen is the longest document file name.
	MaxFileNameLen = 226

	// MaxMetadataEntries is the largest number of metadata entries on one
	// document.
	MaxMetadataEntries = 20
	// MaxMetadataKeyLen is the longest metadata key.
	MaxMetadataKeyLen = 100
	// MaxMetadataValueLen is the longest metadata value.
	MaxMetadataValueLen = 1000

	// MaxRecipientNameLen is the longest recipient name.
	MaxRecipientNameLen = 200
	// MaxAddressLines is the largest number of lines in a postal address.
	MaxAddressLines = 3
	// MaxAddressLineLen is the longest postal address line.
	MaxAddressLineLen = 100

	// MaxPostalCodeLen is the longest postal code of a foreign address
	// (Norwegian ones are 4 digits).
	MaxPostalCodeLen = 20
	// MaxArchiveCodeLen is the longest Noark code, such as a journal post
	// type ("U") or a journal status ("F").
	MaxArchiveCodeLen = 10
	// MaxMIMETypeLen is the longest MIME type: RFC 6838 allows 127
	// characters on each side of the slash.
	MaxMIMETypeLen = 255

	// MaxIdempotencyKeyLen is the longest idempotency key a caller may send.
	MaxIdempotencyKeyLen = 100

	// MaxReasonLen is the longest free-text reason, such as why a pickup
	// failed or why a signing order was cancelled.
	MaxReasonLen = 1000
)

// Limits on a shipment as a whole. SvarUt names no number of documents and
// supports 350 MB in all when a shipment may go to print; svarsign keeps
// to a number a letter with attachments never needs to exceed, and lets one
// shipment hold no more than one document may be (2 GiB), so that neither
// one send nor one abandoned draft can take an unbounded share of storage.
const (
	// MaxDocuments is the largest number of documents in one shipment,
	// counted at upload and at send.
	MaxDocuments = 50
	// MaxDocumentBytes is the largest single document.
	MaxDocumentBytes = 2 << 30
	// MaxShipmentBytes is the largest total size of one shipment's
	// documents.
	MaxShipmentBytes = 2 << 30
)

// Signing deadlines (signeringUtloper) are absolute times within these
// bounds of the send: the citizen needs at least a day, and Posten keeps a
// signing job available for at most 90 days.
const (
	MinSigningLead = 24 * time.Hour
	MaxSigningLead = 90 * 24 * time.Hour
)
