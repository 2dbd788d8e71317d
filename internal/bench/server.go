package bench

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"crypto/rand"
	"encoding/hex"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// orgNumber is a valid organisation number for the one organisation the
// benchmark sends as.
const orgNumber = "910000004"

// stopTimeout bounds how long a stopping server may take before it is killed.
const stopTimeout = 15 * time.Second

// server is a `svarsign serve` child process on a loopback port.
type server struct {
	url   string
	key   string
	cmd   *exec.Cmd
	done  chan error // the result of cmd.Wait
	tail  *tailBuffer
	clean func() // drops the PostgreSQL schema, if any
}

// startServer creates a fresh data folder (and, for PostgreSQL, a schema of
// its own), an organisation and an API key with the admin commands, then
// starts the server and waits until it says where it serves.
func startServer(ctx context.Context, exe, dataDir, dbURL string) (_ *server, err error) {
	s := &server{tail: &tailBuffer{max: 8 << 10}, clean: func() {}}
	defer func() {
		if err != nil {
			s.clean()
		}
	}()
	storage := []string{"--data", dataDir}
	if dbURL != "" {
		dsn, drop, err := postgresSchema(ctx, dbURL)
		if err != nil {
			return nil, err
		}
		s.clean = drop
		storage = append(storage, "--db", dsn)
	}
	if _, err := runAdmin(ctx, exe, append([]string{"admin", "org", "create", "--number", orgNumber, "--name", "Bench kommune"}, storage...)); err != nil {
		return nil, err
	}
	out, err := runAdmin(ctx, exe, append([]string{"admin", "key", "create", "--org", orgNumber, "--label", "bench"}, storage...))
	if err != nil {
		return nil, err
	}
	s.key = strings.TrimSpace(out)

	// The simulated ID-porten login lets the bench sign as citizens do, in
	// the mailbox; the server is on loopback and gone after the run.
	s.cmd = exec.Command(exe, append([]string{"serve", "--addr", "127.0.0.1:0", "--simulated-login"}, storage...)...)
	s.cmd.Env = cleanEnv()
	stderr, err := s.cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting svarsign serve: %w", err)
	}
	s.done = make(chan error, 1)
	found := make(chan string, 1)
	// The server's log is drained all along, so that it never blocks on a
	// full pipe; its tail explains a failure.
	go func() {
		re := regexp.MustCompile(`svarsign serving on (\S+) `)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			s.tail.add(line)
			if m := re.FindStringSubmatch(line); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
		}
		_, _ = io.Copy(io.Discard, stderr)
		s.done <- s.cmd.Wait()
	}()
	timer := time.NewTimer(60 * time.Second)
	defer timer.Stop()
	select {
	case s.url = <-found:
		return s, nil
	case err := <-s.done:
		s.done <- err
		return nil, fmt.Errorf("svarsign serve exited before serving (%v):\n%s", err, s.tail)
	case <-timer.C:
		s.stop()
		return nil, fmt.Errorf("svarsign serve did not start within 60s:\n%s", s.tail)
	case <-ctx.Done():
		s.stop()
		return nil, ctx.Err()
	}
}

// stop ends the server with SIGTERM, as an operator would, and kills it if
// it takes longer than stopTimeout; then it drops the schema.
func (s *server) stop() error {
	defer s.clean()
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	timer := time.NewTimer(stopTimeout)
	defer timer.Stop()
	select {
	case err := <-s.done:
		if err != nil {
			return fmt.Errorf("svarsign serve stopped with %v:\n%s", err, s.tail)
		}
		return nil
	case <-timer.C:
		_ = s.cmd.Process.Kill()
		<-s.done
		return fmt.Errorf("svarsign serve did not stop within %v; killed", stopTimeout)
	}
}

// resetPeakRSS clears the server's VmHWM so that the next reading is the
// peak of one workload (Linux: writing 5 to clear_refs). Where that is not
// allowed, peakRSS reports the peak since start.
func (s *server) resetPeakRSS() {
	_ = os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", s.cmd.Process.Pid), []byte("5"), 0)
}

// peakRSS is the server's VmHWM in bytes.
func (s *server) peakRSS() (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0, fmt.Errorf("reading the server's peak RSS: %w", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("parsing VmHWM %q: %w", v, err)
			}
			return kb << 10, nil
		}
	}
	return 0, errors.New("no VmHWM in /proc status")
}

func runAdmin(ctx context.Context, exe string, args []string) (string, error) {
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Env = cleanEnv()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("svarsign %s: %w: %s", strings.Join(args[:3], " "), err, strings.TrimSpace(stderr.String()))
	}
	return string(out), nil
}

// cleanEnv is this process's environment without SVARSIGN_ settings, which
// could point the child at another database or metrics port.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SVARSIGN_") {
			env = append(env, kv)
		}
	}
	return env
}

// postgresSchema creates a schema of the run's own on the server named by
// dbURL and returns a URL using it, and a function dropping it.
func postgresSchema(ctx context.Context, dbURL string) (string, func(), error) {
	cfg, err := pgx.ParseConfig(dbURL)
	if err != nil {
		return "", nil, fmt.Errorf("parsing --db: %w", err)
	}
	admin := stdlib.OpenDB(*cfg)
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	schema := "svarsign_bench_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		_ = admin.Close()
		return "", nil, fmt.Errorf("postgres: creating schema: %w", err)
	}
	drop := func() { dropSchema(admin, schema) }
	u, err := url.Parse(dbURL)
	if err != nil {
		drop()
		return "", nil, fmt.Errorf("parsing --db: %w", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), drop, nil
}

func dropSchema(admin *sql.DB, schema string) {
	defer admin.Close()
	// The run's context may be canceled by now; dropping must still happen.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, _ = admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE")
}

// tailBuffer keeps the last lines of a log, up to max bytes.
type tailBuffer struct {
	mu    sync.Mutex
	max   int
	lines []string
	size  int
}

func (t *tailBuffer) add(line string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.lines = append(t.lines, line)
	t.size += len(line) + 1
	for t.size > t.max && len(t.lines) > 1 {
		t.size -= len(t.lines[0]) + 1
		t.lines = t.lines[1:]
	}
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.Join(t.lines, "\n")
}
