package pagetoken_test

import (
	"testing"
	"time"

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
