package main

import (
	"os"
	"testing"

	st "github.com/svarsign/svarsign/internal/svarsigntest"
)

// svarsignBinary is this command, built once for the tests that run it as
// a process of their own (to start many at once, kill one, or check exit
// codes).
var svarsignBinary = &st.Binary{Package: "github.com/svarsign/svarsign/cmd/svarsign"}

func TestMain(m *testing.M) {
	st.WaitingParallelism()
	code := m.Run()
	svarsignBinary.Remove()
	os.Exit(code)
}
