package outbox

import (
	"bufio"
	"bytes"
	"context"
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
	remote := &plainAuth{username: "bob", password: "pw", loopback: false}
	if _, _, err := remote.Start(&smtp.ServerInfo{Name: "smtp.example.com", TLS: false, Auth: []string{"PLAIN"}}); err == nil || !strings.Contains(err.Error(), "without TLS") {
		t.Fatalf("clear text to a remote server: %v", err)
	}
	mech, resp, err := remote.Start(&smtp.ServerInfo{Name: "smtp.example.com", TLS: true, Auth: []string{"LOGIN", "PLAIN"}})
	if err != nil || mech != "PLAIN" || string(resp) != "\x00bob\x00pw" {
		t.Fatalf("over TLS: %q %q %v", mech, resp, err)
	}
	if _, _, err := remote.Start(&smtp.ServerInfo{TLS: true, Auth: []string{"LOGIN"}}); err == nil || !strings.Contains(err.Error(), "AUTH PLAIN") {
		t.Fatalf("no PLAIN offered: %v", err)
	}
	local := &plainAuth{username: "bob", password: "pw", loopback: true}
	if _, _, err := local.Start(&smtp.ServerInfo{TLS: false, Auth: []string{"PLAIN"}}); err != nil {
		t.Fatalf("clear text over loopback: %v", err)
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
	ln := silentAfterGreeting(t)
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

// silentServer greets, reads the client's first command, tells heard,
// and then says nothing more.
type silentServer struct {
	addr  string
	heard chan struct{}
}

func silentAfterGreeting(t *testing.T) *silentServer {
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
				io.WriteString(conn, "220 hello\r\n")
				if _, err := bufio.NewReader(conn).ReadString('\n'); err != nil {
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
	echoed := "5.7.8 bad login AGJvYgBzM2NyZXQtcHc= (password s3cret-pw)\r\n  for bob"
	if got := s.clean(echoed); strings.Contains(got, "s3cret-pw") || strings.Contains(got, "AGJvYgBzM2NyZXQtcHc=") || got != "5.7.8 bad login [redacted] (password [redacted]) for bob" {
		t.Fatalf("cleaned to %q", got)
	}
}
