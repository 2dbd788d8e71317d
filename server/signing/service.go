// Package signing implements SigningService. Signing orders are not accepted
// by SendShipment yet (no signing provider is wired), so every RPC answers
// Unimplemented through the generated base type until that work lands.
package signing

import "github.com/svarsign/svarsign/gen/go/svarsign/v1/svarsignv1connect"

// Service implements svarsignv1connect.SigningServiceHandler.
type Service struct {
	svarsignv1connect.UnimplementedSigningServiceHandler
}

var _ svarsignv1connect.SigningServiceHandler = (*Service)(nil)
