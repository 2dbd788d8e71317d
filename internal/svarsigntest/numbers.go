package svarsigntest

import (
	"fmt"
	"time"
)

// PersonNumber builds a valid national identity number for a birth date and
// a three-digit individual number, or "" when the check digit would be 10
// (such numbers are never issued; pick another individual number).
func PersonNumber(birth time.Time, individual int) string {
	base := fmt.Sprintf("%02d%02d%02d%03d", birth.Day(), int(birth.Month()), birth.Year()%100, individual)
	k1 := mod11(base, []int{3, 7, 6, 1, 8, 9, 4, 5, 2})
	if k1 < 0 {
		return ""
	}
	base += fmt.Sprint(k1)
	k2 := mod11(base, []int{5, 4, 3, 2, 7, 6, 5, 4, 3, 2})
	if k2 < 0 {
		return ""
	}
	return base + fmt.Sprint(k2)
}

// Person returns the n-th valid test person number (n from 0).
func Person(n int) string {
	birth := time.Date(1985, 3, 14, 0, 0, 0, 0, time.UTC)
	for ind := 100; ; ind++ {
		if p := PersonNumber(birth, ind); p != "" {
			if n == 0 {
				return p
			}
			n--
		}
	}
}

// OrgNumber returns the n-th valid organisation number starting with 9 (n from 0).
func OrgNumber(n int) string {
	for base := 91000000; ; base++ {
		s := fmt.Sprint(base)
		if k := mod11(s, []int{3, 2, 7, 6, 5, 4, 3, 2}); k >= 0 {
			if n == 0 {
				return s + fmt.Sprint(k)
			}
			n--
		}
	}
}

func mod11(digits string, weights []int) int {
	sum := 0
	for i, w := range weights {
		sum += int(digits[i]-'0') * w
	}
	k := 11 - sum%11
	switch k {
	case 11:
		return 0
	case 10:
		return -1
	}
	return k
}
