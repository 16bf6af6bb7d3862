package outbox

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"strings"
	"testing"
	"time"

	"github.com/keinetech/kaine/outbox/fakesmtp"
)

func startSMTP(t *testing.T, opts fakesmtp.Options) *fakesmtp.Server {
	t.Helper()
	s, err := fakesmtp.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestEmailArrivesWithItsHeadersAndBodyIntact(t *testing.T) {
	srv := startSMTP(t, fakesmtp.Options{})
	sender := &SMTP{Addr: srv.Addr(), From: "Kaine Agents <agents@kaine.example>"}
	subject := "Réunion à 10h ✓"
	body := "Bonjour Zoë,\n.a line that starts with a dot\n.\nprice = 5€  \n" + strings.Repeat("long line ", 30) + "\nbye"
	id, err := sender.Send(context.Background(), "Zoë Smith <zoe@example.com>", subject, body)
	if err != nil {
		t.Fatal(err)
	}
	got := srv.Messages()
	if len(got) != 1 || got[0].From != "agents@kaine.example" || len(got[0].To) != 1 || got[0].To[0] != "zoe@example.com" {
		t.Fatalf("envelope %+v", got)
	}
	for _, line := range strings.Split(string(got[0].Data), "\r\n") {
		if len(line) > 78 {
			t.Fatalf("line of %d characters: %q", len(line), line)
		}
	}
	msg, err := mail.ReadMessage(bytes.NewReader(got[0].Data))
	if err != nil {
		t.Fatal(err)
	}
	h := msg.Header
	if h.Get("Message-ID") != id || !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, "@kaine.example>") {
		t.Fatalf("Message-ID %q, Send returned %q", h.Get("Message-ID"), id)
	}
	if raw := h.Get("Subject"); !strings.HasPrefix(raw, "=?UTF-8?q?") {
		t.Fatalf("subject not Q-encoded: %q", raw)
	}
	if dec, err := new(mime.WordDecoder).DecodeHeader(h.Get("Subject")); err != nil || dec != subject {
		t.Fatalf("subject decodes to %q (%v)", dec, err)
	}
	if to, err := mail.ParseAddress(h.Get("To")); err != nil || to.Name != "Zoë Smith" || to.Address != "zoe@example.com" {
		t.Fatalf("To %q: %v %v", h.Get("To"), to, err)
	}
	if from, err := mail.ParseAddress(h.Get("From")); err != nil || from.Name != "Kaine Agents" {
		t.Fatalf("From %q: %v", h.Get("From"), err)
	}
	if _, err := h.Date(); err != nil {
		t.Fatalf("Date %q: %v", h.Get("Date"), err)
	}
	if h.Get("MIME-Version") != "1.0" || h.Get("Content-Type") != "text/plain; charset=UTF-8" || h.Get("Content-Transfer-Encoding") != "quoted-printable" {
		t.Fatalf("MIME headers %v", h)
	}
	decoded, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
	if err != nil {
		t.Fatal(err)
	}
	// SMTP ends the last line with a line break.
	if want := strings.ReplaceAll(body, "\n", "\r\n") + "\r\n"; string(decoded) != want {
		t.Fatalf("body came back as\n%q\nwant\n%q", decoded, want)
	}
}

func TestSubjectsStayPlainWhenASCIIAndFoldWhenLong(t *testing.T) {
	m, err := composeEmail("a@example.com", "b@example.com", "Plain subject", "x", time.Now())
	if err != nil || !bytes.Contains(m.data, []byte("\r\nSubject: Plain subject\r\n")) {
		t.Fatalf("ASCII subject: %q %v", m.data, err)
	}
	long := strings.Repeat("é", maxSubject)
	m, err = composeEmail("a@example.com", "b@example.com", long, "x", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(m.data))
	if err != nil {
		t.Fatal(err)
	}
	if dec, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject")); dec != long {
		t.Fatalf("a long subject decodes to %q", dec)
	}
	for _, line := range strings.Split(string(m.data), "\r\n") {
		if len(line) > 90 {
			t.Fatalf("header line of %d characters", len(line))
		}
	}
	if _, err := composeEmail("a@example.com", "b@example.com", long+"é", "x", time.Now()); err == nil {
		t.Fatal("a subject over the limit was accepted")
	}
}

