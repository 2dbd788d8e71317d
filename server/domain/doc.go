// Package domain holds svarsign's business rules: the validations of
// section 3 of the design (identity numbers, file names, limits, metadata)
// and the shipment state machine of section 4.
//
// Everything here is pure: no I/O, no clock, no globals that change. RPC
// handlers call these functions, collect problems in a [Violations] and map
// the resulting [*ValidationError] to InvalidArgument with one field
// violation per problem, so a caller learns about every mistake at once
// instead of fixing them one round trip at a time.
package domain
