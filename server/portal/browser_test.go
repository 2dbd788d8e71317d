package portal_test

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"

	svarsignv1 "github.com/svarsign/svarsign/gen/go/svarsign/v1"
	st "github.com/svarsign/svarsign/internal/svarsigntest"
	"github.com/svarsign/svarsign/internal/testenv"
	"github.com/svarsign/svarsign/internal/testpdf"
	"github.com/svarsign/svarsign/server/app"
	"github.com/svarsign/svarsign/server/mailbox/citizen"
	"github.com/svarsign/svarsign/server/pki"
	"github.com/svarsign/svarsign/server/verify"
)

// repoRoot is the module root; tests run in server/portal.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// chromium is the browser the tests drive: Debian's, or $CHROMIUM.
func chromium(t *testing.T) string {
	t.Helper()
	path := os.Getenv("CHROMIUM")
	if path == "" {
		path = "/usr/bin/chromium"
	}
	testenv.NeedFile(t, path, "apt-get install chromium (see .ci/run for the pinned version)")
	return path
}

// needBrowser skips (or fails under CI) without node, playwright-core and
// chromium.
func needBrowser(t *testing.T) {
	t.Helper()
	testenv.NeedCommand(t, "node", "apt-get install nodejs (Node 20 or later)")
	testenv.NeedFile(t, filepath.Join(repoRoot(t), "node_modules", "playwright-core"), "npm ci (in the repository root)")
	chromium(t)
}

// screenshotDir is where screenshots go: $SVARSIGN_SCREENSHOTS (kept after
// the test, e.g. as CI artifacts) or a temporary folder.
func screenshotDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("SVARSIGN_SCREENSHOTS")
	if dir == "" {
		return t.TempDir()
	}
	dir = filepath.Join(dir, t.Name())
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// script is a running web/tests/portal.mjs.
type script struct {
	cmd    *exec.Cmd
	lines  chan string
	stderr bytes.Buffer
}

// runScript starts the Playwright script with scenario and env, and
// returns its stdout lines as they come. Screenshot lines are logged.
func runScript(t *testing.T, ctx context.Context, scenario string, env ...string) *script {
	t.Helper()
	root := repoRoot(t)
	s := &script{lines: make(chan string)}
	s.cmd = exec.CommandContext(ctx, "node", filepath.Join(root, "web", "tests", "portal.mjs"), scenario)
	s.cmd.Dir = root
	s.cmd.Env = append(os.Environ(), append(env, "CHROMIUM="+chromium(t))...)
	s.cmd.Stderr = &s.stderr
	out, err := s.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(s.lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			s.lines <- sc.Text()
		}
	}()
	return s
}

// next returns the next line starting with prefix, logging the others; it
// fails the test if the script ends first.
func (s *script) next(t *testing.T, prefix string) []string {
	t.Helper()
	for line := range s.lines {
		if path, ok := strings.CutPrefix(line, "SCREENSHOT "); ok {
			t.Logf("screenshot: %s", path)
			continue
		}
		if rest, ok := strings.CutPrefix(line, prefix+" "); ok {
			return strings.Fields(rest)
		}
		t.Logf("browser: %s", line)
	}
	err := s.cmd.Wait()
	t.Fatalf("browser script ended (%v) before printing %s\n%s", err, prefix, s.stderr.String())
	return nil
}

// wait drains the script and fails the test if it failed.
func (s *script) wait(t *testing.T) {
	t.Helper()
	for line := range s.lines {
		if path, ok := strings.CutPrefix(line, "SCREENSHOT "); ok {
			t.Logf("screenshot: %s", path)
		} else {
			t.Logf("browser: %s", line)
		}
	}
	if err := s.cmd.Wait(); err != nil {
		t.Fatalf("browser script: %v\n%s", err, s.stderr.String())
	}
}

