package app_test

import (
	"testing"

	st "github.com/svarsign/svarsign/internal/svarsigntest"
)

// svarsignBinary is cmd/svarsign, built once for the tests that run it as
// a process of its own (to measure its memory, or limit its descriptors).
var svarsignBinary = &st.Binary{Package: st.SvarsignPackage}

func TestMain(m *testing.M) {
	st.WaitingParallelism()
	st.Main(m, svarsignBinary)
}
