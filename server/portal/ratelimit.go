package portal

import (
	"crypto/sha256"
	"net/netip"
	"sync"
	"time"
)

// LoginLimit bounds password guessing: at most PerAccount login attempts
// for one organisation and address, and PerIP from one address, are
// checked within Window; further attempts are refused, even with the right
// password, until the window has passed. A successful login gives its
// attempt back. Zero fields take the defaults: 5, 20 and 15 minutes.
type LoginLimit struct {
	PerAccount int
	PerIP      int
	Window     time.Duration
}

// maxTracked bounds the limiter's memory. Past it, windows that have ended
// are dropped, then arbitrary ones: the limit weakens under a flood from
// very many addresses, but memory never grows without bound.
const maxTracked = 100_000

// limiter counts login attempts in fixed windows. An attempt is counted
// (reserved) before its password is hashed, under the lock that also
// checks the limit, so concurrent attempts cannot all pass the check
// before any of them is counted: within a window at most the limit of
// passwords is ever compared. It is in memory and per process: with several
// instances an attacker gets the limit once per instance, which is still a
// small number of guesses per window.
type limiter struct {
	cfg LoginLimit

	mu       sync.Mutex
	attempts map[string]*window
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
	return &limiter{cfg: cfg, attempts: map[string]*window{}}
}

// Keys of the two counters; the prefixes keep an IP from colliding with an
// account. An IPv6 address counts as its /64, which one subscriber usually
// holds whole: otherwise each of its 2^64 addresses would get its own
// limit. The account, as typed into the form, is hashed so that every
// entry is small however long the fields were.
func ipKey(ip string) string {
	if a, err := netip.ParseAddr(ip); err == nil && a.Is6() && !a.Is4In6() {
		p, _ := a.Prefix(64)
		ip = p.String()
	}
	return "ip\x00" + ip
}

func accountKey(account string) string {
	sum := sha256.Sum256([]byte(account))
	return "acct\x00" + string(sum[:])
}

// attempt is a reserved login attempt; its password may now be checked.
type attempt struct {
	l *limiter
	// The keys of the two counters and the windows that counted it.
	ipKey, aKey string
	ip, acct    *window
}

// reserve counts a login attempt for account from ip, or returns how long
// until one may be tried again when either limit is reached; then nothing
// is counted.
func (l *limiter) reserve(ip, account string, now time.Time) (*attempt, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	a := &attempt{l: l, ipKey: ipKey(ip), aKey: accountKey(account)}
	var longest time.Duration
	for _, k := range []struct {
		key   string
		limit int
	}{{a.ipKey, l.cfg.PerIP}, {a.aKey, l.cfg.PerAccount}} {
		w, ok := l.attempts[k.key]
		if !ok {
			continue
		}
		left := w.start.Add(l.cfg.Window).Sub(now)
		if left <= 0 {
			delete(l.attempts, k.key)
			continue
		}
		if w.count >= k.limit && left > longest {
			longest = left
		}
	}
	if longest > 0 {
		return nil, longest
	}
	a.ip, a.acct = l.count(a.ipKey, now), l.count(a.aKey, now)
	return a, 0
}

// count adds one to key's current window, opening one if needed; l.mu is held.
func (l *limiter) count(key string, now time.Time) *window {
	w, ok := l.attempts[key]
	if !ok || !now.Before(w.start.Add(l.cfg.Window)) {
		l.makeRoom(now)
		w = &window{start: now}
		l.attempts[key] = w
	}
	w.count++
	return w
}

// succeeded ends a reserved attempt whose password was right: the
// account's count is cleared, and the address gets its attempt back, so
// that the logins of an office behind one address never lock it out. Only
// the address's window that counted the attempt is touched.
func (a *attempt) succeeded() {
	a.l.mu.Lock()
	defer a.l.mu.Unlock()
	delete(a.l.attempts, a.aKey)
	a.l.giveBack(a.ipKey, a.ip)
}

// cancel gives a reserved attempt back when no password was compared
// (the request went away or the database failed first): nothing was
// learnt, so nothing counts.
func (a *attempt) cancel() {
	a.l.mu.Lock()
	defer a.l.mu.Unlock()
	a.l.giveBack(a.ipKey, a.ip)
	a.l.giveBack(a.aKey, a.acct)
}

// giveBack undoes one count in w if it is still key's window; l.mu is held.
func (l *limiter) giveBack(key string, w *window) {
	if cur, ok := l.attempts[key]; ok && cur == w && w.count > 0 {
		w.count--
	}
}

// makeRoom keeps the map under maxTracked entries; l.mu is held.
func (l *limiter) makeRoom(now time.Time) {
	if len(l.attempts) < maxTracked {
		return
	}
	for k, w := range l.attempts {
		if !now.Before(w.start.Add(l.cfg.Window)) {
			delete(l.attempts, k)
		}
	}
	for k := range l.attempts {
		if len(l.attempts) < maxTracked {
			break
		}
		delete(l.attempts, k)
	}
}
