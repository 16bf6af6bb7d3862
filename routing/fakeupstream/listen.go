package fakeupstream

import (
	"net"
	"net/http"
	"net/http/httptest"
	"time"
)

// Options set up a fake started with Serve: one that runs as a program,
// for days, rather than for one test.
type Options struct {
	// Forget keeps no record of the requests, so the fake's memory stays
	// bounded however long it runs; Requests, Bodies and Calls then see
	// none.
	Forget bool
	// Respond, when set, makes the reply to each call that passes the
	// fake's checks from that call's request, in place of the queue and
	// the default: an answer that can depend on the prompt. Calls that
	// arrive together call it concurrently.
	Respond func(Received) Reply
	// Wrap, when set, wraps the fake's handler, e.g. to log each request.
	// What it hands on must keep http.NewResponseController working (an
	// Unwrap method on a wrapped ResponseWriter), as streams flush and cut
	// through it.
	Wrap func(http.Handler) http.Handler
}

// Serve starts a fake that answers on l, where New listens on a random
// port: the fake's address can then be written in a config in advance.
// Close it when done; that closes l too.
func Serve(l net.Listener, opts Options) *Server {
	s := &Server{closing: make(chan struct{}), opts: opts}
	var h http.Handler = http.HandlerFunc(s.serve)
	if opts.Wrap != nil {
		h = opts.Wrap(h)
	}
	// An httptest.Server on the caller's listener keeps Close the same
	// for both constructors: it waits for the answers under way.
	s.srv = &httptest.Server{Listener: l, Config: &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}}
	s.srv.Start()
	s.URL = s.srv.URL
	return s
}
