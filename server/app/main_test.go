package app_test

import (
	"os"
	"testing"

	st "github.com/svarsign/svarsign/internal/svarsigntest"
)

// svarsignBinary is cmd/svarsign, built once for the tests that run it as
// a process of its own (to measure its memory, or limit its descriptors).
var svarsignBinary = &st.Binary{Package: "github.com/svarsign/svarsign/cmd/svarsign"}

func TestMain(m *testing.M) {
	st.WaitingParallelism()
	code := m.Run()
	svarsignBinary.Remove()
	os.Exit(code)
}
