package domain

import "time"

// Errors of the identity-number checks. Their text is a field-independent
// description, ready to be used as a [Violation] description.
var (
	errNINLength    = RuleErrorf(ReasonInvalidIdentityNumber, "must be 11 digits")
	errNINCheck     = RuleErrorf(ReasonInvalidIdentityNumber, "check digits do not match")
	errNINBirthDate = RuleErrorf(ReasonInvalidIdentityNumber, "does not contain a valid birth date")
	errOrgLength    = RuleErrorf(ReasonInvalidOrganizationNumber, "must be 9 digits")
	errOrgCheck     = RuleErrorf(ReasonInvalidOrganizationNumber, "check digit does not match")
	errNINRepeated  = RuleErrorf(ReasonInvalidIdentityNumber, "%s", repeatedRule)
	errOrgRepeated  = RuleErrorf(ReasonInvalidOrganizationNumber, "%s", repeatedRule)
)

// repeatedRule is the rule of both numbers against one digit repeated.
const repeatedRule = "must not be one digit repeated (such as 000000000): no one is given such a number"

// Weights of the modulus-11 check digits, one digit per weight, as
// published by the Norwegian Tax Administration (fødselsnummer) and
// Brønnøysundregistrene (organisasjonsnummer). They are strings so that
// they can be constants.
const (
	ninWeights1 = "376189452"
	ninWeights2 = "5432765432"
	orgWeights  = "32765432"
)

// CheckNationalIdentityNumber reports whether s is a well-formed Norwegian
// national identity number (fødselsnummer): 11 ASCII digits, a birth date
// DDMMYY, a three-digit individual number and two modulus-11 check digits.
//
// Besides ordinary numbers it accepts the variants a shipment service meets
// in practice: D-numbers (day + 40, for people not in the population
// register), H-numbers and synthetic test numbers with month + 40, and
// synthetic test numbers with month + 80 (Skatteetaten's Tenor). Test
// numbers must pass so that test environments work; they are as
// well-formed as real ones.
//
// One digit repeated (00000000000, 11111111111, ...) is refused before the
// check digits: no such number passes them today, and this keeps it so.
//
// The number is not normalised: spaces, hyphens and other separators are
// rejected. The returned error names the first rule that failed.
func CheckNationalIdentityNumber(s string) error {
	d, ok := digits(s, 11)
	if !ok {
		return errNINLength
	}
	if repeated(d) {
		return errNINRepeated
	}
	k1, ok := mod11(d[:9], ninWeights1)
	if !ok || k1 != d[9] {
		return errNINCheck
	}
	k2, ok := mod11(d[:10], ninWeights2)
	if !ok || k2 != d[10] {
		return errNINCheck
	}
	if !validBirthDate(d) {
		return errNINBirthDate
	}
	return nil
}

// validBirthDate reports whether the first six digits of the identity
// number d form a real calendar date once the D-number and synthetic
// offsets are removed.
func validBirthDate(d []int) bool {
	day := d[0]*10 + d[1]
	month := d[2]*10 + d[3]
	yy := d[4]*10 + d[5]
	individual := d[6]*100 + d[7]*10 + d[8]

	if day > 40 { // D-number
		day -= 40
	}
	switch {
	case month > 80: // synthetic (Tenor)
		month -= 80
	case month > 40: // H-number or synthetic
		month -= 40
	}
	if day < 1 || day > 31 || month < 1 || month > 12 {
		return false
	}

	// The century follows from the individual number, but it only matters
	// for 29 February of year 00: for every other two-digit year, 18yy,
	// 19yy and 20yy are all leap years or none is. Individual numbers
	// 500–999 with year 00 belong to 2000, 000–499 to 1900. Combinations
	// of individual number and year that the register does not allocate
	// are not rejected, because not every test-number generator keeps to
	// them.
	year := 1900 + yy
	if yy == 0 && individual >= 500 {
		year = 2000
	}
	t := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
	return t.Day() == day && t.Month() == time.Month(month)
}

// CheckOrganizationNumber reports whether s is a well-formed Norwegian
// organisation number: 9 ASCII digits whose last digit is the modulus-11
// check digit of the first eight. Real numbers start with 8 or 9, but that
// is deliberately not required: test organisations in the registers' test
// environments do not all follow it.
//
// One digit repeated is refused although it passes the check: the weights
// add up to 32 ≡ −1 (mod 11), so the check digit of dddddddd is d itself,
// and 000000000, 111111111, ... 999999999 are all "valid" by accident.
//
// The number is not normalised: spaces and other separators are rejected.
// The returned error names the first rule that failed.
func CheckOrganizationNumber(s string) error {
	d, ok := digits(s, 9)
	if !ok {
		return errOrgLength
	}
	if repeated(d) {
		return errOrgRepeated
	}
	k, ok := mod11(d[:8], orgWeights)
	if !ok || k != d[8] {
		return errOrgCheck
	}
	return nil
}

// digits returns the decimal digits of s if s consists of exactly n ASCII
// digits.
func digits(s string, n int) ([]int, bool) {
	if len(s) != n {
		return nil, false
	}
	d := make([]int, n)
	for i := range len(s) {
		c := s[i]
		if c < '0' || c > '9' {
			return nil, false
		}
		d[i] = int(c - '0')
	}
	return d, true
}

// repeated reports whether d is one digit over and over.
func repeated(d []int) bool {
	for _, x := range d[1:] {
		if x != d[0] {
			return false
		}
	}
	return true
}

// mod11 computes the modulus-11 check digit of d with the given weights:
// 11 minus the remainder of the weighted sum, where 11 becomes 0. A result
// of 10 cannot be written as one digit, so such a number cannot exist and
// ok is false.
func mod11(d []int, weights string) (digit int, ok bool) {
	sum := 0
	for i := range len(weights) {
		sum += d[i] * int(weights[i]-'0')
	}
	switch k := 11 - sum%11; k {
	case 11:
		return 0, true
	case 10:
		return 0, false
	default:
		return k, true
	}
}
