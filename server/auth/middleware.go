package auth

import (
	"net/http"

	"connectrpc.com/connect"
)

// Middleware authenticates every request to h from its headers, as the
// Interceptor does, but before h runs: a request without valid credentials
// is refused before any of its body is read, so an anonymous caller cannot
// make the server take in, buffer or parse a message. The caller travels
// on in the request's context, where the Interceptor finds it and does not
// authenticate again.
//
// Refusals are written as the request's protocol (Connect, gRPC or
// gRPC-Web) expects them.
func (i Interceptor) Middleware(h http.Handler) http.Handler {
	errs := connect.NewErrorWriter()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := i.Authenticate(r.Context(), r.Header)
		if err != nil {
			if i.Refused != nil {
				i.Refused(r, err)
			}
			Refused(w, r)
			errs.Write(w, r, err)
			return
		}
		h.ServeHTTP(w, r.WithContext(WithCaller(r.Context(), c)))
	})
}

// Refused prepares the answer to a request refused before its body was
// read: on HTTP/1 the connection is closed after the answer, rather than
// reading up to 256 KiB of an unwanted body to keep it open, as net/http
// would. (HTTP/2 simply resets the stream.)
func Refused(w http.ResponseWriter, r *http.Request) {
	if r.ProtoMajor == 1 && r.ContentLength != 0 {
		w.Header().Set("Connection", "close")
	}
}
