// Package fakesmtp is a minimal SMTP server on 127.0.0.1 for tests. It
// speaks EHLO and HELO, STARTTLS or implicit TLS and AUTH PLAIN or LOGIN
// when asked to, MAIL, RCPT, DATA, RSET, NOOP and QUIT, and records every
// message it accepts.
package fakesmtp

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
)

// Options shape the server.
type Options struct {
	// Username, when set, makes a login with Username and Password
	// required before MAIL.
	Username, Password string
	// AuthMechanisms are the login mechanisms EHLO offers when Username
	// is set, in that order: "PLAIN", "LOGIN" or both. Default: PLAIN.
	AuthMechanisms []string
	// STARTTLS offers STARTTLS, with a self-signed certificate for
	// 127.0.0.1 that ClientTLS trusts.
	STARTTLS bool
	// ImplicitTLS speaks TLS from the first byte, as on port 465, with
	// the same certificate; STARTTLS is then never offered.
	ImplicitTLS bool
	// RejectRecipients are addresses RCPT refuses with 550.
	RejectRecipients []string
}

// Message is one message the server accepted.
type Message struct {
	// From is the envelope sender (MAIL FROM); "<>" for the null sender.
	From string
	// To are the envelope recipients (RCPT TO), in order.
	To []string
	// Data is what came after DATA, with dot-stuffing undone and every
	// line ending in CRLF.
	Data []byte
	// User is who had logged in; "" if nobody.
	User string
	// Mechanism is how User logged in, PLAIN or LOGIN; "" if nobody.
	Mechanism string
	// TLS is whether the session was in TLS: from the first byte, or
	// after STARTTLS.
	TLS bool
}

// Server is the fake. Its methods are safe for concurrent use.
type Server struct {
	opts       Options
	mechanisms []string // offered when opts.Username is set
	ln         net.Listener
	tlsConfig  *tls.Config // the server's side of TLS
	certDER    []byte      // its certificate
	roots      *x509.CertPool

	mu       sync.Mutex
	messages []Message
	conns    map[net.Conn]struct{}
	closed   bool
	wg       sync.WaitGroup
}

// Start listens on a free port of 127.0.0.1 and serves until Close.
func Start(opts Options) (*Server, error) {
	s := &Server{opts: opts, mechanisms: []string{"PLAIN"}, conns: map[net.Conn]struct{}{}}
	if len(opts.AuthMechanisms) > 0 {
		s.mechanisms = nil
		for _, m := range opts.AuthMechanisms {
			m = strings.ToUpper(m)
			if m != "PLAIN" && m != "LOGIN" {
				return nil, fmt.Errorf("fakesmtp: AUTH %s is not spoken, only PLAIN and LOGIN", m)
			}
			s.mechanisms = append(s.mechanisms, m)
		}
	}
	if opts.STARTTLS || opts.ImplicitTLS {
		cert, roots, err := selfSigned()
		if err != nil {
			return nil, fmt.Errorf("fakesmtp: making a certificate: %w", err)
		}
		s.tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
		s.roots, s.certDER = roots, cert.Certificate[0]
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("fakesmtp: listening: %w", err)
	}
	if opts.ImplicitTLS {
		ln = tls.NewListener(ln, s.tlsConfig)
	}
	s.ln = ln
	s.wg.Add(1)
	go s.accept()
	return s, nil
}

// Addr is the server's host:port.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// ClientTLS is a client configuration that trusts the server's
// certificate; nil unless Options.STARTTLS or Options.ImplicitTLS.
func (s *Server) ClientTLS() *tls.Config {
	if s.roots == nil {
		return nil
	}
	return &tls.Config{RootCAs: s.roots, ServerName: "127.0.0.1"}
}

// CertPEM is the server's certificate in PEM, for a client configured
// from a CA file; nil unless Options.STARTTLS or Options.ImplicitTLS.
func (s *Server) CertPEM() []byte {
	if s.certDER == nil {
		return nil
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.certDER})
}

// Messages returns the messages accepted so far, oldest first.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, len(s.messages))
	for i, m := range s.messages {
		m.To = slices.Clone(m.To)
		m.Data = slices.Clone(m.Data)
		out[i] = m
	}
	return out
}

// Close stops listening, ends every session and waits for them.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	err := s.ln.Close()
	s.wg.Wait()
	if err != nil {
		return fmt.Errorf("fakesmtp: closing: %w", err)
	}
	return nil
}

func (s *Server) accept() {
	defer s.wg.Done()
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			return // closed
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			conn.Close()
			return
		}
		s.conns[conn] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go func() {
			defer s.wg.Done()
			defer func() {
				s.mu.Lock()
				delete(s.conns, conn)
				s.mu.Unlock()
				conn.Close()
			}()
			newSession(s, conn).serve()
		}()
	}
}

func (s *Server) record(m Message) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.messages = append(s.messages, m)
	return len(s.messages)
}
