package pdfsign

import (
	"bytes"
	"math/rand/v2"
	"testing"
	"unicode/utf16"
)

// TestUnpredictInPlace compares the in-place PNG predictor with a plain
// one that allocates each row, on rows of every filter type.
func TestUnpredictInPlace(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, cols := range []int64{1, 3, 7, 20} {
		for _, colors := range []int64{1, 3} {
			p := dict{"Predictor": int64(12), "Columns": cols, "Colors": colors}
			rowLen := int(cols * colors)
			var data []byte
			for row := range 40 {
				data = append(data, byte(row%5))
				for range rowLen {
					data = append(data, byte(rng.IntN(256)))
				}
			}
			data = append(data, 1, 2) // a trailing partial row
			want := plainUnpredict(bytes.Clone(data), rowLen, int(colors))
			got, err := unpredict(bytes.Clone(data), p)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("columns %d colors %d: in place %x, plain %x", cols, colors, got, want)
			}
		}
	}
	if _, err := unpredict([]byte{5, 0}, dict{"Predictor": int64(12)}); err == nil {
		t.Error("row type 5 accepted")
	}
}

func plainUnpredict(data []byte, rowLen, bpp int) []byte {
	var out []byte
	prev := make([]byte, rowLen)
	for len(data) >= rowLen+1 {
		typ, row := data[0], data[1:rowLen+1]
		data = data[rowLen+1:]
		cur := make([]byte, rowLen)
		for i := range rowLen {
			var a, c byte
			b := prev[i]
			if i >= bpp {
				a, c = cur[i-bpp], prev[i-bpp]
			}
			switch typ {
			case 0:
				cur[i] = row[i]
			case 1:
				cur[i] = row[i] + a
			case 2:
				cur[i] = row[i] + b
			case 3:
				cur[i] = row[i] + byte((int(a)+int(b))/2)
			case 4:
				cur[i] = row[i] + paeth(a, b, c)
			}
		}
		out = append(out, cur...)
		prev = cur
	}
	return out
}

// TestDecodeText compares decodeText with decoding through []uint16 and
// []rune, on random text strings with and without byte order marks.
func TestDecodeText(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range 2000 {
		b := make([]byte, rng.IntN(12))
		for j := range b {
			b[j] = byte(rng.IntN(256))
			if rng.IntN(3) == 0 {
				b[j] = 0xd8 + byte(rng.IntN(8)) // surrogates, often
			}
		}
		if i%2 == 0 {
			b = append([]byte{0xfe, 0xff}, b...)
		}
		var want string
		if len(b) >= 2 && b[0] == 0xfe && b[1] == 0xff {
			var u []uint16
			for k := 2; k+1 < len(b); k += 2 {
				u = append(u, uint16(b[k])<<8|uint16(b[k+1]))
			}
			want = string(utf16.Decode(u))
		} else {
			r := make([]rune, len(b))
			for k, c := range b {
				r[k] = rune(c)
			}
			want = string(r)
		}
		if got := decodeText(b); got != want {
			t.Fatalf("decodeText(%x) = %q, want %q", b, got, want)
		}
	}
}
