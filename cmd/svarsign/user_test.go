package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/svarsign/svarsign/ent/user"
	"github.com/svarsign/svarsign/server/auth"
	"github.com/svarsign/svarsign/server/database/databasetest"
)

// TestAdminUserCreate is not parallel: it sets SVARSIGN_PASSWORD, which
// is the whole process's.
func TestAdminUserCreate(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	var out, errOut bytes.Buffer
	if err := run(ctx, []string{"admin", "org", "create", "--number", "123456785", "--name", "Eksempel kommune", "--data", data}, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	create := func(email string) error {
		out.Reset()
		return run(ctx, []string{"admin", "user", "create", "--org", "123456785", "--email", email, "--data", data}, &out, &errOut)
	}

	t.Setenv("SVARSIGN_PASSWORD", "for kort")
	if err := create("a@eksempel.no"); err == nil || !strings.Contains(err.Error(), "at least 12") {
		t.Errorf("short password: %v, want a policy error", err)
	}
	const pw = "korrekt hest batteri stift"
	t.Setenv("SVARSIGN_PASSWORD", pw)
	if err := create("ikke-en-adresse"); err == nil {
		t.Error("a malformed address was accepted")
	}
	if err := create("Sak.Behandler@Eksempel.no"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "sak.behandler@eksempel.no") {
		t.Errorf("output %q does not name the (lower-cased) user", out.String())
	}
	if err := create("sak.behandler@eksempel.no"); err == nil || !strings.Contains(err.Error(), "already has") {
		t.Errorf("duplicate user: %v", err)
	}

	// Only an argon2id hash is stored, and it checks the password.
	db, err := openDB(ctx, storageFlags{data: data})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	u, err := db.Ent.User.Query().Where(user.Email("sak.behandler@eksempel.no")).Only(databasetest.Context(t))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(u.PasswordHash, "$argon2id$") || strings.Contains(u.PasswordHash, pw) {
		t.Errorf("stored hash %q", u.PasswordHash)
	}
	if !auth.PasswordMatches(pw, u.PasswordHash) || auth.PasswordMatches(pw+"x", u.PasswordHash) {
		t.Error("stored hash does not check the password")
	}
}

// TestReadPasswordFromStdin is not parallel: it clears SVARSIGN_PASSWORD,
// which is the whole process's.
func TestReadPasswordFromStdin(t *testing.T) {
	t.Setenv("SVARSIGN_PASSWORD", "")
	got, err := readPassword(strings.NewReader("hemmelig passord 1\nrest"))
	if err != nil || got != "hemmelig passord 1" {
		t.Errorf("readPassword = %q, %v", got, err)
	}
	if _, err := readPassword(strings.NewReader("")); err == nil {
		t.Error("empty stdin gave a password")
	}
}
