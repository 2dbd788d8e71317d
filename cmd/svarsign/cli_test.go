package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	st "github.com/svarsign/svarsign/internal/svarsigntest"
	"github.com/svarsign/svarsign/server/database/databasetest"
)

// commandNames are every command of usage, checked against it below.
var commandNames = []string{
	"serve", "admin org create", "admin key create", "admin key list", "admin key revoke",
	"admin webhook add", "admin webhook list", "admin user create", "verify", "demo", "bench", "help",
}

// TestHelp: -h and --help after any command or group of commands print
// its usage on stdout and succeed, without running it.
func TestHelp(t *testing.T) {
	t.Parallel()
	for _, name := range commandNames {
		if !strings.Contains(usage, "  svarsign "+name+" ") && !strings.Contains(usage, "  svarsign "+name+"\n") {
			t.Errorf("usage does not show %q", name)
		}
	}
	groups := []string{"admin", "admin key", "admin org", "admin webhook", "admin user"}
	for i, name := range append(commandNames, groups...) {
		for _, flag := range []string{"-h", "--help"} {
			args := append(strings.Fields(name), flag)
			var out, errOut bytes.Buffer
			// A canceled context: a command that ran instead would fail.
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			err := run(ctx, args, &out, &errOut)
			want := "usage:\n  svarsign " + name
			if name == "help" {
				want = usage // all of it
			}
			if err != nil || errOut.Len() != 0 || !strings.HasPrefix(out.String(), want) {
				t.Errorf("svarsign %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, out.String(), errOut.String())
			}
			if i < len(commandNames) && name != "help" && !strings.Contains(out.String(), "\nflags:\n  -") {
				t.Errorf("svarsign %s does not list the flags:\n%s", strings.Join(args, " "), out.String())
			}
		}
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"help", "admin", "webhook"}, &out, &bytes.Buffer{}); err != nil ||
		!strings.Contains(out.String(), "svarsign admin webhook add") || strings.Contains(out.String(), "svarsign serve") {
		t.Errorf("svarsign help admin webhook: %v\n%s", err, out.String())
	}
}

// TestBadCommandLine: a bad command line is a usage error (exit status 2)
// that names the fault and shows the command's usage on stderr.
func TestBadCommandLine(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args       []string
		want, help string
	}{
		{[]string{"serve", "--bogus"}, "serve: flag provided but not defined: -bogus", "svarsign serve ["},
		{[]string{"admin", "key", "list", "--org", st.OrgNumber(0), "extra"}, `admin key list: unexpected argument "extra"`, "svarsign admin key list --org"},
		{[]string{"verify"}, "verify: missing argument", "svarsign verify ["},
		{[]string{"admin", "key", "frob"}, `unknown command "admin key frob"`, "svarsign admin key revoke"},
		{[]string{"admin"}, "admin: missing command", "svarsign admin org create"},
		{[]string{"help", "frob"}, `unknown command "frob"`, "svarsign serve"},
	} {
		var out, errOut bytes.Buffer
		err := run(context.Background(), tc.args, &out, &errOut)
		var ue *usageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), tc.want) || out.Len() != 0 ||
			!strings.HasPrefix(errOut.String(), "svarsign: "+err.Error()+"\nusage:\n") || !strings.Contains(errOut.String(), tc.help) {
			t.Errorf("svarsign %s: %v, want a usage error %q\nstdout:\n%s\nstderr:\n%s", strings.Join(tc.args, " "), err, tc.want, out.String(), errOut.String())
		}
	}
}

// TestReadOnlyAdminNeedsDatabase: commands that read or change what exists
// refuse a folder (or PostgreSQL schema) without a database, and create
// nothing there; commands that create may.
func TestReadOnlyAdminNeedsDatabase(t *testing.T) {
	t.Parallel()
	readOnly := [][]string{
		{"admin", "key", "list", "--org", st.OrgNumber(0)},
		{"admin", "key", "revoke", "--org", st.OrgNumber(0), "--id", "0123456789abcdef"},
		{"admin", "webhook", "list", "--org", st.OrgNumber(0)},
	}
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		data := filepath.Join(t.TempDir(), "wrong-folder")
		for _, args := range readOnly {
			var out, errOut bytes.Buffer
			err := run(context.Background(), append(args, "--data", data), &out, &errOut)
			want := "no database at " + filepath.Join(data, "svarsign.db") + "; create it with `svarsign serve` or `svarsign admin org create`"
			if err == nil || !strings.HasPrefix(err.Error(), want) {
				t.Errorf("svarsign %s in a folder without a database: %v, want %q", strings.Join(args, " "), err, want)
			}
			if _, err := os.Stat(data); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("svarsign %s created %s: %v", strings.Join(args, " "), data, err)
			}
		}
		// Once a command that creates has run, they work.
		var out bytes.Buffer
		if err := run(context.Background(), []string{"admin", "org", "create", "--number", st.OrgNumber(0), "--name", "Kommune", "--data", data}, &out, &out); err != nil {
			t.Fatal(err)
		}
		if err := run(context.Background(), append(readOnly[0], "--data", data), &out, &out); err != nil {
			t.Fatalf("key list after org create: %v", err)
		}
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		dsn := databasetest.PostgresDSN(t)
		for _, args := range readOnly {
			var out, errOut bytes.Buffer
			err := run(context.Background(), append(args, "--db", dsn), &out, &errOut)
			if err == nil || !strings.Contains(err.Error(), "has no svarsign tables in schema") {
				t.Errorf("svarsign %s on an empty schema: %v, want it to say the schema has no tables", strings.Join(args, " "), err)
			}
		}
		cfg, err := pgx.ParseConfig(dsn)
		if err != nil {
			t.Fatal(err)
		}
		db := stdlib.OpenDB(*cfg)
		defer db.Close()
		var tables int
		if err := db.QueryRowContext(t.Context(), "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()").Scan(&tables); err != nil {
			t.Fatal(err)
		}
		if tables != 0 {
			t.Fatalf("the refused commands created %d tables", tables)
		}
	})
}