func TestHeaderInjectionIsRefusedBeforeConnecting(t *testing.T) {
	srv := startSMTP(t, fakesmtp.Options{})
	cases := []struct {
		name, from, to, subject, body, wantErr string
	}{
		{"subject with CRLF", "a@example.com", "b@example.com", "Hi\r\nBcc: evil@example.net", "x", "subject contains a line break"},
		{"subject with LF", "a@example.com", "b@example.com", "Hi\nBcc: evil@example.net", "x", "subject contains a line break"},
		{"subject with NUL", "a@example.com", "b@example.com", "Hi\x00", "x", "control character"},
		{"recipient with CRLF", "a@example.com", "b@example.com\r\nBcc: evil@example.net", "Hi", "x", "recipient address contains a line break"},
		{"recipient list", "a@example.com", "b@example.com, evil@example.net", "Hi", "x", "recipient address"},
		{"recipient smuggling a command", "a@example.com", "b@example.com>\r\nRCPT TO:<evil@example.net", "Hi", "x", "line break"},
		{"not an address", "a@example.com", "bob", "Hi", "x", "recipient address \"bob\" is not one valid"},
		{"sender with CRLF", "a@example.com\r\nBcc: evil@example.net", "b@example.com", "Hi", "x", "sender address contains a line break"},
		{"invalid UTF-8 body", "a@example.com", "b@example.com", "Hi", "\xff", "not valid UTF-8"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sender := &SMTP{Addr: srv.Addr(), From: c.from}
			_, err := sender.Send(context.Background(), c.to, c.subject, c.body)
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("got %v, want an error saying %q", err, c.wantErr)
			}
		})
	}
	if got := srv.Messages(); len(got) != 0 {
		t.Fatalf("the server received %d messages", len(got))
	}
	if _, err := (&SMTP{Addr: "no-port", From: "a@example.com"}).Send(context.Background(), "b@example.com", "", ""); err == nil || !strings.Contains(err.Error(), "not host:port") {
		t.Fatalf("bad server address: %v", err)
	}
}

func TestLoginWorksInClearTextOnlyOverLoopback(t *testing.T) {
	srv := startSMTP(t, fakesmtp.Options{Username: "bob", Password: "s3cret-pw"})
	sender := &SMTP{Addr: srv.Addr(), From: "a@example.com", Username: "bob", Password: "s3cret-pw"}
	if _, err := sender.Send(context.Background(), "b@example.com", "Hi", "x"); err != nil {
		t.Fatal(err)
	}
	if got := srv.Messages(); len(got) != 1 || got[0].User != "bob" || got[0].TLS {
		t.Fatalf("recorded %+v", got)
	}

	wrong := &SMTP{Addr: srv.Addr(), From: "a@example.com", Username: "bob", Password: "wrong-pw-123"}
	_, err := wrong.Send(context.Background(), "b@example.com", "Hi", "x")
	var refusal *SMTPError
	if !errors.As(err, &refusal) || refusal.Step != "login" || refusal.Code != 535 || refusal.Temporary() {
		t.Fatalf("wrong password: %#v", err)
	}
	if strings.Contains(err.Error(), "wrong-pw-123") {
		t.Fatalf("the error shows the password: %v", err)
	}

	anonymous := &SMTP{Addr: srv.Addr(), From: "a@example.com"}
	_, err = anonymous.Send(context.Background(), "b@example.com", "Hi", "x")
	if !errors.As(err, &refusal) || refusal.Step != "sender" || refusal.Code != 530 {
		t.Fatalf("no login: %v", err)
	}
}

