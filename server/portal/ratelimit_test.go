package portal

import (
	"strconv"
	"testing"
	"time"
)

// fail reserves an attempt that then fails, as a wrong password does.
func fail(t *testing.T, l *limiter, ip, account string, now time.Time) {
	t.Helper()
	if _, wait := l.reserve(ip, account, now); wait != 0 {
		t.Fatalf("attempt for %s from %s refused (wait %v)", account, ip, wait)
	}
}

// wait is how long until an attempt may be tried; 0 reserves one.
func wait(l *limiter, ip, account string, now time.Time) time.Duration {
	_, w := l.reserve(ip, account, now)
	return w
}

func TestLimiterWindows(t *testing.T) {
	l := newLimiter(LoginLimit{PerAccount: 2, PerIP: 4, Window: time.Minute})
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	fail(t, l, "1.1.1.1", "a", t0)
	fail(t, l, "1.1.1.1", "a", t0.Add(10*time.Second))
	if w := wait(l, "1.1.1.1", "a", t0.Add(20*time.Second)); w != 40*time.Second {
		t.Fatalf("account limit: wait %v, want the rest of the window, 40s", w)
	}
	// Another account from the same IP is still allowed, until the IP's limit.
	fail(t, l, "1.1.1.1", "b", t0.Add(20*time.Second))
	fail(t, l, "1.1.1.1", "b", t0.Add(20*time.Second))
	if w := wait(l, "1.1.1.1", "c", t0.Add(20*time.Second)); w == 0 {
		t.Fatal("IP limit not applied")
	}
	// The same account from another IP is limited too: guessing is per account.
	if w := wait(l, "2.2.2.2", "a", t0.Add(20*time.Second)); w == 0 {
		t.Fatal("account limit not applied from another IP")
	}
	// Windows end.
	if w := wait(l, "1.1.1.1", "a", t0.Add(time.Minute)); w != 0 {
		t.Fatalf("after the window: wait %v", w)
	}
}

// TestLimiterReservesBeforeChecking: attempts count when they are let in,
// not when they fail, so attempts still running use up the limit; a
// success clears the account and gives the address its attempt back, and
// a cancelled attempt gives both back.
func TestLimiterReservesBeforeChecking(t *testing.T) {
	l := newLimiter(LoginLimit{PerAccount: 3, PerIP: 5, Window: time.Minute})
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	var running []*attempt
	for range 3 {
		a, w := l.reserve("1.1.1.1", "a", t0)
		if w != 0 {
			t.Fatalf("attempt %d refused", len(running)+1)
		}
		running = append(running, a)
	}
	// None has finished, yet a fourth is refused.
	if w := wait(l, "1.1.1.1", "a", t0); w == 0 {
		t.Fatal("a fourth concurrent attempt was let in")
	}
	running[0].cancel()
	a, w := l.reserve("1.1.1.1", "a", t0)
	if w != 0 {
		t.Fatal("a cancelled attempt was not given back")
	}
	a.succeeded()
	// The account is clear; the address has 2 attempts counted (running[1], running[2]).
	for i := range 3 {
		if _, w := l.reserve("1.1.1.1", "b", t0); w != 0 {
			t.Fatalf("address limit reached after %d attempts, want 3 more", i)
		}
	}
	if w := wait(l, "1.1.1.1", "c", t0); w == 0 {
		t.Fatal("address limit not applied")
	}
	// A success in a new window does not give back an attempt of the old one.
	b, _ := l.reserve("9.9.9.9", "d", t0)
	c, _ := l.reserve("9.9.9.9", "e", t0.Add(2*time.Minute))
	b.succeeded()
	if got := l.attempts[ipKey("9.9.9.9")].count; got != 1 || c == nil {
		t.Fatalf("new window's count %d after an old attempt succeeded, want 1", got)
	}
}

// TestLimiterIPv6Prefix: the addresses of one IPv6 /64 share one limit.
func TestLimiterIPv6Prefix(t *testing.T) {
	t.Parallel()
	l := newLimiter(LoginLimit{PerAccount: 100, PerIP: 2, Window: time.Minute})
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	fail(t, l, "2001:db8:1:2::1", "a", t0)
	fail(t, l, "2001:db8:1:2:ffff::9", "b", t0)
	if w := wait(l, "2001:db8:1:2::abcd", "c", t0); w == 0 {
		t.Fatal("another address of the same /64 was not limited")
	}
	if w := wait(l, "2001:db8:1:3::1", "c", t0); w != 0 {
		t.Fatal("another /64 was limited")
	}
	if w := wait(l, "::ffff:192.0.2.1", "c", t0); w != 0 {
		t.Fatal("an IPv4-mapped address was taken as a /64")
	}
}

func TestLimiterMemoryIsBounded(t *testing.T) {
	l := newLimiter(LoginLimit{PerIP: 1 << 30})
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	for i := range maxTracked {
		fail(t, l, "10.0.0.1", strconv.Itoa(i), t0)
	}
	if n := len(l.attempts); n > maxTracked {
		t.Fatalf("%d entries, want at most %d", n, maxTracked)
	}
}
