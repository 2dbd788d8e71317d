// Command svarsign runs the svarsign service and its operator tools.
//
//	svarsign serve                       run the service (SQLite + files in ./svarsign-data)
//	svarsign admin org create --number N --name NAME
//	svarsign admin key create --org N [--label L]   prints the new API key on stdout
//	svarsign admin webhook add --org N --url URL    prints the new webhook's signing secret on stdout
//	svarsign admin webhook list --org N
//	svarsign admin user create --org N --email E    password from stdin, or SVARSIGN_PASSWORD
//	svarsign verify [--trust root.pem] FILE.pdf     checks every signature; exit 1 if any fails
//	svarsign demo                                   the whole round trip, narrated, then serves on
//
// Every flag can also be set by environment: SVARSIGN_ADDR, SVARSIGN_DATA, SVARSIGN_DB.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/svarsign/svarsign/server/admin"
	"github.com/svarsign/svarsign/server/app"
	"github.com/svarsign/svarsign/server/auth"
	"github.com/svarsign/svarsign/server/database"
	"github.com/svarsign/svarsign/server/demo"
	"github.com/svarsign/svarsign/server/jobs"
	"github.com/svarsign/svarsign/server/pki"
	"github.com/svarsign/svarsign/server/verify"
)

const usage = `usage:
  svarsign serve [--addr 127.0.0.1:8080] [--data ./svarsign-data] [--db URL] [--allow-simulated-login]
                 [--body-idle-timeout 30s] [--max-connections N]
  svarsign admin org create --number ORGNR --name NAME [--data DIR] [--db URL]
  svarsign admin key create --org ORGNR [--label TEXT] [--data DIR] [--db URL]
  svarsign admin key list --org ORGNR
  svarsign admin key revoke --org ORGNR --id KEYID
  svarsign admin webhook add --org ORGNR --url URL [--data DIR] [--db URL]
  svarsign admin webhook list --org ORGNR [--data DIR] [--db URL]
  svarsign admin user create --org ORGNR --email ADDRESS [--data DIR] [--db URL]
      (the password is read from SVARSIGN_PASSWORD, else the first line of stdin)
  svarsign verify [--trust ROOT.pem | --data DIR] FILE.pdf
  svarsign demo [--addr 127.0.0.1:8080] [--data DIR] [--exit]
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "svarsign:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("missing command")
	}
	switch {
	case args[0] == "serve":
		return serve(ctx, args[1:], stderr)
	case len(args) >= 3 && args[0] == "admin" && args[1] == "org" && args[2] == "create":
		return orgCreate(ctx, args[3:], stdout, stderr)
	case len(args) >= 3 && args[0] == "admin" && args[1] == "key" && args[2] == "create":
		return keyCreate(ctx, args[3:], stdout, stderr)
	case len(args) >= 3 && args[0] == "admin" && args[1] == "key" && args[2] == "list":
		return keyList(ctx, args[3:], stdout, stderr)
	case len(args) >= 3 && args[0] == "admin" && args[1] == "key" && args[2] == "revoke":
		return keyRevoke(ctx, args[3:], stdout, stderr)
	case len(args) >= 3 && args[0] == "admin" && args[1] == "webhook" && args[2] == "add":
		return webhookAdd(ctx, args[3:], stdout, stderr)
	case len(args) >= 3 && args[0] == "admin" && args[1] == "webhook" && args[2] == "list":
		return webhookList(ctx, args[3:], stdout, stderr)
	case len(args) >= 3 && args[0] == "admin" && args[1] == "user" && args[2] == "create":
		return userCreate(ctx, args[3:], os.Stdin, stdout, stderr)
	case args[0] == "demo":
		return demoCmd(ctx, args[1:], stdout, stderr)
	case args[0] == "verify":
		return verifyCmd(args[1:], stdout, stderr)
	case args[0] == "help" || args[0] == "-h" || args[0] == "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

// storageFlags are shared by every command that touches the database.
type storageFlags struct{ data, db string }

func (s *storageFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&s.data, "data", envOr("SVARSIGN_DATA", "svarsign-data"), "data folder (SQLite database and document files)")
	fs.StringVar(&s.db, "db", os.Getenv("SVARSIGN_DB"), "database: SQLite file path or postgres:// URL (default DATA/svarsign.db)")
}

func (s *storageFlags) dsn() string {
	if s.db != "" {
		return s.db
	}
	return filepath.Join(s.data, "svarsign.db")
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func serve(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", envOr("SVARSIGN_ADDR", "127.0.0.1:8080"), "listen address")
	allowSimLogin := fs.Bool("allow-simulated-login", false, "serve the mailbox's simulated ID-porten login on a non-loopback address (test systems only: anyone can log in as anyone)")
	jobTimeout := fs.Duration("job-timeout", time.Minute, "cancel a background job running longer than this")
	rescueAfter := fs.Duration("job-rescue-after", 2*time.Minute, "requeue a job left running by a crashed process after this long (more than --job-timeout)")
	readDeadline := fs.Duration("read-deadline", jobs.DefaultPrintAfter, "send a delivered shipment to print when it is still unread after this long (never for only_digital)")
	bodyIdle := fs.Duration("body-idle-timeout", 30*time.Second, "cut off a request whose body sends nothing, or a client that takes none of a response, for this long")
	maxConns := fs.Int("max-connections", 0, "most client connections held open at once (default: what the file descriptor limit allows)")
	var st storageFlags
	st.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	a, err := app.Open(ctx, app.Config{
		Addr: *addr, DataDir: st.data, DatabaseURL: st.dsn(), Logger: log, AllowSimulatedLogin: *allowSimLogin,
		JobTimeout: *jobTimeout, JobRescueAfter: *rescueAfter, ReadDeadline: *readDeadline,
		BodyIdleTimeout: *bodyIdle, MaxConnections: *maxConns,
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "svarsign serving on %s (gRPC, Connect, gRPC-Web, JSON at /v1/, OpenAPI at /openapi.json, citizen mailbox at /mailbox/, manual submission at /manuell-innsending)\n", a.URL())
	return a.Run(ctx)
}

// parseAndOpen adds the storage flags to an admin command's flags, parses
// args and opens the database they name.
func parseAndOpen(ctx context.Context, fs *flag.FlagSet, args []string) (*database.DB, error) {
	var st storageFlags
	st.register(fs)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	return openDB(ctx, st)
}

func openDB(ctx context.Context, st storageFlags) (*database.DB, error) {
	if st.db == "" {
		if err := os.MkdirAll(st.data, 0o750); err != nil {
			return nil, err
		}
	}
	// Migration notes would clutter the one line admin commands print.
	return database.Open(ctx, st.dsn(), database.WithLogger(slog.New(slog.DiscardHandler)))
}

func orgCreate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("admin org create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	number := fs.String("number", "", "9-digit organisation number (required)")
	name := fs.String("name", "", "organisation name (required)")
	db, err := parseAndOpen(ctx, fs, args)
	if err != nil {
		return err
	}
	defer db.Close()
	o, err := admin.CreateOrg(ctx, db.Ent, *number, *name)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "created organisation %s %q\n", o.Number, o.Name)
	return nil
}

func keyCreate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("admin key create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	org := fs.String("org", "", "organisation number the key acts for (required)")
	label := fs.String("label", "", "what the key is for, shown in listings")
	db, err := parseAndOpen(ctx, fs, args)
	if err != nil {
		return err
	}
	defer db.Close()
	k, err := admin.CreateKey(ctx, db.Ent, *org, *label)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "created API key %s for organisation %s; it is shown once, keep it secret\n", k.ID, *org)
	fmt.Fprintln(stdout, k.Token())
	return nil
}

func keyList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("admin key list", flag.ContinueOnError)
	fs.SetOutput(stderr)
	org := fs.String("org", "", "organisation number (required)")
	db, err := parseAndOpen(ctx, fs, args)
	if err != nil {
		return err
	}
	defer db.Close()
	keys, err := admin.ListKeys(ctx, db.Ent, *org)
	if err != nil {
		return err
	}
	for _, k := range keys {
		state := "active"
		if k.RevokedAt != nil {
			state = "revoked " + k.RevokedAt.Format(time.RFC3339)
		}
		fmt.Fprintf(stdout, "%s\t%s\tcreated %s\t%s\n", k.KeyID, state, k.CreatedAt.Format(time.RFC3339), k.Label)
	}
	return nil
}

func keyRevoke(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("admin key revoke", flag.ContinueOnError)
	fs.SetOutput(stderr)
	org := fs.String("org", "", "organisation number (required)")
	id := fs.String("id", "", "the key id: the part of the key between svs_ and the dot (required)")
	db, err := parseAndOpen(ctx, fs, args)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := admin.RevokeKey(ctx, db.Ent, *org, *id); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "revoked API key %s of organisation %s\n", *id, *org)
	return nil
}

func webhookAdd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("admin webhook add", flag.ContinueOnError)
	fs.SetOutput(stderr)
	org := fs.String("org", "", "organisation number whose events are sent (required)")
	url := fs.String("url", "", "absolute http or https URL that receives the POSTs (required)")
	db, err := parseAndOpen(ctx, fs, args)
	if err != nil {
		return err
	}
	defer db.Close()
	secret, err := admin.CreateWebhook(ctx, db.Ent, *org, *url)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "added webhook %s for organisation %s; its signing secret is shown once, keep it secret\n", *url, *org)
	fmt.Fprintln(stdout, secret)
	return nil
}

func webhookList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("admin webhook list", flag.ContinueOnError)
	fs.SetOutput(stderr)
	org := fs.String("org", "", "organisation number (required)")
	db, err := parseAndOpen(ctx, fs, args)
	if err != nil {
		return err
	}
	defer db.Close()
	hooks, err := admin.ListWebhooks(ctx, db.Ent, *org)
	if err != nil {
		return err
	}
	for _, h := range hooks {
		state := "enabled"
		if h.Disabled {
			state = "disabled"
		}
		fmt.Fprintf(stdout, "%d\t%s\t%s\tdelivered through event %d\n", h.ID, h.URL, state, h.DeliveredEventID)
	}
	return nil
}

// userCreate adds a case worker for the manual submission page. The
// password never goes on the command line, where other users could see it
// in the process list: it comes from SVARSIGN_PASSWORD or standard input.
func userCreate(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("admin user create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	org := fs.String("org", "", "organisation number the case worker sends for (required)")
	email := fs.String("email", "", "the case worker's e-mail address, the login name (required)")
	var st storageFlags
	st.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	password, err := readPassword(stdin)
	if err != nil {
		return err
	}
	db, err := openDB(ctx, st)
	if err != nil {
		return err
	}
	defer db.Close()
	u, err := admin.CreateUser(ctx, db.Ent, *org, *email, password)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "created user %s for organisation %s; log in at /manuell-innsending/login\n", u.Email, *org)
	return nil
}

// readPassword takes the password from SVARSIGN_PASSWORD or the first line
// of stdin.
func readPassword(stdin io.Reader) (string, error) {
	if p := os.Getenv("SVARSIGN_PASSWORD"); p != "" {
		return p, nil
	}
	line, err := bufio.NewReader(io.LimitReader(stdin, auth.MaxPasswordBytes+2)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("reading the password from stdin: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("no password: set SVARSIGN_PASSWORD or give it on stdin")
	}
	return line, nil
}

// errVerifyFailed makes `svarsign verify` exit non-zero after printing its report.
var errVerifyFailed = errors.New("verification failed")

func verifyCmd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	trust := fs.String("trust", "", "PEM file of trusted root certificates (default: the local CA of --data)")
	data := fs.String("data", envOr("SVARSIGN_DATA", "svarsign-data"), "data folder whose local CA to trust")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: svarsign verify [--trust ROOT.pem] FILE.pdf")
	}
	if *trust == "" {
		*trust = filepath.Join(*data, app.CADir, pki.RootCertFile)
	}
	roots, err := pki.LoadPool(*trust)
	if err != nil {
		return err
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	rep, err := verify.File(f, st.Size(), roots)
	if err != nil {
		return fmt.Errorf("%s: %w", fs.Arg(0), err)
	}
	rep.Write(stdout, fs.Arg(0))
	if !rep.OK() {
		return errVerifyFailed
	}
	return nil
}

func demoCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", envOr("SVARSIGN_ADDR", "127.0.0.1:8080"), "listen address (a free port is used if it is taken)")
	data := fs.String("data", "", "data folder (default: a new temporary folder)")
	exit := fs.Bool("exit", false, "stop after the round trip instead of serving on")
	if err := fs.Parse(args); err != nil {
		return err
	}
	return demo.Run(ctx, demo.Config{Addr: *addr, DataDir: *data, KeepRunning: !*exit, Out: stdout})
}
