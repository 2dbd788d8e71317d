package domain

import "time"

// Limits on the fields of a shipment. Lengths count characters (Unicode code
// points), not bytes, so that a Norwegian "æ" costs the same as an "a". The
// SvarUt-derived values come from section 3 of the design; the others keep
// stored rows and error details bounded.
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

	// MaxIdempotencyKeyLen is the longest idempotency key a caller may send.
	MaxIdempotencyKeyLen = 100
)

// Signing deadlines (signeringUtloper) are absolute times within these
// bounds of the send: the citizen needs at least a day, and Posten keeps a
// signing job available for at most 90 days.
const (
	MinSigningLead = 24 * time.Hour
	MaxSigningLead = 90 * 24 * time.Hour
)
