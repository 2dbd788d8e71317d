// Package domain holds svarsign's business rules: the validations of a
// shipment (identity numbers, file names, limits, metadata; the README's
// "Limits" states them for callers) and the state machines of shipments
// and signing orders (status.go; ent hooks enforce them on every write,
// docs/decisions/0017).
//
// Everything here is pure: no I/O, no clock, no globals that change. RPC
// handlers call these functions, collect problems in a [Violations] and map
// the resulting [*ValidationError] to InvalidArgument with one field
// violation per problem, so a caller learns about every mistake at once
// instead of fixing them one round trip at a time.
package domain
