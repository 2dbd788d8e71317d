package clients_test

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	st "github.com/svarsign/svarsign/internal/svarsigntest"
	"github.com/svarsign/svarsign/internal/testenv"
	"github.com/svarsign/svarsign/internal/testpdf"
	"github.com/svarsign/svarsign/server/app"
	"github.com/svarsign/svarsign/server/database/databasetest"
	"github.com/svarsign/svarsign/server/pki"
	"github.com/svarsign/svarsign/server/verify"
)

// walkthroughTimeout bounds the whole README walk-through, including the
// two `go run` builds of cmd/svarsign on a cold cache.
const walkthroughTimeout = 4 * time.Minute

// walkthroughBlock is one shell block of the README's "Legacy JSON
// walk-through", between marker comments.
var walkthroughBlock = regexp.MustCompile("(?s)<!-- walkthrough:start -->\n```sh\n(.*?)```\n<!-- walkthrough:end -->")

// walkthroughHarness runs the README's blocks in one bash, so the second sees
// the first's variables as in a reader's terminal. Between them it prints
// the shipment and the citizen for the test to sign, and waits for a line
// on stdin. The blocks read nothing from stdin.
const walkthroughHarness = `set -euo pipefail
source "$1" </dev/null
printf 'WALKTHROUGH-SIGN %s\n' "$ID"
read -r _
source "$2" </dev/null
printf 'WALKTHROUGH-DONE %s\n' "$RET"
`

// TestREADMEWalkthrough runs the curl walk-through of README.md verbatim
// against a fresh server, from the repository root as a reader would: the
// CLI creates the organisation and key in the server's data folder, the
// first block uploads and sends, the test signs as the citizen in the
// mailbox, the second block fetches the signed PDF and acknowledges the
// return shipment. The PDF must pass pdfsig, qpdf and svarsign's verifier.
func TestREADMEWalkthrough(t *testing.T) {
	t.Parallel()
	testenv.NeedCommand(t, "bash", "apt-get install bash")
	testenv.NeedCommand(t, "curl", "apt-get install curl")
	testenv.NeedCommand(t, "jq", "apt-get install jq")
	testpdf.NeedQPDF(t)
	testpdf.NeedPoppler(t, "pdfsig")

	root := repoRoot(t)
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := walkthroughBlock.FindAllSubmatch(readme, -1)
	if len(blocks) != 2 {
		t.Fatalf("README.md has %d walk-through blocks, want 2 (before and after the citizen signs)", len(blocks))
	}
	scripts := t.TempDir()
	var files []string
	for i, b := range blocks {
		name := filepath.Join(scripts, []string{"send.sh", "fetch.sh"}[i])
		testpdf.Write(t, name, b[1])
		files = append(files, name)
	}

	data := t.TempDir()
	srv := st.Start(t, func(c *app.Config) { c.DataDir = data; c.SimulatedLogin = true })
	work := t.TempDir()
	nin := st.Person(0)

	ctx, cancel := context.WithTimeout(context.Background(), walkthroughTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", walkthroughHarness, "walkthrough", files[0], files[1])
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "B="+srv.URL, "SVARSIGN_DATA="+data, "W="+work, "NIN="+nin)
	cmd.WaitDelay = 5 * time.Second
	var stderr st.LogBuffer
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var transcript bytes.Buffer
	lines := bufio.NewScanner(io.TeeReader(stdout, &transcript))
	defer func() {
		cancel()
		cmd.Wait()
		t.Logf("walk-through output:\n%s\nstderr:\n%s", transcript.String(), stderr.String())
	}()
	next := func(prefix string) string {
		t.Helper()
		for lines.Scan() {
			if rest, ok := strings.CutPrefix(lines.Text(), prefix); ok {
				return rest
			}
		}
		cancel()
		t.Fatalf("the walk-through ended without printing %q: %v", prefix, cmd.Wait())
		return ""
	}

	id := next("WALKTHROUGH-SIGN ")
	if _, err := uuid.Parse(id); err != nil {
		t.Fatalf("first block left ID=%q: %v", id, err)
	}
	signInMailbox(t, srv.URL, nin, id)
	io.WriteString(stdin, "signed\n")
	ret := next("WALKTHROUGH-DONE ")
	for lines.Scan() { // drain, so Wait can close the pipe
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("walk-through failed: %v", err)
	}

	signed := filepath.Join(work, "kontrakt-signert.pdf")
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
	// The second block acknowledged the return shipment.
	sh, err := srv.App.DB().Ent.Shipment.Get(databasetest.Context(t), uuid.MustParse(ret))
	if err != nil {
		t.Fatalf("return shipment %q: %v", ret, err)
	}
	if sh.AcknowledgedAt == nil || sh.InReplyTo != id {
		t.Fatalf("return shipment %s: acknowledged at %v, in reply to %q; want acknowledged, in reply to %s", ret, sh.AcknowledgedAt, sh.InReplyTo, id)
	}
}
