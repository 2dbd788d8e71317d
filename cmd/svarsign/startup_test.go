package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	st "github.com/svarsign/svarsign/internal/svarsigntest"
	"github.com/svarsign/svarsign/server/database/databasetest"
)

// buildSvarsign returns the real binary, built once for all the package's
// tests (see TestMain); under -short it skips t.
func buildSvarsign(t *testing.T) string {
	t.Helper()
	return svarsignBinary.Path(t)
}

// result is how a finished svarsign process ended.
type result struct {
	args           []string
	code           int
	stdout, stderr string
}

func (r result) String() string {
	return fmt.Sprintf("svarsign %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(r.args, " "), r.code, r.stdout, r.stderr)
}

// runSvarsign runs bin with args to its end, or until ctx is done.
func runSvarsign(ctx context.Context, t *testing.T, bin string, args ...string) result {
	t.Helper()
	cmd := exec.CommandContext(ctx, bin, args...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.Stdin = strings.NewReader("")
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	r := result{args: args, stdout: stdout.String(), stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		r.code = exit.ExitCode()
	default:
		t.Errorf("svarsign %s: %v", strings.Join(args, " "), err)
		r.code = -1
	}
	return r
}

// server is a running `svarsign serve`.
type server struct {
	cmd    *exec.Cmd
	stderr st.LogBuffer
	addr   chan string // the listen address, once serving
	done   chan error  // Wait's result, once the process ended
}

var listeningLine = regexp.MustCompile(`svarsign listening.* addr=(\S+)`)

// startServe starts `svarsign serve` with args; it is killed at cleanup if
// still running.
func startServe(ctx context.Context, t *testing.T, bin string, args ...string) *server {
	t.Helper()
	s := &server{cmd: exec.CommandContext(ctx, bin, append([]string{"serve"}, args...)...), addr: make(chan string, 1), done: make(chan error, 1)}
	s.cmd.WaitDelay = 5 * time.Second
	pipe, err := s.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			s.stderr.Write([]byte(sc.Text() + "\n"))
			if m := listeningLine.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case s.addr <- m[1]:
				default:
				}
			}
		}
		s.done <- s.cmd.Wait()
	}()
	t.Cleanup(func() {
		s.cmd.Process.Kill()
		<-s.done
		s.done <- nil
	})
	return s
}

// waitListening returns the address s listens on, or fails if s ends or
// ctx is done first.
func (s *server) waitListening(ctx context.Context) (string, error) {
	select {
	case addr := <-s.addr:
		return addr, nil
	case err := <-s.done:
		s.done <- err
		return "", fmt.Errorf("serve ended before listening (%v):\n%s", err, s.stderr.String())
	case <-ctx.Done():
		return "", fmt.Errorf("serve not listening: %w\n%s", ctx.Err(), s.stderr.String())
	}
}

// stop ends s as SIGTERM would and returns how it exited.
func (s *server) stop(ctx context.Context) error {
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return err
	}
	select {
	case err := <-s.done:
		s.done <- err
		return err
	case <-ctx.Done():
		return fmt.Errorf("serve did not stop on SIGTERM: %w", ctx.Err())
	}
}

// TestStartTogether starts 20 processes at once on a fresh data folder, as
// the README's `serve &` followed by `admin org create` does, only more so:
// 4 `serve` and 16 `admin org create`, each admin then creating an API key.
// Every one must succeed, and every server must then answer with each key.
func TestStartTogether(t *testing.T) {
	t.Parallel()
	bin := buildSvarsign(t)
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		startTogether(t, bin, filepath.Join(t.TempDir(), "data"))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		dsn := databasetest.PostgresDSN(t)
		startTogether(t, bin, filepath.Join(t.TempDir(), "data"), "--db", dsn)
	})
}

