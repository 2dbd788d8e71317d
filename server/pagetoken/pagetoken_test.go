package pagetoken_test

import (
	"fmt"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"
	"github.com/google/uuid"

	"github.com/svarsign/svarsign/server/pagetoken"
)

func TestRoundTrip(t *testing.T) {
	p := pagetoken.Position{Time: time.Date(2026, 11, 25, 20, 1, 2, 123456789, time.FixedZone("CET", 3600)), ID: uuid.New()}
	got, err := pagetoken.Decode(p.Encode())
	if err != nil {
		t.Fatal(err)
	}
	if !got.Time.Equal(p.Time) || got.Time.Location() != time.UTC || got.ID != p.ID {
		t.Fatalf("decoded %+v, want %+v in UTC", got, p)
	}
	for _, bad := range []string{"", "!!", "bm8tc2xhc2g", "MTIzL25vdC1hLXV1aWQ", "eC8wMDAwMDAwMC0wMDAwLTAwMDAtMDAwMC0wMDAwMDAwMDAwMDA"} {
		if _, err := pagetoken.Decode(bad); err == nil {
			t.Errorf("Decode(%q) succeeded", bad)
		}
	}
}

// TestWireFormat pins the token of a position: tokens handed out before a
// release must still be understood after it.
func TestWireFormat(t *testing.T) {
	p := pagetoken.Position{Time: time.Unix(0, 1764690000123456789), ID: uuid.MustParse("0b7d3c3e-7f43-4c43-9a8e-5a1d2f0e9c11")}
	const tok = "MTc2NDY5MDAwMDEyMzQ1Njc4OS8wYjdkM2MzZS03ZjQzLTRjNDMtOWE4ZS01YTFkMmYwZTljMTE"
	if got := p.Encode(); got != tok {
		t.Errorf("Encode = %q, want %q", got, tok)
	}
	got, err := pagetoken.Decode(tok)
	if err != nil || !got.Time.Equal(p.Time) || got.ID != p.ID {
		t.Errorf("Decode = %+v, %v; want %+v", got, err, p)
	}
}

func TestKeysetQuery(t *testing.T) {
	p := pagetoken.Position{Time: time.Date(2026, 11, 25, 20, 1, 2, 0, time.UTC), ID: uuid.New()}
	for _, tc := range []struct {
		desc bool
		want string
	}{
		{true, "SELECT * FROM `shipments` WHERE `shipments`.`sent_at` < ? OR (`shipments`.`sent_at` = ? AND `shipments`.`id` < ?) ORDER BY `shipments`.`sent_at` DESC, `shipments`.`id` DESC"},
		{false, "SELECT * FROM `shipments` WHERE `shipments`.`sent_at` > ? OR (`shipments`.`sent_at` = ? AND `shipments`.`id` > ?) ORDER BY `shipments`.`sent_at` ASC, `shipments`.`id` ASC"},
	} {
		k := pagetoken.Keyset{Time: "sent_at", ID: "id", Desc: tc.desc}
		after, err := k.After(p.Encode())
		if err != nil {
			t.Fatal(err)
		}
		s := sql.Dialect(dialect.SQLite).Select("*").From(sql.Table("shipments"))
		after(s)
		k.Order()(s)
		query, args := s.Query()
		if query != tc.want {
			t.Errorf("desc %v:\n got %s\nwant %s", tc.desc, query, tc.want)
		}
		if want := []any{p.Time, p.Time, p.ID}; fmt.Sprint(args) != fmt.Sprint(want) {
			t.Errorf("desc %v: args %v, want %v", tc.desc, args, want)
		}
	}
	if _, err := (pagetoken.Keyset{Time: "sent_at", ID: "id"}).After("not a token"); err == nil {
		t.Error("After accepted a token Decode refuses")
	}
}

func TestPage(t *testing.T) {
	base := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	ids := []uuid.UUID{uuid.New(), uuid.New(), uuid.New()}
	at := func(i int) pagetoken.Position {
		return pagetoken.Position{Time: base.Add(time.Duration(i) * time.Hour), ID: ids[i]}
	}

	// size+1 rows: a full page, and the token of its last row.
	rows, next := pagetoken.Page([]int{0, 1, 2}, 2, at)
	if fmt.Sprint(rows) != "[0 1]" || next != at(1).Encode() {
		t.Errorf("Page of 3 by 2 = %v, %q; want [0 1] and the token of row 1", rows, next)
	}
	// No more than size: the last page, no token.
	for _, in := range [][]int{{0, 1}, {0}, nil} {
		rows, next := pagetoken.Page(in, 2, at)
		if fmt.Sprint(rows) != fmt.Sprint(in) || next != "" {
			t.Errorf("Page of %v by 2 = %v, %q; want all rows, no token", in, rows, next)
		}
	}
}
