package verify_test

import (
	"bytes"
	"io"
	"testing"

	"github.com/svarsign/svarsign/server/verify"
	vt "github.com/svarsign/svarsign/server/verify/verifytest"
)

// FuzzVerify runs verify on arbitrary bytes, seeded with the attack
// corpus (signed files, honest updates and attacks) and the committed
// seeds in testdata/fuzz/FuzzVerify. No input may panic or hang, and a
// signature reported valid must cover a revision from offset 0.
func FuzzVerify(f *testing.F) {
	s := vt.NewSigner(f)
	for _, c := range corpus(f, s) {
		f.Add([]byte(c.file))
	}
	roots := s.Roots()
	f.Fuzz(func(t *testing.T, b []byte) {
		rep, err := verify.File(bytes.NewReader(b), int64(len(b)), roots)
		if err != nil {
			return
		}
		for i, sig := range rep.Signatures {
			if sig.Err != nil {
				continue
			}
			if sig.ByteRange[0] != 0 || sig.ByteRange[2]+sig.ByteRange[3] > int64(len(b)) || sig.Revision < 1 || sig.Revision > rep.Revisions {
				t.Fatalf("signature %d valid with byte range %v, revision %d of %d, in %d bytes", i+1, sig.ByteRange, sig.Revision, rep.Revisions, len(b))
			}
			for _, c := range sig.Later {
				if !c.Allowed {
					t.Fatalf("signature %d valid despite %v", i+1, c.Change)
				}
			}
		}
		rep.Write(io.Discard, "fuzz.pdf")
	})
}
