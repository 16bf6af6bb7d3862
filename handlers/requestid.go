package handlers

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strconv"
	"sync/atomic"
)

// RequestIDs names requests so a user can match a call across the answer,
// the audit record and the log line. A client's own X-Request-Id is kept
// when it is sane; otherwise the ID is a random per-process prefix and a
// counter: unique without a crypto/rand read per request.
type RequestIDs struct {
	prefix string
	n      atomic.Uint64
}

// NewRequestIDs starts a generator with a fresh random prefix.
func NewRequestIDs() (*RequestIDs, error) {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, err
	}
	return &RequestIDs{prefix: hex.EncodeToString(b[:]) + "-"}, nil
}

const maxRequestIDLen = 128

// For returns the request's ID.
func (g *RequestIDs) For(r *http.Request) string {
	if id := r.Header.Get("X-Request-Id"); saneRequestID(id) {
		return id
	}
	return g.New()
}

// New returns a fresh ID, for work no request names (an agent's tool).
func (g *RequestIDs) New() string { return g.prefix + strconv.FormatUint(g.n.Add(1), 36) }

// saneRequestID keeps a client's ID only if it cannot break a header, a log
// line or a JSON record.
func saneRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDLen {
		return false
	}
	for _, c := range []byte(id) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '-' || c == '_' || c == '.' || c == ':') {
			return false
		}
	}
	return true
}
