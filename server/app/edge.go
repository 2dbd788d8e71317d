package app

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// The edge of the service: what any client, authenticated or not, can make
// the process hold. Every connection costs a file descriptor, so their
// number is capped below the descriptor limit; a connection that stalls
// (no request headers, no body bytes, no response taken) is cut off after
// a while; and headers are bounded. The limits are on progress, not on
// total time, so a large upload or a long event stream at any reasonable
// speed is never cut.

const (
	defaultReadHeaderTimeout = 10 * time.Second
	defaultIdleTimeout       = 2 * time.Minute
	defaultBodyIdleTimeout   = 30 * time.Second
	// maxHeaderBytes bounds a request's headers, HTTP/1 and HTTP/2 alike
	// (net/http's default is 1 MiB).
	maxHeaderBytes = 64 << 10
	// maxConcurrentStreams bounds the calls one HTTP/2 connection runs at once.
	maxConcurrentStreams = 100
	// maxFormBytes bounds the form posts of the web pages (login, logout).
	maxFormBytes = 64 << 10
)

// fdReserve is how many file descriptors are kept for the database, the
// log, the signing CA and outgoing webhook calls; fdsPerConn is what one
// client connection may hold at once: its socket and a document being
// stored or read.
const (
	fdReserve  = 64
	fdsPerConn = 2
)

// connectionBudget is how many client connections fit under a descriptor
// limit of nofile.
func connectionBudget(nofile uint64) int {
	reserve := min(uint64(fdReserve), nofile/4)
	return max(1, int((nofile-reserve)/fdsPerConn))
}

// connLimiter is a listener that holds at most max connections open. When
// all are in use it first closes a connection that sits idle between
// requests; failing that, Accept waits for one to close, and further
// clients wait in the kernel's accept queue, which costs the process no
// descriptor and serves them in the order they came. Every connection
// also gets a deadline on writing: a peer that takes none of a response
// for writeIdle loses the connection.
type connLimiter struct {
	net.Listener
	log       *slog.Logger
	writeIdle time.Duration
	slots     chan struct{}
	done      chan struct{}
	closeOnce sync.Once
	// idle is poked when a connection goes idle while Accept waits.
	idle chan struct{}
	full atomic.Bool

	mu    sync.Mutex
	conns map[*limitedConn]struct{}
}

func newConnLimiter(ln net.Listener, max int, writeIdle time.Duration, log *slog.Logger) *connLimiter {
	return &connLimiter{
		Listener: ln, log: log, writeIdle: writeIdle,
		slots: make(chan struct{}, max), done: make(chan struct{}), idle: make(chan struct{}, 1),
		conns: map[*limitedConn]struct{}{},
	}
}

// Accept implements net.Listener.
func (l *connLimiter) Accept() (net.Conn, error) {
	if !l.acquire() {
		return nil, net.ErrClosed
	}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.slots
		return nil, err
	}
	lc := &limitedConn{Conn: c, l: l}
	l.mu.Lock()
	l.conns[lc] = struct{}{}
	l.mu.Unlock()
	return lc, nil
}

func (l *connLimiter) acquire() bool {
	select {
	case l.slots <- struct{}{}:
		l.full.Store(false)
		return true
	default:
	}
	if !l.full.Swap(true) {
		l.log.Warn("connection limit reached: closing idle connections, new ones wait", "max_connections", cap(l.slots))
	}
	for {
		l.closeIdle()
		select {
		case l.slots <- struct{}{}:
			return true
		case <-l.idle:
		case <-l.done:
			return false
		}
	}
}

// closeIdle closes one connection that is between requests, if there is
// one: the cheapest to lose, as http.Server.Shutdown also judges.
func (l *connLimiter) closeIdle() {
	l.mu.Lock()
	var victim *limitedConn
	for c := range l.conns {
		if http.ConnState(c.state.Load()) == http.StateIdle {
			victim = c
			break
		}
	}
	l.mu.Unlock()
	if victim != nil {
		victim.Close()
	}
}

// trackState is the http.Server's ConnState hook.
func (l *connLimiter) trackState(c net.Conn, s http.ConnState) {
	lc, ok := c.(*limitedConn)
	if !ok {
		return
	}
	lc.state.Store(int32(s))
	if s == http.StateIdle && l.full.Load() {
		select {
		case l.idle <- struct{}{}:
		default:
		}
	}
}

// Close implements net.Listener.
func (l *connLimiter) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return l.Listener.Close()
}

type limitedConn struct {
	net.Conn
	l         *connLimiter
	state     atomic.Int32
	closeOnce sync.Once
}

// Write gives each write writeIdle to make progress. The server sets no
// write deadline of its own (no http.Server.WriteTimeout), so this one is
// never in the way of another.
func (c *limitedConn) Write(p []byte) (int, error) {
	c.Conn.SetWriteDeadline(time.Now().Add(c.l.writeIdle))
	return c.Conn.Write(p)
}

