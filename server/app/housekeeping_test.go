package app_test

import (
	"context"
	"crypto/rand"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/svarsign/svarsign/ent/ceremony"
	"github.com/svarsign/svarsign/ent/citizensession"
	st "github.com/svarsign/svarsign/internal/svarsigntest"
	"github.com/svarsign/svarsign/server/app"
	"github.com/svarsign/svarsign/server/housekeeping"
)

// TestPurgeExpired: the periodic purge deletes expired sessions and
// ceremonies past their grace, and keeps the rest.
func TestPurgeExpired(t *testing.T) {
	srv := st.Start(t, func(c *app.Config) { c.PurgeInterval = 100 * time.Millisecond })
	ctx := context.Background()
	db := srv.App.DB().Ent
	now := time.Now().UTC()
	token := func() []byte { b := make([]byte, 32); rand.Read(b); return b }
	session := func(expires time.Time) {
		if err := db.CitizenSession.Create().SetTokenHash(token()).SetNationalID(st.Person(0)).SetName("Kari").
			SetLevel(3).SetCsrf("x").SetExpiresAt(expires).Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	cer := func(expires time.Time) {
		if err := db.Ceremony.Create().SetTokenHash(token()).SetShipmentID(uuid.New()).SetSignerID(st.Person(0)).
			SetSignerName("Kari").SetLevel(3).SetExpiresAt(expires).Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	session(now.Add(-time.Minute))
	session(now.Add(time.Hour))
	cer(now.Add(-housekeeping.CeremonyGrace - time.Minute))
	cer(now.Add(-time.Minute)) // expired, but within the grace

	deadline := time.Now().Add(15 * time.Second)
	for {
		expired, _ := db.CitizenSession.Query().Where(citizensession.ExpiresAtLT(now)).Count(ctx)
		old, _ := db.Ceremony.Query().Where(ceremony.ExpiresAtLT(now.Add(-housekeeping.CeremonyGrace))).Count(ctx)
		if expired == 0 && old == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 15 s: %d expired sessions and %d old ceremonies remain", expired, old)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if n, _ := db.CitizenSession.Query().Count(ctx); n != 1 {
		t.Errorf("%d sessions remain, want the live one", n)
	}
	if n, _ := db.Ceremony.Query().Count(ctx); n != 1 {
		t.Errorf("%d ceremonies remain, want the one within its grace", n)
	}
}