func TestThePasswordNeverCrossesANetworkInClearText(t *testing.T) {
	cases := []struct {
		name     string
		loopback bool
		server   smtp.ServerInfo
		wantMech string
		wantResp string
		wantErr  string
	}{
		{"remote without TLS, PLAIN", false, smtp.ServerInfo{Name: "smtp.example.com", Auth: []string{"PLAIN"}}, "", "", "without TLS"},
		{"remote without TLS, only LOGIN", false, smtp.ServerInfo{Name: "smtp.example.com", Auth: []string{"LOGIN"}}, "", "", "without TLS"},
		{"remote over TLS, both", false, smtp.ServerInfo{TLS: true, Auth: []string{"LOGIN", "PLAIN"}}, "PLAIN", "\x00bob\x00pw", ""},
		{"remote over TLS, only LOGIN", false, smtp.ServerInfo{TLS: true, Auth: []string{"login"}}, "LOGIN", "", ""},
		{"loopback without TLS", true, smtp.ServerInfo{Auth: []string{"PLAIN"}}, "PLAIN", "\x00bob\x00pw", ""},
		{"neither offered", false, smtp.ServerInfo{TLS: true, Auth: []string{"CRAM-MD5", "XOAUTH2"}}, "", "", "neither AUTH PLAIN nor AUTH LOGIN (it offers: CRAM-MD5, XOAUTH2)"},
		{"no AUTH at all", false, smtp.ServerInfo{TLS: true}, "", "", "(it offers: none)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := &passwordAuth{username: "bob", password: "pw", loopback: c.loopback}
			mech, resp, err := a.Start(&c.server)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) || mech != "" || resp != nil {
					t.Fatalf("got %q %q %v, want an error saying %q", mech, resp, err, c.wantErr)
				}
				return
			}
			if err != nil || mech != c.wantMech || string(resp) != c.wantResp {
				t.Fatalf("got %q %q %v, want %q %q", mech, resp, err, c.wantMech, c.wantResp)
			}
		})
	}
}

func TestAUTHLOGINAnswersUsernameThenPasswordAndNothingMore(t *testing.T) {
	a := &passwordAuth{username: "bob", password: "pw"}
	if _, _, err := a.Start(&smtp.ServerInfo{TLS: true, Auth: []string{"LOGIN"}}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"bob", "pw"} {
		if got, err := a.Next([]byte("whatever the server says:"), true); err != nil || string(got) != want {
			t.Fatalf("answered %q (%v), want %q", got, err, want)
		}
	}
	if got, err := a.Next([]byte("Again:"), true); err == nil || got != nil {
		t.Fatalf("a third challenge was answered with %q", got)
	}
	if got, err := a.Next([]byte("OK"), false); err != nil || got != nil {
		t.Fatalf("after success: %q %v", got, err)
	}
}

// tappedConn keeps a copy of everything the client writes.
type tappedConn struct {
	net.Conn
	sent bytes.Buffer
}

func (c *tappedConn) Write(p []byte) (int, error) {
	c.sent.Write(p)
	return c.Conn.Write(p)
}