func startTogether(t *testing.T, bin, data string, dbArgs ...string) {
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	const servers, admins = 4, 16
	storage := append([]string{"--data", data}, dbArgs...)

	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		keys    []string
		start   = make(chan struct{})
		serving = make([]*server, servers)
	)
	for i := range admins {
		wg.Go(func() {
			<-start
			org := st.OrgNumber(i)
			r := runSvarsign(ctx, t, bin, append([]string{"admin", "org", "create", "--number", org, "--name", fmt.Sprintf("Kommune %d", i)}, storage...)...)
			if r.code != 0 {
				t.Errorf("%v", r)
				return
			}
			r = runSvarsign(ctx, t, bin, append([]string{"admin", "key", "create", "--org", org}, storage...)...)
			if r.code != 0 || !strings.HasPrefix(r.stdout, "svs_") {
				t.Errorf("%v", r)
				return
			}
			mu.Lock()
			keys = append(keys, strings.TrimSpace(r.stdout))
			mu.Unlock()
		})
	}
	close(start)
	for i := range servers {
		serving[i] = startServe(ctx, t, bin, append([]string{"--addr", "127.0.0.1:0"}, storage...)...)
	}
	addrs := make([]string, servers)
	for i, s := range serving {
		addr, err := s.waitListening(ctx)
		if err != nil {
			t.Errorf("serve %d: %v", i, err)
		}
		addrs[i] = addr
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}

	// Every server works on the one database all of them created.
	for i, addr := range addrs {
		for _, key := range keys {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/v1/shipments", nil)
			req.Header.Set("Authorization", "Bearer "+key)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatalf("serve %d: %v", i, err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("serve %d with a key made beside it: HTTP %d", i, resp.StatusCode)
			}
		}
	}
	for i, s := range serving {
		if err := s.stop(ctx); err != nil {
			t.Errorf("serve %d: %v\n%s", i, err, s.stderr.String())
		}
		if strings.Contains(s.stderr.String(), "panic") {
			t.Errorf("serve %d:\n%s", i, s.stderr.String())
		}
	}
}

// TestStartFailures: a start that cannot succeed says why and exits 1,
// without a panic; help exits 0 and a bad command line 2.
func TestStartFailures(t *testing.T) {
	t.Parallel()
	bin := buildSvarsign(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() }) // after the parallel subtests
	busy := ln.Addr().String()
	dir := t.TempDir()
	file := filepath.Join(dir, "a-file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	notDir := filepath.Join(file, "data")
	// Nothing listens on port 1 of the loopback address.
	unreachable := "postgres://postgres@127.0.0.1:1/svarsign?sslmode=disable&connect_timeout=5"

	for _, tc := range []struct {
		name string
		args []string
		code int
		want string // in stderr, or for code 0 in stdout
	}{
		{"serve on a busy port", []string{"serve", "--addr", busy, "--data", filepath.Join(dir, "busy")}, 1, "listening on " + busy + ": listen tcp " + busy + ": bind: address already in use"},
		{"serve in a folder under a file", []string{"serve", "--addr", "127.0.0.1:0", "--data", notDir}, 1, "not a directory"},
		{"serve with a bad URL", []string{"serve", "--addr", "127.0.0.1:0", "--data", dir, "--db", "postgres://%zz"}, 1, "parse postgres dsn"},
		{"serve with no postgres", []string{"serve", "--addr", "127.0.0.1:0", "--data", dir, "--db", unreachable}, 1, "database: connect"},
		{"serve with a database under a file", []string{"serve", "--addr", "127.0.0.1:0", "--data", dir, "--db", filepath.Join(notDir, "svarsign.db")}, 1, "not a directory"},
		{"org create in a folder under a file", []string{"admin", "org", "create", "--number", st.OrgNumber(0), "--name", "X", "--data", notDir}, 1, "not a directory"},
		{"org create with no postgres", []string{"admin", "org", "create", "--number", st.OrgNumber(0), "--name", "X", "--db", unreachable}, 1, "database: connect"},
		{"key list with a bad URL", []string{"admin", "key", "list", "--org", st.OrgNumber(0), "--db", "postgres://%zz"}, 1, "parse postgres dsn"},
		{"demo in a folder under a file", []string{"demo", "--exit", "--addr", "127.0.0.1:0", "--data", notDir}, 1, "not a directory"},
		{"serve --help", []string{"serve", "--help"}, 0, "svarsign serve ["},
		{"key list -h", []string{"admin", "key", "list", "-h"}, 0, "svarsign admin key list --org"},
		{"unknown flag", []string{"serve", "--no-such-flag"}, 2, "flag provided but not defined: -no-such-flag"},
		{"flag without value", []string{"admin", "key", "list", "--org"}, 2, "flag needs an argument: -org"},
		{"group without command", []string{"admin", "key"}, 2, "admin key: missing command"},
		{"unknown command", []string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{"no command", nil, 2, "missing command"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()
			r := runSvarsign(ctx, t, bin, tc.args...)
			out := r.stderr
			if tc.code == 0 {
				out = r.stdout
			}
			if r.code != tc.code || !strings.Contains(out, tc.want) || strings.Contains(r.stderr, "panic") || strings.Contains(r.stderr, "goroutine ") {
				t.Errorf("want exit %d and %q, no panic; got %v", tc.code, tc.want, r)
			}
		})
	}
}
