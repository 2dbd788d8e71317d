// Package pagetoken holds what every List RPC shares: the page size rule and
// the opaque page token, the keyset position (time, id) of the last row of a
// page. Keyset paging stays correct while rows are added, unlike offsets.
package pagetoken

import (
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Position is where a page ended.
type Position struct {
	Time time.Time
	ID   uuid.UUID
}

// Encode makes the token for p.
func (p Position) Encode() string {
	raw := strconv.FormatInt(p.Time.UnixNano(), 10) + "/" + p.ID.String()
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

// MaxLen is far above the length of any token Encode makes; Decode
// refuses longer ones before decoding them.
const MaxLen = 100

// Decode reads a token made by Encode.
func Decode(tok string) (Position, error) {
	if len(tok) > MaxLen {
		return Position{}, errors.New("page token too long")
	}
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return Position{}, err
	}
	ns, ids, ok := strings.Cut(string(raw), "/")
	if !ok {
		return Position{}, errors.New("malformed page token")
	}
	n, err := strconv.ParseInt(ns, 10, 64)
	if err != nil {
		return Position{}, err
	}
	id, err := uuid.Parse(ids)
	if err != nil {
		return Position{}, err
	}
	// Times are stored in UTC; a token must compare equal to them.
	return Position{Time: time.Unix(0, n).UTC(), ID: id}, nil
}

// Page sizes of every List RPC.
const (
	DefaultSize = 50
	MaxSize     = 500
	// SizeRule is the field violation for a size out of range.
	SizeRule = "must be between 1 and 500"
)

// Size is the page size for a requested one, 0 meaning DefaultSize; ok is
// false outside 1..MaxSize.
func Size(requested int32) (size int, ok bool) {
	switch {
	case requested == 0:
		return DefaultSize, true
	case requested < 0 || requested > MaxSize:
		return 0, false
	}
	return int(requested), true
}
