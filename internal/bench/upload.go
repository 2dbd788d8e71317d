package bench

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"connectrpc.com/connect"

	svarsignv1 "github.com/svarsign/svarsign/gen/go/svarsign/v1"
)

// chunkSize is the upload chunk the contract recommends: it keeps memory
// lowest on both sides.
const chunkSize = 256 << 10

// uploadStream streams a document of size bytes into shipment id as client
// n, over gRPC, chunk(i) being its i-th chunk of chunkSize bytes (the last
// one shorter).
func (c *clients) uploadStream(ctx context.Context, n int, id, name, mime string, size int64, chunk func(i int64) []byte) (*svarsignv1.Document, error) {
	stream := c.grpc[n].UploadDocument(ctx)
	err := stream.Send(&svarsignv1.UploadDocumentRequest{Part: &svarsignv1.UploadDocumentRequest_Header{
		Header: &svarsignv1.UploadDocumentHeader{ShipmentId: id, FileName: name, MimeType: mime},
	}})
	part := &svarsignv1.UploadDocumentRequest_Chunk{}
	msg := &svarsignv1.UploadDocumentRequest{Part: part}
	for i := int64(0); err == nil && i*chunkSize < size; i++ {
		part.Chunk = chunk(i)
		err = stream.Send(msg)
	}
	// A Send that failed because the server ended the call says only
	// io.EOF; the server's reason comes with the response.
	resp, rerr := stream.CloseAndReceive()
	if rerr != nil {
		return nil, rerr
	}
	if err != nil {
		return nil, err
	}
	return resp.Msg.GetDocument(), nil
}

// uploadBytes makes the upload's bytes one chunk at a time, so that neither
// a gigabyte in memory nor a file read back is needed: a pseudo-random
// block with the chunk's number in its first eight bytes, so that no two
// chunks are alike. The block is reused: a chunk is good until the next.
type uploadBytes struct {
	block []byte
	size  int64
}

func newUploadBytes(size int64) *uploadBytes {
	block := make([]byte, chunkSize)
	_, _ = rand.NewChaCha8([32]byte{'s', 'v', 'a', 'r', 's', 'i', 'g', 'n'}).Read(block) // never fails
	return &uploadBytes{block: block, size: size}
}

func (u *uploadBytes) chunk(i int64) []byte {
	binary.BigEndian.PutUint64(u.block, uint64(i))
	return u.block[:min(chunkSize, u.size-i*chunkSize)]
}

// writeFile writes the same bytes to path and syncs them, so that the
// kernel is not still writing them back while the upload is timed.
func (u *uploadBytes) writeFile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	for i := int64(0); i*chunkSize < u.size; i++ {
		if _, err := f.Write(u.chunk(i)); err != nil {
			f.Close()
			return err
		}
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// upload measures one client streaming a 1 GiB document, a bounded number
// of times, beside the system's sha256sum reading the same bytes from a
// file in the run's folder (in the page cache: hashing, not the disk, is
// the floor), interleaved. The server's peak RSS is that of the uploads.
func (r *run) upload(ctx context.Context, w string) ([]Result, error) {
	sha256sum, err := exec.LookPath("sha256sum")
	if err != nil {
		return nil, fmt.Errorf("floor %s needs the sha256sum command (GNU coreutils): %w", FloorSHA256Sum, err)
	}
	src := newUploadBytes(r.docSize(1 << 30))
	path := filepath.Join(r.tmp, "upload.bin")
	defer os.Remove(path)
	if err := src.writeFile(path); err != nil {
		return nil, fmt.Errorf("floor %s: writing the file: %w", FloorSHA256Sum, err)
	}
	var uploaded, summed []time.Duration
	var peak int64
	for i := range r.times(2) {
		t0 := time.Now()
		out, err := exec.CommandContext(ctx, sha256sum, path).Output()
		summed = append(summed, time.Since(t0))
		if err != nil {
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				err = fmt.Errorf("%w: %s", err, strings.TrimSpace(string(ee.Stderr)))
			}
			return nil, fmt.Errorf("floor %s: %w", FloorSHA256Sum, err)
		}
		want, _, _ := strings.Cut(string(out), " ")

		start, err := r.cl.grpc[0].StartShipment(ctx, connect.NewRequest(&svarsignv1.StartShipmentRequest{}))
		if err != nil {
			return nil, fmt.Errorf("StartShipment: %w", err)
		}
		r.srv.resetPeakRSS()
		t0 = time.Now()
		doc, err := r.cl.uploadStream(ctx, 0, start.Msg.GetShipmentId(), "stor.bin", "application/octet-stream", src.size, src.chunk)
		if err != nil {
			return nil, fmt.Errorf("upload %d: UploadDocument: %w", i+1, err)
		}
		uploaded = append(uploaded, time.Since(t0))
		rss, err := r.srv.peakRSS()
		if err != nil {
			return nil, err
		}
		peak = max(peak, rss)
		if doc.GetSizeBytes() != src.size || doc.GetSha256() != want {
			return nil, fmt.Errorf("upload %d: the server stored %d bytes with SHA-256 %s; sent %d with %s",
				i+1, doc.GetSizeBytes(), doc.GetSha256(), src.size, want)
		}
	}
	floor := bounded(FloorSHA256Sum, src.size, summed)
	res := bounded(w, src.size, uploaded)
	res.PeakRSS = peak
	return []Result{floor, res.against(floor)}, nil
}