// TestBrowserSendAndSign is the case worker's whole path in headless
// Chromium: log in, send a contract with an attachment to two people with
// a signing order (after the server has refused bad input field by field),
// watch one of them sign live, and download the signed document.
func TestBrowserSendAndSign(t *testing.T) {
	needBrowser(t)
	srv := st.Start(t, func(c *app.Config) { c.SimulatedLogin = true })
	org := st.OrgNumber(0)
	key := srv.Org(t, org, "Eksempel kommune")
	srv.User(t, org, "saksbehandler@eksempel.no", password)

	dir := t.TempDir()
	contract := filepath.Join(dir, "kontrakt.pdf")
	if err := os.Rename(testpdf.Classic(t, dir, 2), contract); err != nil {
		t.Fatal(err)
	}
	attachment := filepath.Join(dir, "vedlegg.txt")
	testpdf.Write(t, attachment, []byte("Husordensregler for Storgata 1.\n"))
	downloads := t.TempDir()
	person1, person2 := st.Person(0), st.Person(1)

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	start := time.Now()
	s := runScript(t, ctx, "send-and-sign",
		"SVARSIGN_URL="+srv.URL, "ORG="+org, "EMAIL=saksbehandler@eksempel.no", "PASSWORD="+password,
		"SHOTS="+screenshotDir(t), "DOWNLOADS="+downloads,
		"CONTRACT="+contract, "ATTACHMENT="+attachment,
		"ORG_RECIPIENT="+st.OrgNumber(1), "PERSON1="+person1, "PERSON2="+person2,
	)
	ids := s.next(t, "SHIPMENTS")
	if len(ids) != 2 {
		t.Fatalf("status page lists %v, want two shipments", ids)
	}

	// What the page sent, as the API sees it.
	api := srv.Shipments(key, st.Connect)
	byPerson := map[string]*svarsignv1.Shipment{}
	for _, id := range ids {
		resp, err := api.GetShipment(ctx, connect.NewRequest(&svarsignv1.GetShipmentRequest{Id: id}))
		if err != nil {
			t.Fatal(err)
		}
		sh := resp.Msg.GetShipment()
		byPerson[sh.GetRecipient().GetNationalIdentityNumber()] = sh
		so := sh.GetSigningOrder()
		switch {
		case so.GetSignatureType() != svarsignv1.SignatureType_SIGNATURE_TYPE_ADVANCED, !sh.GetRequireLevel4(), so.GetFileName() != "kontrakt.pdf":
			t.Errorf("shipment %s: signing order %v, level 4 %v; want advanced, level 4, kontrakt.pdf", id, so, sh.GetRequireLevel4())
		case len(sh.GetDocuments()) != 2:
			t.Errorf("shipment %s has %d documents, want the contract and the attachment", id, len(sh.GetDocuments()))
		case sh.GetBatchId() == "":
			t.Errorf("shipment %s has no batch id", id)
		}
		if left := time.Until(so.GetDeadline().AsTime()); left < 13*24*time.Hour || left > 15*24*time.Hour {
			t.Errorf("shipment %s: deadline %v ahead, want about 14 days", id, left)
		}
	}
	first, second := byPerson[person1], byPerson[person2]
	if first == nil || second == nil {
		t.Fatalf("recipients are %v, want %s and %s", byPerson, person1, person2)
	}
	if first.GetBatchId() != second.GetBatchId() {
		t.Errorf("batch ids %s and %s differ; one send to two recipients is one batch", first.GetBatchId(), second.GetBatchId())
	}
	if got := second.GetRecipient().GetPostalAddress(); got.GetPostalCode() != "0155" || got.GetPostalArea() != "Oslo" {
		t.Errorf("second recipient's address %v, want 0155 Oslo", got)
	}

	// The citizen signs in the mailbox, at level 4 as the order demands.
	b := citizen.New(srv.URL)
	if err := b.Login(ctx, person1, "Kari Nordmann", 4); err != nil {
		t.Fatal(err)
	}
	if err := b.WaitListed(ctx, first.GetId()); err != nil {
		t.Fatal(err)
	}
	if err := b.Sign(ctx, first.GetId()); err != nil {
		t.Fatal(err)
	}

	saved := s.next(t, "DOWNLOADED")
	s.wait(t)
	t.Logf("browser scenario took %v", time.Since(start).Round(time.Millisecond))
	pdf := testpdf.Read(t, saved[0])
	roots, err := pki.LoadPool(srv.App.CARoot())
	if err != nil {
		t.Fatal(err)
	}
	rep, err := verify.File(bytes.NewReader(pdf), int64(len(pdf)), roots)
	if err != nil || !rep.OK() {
		var buf bytes.Buffer
		if rep != nil {
			rep.Write(&buf, saved[0])
		}
		t.Fatalf("the downloaded document does not verify: %v\n%s", err, buf.String())
	}
}

// TestBrowserLargeUpload sends a 100 MiB file made by JavaScript in the
// page through the page's upload, and checks what the server stored.
func TestBrowserLargeUpload(t *testing.T) {
	if testing.Short() {
		t.Skip("uploads 100 MiB through a browser")
	}
	needBrowser(t)
	srv := st.Start(t)
	org := st.OrgNumber(0)
	key := srv.Org(t, org, "Eksempel kommune")
	srv.User(t, org, "saksbehandler@eksempel.no", password)
	const size = 100 << 20

	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	start := time.Now()
	s := runScript(t, ctx, "large-upload",
		"SVARSIGN_URL="+srv.URL, "ORG="+org, "EMAIL=saksbehandler@eksempel.no", "PASSWORD="+password,
		"SHOTS="+screenshotDir(t), "UPLOAD_BYTES="+strconv.Itoa(size), "PERSON1="+st.Person(0),
	)
	ids := s.next(t, "SHIPMENTS")
	s.wait(t)
	t.Logf("100 MiB through the browser took %v", time.Since(start).Round(time.Millisecond))
	resp, err := srv.Shipments(key, st.Connect).GetShipment(ctx, connect.NewRequest(&svarsignv1.GetShipmentRequest{Id: ids[0]}))
	if err != nil {
		t.Fatal(err)
	}
	docs := resp.Msg.GetShipment().GetDocuments()
	if len(docs) != 1 || docs[0].GetSizeBytes() != size || docs[0].GetFileName() != "stor-fil.bin" {
		t.Fatalf("stored documents %v, want stor-fil.bin of %d bytes", docs, size)
	}
}