func TestARemoteServerGetsCredentialsOnlyOverTLS(t *testing.T) {
	// The fakes are on loopback; the auth is told they are not, as it
	// would judge a server across the network.
	remote := func() *passwordAuth { return &passwordAuth{username: "bob", password: "s3cret-pw", loopback: false} }

	plain := startSMTP(t, fakesmtp.Options{Username: "bob", Password: "s3cret-pw", AuthMechanisms: []string{"LOGIN"}})
	conn, err := net.Dial("tcp", plain.Addr())
	if err != nil {
		t.Fatal(err)
	}
	tap := &tappedConn{Conn: conn}
	c, err := smtp.NewClient(tap, "smtp.example.com")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Auth(remote()); err == nil || !strings.Contains(err.Error(), "refusing to send the password without TLS") {
		t.Fatalf("without TLS: %v", err)
	}
	for _, secret := range []string{"AUTH", "bob", "Ym9i", "s3cret-pw", "czNjcmV0LXB3"} {
		if bytes.Contains(tap.sent.Bytes(), []byte(secret)) {
			t.Fatalf("the client sent %q:\n%s", secret, tap.sent.Bytes())
		}
	}

	// Implicit TLS counts as TLS from the start.
	secure := startSMTP(t, fakesmtp.Options{Username: "bob", Password: "s3cret-pw", AuthMechanisms: []string{"LOGIN"}, ImplicitTLS: true})
	tlsConn, err := tls.Dial("tcp", secure.Addr(), secure.ClientTLS())
	if err != nil {
		t.Fatal(err)
	}
	c, err = smtp.NewClient(tlsConn, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Auth(remote()); err != nil {
		t.Fatalf("over implicit TLS: %v", err)
	}
}

func TestSTARTTLSIsUsedWhenOffered(t *testing.T) {
	srv := startSMTP(t, fakesmtp.Options{Username: "bob", Password: "s3cret-pw", STARTTLS: true})
	sender := &SMTP{Addr: srv.Addr(), From: "a@example.com", Username: "bob", Password: "s3cret-pw", TLSConfig: srv.ClientTLS()}
	if _, err := sender.Send(context.Background(), "b@example.com", "Hi", "x"); err != nil {
		t.Fatal(err)
	}
	if got := srv.Messages(); len(got) != 1 || !got[0].TLS || got[0].User != "bob" {
		t.Fatalf("recorded %+v", got)
	}
	untrusting := &SMTP{Addr: srv.Addr(), From: "a@example.com", Username: "bob", Password: "s3cret-pw"}
	_, err := untrusting.Send(context.Background(), "b@example.com", "Hi", "x")
	if err == nil || !strings.Contains(err.Error(), "smtp: STARTTLS: the server's TLS certificate was not trusted") {
		t.Fatalf("self-signed certificate: %v", err)
	}
}

func TestImplicitTLSIsSpokenFromTheFirstByte(t *testing.T) {
	srv := startSMTP(t, fakesmtp.Options{Username: "bob", Password: "s3cret-pw", ImplicitTLS: true})
	// No ServerName: it comes from Addr's host.
	trusting := srv.ClientTLS()
	trusting.ServerName = ""
	sender := &SMTP{Addr: srv.Addr(), From: "a@example.com", Username: "bob", Password: "s3cret-pw", ImplicitTLS: true, TLSConfig: trusting}
	if _, err := sender.Send(context.Background(), "b@example.com", "Hi", "x"); err != nil {
		t.Fatal(err)
	}
	if got := srv.Messages(); len(got) != 1 || !got[0].TLS || got[0].User != "bob" || got[0].Mechanism != "PLAIN" {
		t.Fatalf("recorded %+v", got)
	}
	untrusting := &SMTP{Addr: srv.Addr(), From: "a@example.com", Username: "bob", Password: "s3cret-pw", ImplicitTLS: true}
	_, err := untrusting.Send(context.Background(), "b@example.com", "Hi", "x")
	if err == nil || err.Error() != "smtp: TLS handshake: the server's TLS certificate was not trusted" {
		t.Fatalf("self-signed certificate: %v", err)
	}
}

func TestAUTHLOGINIsUsedWhenPLAINIsNotOffered(t *testing.T) {
	cases := []struct {
		name          string
		implicitTLS   bool
		mechanisms    []string
		wantMechanism string
	}{
		{"STARTTLS, only LOGIN", false, []string{"LOGIN"}, "LOGIN"},
		{"implicit TLS, only LOGIN", true, []string{"LOGIN"}, "LOGIN"},
		{"STARTTLS, LOGIN and PLAIN", false, []string{"LOGIN", "PLAIN"}, "PLAIN"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := startSMTP(t, fakesmtp.Options{Username: "bob", Password: "s3cret-pw", AuthMechanisms: c.mechanisms,
				STARTTLS: !c.implicitTLS, ImplicitTLS: c.implicitTLS})
			sender := &SMTP{Addr: srv.Addr(), From: "a@example.com", Username: "bob", Password: "s3cret-pw",
				ImplicitTLS: c.implicitTLS, TLSConfig: srv.ClientTLS()}
			if _, err := sender.Send(context.Background(), "b@example.com", "Hi", "x"); err != nil {
				t.Fatal(err)
			}
			if got := srv.Messages(); len(got) != 1 || !got[0].TLS || got[0].User != "bob" || got[0].Mechanism != c.wantMechanism {
				t.Fatalf("recorded %+v", got)
			}

			wrong := *sender
			wrong.Password = "wrong-pw-123"
			_, err := wrong.Send(context.Background(), "b@example.com", "Hi", "x")
			var refusal *SMTPError
			if !errors.As(err, &refusal) || refusal.Step != "login" || refusal.Code != 535 || refusal.Temporary() {
				t.Fatalf("wrong password: %#v", err)
			}
			if strings.Contains(err.Error(), "wrong-pw-123") || strings.Contains(err.Error(), "d3JvbmctcHctMTIz") {
				t.Fatalf("the error shows the password: %v", err)
			}
		})
	}
}

