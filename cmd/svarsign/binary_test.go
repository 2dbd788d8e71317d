package main

import (
	"testing"

	st "github.com/svarsign/svarsign/internal/svarsigntest"
)

// svarsignBinary is this command, built once for the tests that run it as
// a process of their own (to start many at once, kill one, or check exit
// codes).
var svarsignBinary = &st.Binary{Package: st.SvarsignPackage}

func TestMain(m *testing.M) {
	st.WaitingParallelism()
	st.Main(m, svarsignBinary)
}
