package portal

import (
	"testing"
	"time"
)

func TestLimiterWindows(t *testing.T) {
	l := newLimiter(LoginLimit{PerAccount: 2, PerIP: 3, Window: time.Minute})
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	l.fail("1.1.1.1", "a", t0)
	if w := l.wait("1.1.1.1", "a", t0); w != 0 {
		t.Fatalf("after one failure: wait %v", w)
	}
	l.fail("1.1.1.1", "a", t0.Add(10*time.Second))
	if w := l.wait("1.1.1.1", "a", t0.Add(20*time.Second)); w != 40*time.Second {
		t.Fatalf("account limit: wait %v, want the rest of the window, 40s", w)
	}
	// Another account from the same IP is still allowed, until the IP's limit.
	if w := l.wait("1.1.1.1", "b", t0.Add(20*time.Second)); w != 0 {
		t.Fatalf("other account: wait %v", w)
	}
	l.fail("1.1.1.1", "b", t0.Add(20*time.Second))
	if w := l.wait("1.1.1.1", "c", t0.Add(20*time.Second)); w == 0 {
		t.Fatal("IP limit not applied")
	}
	// The same account from another IP is limited too: guessing is per account.
	if w := l.wait("2.2.2.2", "a", t0.Add(20*time.Second)); w == 0 {
		t.Fatal("account limit not applied from another IP")
	}
	// Windows end.
	if w := l.wait("1.1.1.1", "a", t0.Add(time.Minute)); w != 0 {
		t.Fatalf("after the window: wait %v", w)
	}
	// Success clears the account but not the IP.
	l.fail("3.3.3.3", "d", t0)
	l.fail("3.3.3.3", "d", t0)
	l.fail("3.3.3.3", "e", t0)
	l.succeed("d")
	if w := l.wait("4.4.4.4", "d", t0); w != 0 {
		t.Fatalf("after success: wait %v", w)
	}
	if w := l.wait("3.3.3.3", "f", t0); w == 0 {
		t.Fatal("success reset the IP's count")
	}
}

func TestLimiterMemoryIsBounded(t *testing.T) {
	l := newLimiter(LoginLimit{})
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	for i := range maxTracked {
		l.fail("10.0.0.1", string(rune(i+0x1000)), t0)
	}
	if n := len(l.failures); n > maxTracked {
		t.Fatalf("%d entries, want at most %d", n, maxTracked)
	}
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"":                                  Prefix,
		Prefix + "/status":                  Prefix + "/status",
		Prefix + "?x=1":                     Prefix + "?x=1",
		"//evil.example/manuell-innsending": Prefix,
		"https://evil.example" + Prefix:     Prefix,
		"/mailbox/":                         Prefix,
		Prefix + "/login":                   Prefix,
		Prefix + "-annet":                   Prefix,
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}
