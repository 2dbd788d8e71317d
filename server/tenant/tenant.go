// Package tenant says on whose behalf code reads and writes the database.
// Every context that reaches ent carries a Scope, set once where the
// caller becomes known (the API's auth interceptor, a web session, a job);
// ent's interceptors and hooks (ent/schema/tenant.go) then add the
// matching filter to every query and write. A context without a scope
// reads nothing and writes nothing, so a forgotten filter cannot leak.
//
// The package imports nothing of the service so that the ent schema can
// use it.
package tenant

import "context"

// Scope is one caller's view of the data. The zero Scope sees nothing.
type Scope struct {
	org     int
	citizen string
	system  string
}

// Org is the scope of an organisation's API key or case worker: its own
// rows only.
func Org(id int) Scope { return Scope{org: id} }

// Citizen is the scope of a citizen logged in to the mailbox: shipments
// addressed to their national identity number and what hangs off them.
func Citizen(nationalID string) Scope { return Scope{citizen: nationalID} }

// System is the scope of work that acts across organisations by design:
// background jobs, housekeeping, administration commands, the lookup of
// a credential before its owner is known. reason says which, for logs.
func System(reason string) Scope {
	if reason == "" {
		reason = "unspecified"
	}
	return Scope{system: reason}
}

// OrgID returns the organisation of an Org scope.
func (s Scope) OrgID() (int, bool) { return s.org, s.org != 0 }

// CitizenID returns the national identity number of a Citizen scope.
func (s Scope) CitizenID() (string, bool) { return s.citizen, s.citizen != "" }

// IsSystem reports whether s is a System scope.
func (s Scope) IsSystem() bool { return s.system != "" }

// String names the scope for logs, without personal data.
func (s Scope) String() string {
	switch {
	case s.org != 0:
		return "org"
	case s.citizen != "":
		return "citizen"
	case s.system != "":
		return "system:" + s.system
	}
	return "none"
}

type key struct{}

// With returns ctx carrying s, replacing any scope ctx had.
func With(ctx context.Context, s Scope) context.Context {
	return context.WithValue(ctx, key{}, s)
}

// From returns the scope of ctx; without one it is the zero Scope, which
// sees nothing.
func From(ctx context.Context) Scope {
	s, _ := ctx.Value(key{}).(Scope)
	return s
}
