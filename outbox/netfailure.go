package outbox

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"syscall"
)

// networkError is a failure to reach or talk to a provider, told without
// addresses: its text may reach the account that owns the agent, and the
// provider's host is the operator's business. Unwrap still gives the
// cause, for errors.Is and errors.As.
type networkError struct {
	what  string
	cause error
}

func (e *networkError) Error() string { return e.what }
func (e *networkError) Unwrap() error { return e.cause }

// netFailure describes err, a failure on a connection made under ctx.
// When ctx has ended that is the cause, whatever the connection reported.
func netFailure(ctx context.Context, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		err = ctxErr
	}
	what := connFailure(err)
	if what == "" {
		what = "network error"
	}
	return &networkError{what: what, cause: err}
}

// connFailure says what went wrong when err is a broken or refused
// connection, a timeout or a failed TLS handshake; "" for anything else.
func connFailure(err error) string {
	var (
		netErr  net.Error
		dnsErr  *net.DNSError
		certErr *tls.CertificateVerificationError
		recErr  tls.RecordHeaderError
	)
	switch {
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return "timed out"
	case errors.As(err, &dnsErr):
		return "the host name did not resolve"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "the server closed the connection"
	case errors.As(err, &certErr):
		return "the server's TLS certificate was not trusted"
	case errors.As(err, &recErr):
		return "the server did not answer in TLS"
	case errors.As(err, &netErr):
		return "network error"
	}
	return ""
}
