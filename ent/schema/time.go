package schema

import "time"

// nowUTC is the default of every time field. Times are stored in UTC so that
// SQLite, which compares them as text, orders and compares them correctly.
func nowUTC() time.Time { return time.Now().UTC() }
