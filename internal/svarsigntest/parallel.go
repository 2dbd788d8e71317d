package svarsigntest

import (
	"flag"
	"runtime"
	"strconv"
)

// WaitingParallelism raises -test.parallel, unless it was given, to a few
// tests per CPU: call it from TestMain before m.Run, in a package whose
// tests each start their own server and spend most of their time waiting
// on it (for jobs, timeouts, other processes), not computing. The default,
// GOMAXPROCS, would leave a two-core machine idle most of the run.
func WaitingParallelism() {
	if !flag.Parsed() {
		flag.Parse()
	}
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == "test.parallel" })
	if !given {
		flag.Set("test.parallel", strconv.Itoa(4*runtime.GOMAXPROCS(0)))
	}
}
