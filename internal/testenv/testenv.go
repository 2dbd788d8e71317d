// Package testenv decides what a test does when an outside tool it needs is
// missing: skip with a message saying what to install, or fail under CI=true,
// where .ci/run has installed everything.
package testenv

import (
	"os"
	"os/exec"
	"testing"
)

// InCI reports whether the tests run under CI (CI=true).
func InCI() bool { return os.Getenv("CI") == "true" }

// Missing skips t, or fails it under CI, saying what is missing and how to get it.
func Missing(t testing.TB, what, how string) {
	t.Helper()
	if InCI() {
		t.Fatalf("%s is missing (CI=true, so this fails instead of skipping); install it: %s", what, how)
	}
	t.Skipf("%s is missing; install it to run this test: %s", what, how)
}

// NeedCommand requires an executable on PATH.
func NeedCommand(t testing.TB, name, how string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		Missing(t, name, how)
	}
}

// NeedFile requires a file to exist.
func NeedFile(t testing.TB, path, how string) {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		Missing(t, path, how)
	}
}

// Env returns the value of an environment variable a test needs, such as a
// database URL.
func Env(t testing.TB, name, how string) string {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		Missing(t, "environment variable "+name, how)
	}
	return v
}
