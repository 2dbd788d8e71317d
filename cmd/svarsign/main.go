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
//	svarsign bench                                  throughput and latency of a fresh server, beside floors
//
// Every flag can also be set by environment: SVARSIGN_ADDR, SVARSIGN_DATA, SVARSIGN_DB,
// SVARSIGN_PUBLIC_URL, SVARSIGN_METRICS_ADDR.
// -h or --help after any command prints its usage. The exit status is 0 on
// success, 1 when the command failed, 2 for a bad command line. Commands
// that only read or change what exists (key list, key revoke, webhook list)
// refuse a data folder without a database instead of creating one.
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

	"github.com/svarsign/svarsign/internal/bench"
	"github.com/svarsign/svarsign/server/admin"
	"github.com/svarsign/svarsign/server/app"
	"github.com/svarsign/svarsign/server/auth"
	"github.com/svarsign/svarsign/server/database"
	"github.com/svarsign/svarsign/server/delivery"
	"github.com/svarsign/svarsign/server/demo"
	"github.com/svarsign/svarsign/server/housekeeping"
	"github.com/svarsign/svarsign/server/pki"
	"github.com/svarsign/svarsign/server/verify"
)

const usage = `usage:
  svarsign serve [--addr 127.0.0.1:8080] [--data ./svarsign-data] [--db URL] [--public-url https://HOST]
                 [--metrics-addr 127.0.0.1:9090] [--simulated-login] [--draft-retention 168h]
                 [--body-idle-timeout 30s] [--max-connections N]
  svarsign admin org create --number ORGNR --name NAME [--data DIR] [--db URL]
  svarsign admin key create --org ORGNR [--label TEXT] [--data DIR] [--db URL]
  svarsign admin key list --org ORGNR [--data DIR] [--db URL]
  svarsign admin key revoke --org ORGNR --id KEYID [--data DIR] [--db URL]
  svarsign admin webhook add --org ORGNR --url URL [--data DIR] [--db URL]
  svarsign admin webhook list --org ORGNR [--data DIR] [--db URL]
  svarsign admin user create --org ORGNR --email ADDRESS [--data DIR] [--db URL]
      (the password is read from SVARSIGN_PASSWORD, else the first line of stdin)
  svarsign verify [--trust ROOT.pem | --data DIR] FILE.pdf
  svarsign demo [--addr 127.0.0.1:8080] [--data DIR] [--exit]
  svarsign bench [--clients 16] [--duration 5s] [--workloads get,list,...] [--db postgres://URL] [--json FILE]
  svarsign help [COMMAND]
      (-h or --help after any command shows its flags)
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	var ue *usageError
	switch {
	case err == nil:
	case errors.As(err, &ue):
		os.Exit(2) // run has said what was wrong, with the usage
	default:
		fmt.Fprintln(os.Stderr, "svarsign:", err)
		os.Exit(1)
	}
}

// usageError is a command line that names no command or has a bad flag or
// argument. The process exits with status 2, as programs using the flag
// package do; every other failure exits with 1.
type usageError struct {
	err   error
	usage string // the usage of the command, or of all commands
}

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// errHelp is returned by parseFlags when -h or --help was given and the
// usage printed; run reports success.
var errHelp = errors.New("help requested")

// run runs the command named by args. -h or --help, anywhere a flag can be,
// prints the command's usage on stdout and succeeds; a bad command line is
// reported on stderr with the usage and returned as a *usageError.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	err := dispatch(ctx, args, stdout, stderr)
	var ue *usageError
	switch {
	case errors.Is(err, errHelp):
		return nil
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "svarsign: %v\n%s", ue.err, ue.usage)
	}
	return err
}

func dispatch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	commands := map[string]func([]string) error{
		"serve":              func(a []string) error { return serve(ctx, a, stdout, stderr) },
		"admin org create":   func(a []string) error { return orgCreate(ctx, a, stdout, stderr) },
		"admin key create":   func(a []string) error { return keyCreate(ctx, a, stdout, stderr) },
		"admin key list":     func(a []string) error { return keyList(ctx, a, stdout, stderr) },
		"admin key revoke":   func(a []string) error { return keyRevoke(ctx, a, stdout, stderr) },
		"admin webhook add":  func(a []string) error { return webhookAdd(ctx, a, stdout, stderr) },
		"admin webhook list": func(a []string) error { return webhookList(ctx, a, stdout, stderr) },
		"admin user create":  func(a []string) error { return userCreate(ctx, a, os.Stdin, stdout, stderr) },
		"verify":             func(a []string) error { return verifyCmd(a, stdout, stderr) },
		"demo":               func(a []string) error { return demoCmd(ctx, a, stdout, stderr) },
		"bench":              func(a []string) error { return benchCmd(ctx, a, stdout, stderr) },
	}
	if len(args) == 0 {
		return &usageError{errors.New("missing command"), usage}
	}
	if isHelp(args[0]) || args[0] == "help" {
		// svarsign help [COMMAND...]
		var name []string
		for _, a := range args[1:] {
			if !isHelp(a) {
				name = append(name, a)
			}
		}
		if u := commandUsage(strings.Join(name, " ")); u != "" {
			fmt.Fprint(stdout, u)
			return nil
		}
		return &usageError{fmt.Errorf("unknown command %q", strings.Join(name, " ")), usage}
	}
	// The command is the longest run of leading words that names one.
	var words []string
	for _, a := range args {
		if strings.HasPrefix(a, "-") {
			break
		}
		words = append(words, a)
	}
	for n := len(words); n > 0; n-- {
		if cmd, ok := commands[strings.Join(words[:n], " ")]; ok {
			return cmd(args[n:])
		}
	}
	// Words that only begin commands, such as "admin key": a group.
	for n := len(words); n > 0; n-- {
		name := strings.Join(words[:n], " ")
		u := commandUsage(name)
		if u == "" {
			continue
		}
		if n < len(args) && isHelp(args[n]) {
			fmt.Fprint(stdout, u)
			return nil
		}
		if n < len(words) {
			return &usageError{fmt.Errorf("unknown command %q", strings.Join(words[:n+1], " ")), u}
		}
		return &usageError{fmt.Errorf("%s: missing command", name), u}
	}
	return &usageError{fmt.Errorf("unknown command %q", args[0]), usage}
}

func isHelp(arg string) bool { return arg == "-h" || arg == "--help" || arg == "-help" }

// commandUsage is the part of usage about the commands name begins
// ("" for all of them), or "" if there is none.
func commandUsage(name string) string {
	var b strings.Builder
	in := false
	for _, line := range strings.SplitAfter(usage, "\n") {
		if cmd, ok := strings.CutPrefix(line, "  svarsign "); ok {
			in = name == "" || strings.HasPrefix(strings.TrimSpace(cmd)+" ", name+" ")
		} else if !strings.HasPrefix(line, "      ") {
			continue // "usage:" and blank lines
		}
		if in {
			b.WriteString(line)
		}
	}
	if b.Len() == 0 {
		return ""
	}
	return "usage:\n" + b.String()
}

// newFlags returns the flag set of the command name. Its errors and usage
// are not printed by the flag package but by parseFlags and run.
func newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parseFlags parses a command's arguments: flags, then exactly nargs
// others. For -h or --help it prints the command's usage and flags on
// stdout and returns errHelp.
func parseFlags(fs *flag.FlagSet, args []string, nargs int, stdout io.Writer) error {
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprint(stdout, flagsUsage(fs))
		return errHelp
	case err != nil:
		return &usageError{fmt.Errorf("%s: %w", fs.Name(), err), flagsUsage(fs)}
	case fs.NArg() > nargs:
		return &usageError{fmt.Errorf("%s: unexpected argument %q", fs.Name(), fs.Arg(nargs)), flagsUsage(fs)}
	case fs.NArg() < nargs:
		return &usageError{fmt.Errorf("%s: missing argument", fs.Name()), flagsUsage(fs)}
	}
	return nil
}

func flagsUsage(fs *flag.FlagSet) string {
	var b strings.Builder
	b.WriteString(commandUsage(fs.Name()))
	b.WriteString("\nflags:\n")
	fs.SetOutput(&b)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
	return b.String()
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

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("serve")
	addr := fs.String("addr", envOr("SVARSIGN_ADDR", "127.0.0.1:8080"), "listen address")
	var simLogin bool
	fs.BoolVar(&simLogin, "simulated-login", false, "serve the mailbox's simulated ID-porten login, refused through a proxy (test systems only: anyone can log in as anyone)")
	fs.BoolVar(&simLogin, "allow-simulated-login", false, "old name of --simulated-login")
	publicURL := fs.String("public-url", os.Getenv("SVARSIGN_PUBLIC_URL"), "where browsers reach the service, scheme and host only (https://… makes cookies Secure)")
	metricsAddr := fs.String("metrics-addr", os.Getenv("SVARSIGN_METRICS_ADDR"), "serve Prometheus metrics at /metrics on this separate address (default: not served)")
	jobTimeout := fs.Duration("job-timeout", time.Minute, "cancel a background job running longer than this")
	rescueAfter := fs.Duration("job-rescue-after", 2*time.Minute, "requeue a job left running by a crashed process after this long (more than --job-timeout)")
	readDeadline := fs.Duration("read-deadline", delivery.DefaultPrintAfter, "send a delivered shipment to print when it is still unread after this long (never for only_digital)")
	draftRetention := fs.Duration("draft-retention", housekeeping.DefaultDraftRetention, "delete a shipment started but never sent, with its uploads, when it was not uploaded to for this long")
	bodyIdle := fs.Duration("body-idle-timeout", 30*time.Second, "cut off a request whose body sends nothing, or a client that takes none of a response, for this long")
	maxConns := fs.Int("max-connections", 0, "most client connections held open at once (default: what the file descriptor limit allows)")
	var st storageFlags
	st.register(fs)
	if err := parseFlags(fs, args, 0, stdout); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	a, err := app.Open(ctx, app.Config{
		Addr: *addr, DataDir: st.data, DatabaseURL: st.dsn(), Logger: log,
		SimulatedLogin: simLogin, PublicURL: *publicURL, MetricsAddr: *metricsAddr,
		JobTimeout: *jobTimeout, JobRescueAfter: *rescueAfter, ReadDeadline: *readDeadline,
		DraftRetention: *draftRetention, BodyIdleTimeout: *bodyIdle, MaxConnections: *maxConns,
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "svarsign serving on %s (gRPC, Connect, gRPC-Web, JSON at /v1/, OpenAPI at /openapi.json, citizen mailbox at /mailbox/, manual submission at /manuell-innsending)\n", a.URL())
	return a.Run(ctx)
}

// parseAndOpen adds the storage flags to an admin command's flags, parses
// args and opens the database they name. Unless create is set, a database
// that does not exist yet is an error and nothing is created: commands that
// only read or change what exists must not leave an empty database behind
// in a mistyped folder.
func parseAndOpen(ctx context.Context, fs *flag.FlagSet, args []string, stdout io.Writer, create bool) (*database.DB, error) {
	var st storageFlags
	st.register(fs)
	if err := parseFlags(fs, args, 0, stdout); err != nil {
		return nil, err
	}
	if create {
		return openDB(ctx, st)
	}
	return openExistingDB(ctx, st)
}

// openDB opens the database of st, creating it if need be.
func openDB(ctx context.Context, st storageFlags) (*database.DB, error) {
	if st.db == "" {
		if err := os.MkdirAll(st.data, 0o750); err != nil {
			return nil, fmt.Errorf("creating data folder: %w", err)
		}
	}
	// Migration notes would clutter the one line admin commands print.
	return database.Open(ctx, st.dsn(), database.WithLogger(slog.New(slog.DiscardHandler)))
}

// openExistingDB opens the database of st if it exists and creates nothing.
func openExistingDB(ctx context.Context, st storageFlags) (*database.DB, error) {
	db, err := database.Open(ctx, st.dsn(), database.WithLogger(slog.New(slog.DiscardHandler)), database.Existing())
	if errors.Is(err, database.ErrNoDatabase) {
		return nil, fmt.Errorf("%w; create it with `svarsign serve` or `svarsign admin org create`, or name another with --data or --db", err)
	}
	return db, err
}

func orgCreate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("admin org create")
	number := fs.String("number", "", "9-digit organisation number (required)")
	name := fs.String("name", "", "organisation name (required)")
	db, err := parseAndOpen(ctx, fs, args, stdout, true)
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
	fs := newFlags("admin key create")
	org := fs.String("org", "", "organisation number the key acts for (required)")
	label := fs.String("label", "", "what the key is for, shown in listings")
	db, err := parseAndOpen(ctx, fs, args, stdout, true)
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
	fs := newFlags("admin key list")
	org := fs.String("org", "", "organisation number (required)")
	db, err := parseAndOpen(ctx, fs, args, stdout, false)
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
	fs := newFlags("admin key revoke")
	org := fs.String("org", "", "organisation number (required)")
	id := fs.String("id", "", "the key id: the part of the key between svs_ and the dot (required)")
	db, err := parseAndOpen(ctx, fs, args, stdout, false)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := admin.RevokeKey(ctx, db.Ent, *org, *id, db.Now()); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "revoked API key %s of organisation %s\n", *id, *org)
	return nil
}

func webhookAdd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("admin webhook add")
	org := fs.String("org", "", "organisation number whose events are sent (required)")
	url := fs.String("url", "", "absolute http or https URL that receives the POSTs (required)")
	db, err := parseAndOpen(ctx, fs, args, stdout, true)
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
	fs := newFlags("admin webhook list")
	org := fs.String("org", "", "organisation number (required)")
	db, err := parseAndOpen(ctx, fs, args, stdout, false)
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
	fs := newFlags("admin user create")
	org := fs.String("org", "", "organisation number the case worker sends for (required)")
	email := fs.String("email", "", "the case worker's e-mail address, the login name (required)")
	var st storageFlags
	st.register(fs)
	if err := parseFlags(fs, args, 0, stdout); err != nil {
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
	fs := newFlags("verify")
	trust := fs.String("trust", "", "PEM file of trusted root certificates (default: the local CA of --data)")
	data := fs.String("data", envOr("SVARSIGN_DATA", "svarsign-data"), "data folder whose local CA to trust")
	if err := parseFlags(fs, args, 1, stdout); err != nil {
		return err
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
	fs := newFlags("demo")
	addr := fs.String("addr", envOr("SVARSIGN_ADDR", "127.0.0.1:8080"), "listen address (a free port is used if it is taken)")
	data := fs.String("data", "", "data folder (default: a new temporary folder)")
	exit := fs.Bool("exit", false, "stop after the round trip instead of serving on")
	if err := parseFlags(fs, args, 0, stdout); err != nil {
		return err
	}
	return demo.Run(ctx, demo.Config{Addr: *addr, DataDir: *data, KeepRunning: !*exit, Out: stdout})
}

// benchCmd starts this binary as a server of its own on loopback and
// measures it (package bench).
func benchCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench")
	clients := fs.Int("clients", 16, "concurrent clients, each with its own connections")
	duration := fs.Duration("duration", 5*time.Second, "measured time per workload, after a warm-up of a fifth of it (at most 1s); upload and sign run a fixed number of times instead")
	workloads := fs.String("workloads", strings.Join(bench.Workloads(), ","), "comma-separated workloads to run")
	db := fs.String("db", "", "postgres:// URL to run on PostgreSQL, in a schema of its own dropped after (default: SQLite in a temporary folder)")
	jsonOut := fs.String("json", "", "also write the report as JSON to this file")
	if err := parseFlags(fs, args, 0, stdout); err != nil {
		return err
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("finding this program to start it as the server: %w", err)
	}
	rep, err := bench.Run(ctx, bench.Config{
		Executable: exe, DatabaseURL: *db, Clients: *clients, Duration: *duration,
		Workloads: strings.Split(*workloads, ","),
	})
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	if err := rep.WriteTable(stdout); err != nil {
		return err
	}
	if *jsonOut != "" {
		return rep.WriteJSON(*jsonOut)
	}
	return nil
}