func TestImplicitTLSToAServerWithoutTLSFailsAtOnce(t *testing.T) {
	srv := startSMTP(t, fakesmtp.Options{})
	// The plain server greets in clear text, which is no TLS record: the
	// handshake fails then, long before the timeout.
	sender := &SMTP{Addr: srv.Addr(), From: "a@example.com", ImplicitTLS: true, Timeout: time.Minute}
	_, err := sender.Send(context.Background(), "b@example.com", "Hi", "x")
	if err == nil || err.Error() != "smtp: TLS handshake: the server did not answer in TLS" {
		t.Fatalf("got %v", err)
	}

	// A server that never answers is given up on at the timeout.
	silent := startSilentServer(t, "")
	sender = &SMTP{Addr: silent.addr, From: "a@example.com", ImplicitTLS: true, Timeout: 50 * time.Millisecond}
	_, err = sender.Send(context.Background(), "b@example.com", "Hi", "x")
	if !errors.Is(err, context.DeadlineExceeded) || err.Error() != "smtp: TLS handshake: timed out" {
		t.Fatalf("got %v", err)
	}
	if got := srv.Messages(); len(got) != 0 {
		t.Fatalf("the server received %d messages", len(got))
	}
}

func TestCancelingTheContextEndsTheTLSHandshake(t *testing.T) {
	silent := startSilentServer(t, "")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-silent.heard // the client's hello
		cancel()
	}()
	_, err := (&SMTP{Addr: silent.addr, From: "a@example.com", ImplicitTLS: true}).Send(ctx, "b@example.com", "Hi", "x")
	if !errors.Is(err, context.Canceled) || err.Error() != "smtp: TLS handshake: canceled" {
		t.Fatalf("got %v", err)
	}
}

func TestRefusalsAndBrokenConnectionsAreToldSafely(t *testing.T) {
	srv := startSMTP(t, fakesmtp.Options{RejectRecipients: []string{"gone@example.com"}})
	_, err := (&SMTP{Addr: srv.Addr(), From: "a@example.com"}).Send(context.Background(), "gone@example.com", "Hi", "x")
	var refusal *SMTPError
	if !errors.As(err, &refusal) || refusal.Step != "recipient" || refusal.Code != 550 || !strings.Contains(refusal.Message, "rejected") {
		t.Fatalf("rejected recipient: %v", err)
	}
	if (&SMTPError{Code: 451}).Temporary() != true {
		t.Fatal("4xx must be temporary")
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, err = (&SMTP{Addr: addr, From: "a@example.com"}).Send(context.Background(), "b@example.com", "Hi", "x")
	if err == nil || err.Error() != "smtp: connecting: connection refused" {
		t.Fatalf("closed port: %v", err)
	}
}

func TestCancelingTheContextEndsTheConversation(t *testing.T) {
	ln := startSilentServer(t, "220 hello\r\n")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-ln.heard
		cancel()
	}()
	_, err := (&SMTP{Addr: ln.addr, From: "a@example.com"}).Send(ctx, "b@example.com", "Hi", "x")
	if !errors.Is(err, context.Canceled) || err.Error() != "smtp: EHLO: canceled" {
		t.Fatalf("got %v", err)
	}
	_, err = (&SMTP{Addr: ln.addr, From: "a@example.com", Timeout: 50 * time.Millisecond}).Send(context.Background(), "b@example.com", "Hi", "x")
	if !errors.Is(err, context.DeadlineExceeded) || !strings.HasSuffix(err.Error(), ": timed out") {
		t.Fatalf("got %v", err)
	}
}

// silentServer sends greeting (nothing when it is ""), reads the client's
// first bytes, tells heard, and then says nothing more.
type silentServer struct {
	addr  string
	heard chan struct{}
}

func startSilentServer(t *testing.T, greeting string) *silentServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	s := &silentServer{addr: ln.Addr().String(), heard: make(chan struct{}, 2)}
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				io.WriteString(conn, greeting)
				if _, err := conn.Read(make([]byte, 512)); err != nil {
					return
				}
				s.heard <- struct{}{}
				io.Copy(io.Discard, conn) // until the client goes
			}()
		}
	}()
	return s
}

func TestServerTextLosesTheCredentials(t *testing.T) {
	s := &SMTP{Username: "bob", Password: "s3cret-pw"}
	echoed := "5.7.8 bad login AGJvYgBzM2NyZXQtcHc= (password s3cret-pw, czNjcmV0LXB3)\r\n  for bob"
	if got := s.clean(echoed); got != "5.7.8 bad login [redacted] (password [redacted], [redacted]) for bob" {
		t.Fatalf("cleaned to %q", got)
	}
}
