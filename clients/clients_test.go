// Package clients_test runs the example programs of clients/ against a real
// svarsign, each as its own process, the way an integrator would: the
// program sends a contract for signing, the test signs it as the citizen,
// and the program must come back with the signed PDF, which the test checks
// with pdfsig, qpdf and svarsign's verifier.
package clients_test

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"

	svarsignv1 "github.com/svarsign/svarsign/gen/go/svarsign/v1"
	st "github.com/svarsign/svarsign/internal/svarsigntest"
	"github.com/svarsign/svarsign/internal/testenv"
	"github.com/svarsign/svarsign/internal/testpdf"
	"github.com/svarsign/svarsign/server/app"
	"github.com/svarsign/svarsign/server/pki"
	"github.com/svarsign/svarsign/server/verify"
)

// exampleTimeout bounds one example's whole run; the program's own timeout
// (SVARSIGN_TIMEOUT) is shorter so that it, not the test, reports a hang.
const (
	exampleTimeout = 90 * time.Second
	programTimeout = "60"
)

func TestGoExample(t *testing.T) {
	t.Parallel()
	bin := filepath.Join(t.TempDir(), "sendsign")
	run(t, exec.Command("go", "build", "-o", bin, "./go/sendsign"))
	roundTrip(t, nil, bin)
}

func TestTypeScriptExample(t *testing.T) {
	t.Parallel()
	testenv.NeedCommand(t, "node", "apt-get install nodejs (Node 20 or later)")
	root := repoRoot(t)
	tsc := filepath.Join(root, "node_modules", ".bin", "tsc")
	testenv.NeedFile(t, tsc, "npm ci (in the repository root)")
	testenv.NeedFile(t, filepath.Join(root, "node_modules", "@connectrpc", "connect-node"), "npm ci (in the repository root)")
	out := t.TempDir()
	run(t, exec.Command(tsc, "-p", filepath.Join("ts", "tsconfig.json"), "--outDir", out))
	// The compiled files live outside the repository; NODE_PATH lets their
	// require() calls find the repository's node_modules.
	roundTrip(t, []string{"NODE_PATH=" + filepath.Join(root, "node_modules")},
		"node", filepath.Join(out, "clients", "ts", "sendsign.js"))
}

func TestPythonExample(t *testing.T) {
	t.Parallel()
	const python = "/usr/bin/python3"
	testenv.NeedFile(t, python, "apt-get install python3")
	if err := exec.Command(python, "-c", "import grpc, google.protobuf").Run(); err != nil {
		testenv.Missing(t, "Python modules grpc and google.protobuf", "apt-get install python3-grpcio python3-protobuf")
	}
	roundTrip(t, []string{"PYTHONPATH=" + filepath.Join(repoRoot(t), "gen", "python")},
		python, filepath.Join("python", "sendsign.py"))
}

// roundTrip runs the example program argv, with env added to the test's
// environment, against a fresh server: it waits for "SHIPMENT <id>", signs
// that shipment as the citizen, and expects "SIGNED <path>", a zero exit, a
// valid signed PDF and an empty Inbox.
func roundTrip(t *testing.T, env []string, argv ...string) {
	srv := st.Start(t, func(c *app.Config) { c.SimulatedLogin = true })
	key := srv.Org(t, st.OrgNumber(0), "Eksempel kommune")
	dir := t.TempDir()
	contract := testpdf.Classic(t, dir, 2)
	signed := filepath.Join(dir, "kontrakt-signert.pdf")

	env = append(append(os.Environ(), env...),
		"SVARSIGN_URL="+srv.URL, "SVARSIGN_API_KEY="+key, "SVARSIGN_TIMEOUT="+programTimeout)
	p := start(t, env, append(argv, contract, st.Person(0), signed)...)

	line := p.line(t, "SHIPMENT ")
	id, err := uuid.Parse(strings.TrimPrefix(line, "SHIPMENT "))
	if err != nil {
		t.Fatalf("%q: %v", line, err)
	}
	signInMailbox(t, srv.URL, st.Person(0), id.String())
	if got := p.line(t, "SIGNED "); got != "SIGNED "+signed {
		t.Fatalf("program printed %q, want %q", got, "SIGNED "+signed)
	}
	if err := p.wait(); err != nil {
		t.Fatalf("program failed: %v", err) // its stderr is logged at cleanup
	}

	testpdf.CheckValid(t, signed, 1)
	roots, err := pki.LoadPool(srv.App.CARoot())
	if err != nil {
		t.Fatal(err)
	}
	pdf := testpdf.Read(t, signed)
	rep, err := verify.File(bytes.NewReader(pdf), int64(len(pdf)), roots)
	if err != nil || !rep.OK() {
		var b bytes.Buffer
		if rep != nil {
			rep.Write(&b, signed)
		}
		t.Fatalf("verify: %v\n%s", err, b.String())
	}
	// The program acknowledged the return shipment, so nothing is pending.
	inbox, err := srv.Shipments(key, st.Connect).ListIncoming(context.Background(), connect.NewRequest(&svarsignv1.ListIncomingRequest{}))
	if err != nil || len(inbox.Msg.GetShipments()) != 0 {
		t.Fatalf("Inbox after the program: %v (%v), want empty", inbox.Msg.GetShipments(), err)
	}
}

// process is a running example program whose stdout is read line by line.
type process struct {
	cmd   *exec.Cmd
	lines chan string
	log   *st.LogBuffer // stderr, and stdout lines no one asked for
}

// start starts argv, killing it if it outlives the test or exampleTimeout,
// and logs what it wrote to stderr when the test ends.
func start(t *testing.T, env []string, argv ...string) *process {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), exampleTimeout)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = env
	cmd.WaitDelay = 5 * time.Second // don't hang on pipes a killed child left open
	p := &process{cmd: cmd, lines: make(chan string, 16), log: new(st.LogBuffer)}
	cmd.Stderr = p.log
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(p.lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
	}()
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait() // reaps the process; a second Wait just errors
		if s := p.log.String(); s != "" {
			t.Logf("%s wrote:\n%s", filepath.Base(argv[0]), s)
		}
	})
	return p
}

// line returns the next stdout line starting with prefix, skipping others.
func (p *process) line(t *testing.T, prefix string) string {
	t.Helper()
	timeout := time.After(exampleTimeout)
	for {
		select {
		case l, ok := <-p.lines:
			if !ok {
				t.Fatalf("program ended without printing %q: %v", prefix, p.wait())
			}
			if strings.HasPrefix(l, prefix) {
				return l
			}
			// Other output is the program's business; keep it for the log.
			p.log.Write([]byte("stdout: " + l + "\n"))
		case <-timeout:
			t.Fatalf("no %q line after %s", prefix, exampleTimeout)
		}
	}
}

func (p *process) wait() error {
	for range p.lines { // let the reader finish before Wait closes the pipe
	}
	return p.cmd.Wait()
}

// run runs a build step, failing the test with its output.
func run(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, out)
	}
}

// repoRoot is the module root: tests run in clients/.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}
