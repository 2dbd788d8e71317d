// Command svarsign runs the svarsign service and its operator tools.
//
//	svarsign serve                       run the service (SQLite + files in ./svarsign-data)
//	svarsign admin org create --number N --name NAME
//	svarsign admin key create --org N [--label L]   prints the new API key on stdout
//	svarsign verify [--trust root.pem] FILE.pdf     checks every signature; exit 1 if any fails
//
// Every flag can also be set by environment: SVARSIGN_ADDR, SVARSIGN_DATA, SVARSIGN_DB.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/svarsign/svarsign/server/admin"
	"github.com/svarsign/svarsign/server/app"
	"github.com/svarsign/svarsign/server/database"
	"github.com/svarsign/svarsign/server/pki"
	"github.com/svarsign/svarsign/server/verify"
)

const usage = `usage:
  svarsign serve [--addr 127.0.0.1:8080] [--data ./svarsign-data] [--db URL]
  svarsign admin org create --number ORGNR --name NAME [--data DIR] [--db URL]
  svarsign admin key create --org ORGNR [--label TEXT] [--data DIR] [--db URL]
  svarsign verify [--trust ROOT.pem | --data DIR] FILE.pdf
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
	var st storageFlags
	st.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	a, err := app.Open(ctx, app.Config{Addr: *addr, DataDir: st.data, DatabaseURL: st.dsn(), Logger: log})
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "svarsign serving on %s (gRPC, Connect, gRPC-Web, JSON at /v1/, OpenAPI at /openapi.json)\n", a.URL())
	return a.Run(ctx)
}

func openDB(ctx context.Context, st storageFlags) (*database.DB, error) {
	if st.db == "" {
		if err := os.MkdirAll(st.data, 0o750); err != nil {
			return nil, err
		}
	}
	return database.Open(ctx, st.dsn())
}

func orgCreate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("admin org create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	number := fs.String("number", "", "9-digit organisation number (required)")
	name := fs.String("name", "", "organisation name (required)")
	var st storageFlags
	st.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, err := openDB(ctx, st)
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
	var st storageFlags
	st.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, err := openDB(ctx, st)
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
