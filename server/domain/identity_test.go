package domain_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/svarsign/svarsign/server/domain"
)

// checkDigit computes a modulus-11 check digit independently of the
// package: 11 - (weighted sum mod 11), 11 -> 0, and ok=false for 10.
func checkDigit(digits string, weights []int) (int, bool) {
	sum := 0
	for i, w := range weights {
		sum += int(digits[i]-'0') * w
	}
	k := 11 - sum%11
	if k == 11 {
		k = 0
	}
	return k, k != 10
}

var (
	testWeights1   = []int{3, 7, 6, 1, 8, 9, 4, 5, 2}
	testWeights2   = []int{5, 4, 3, 2, 7, 6, 5, 4, 3, 2}
	testOrgWeights = []int{3, 2, 7, 6, 5, 4, 3, 2}
)

// withCheckDigits appends both check digits to a 9-digit base, or returns
// false if either would be 10.
func withCheckDigits(base string) (string, bool) {
	k1, ok := checkDigit(base, testWeights1)
	if !ok {
		return "", false
	}
	s := base + fmt.Sprint(k1)
	k2, ok := checkDigit(s, testWeights2)
	if !ok {
		return "", false
	}
	return s + fmt.Sprint(k2), true
}

// nin returns a number with valid check digits for the date digits
// ddmmyy, using the first individual number in [first, first+250) that
// gives valid check digits. The range stays within one century block of
// individual numbers (000–499, 500–749, 750–999).
func nin(t *testing.T, ddmmyy string, first int) string {
	t.Helper()
	for ind := first; ind < first+250 && ind < 1000; ind++ {
		if s, ok := withCheckDigits(fmt.Sprintf("%s%03d", ddmmyy, ind)); ok {
			return s
		}
	}
	t.Fatalf("no individual number from %d gives valid check digits for %s", first, ddmmyy)
	return ""
}

// remainderTen returns a number for ddmmyy whose first (which=1) or second
// (which=2) check digit would have to be 10; that digit is written as 0.
func remainderTen(t *testing.T, ddmmyy string, which int) string {
	t.Helper()
	for ind := range 1000 {
		base := fmt.Sprintf("%s%03d", ddmmyy, ind)
		k1, ok1 := checkDigit(base, testWeights1)
		if which == 1 && !ok1 {
			s := base + "0"
			k2, _ := checkDigit(s, testWeights2)
			return s + fmt.Sprint(k2%10)
		}
		if which == 2 && ok1 {
			s := base + fmt.Sprint(k1)
			if _, ok2 := checkDigit(s, testWeights2); !ok2 {
				return s + "0"
			}
		}
	}
	t.Fatalf("no remainder-10 number found for %s", ddmmyy)
	return ""
}

// replaceDigit returns s with the digit at i changed to another digit.
func replaceDigit(s string, i int) string {
	d := (s[i]-'0'+1)%10 + '0'
	return s[:i] + string(rune(d)) + s[i+1:]
}

func TestCheckNationalIdentityNumber(t *testing.T) {
	const (
		ok        = ""
		length    = "must be 11 digits"
		check     = "check digits do not match"
		birthDate = "does not contain a valid birth date"
	)
	valid := nin(t, "010190", 123)

	// Bad first check digit with a second check digit that matches the
	// (wrong) first, so only the first rule can catch it.
	badFirst := replaceDigit(valid, 9)[:10]
	if k2, ok := checkDigit(badFirst, testWeights2); ok {
		badFirst += fmt.Sprint(k2)
	} else {
		badFirst += "0"
	}

	tests := []struct {
		name, in, want string
	}{
		{"ordinary 1990", valid, ok},
		{"ordinary 1900s individual 000", nin(t, "311299", 0), ok},
		{"born 2000s", nin(t, "150315", 500), ok},
		{"born 1800s", nin(t, "020260", 500), ok},
		{"29 February in leap year 1996", nin(t, "290296", 100), ok},
		{"29 February 2000", nin(t, "290200", 500), ok},
		{"D-number", nin(t, "410190", 100), ok},
		{"D-number day 31", nin(t, "710585", 100), ok},
		{"H-number / synthetic month+40", nin(t, "014190", 100), ok},
		{"synthetic month+40 December", nin(t, "315290", 100), ok},
		{"synthetic month+80 (Tenor)", nin(t, "018190", 100), ok},
		{"synthetic month+80 December", nin(t, "319290", 100), ok},
		{"synthetic D-number month+80", nin(t, "418190", 100), ok},

		{"empty", "", length},
		{"ten digits", valid[:10], length},
		{"twelve digits", valid + "0", length},
		{"letter", "0101901234X", length},
		{"leading space", " " + valid[1:], length},
		{"hyphenated", valid[:6] + "-" + valid[7:], length},
		{"full-width digits", "０１０１９０１２３４５", length},

		{"bad first check digit", badFirst, check},
		{"bad second check digit", replaceDigit(valid, 10), check},
		{"first check digit remainder 10", remainderTen(t, "010190", 1), check},
		{"second check digit remainder 10", remainderTen(t, "010190", 2), check},

		{"31 February", nin(t, "310290", 100), birthDate},
		{"30 February", nin(t, "300290", 100), birthDate},
		{"29 February 1900", nin(t, "290200", 0), birthDate},
		{"29 February 1997", nin(t, "290297", 100), birthDate},
		{"31 April", nin(t, "310490", 100), birthDate},
		{"month 13", nin(t, "011390", 100), birthDate},
		{"month 00", nin(t, "010090", 100), birthDate},
		{"month 20", nin(t, "012090", 100), birthDate},
		{"month+40 of 13", nin(t, "015390", 100), birthDate},
		{"month 60", nin(t, "016090", 100), birthDate},
		{"month+80 of 13", nin(t, "019390", 100), birthDate},
		{"day 00", nin(t, "000190", 100), birthDate},
		{"day 32", nin(t, "320190", 100), birthDate},
		{"day 40", nin(t, "400190", 100), birthDate},
		{"D-number day 72", nin(t, "720190", 100), birthDate},
		{"all zeros", "00000000000", repeated},
		{"all ones", "11111111111", repeated},
		{"all nines", "99999999999", repeated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := domain.CheckNationalIdentityNumber(tt.in)
			if tt.want == ok {
				if err != nil {
					t.Fatalf("CheckNationalIdentityNumber(%q) = %v, want nil", tt.in, err)
				}
				return
			}
			if err == nil || err.Error() != tt.want {
				t.Fatalf("CheckNationalIdentityNumber(%q) = %v, want %q", tt.in, err, tt.want)
			}
		})
	}
}