// CloseWrite lets net/http half-close a connection it is about to drop,
// so the client reads the last answer before the connection goes.
func (c *limitedConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.closeOnce.Do(func() {
		c.l.mu.Lock()
		delete(c.l.conns, c)
		c.l.mu.Unlock()
		<-c.l.slots
	})
	return err
}

// pipeListener hands out in-memory connections: the JSON facade reaches the
// gRPC services through it, so its calls take neither a descriptor nor a
// place under the connection cap, and are not subject to the body
// deadlines (the facade's own request is).
type pipeListener struct {
	conns     chan net.Conn
	done      chan struct{}
	closeOnce sync.Once
}

func newPipeListener() *pipeListener {
	return &pipeListener{conns: make(chan net.Conn), done: make(chan struct{})}
}

// internalConn is the server's end of a pipeListener connection.
type internalConn struct{ net.Conn }

// Dial connects to the listener; it is the facade's gRPC dialer.
func (l *pipeListener) Dial(ctx context.Context, _ string) (net.Conn, error) {
	client, server := net.Pipe()
	select {
	case l.conns <- internalConn{server}:
		return client, nil
	case <-l.done:
		return nil, net.ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Accept implements net.Listener.
func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

// Close implements net.Listener.
func (l *pipeListener) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return nil
}

// Addr implements net.Listener.
func (l *pipeListener) Addr() net.Addr { return pipeAddr{} }

type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "facade" }

type internalKey struct{}

// connContext marks requests that arrive over the facade's pipe.
func connContext(ctx context.Context, c net.Conn) context.Context {
	if _, ok := c.(internalConn); ok {
		return context.WithValue(ctx, internalKey{}, true)
	}
	return ctx
}

func isInternal(ctx context.Context) bool {
	internal, _ := ctx.Value(internalKey{}).(bool)
	return internal
}

// bodyDeadline cuts off a request whose body stalls: each read of the body
// must make progress within idle, however long the whole body takes. On
// HTTP/1 a stall fails the connection's read, and the connection is closed;
// on HTTP/2 it ends just that stream (a gRPC upload among others on the
// same connection).
//
// On HTTP/2 it also bounds writes: a stream whose peer grants no room for
// the response (flow control) for idle is reset. On HTTP/1 the connection's
// write deadline does that (see limitedConn).
func bodyDeadline(h http.Handler, idle time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isInternal(r.Context()) {
			h.ServeHTTP(w, r)
			return
		}
		rc := http.NewResponseController(w)
		if r.ProtoMajor == 2 {
			w = &progressWriter{ResponseWriter: w, rc: rc, idle: idle}
		}
		if r.Body != nil && r.Body != http.NoBody {
			if r.ProtoMajor == 1 {
				// Should the handler answer without reading the body,
				// net/http reads up to 256 KiB of it to keep the
				// connection: that read is bounded too.
				rc.SetReadDeadline(time.Now().Add(idle))
			}
			// A copy: net/http looks at its own request's body after the
			// handler, to decide whether the connection can be kept.
			r = r.WithContext(r.Context())
			r.Body = &progressBody{ReadCloser: r.Body, rc: rc, idle: idle}
		}
		h.ServeHTTP(w, r)
	})
}

type progressBody struct {
	io.ReadCloser
	rc   *http.ResponseController
	idle time.Duration
	eof  bool
	// renew is when the deadline is next moved. Moving it on every read
	// costs an upload some 8% of its speed; moving it once per idle/8 cuts
	// a stalled body after between 7/8 of idle and idle.
	renew time.Time
}

func (b *progressBody) Read(p []byte) (int, error) {
	if b.eof {
		return b.ReadCloser.Read(p)
	}
	// Deadlines are the network's, so wall time, never Config.Clock.
	if now := time.Now(); !now.Before(b.renew) {
		b.rc.SetReadDeadline(now.Add(b.idle))
		b.renew = now.Add(b.idle / 8)
	}
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		// On HTTP/1 the server now waits on the connection for the
		// client to hang up; that wait has no deadline.
		b.eof = true
		b.rc.SetReadDeadline(time.Time{})
	}
	return n, err
}

// progressWriter gives each write of an HTTP/2 response idle to go out.
// It keeps http.Flusher, which Connect requires, and unwraps for
// http.ResponseController.
type progressWriter struct {
	http.ResponseWriter
	rc   *http.ResponseController
	idle time.Duration
}

func (w *progressWriter) Write(p []byte) (int, error) {
	w.rc.SetWriteDeadline(time.Now().Add(w.idle))
	defer w.rc.SetWriteDeadline(time.Time{})
	return w.ResponseWriter.Write(p)
}

func (w *progressWriter) Flush() {
	w.rc.SetWriteDeadline(time.Now().Add(w.idle))
	defer w.rc.SetWriteDeadline(time.Time{})
	w.rc.Flush()
}

func (w *progressWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// limitBody bounds the body of every request to h, for handlers that read
// only small forms.
func limitBody(h http.Handler, n int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = r.WithContext(r.Context())
		r.Body = http.MaxBytesReader(w, r.Body, n)
		h.ServeHTTP(w, r)
	})
}
