package domain_test

import (
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/svarsign/svarsign/server/domain"
)

// The fuzz targets check properties against independent oracles written
// here, not only that nothing panics. Their seed corpora are in
// testdata/fuzz/<Name>/, so "go test" replays them every time.

// FuzzCheckFileName: a name CheckFileName accepts holds only characters a
// recipient can see and save on any system, and survives the URL path of
// the raw upload route; one it refuses is refused with a short, printable
// description. Adding an invisible character, a trailing dot or space to an
// accepted name gets it refused.
func FuzzCheckFileName(f *testing.F) {
	f.Fuzz(func(t *testing.T, name string) {
		err := domain.CheckFileName(name)
		if err != nil {
			d := err.Error()
			if d == "" || !utf8.ValidString(d) || len(d) > 200 || domain.CheckText(d, false) != nil {
				t.Fatalf("CheckFileName(%q): description %q is not a short line of text", name, d)
			}
			return
		}
		if !utf8.ValidString(name) {
			t.Fatalf("accepted invalid UTF-8 %q", name)
		}
		if n := utf8.RuneCountInString(name); n < 1 || n > domain.MaxFileNameLen {
			t.Fatalf("accepted %q of %d characters", name, n)
		}
		for _, r := range name {
			if unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp) {
				t.Fatalf("accepted %q holding %U", name, r)
			}
			if strings.ContainsRune(`"<>?*|:\/`, r) {
				t.Fatalf("accepted %q holding %q", name, r)
			}
		}
		first, _ := utf8.DecodeRuneInString(name)
		last, _ := utf8.DecodeLastRuneInString(name)
		if unicode.IsSpace(first) || unicode.IsSpace(last) || last == '.' {
			t.Fatalf("accepted %q, which Windows would rename", name)
		}
		if windowsDevice(name) {
			t.Fatalf("accepted Windows device name %q", name)
		}
		if back, err := url.PathUnescape(url.PathEscape(name)); err != nil || back != name {
			t.Fatalf("%q does not survive a URL path: %q, %v", name, back, err)
		}
		if string([]rune(name)) != name {
			t.Fatalf("%q does not survive a round trip through runes", name)
		}

		// Metamorphic: breaking one rule on an accepted name is noticed.
		for _, bad := range []string{name + ".", name + " ", " " + name, name + "\u202e", "\u200b" + name, name[:len(name)/2] + "\x00" + name[len(name)/2:]} {
			if domain.CheckFileName(bad) == nil {
				t.Fatalf("accepted %q, made from accepted %q by breaking a rule", bad, name)
			}
		}
	})
}

// windowsDevice is the oracle for reserved names: the part before the
// first dot, without trailing spaces, compared case-insensitively.
func windowsDevice(name string) bool {
	stem := strings.ToUpper(strings.TrimRight(strings.SplitN(name, ".", 2)[0], " "))
	for _, d := range []string{"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"} {
		if stem == d {
			return true
		}
	}
	for _, p := range []string{"COM", "LPT"} {
		for _, n := range []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "¹", "²", "³"} {
			if stem == p+n {
				return true
			}
		}
	}
	return false
}

// FuzzCheckNationalIdentityNumber: CheckNationalIdentityNumber agrees
// with an independent oracle on every input: 11 ASCII digits, not one
// digit repeated, both modulus-11 check digits, and a real birth date once
// the D-number (+40 on the day) and synthetic (+40 or +80 on the month)
// offsets are removed.
func FuzzCheckNationalIdentityNumber(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		err := domain.CheckNationalIdentityNumber(s)
		want := ninOracle(s)
		if (err == nil) != want {
			t.Fatalf("CheckNationalIdentityNumber(%q) = %v, oracle says valid=%v", s, err, want)
		}
		if err == nil && (len(s) != 11 || strings.Trim(s, "0123456789") != "") {
			t.Fatalf("accepted %q, which is not 11 digits", s)
		}
	})
}

func ninOracle(s string) bool {
	if len(s) != 11 || strings.Trim(s, "0123456789") != "" || strings.Count(s, s[:1]) == 11 {
		return false
	}
	k1, ok := checkDigit(s, testWeights1)
	if !ok || k1 != int(s[9]-'0') {
		return false
	}
	k2, ok := checkDigit(s, testWeights2)
	if !ok || k2 != int(s[10]-'0') {
		return false
	}
	num := func(i int) int { return int(s[i]-'0')*10 + int(s[i+1]-'0') }
	day, month, yy, ind := num(0), num(2), num(4), int(s[6]-'0')*100+num(7)
	if day > 40 {
		day -= 40
	}
	if month > 80 {
		month -= 80
	} else if month > 40 {
		month -= 40
	}
	if day < 1 || month < 1 || month > 12 {
		return false
	}
	year := 1900 + yy
	if yy == 0 && ind >= 500 {
		year = 2000
	}
	// The last day of the month is the day before the first of the next.
	last := time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
	return day <= last
}

// FuzzCheckOrganizationNumber: CheckOrganizationNumber agrees with an
// independent oracle: 9 ASCII digits, not one digit repeated, and the
// modulus-11 check digit.
func FuzzCheckOrganizationNumber(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		err := domain.CheckOrganizationNumber(s)
		want := len(s) == 9 && strings.Trim(s, "0123456789") == "" && strings.Count(s, s[:1]) != 9
		if want {
			k, ok := checkDigit(s, testOrgWeights)
			want = ok && k == int(s[8]-'0')
		}
		if (err == nil) != want {
			t.Fatalf("CheckOrganizationNumber(%q) = %v, oracle says valid=%v", s, err, want)
		}
	})
}

// FuzzCheckText: text CheckText accepts holds no control character but, in
// free text, tab and line breaks, and is valid UTF-8; one line is a stricter
// rule than free text.
func FuzzCheckText(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string, multiline bool) {
		err := domain.CheckText(s, multiline)
		if err != nil {
			if !multiline && domain.CheckText(s, true) == nil && strings.IndexFunc(s, func(r rune) bool { return r == '\t' || r == '\n' || r == '\r' }) < 0 {
				t.Fatalf("%q refused on one line (%v) but not as free text, without a line break", s, err)
			}
			return
		}
		if !utf8.ValidString(s) {
			t.Fatalf("accepted invalid UTF-8 %q", s)
		}
		for _, r := range s {
			if unicode.IsControl(r) && !(multiline && (r == '\t' || r == '\n' || r == '\r')) {
				t.Fatalf("accepted %q holding %U (multiline %v)", s, r, multiline)
			}
		}
		if !multiline && domain.CheckText(s, true) != nil {
			t.Fatalf("%q accepted on one line but refused as free text", s)
		}
	})
}
