package events

import (
	"testing"
	"time"
)

func TestCursorRoundTrip(t *testing.T) {
	for _, id := range []int{0, 1, 42, 1 << 40} {
		got, err := ParseCursor(Cursor(id))
		if err != nil || got != id {
			t.Errorf("ParseCursor(Cursor(%d)) = %d, %v", id, got, err)
		}
	}
	for _, bad := range []string{"x", "42", Cursor(1) + "=", "ZXYxOi0x" /* ev1:-1 */, "ZXYxOjAx" /* ev1:01 */} {
		if _, err := ParseCursor(bad); err == nil {
			t.Errorf("ParseCursor(%q) succeeded", bad)
		}
	}
}

// TestFirstUnsettled: a missing id holds back what follows it until it has
// been missing for settleTime (a rolled-back transaction on PostgreSQL).
func TestFirstUnsettled(t *testing.T) {
	now := time.Unix(1000, 0)
	o := &outbox{now: func() time.Time { return now }, missing: map[int]time.Time{}}
	const none = int(^uint(0) >> 1)
	if got := o.firstUnsettled(10, []int{11, 12, 13}); got != none {
		t.Errorf("no gap: %d", got)
	}
	if got := o.firstUnsettled(10, []int{11, 13, 15}); got != 12 {
		t.Errorf("gaps 12, 14: first unsettled %d, want 12", got)
	}
	now = now.Add(settleTime / 2)
	if got := o.firstUnsettled(10, []int{11, 12, 13, 15}); got != 14 {
		t.Errorf("12 arrived: first unsettled %d, want 14", got)
	}
	now = now.Add(settleTime)
	if got := o.firstUnsettled(10, []int{11, 12, 13, 15, 17}); got != 16 {
		t.Errorf("14 long missing: first unsettled %d, want 16 (new)", got)
	}
}
