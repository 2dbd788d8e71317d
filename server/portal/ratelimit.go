package portal

import (
	"sync"
	"time"
)

// LoginLimit bounds password guessing: after PerAccount failed logins for
// one organisation and address, or PerIP failures from one address, within
// Window, further attempts are refused until the window has passed.
// Zero fields take the defaults: 5, 20 and 15 minutes.
type LoginLimit struct {
	PerAccount int
	PerIP      int
	Window     time.Duration
}

// maxTracked bounds the limiter's memory. Past it, windows that have ended
// are dropped, then arbitrary ones: the limit weakens under a flood from
// very many addresses, but memory never grows without bound.
const maxTracked = 100_000

// limiter counts failed logins in fixed windows. It is in memory and per
// process: with several instances an attacker gets the limit once per
// instance, which is still a small number of guesses per window.
type limiter struct {
	cfg LoginLimit

	mu       sync.Mutex
	failures map[string]*window
}

type window struct {
	start time.Time
	count int
}

func newLimiter(cfg LoginLimit) *limiter {
	if cfg.PerAccount <= 0 {
		cfg.PerAccount = 5
	}
	if cfg.PerIP <= 0 {
		cfg.PerIP = 20
	}
	if cfg.Window <= 0 {
		cfg.Window = 15 * time.Minute
	}
	return &limiter{cfg: cfg, failures: map[string]*window{}}
}

// Keys of the two counters; the prefixes keep an IP from colliding with an
// account.
func ipKey(ip string) string           { return "ip\x00" + ip }
func accountKey(account string) string { return "acct\x00" + account }

// wait returns how long until a login for account from ip may be tried
// again, or 0 if it may be tried now.
func (l *limiter) wait(ip, account string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	var longest time.Duration
	for _, k := range []struct {
		key   string
		limit int
	}{{ipKey(ip), l.cfg.PerIP}, {accountKey(account), l.cfg.PerAccount}} {
		w, ok := l.failures[k.key]
		if !ok {
			continue
		}
		left := w.start.Add(l.cfg.Window).Sub(now)
		if left <= 0 {
			delete(l.failures, k.key)
			continue
		}
		if w.count >= k.limit && left > longest {
			longest = left
		}
	}
	return longest
}

// fail counts a failed login.
func (l *limiter) fail(ip, account string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, key := range []string{ipKey(ip), accountKey(account)} {
		w, ok := l.failures[key]
		if !ok || !now.Before(w.start.Add(l.cfg.Window)) {
			l.makeRoom(now)
			w = &window{start: now}
			l.failures[key] = w
		}
		w.count++
	}
}

// succeed clears the account's failures: the right password was known. The
// IP's count stays, so one valid account cannot be used to reset guessing
// at others.
func (l *limiter) succeed(account string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.failures, accountKey(account))
}

// makeRoom keeps the map under maxTracked entries; l.mu is held.
func (l *limiter) makeRoom(now time.Time) {
	if len(l.failures) < maxTracked {
		return
	}
	for k, w := range l.failures {
		if !now.Before(w.start.Add(l.cfg.Window)) {
			delete(l.failures, k)
		}
	}
	for k := range l.failures {
		if len(l.failures) < maxTracked {
			break
		}
		delete(l.failures, k)
	}
}