// TestCheckNationalIdentityNumberAllIndividuals checks the package against
// the independent computation in this file for every individual number of
// one date.
func TestCheckNationalIdentityNumberAllIndividuals(t *testing.T) {
	for ind := range 1000 {
		base := fmt.Sprintf("241275%03d", ind)
		for k := range 100 {
			s := fmt.Sprintf("%s%02d", base, k)
			want, _ := withCheckDigits(base)
			err := domain.CheckNationalIdentityNumber(s)
			if (err == nil) != (s == want) {
				t.Fatalf("CheckNationalIdentityNumber(%q) = %v, valid number for this base is %q", s, err, want)
			}
		}
	}
}

// orgNumber appends the check digit to an 8-digit base, or returns false
// if it would be 10.
func orgNumber(base string) (string, bool) {
	k, ok := checkDigit(base, testOrgWeights)
	if !ok {
		return "", false
	}
	return base + fmt.Sprint(k), true
}

// repeated is the error for one digit repeated.
const repeated = "must not be one digit repeated (such as 000000000): no one is given such a number"

func TestCheckOrganizationNumber(t *testing.T) {
	const (
		ok     = ""
		length = "must be 9 digits"
		check  = "check digit does not match"
	)
	// Find bases whose check digit is 0 (remainder 0, "11 -> 0") and
	// whose check digit would be 10.
	var zeroCheck, tenCheck string
	for n := 10000000; zeroCheck == "" || tenCheck == ""; n++ {
		base := fmt.Sprint(n)
		k, valid := checkDigit(base, testOrgWeights)
		switch {
		case !valid && tenCheck == "":
			tenCheck = base + "0"
		case valid && k == 0 && zeroCheck == "":
			zeroCheck = base + "0"
		}
	}
	computed, _ := orgNumber("31234567")

	tests := []struct {
		name, in, want string
	}{
		{"123456785", "123456785", ok},
		{"974760673", "974760673", ok},
		{"computed, first digit 3", computed, ok},
		{"check digit 0 from remainder 0", zeroCheck, ok},

		{"123456789", "123456789", check},
		{"974760674", "974760674", check},
		{"remainder 10", tenCheck, check},
		{"every other last digit", "123456780", check},

		{"empty", "", length},
		{"eight digits", "12345678", length},
		{"ten digits", "1234567850", length},
		{"letter", "12345678A", length},
		{"spaces", "974 760 673", length},
		{"sign", "+12345678", length},

		// The weights sum to 32 ≡ -1 (mod 11): one digit repeated passes
		// the check digit by accident, and no organisation has such a number.
		{"all zeros", "000000000", repeated},
		{"all ones", "111111111", repeated},
		{"all eights", "888888888", repeated},
		{"all nines", "999999999", repeated},
	}
	for d := range 10 {
		s := strings.Repeat(fmt.Sprint(d), 9)
		if _, ok := checkDigit(s, testOrgWeights); !ok {
			t.Fatalf("%s: check digit 10, the comment about repeated digits is wrong", s)
		}
		if k, _ := checkDigit(s, testOrgWeights); k != d {
			t.Fatalf("%s: check digit %d, want %d: the repeated-digit case is not the accident it is said to be", s, k, d)
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := domain.CheckOrganizationNumber(tt.in)
			if tt.want == ok {
				if err != nil {
					t.Fatalf("CheckOrganizationNumber(%q) = %v, want nil", tt.in, err)
				}
				return
			}
			if err == nil || err.Error() != tt.want {
				t.Fatalf("CheckOrganizationNumber(%q) = %v, want %q", tt.in, err, tt.want)
			}
		})
	}

	// Exactly one last digit completes each base.
	for _, base := range []string{"12345678", "97476067", "31234567"} {
		valid := 0
		for d := range 10 {
			if domain.CheckOrganizationNumber(base+fmt.Sprint(d)) == nil {
				valid++
			}
		}
		if want, ok := orgNumber(base); ok && valid != 1 || !ok && valid != 0 {
			t.Errorf("base %s: %d valid completions, want the one computed (%q)", base, valid, want)
		}
	}
}
