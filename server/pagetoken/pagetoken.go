// Package pagetoken holds what every List RPC shares: the page size rule,
// the opaque page token, which is the keyset position (time, id) of the
// last row of a page, and the keyset query itself (Keyset, Page). Keyset
// paging stays correct while rows are added, unlike offsets.
package pagetoken

import (
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"

	"entgo.io/ent/dialect/sql"
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

// Keyset is a list ordered by a time column, then by an id column to
// break ties, both descending (newest first) or both ascending. Its
// methods are ent predicates and orderings: they fit the Where and Order
// of any entity's query.
type Keyset struct {
	// Time and ID name the columns, e.g. shipment.FieldSentAt and
	// shipment.FieldID.
	Time, ID string
	// Desc lists newest first.
	Desc bool
}

// Order orders the list, for the query's Order.
func (k Keyset) Order() func(*sql.Selector) {
	dir := sql.Asc
	if k.Desc {
		dir = sql.Desc
	}
	return func(s *sql.Selector) { s.OrderBy(dir(s.C(k.Time)), dir(s.C(k.ID))) }
}

// After selects the rows that follow the page tok (made by Page) ended
// with, for the query's Where. A token that Decode refuses is an error.
func (k Keyset) After(tok string) (func(*sql.Selector), error) {
	p, err := Decode(tok)
	if err != nil {
		return nil, err
	}
	beyond := sql.FieldGT
	if k.Desc {
		beyond = sql.FieldLT
	}
	return sql.OrPredicates(
		beyond(k.Time, p.Time),
		sql.AndPredicates(sql.FieldEQ(k.Time, p.Time), beyond(k.ID, p.ID)),
	), nil
}

// Page cuts rows, queried with Limit(size+1), to a page of size (at least
// 1, as Size returns) and
// returns the token of the next page, made from the position (at) of the
// page's last row; the token is "" when rows held no more than size.
func Page[T any](rows []T, size int, at func(T) Position) ([]T, string) {
	if len(rows) <= size {
		return rows, ""
	}
	rows = rows[:size]
	return rows, at(rows[size-1]).Encode()
}
