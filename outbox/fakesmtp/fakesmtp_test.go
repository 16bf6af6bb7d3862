package fakesmtp

import (
	"bytes"
	"crypto/tls"
	"net/smtp"
	"net/textproto"
	"slices"
	"strings"
	"testing"
)

func start(t *testing.T, opts Options) *Server {
	t.Helper()
	s, err := Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func dial(t *testing.T, s *Server) *smtp.Client {
	t.Helper()
	c, err := smtp.Dial(s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func code(err error) int {
	if e, ok := err.(*textproto.Error); ok {
		return e.Code
	}
	return 0
}

func TestItRecordsMessagesWithDotStuffingUndone(t *testing.T) {
	s := start(t, Options{RejectRecipients: []string{"nobody@example.com"}})
	c := dial(t, s)
	if err := c.Rcpt("a@example.com"); code(err) != 503 {
		t.Fatalf("RCPT before MAIL: %v", err)
	}
	if err := c.Mail("me@example.com"); err != nil {
		t.Fatal(err)
	}
	if err := c.Rcpt("nobody@example.com"); code(err) != 550 {
		t.Fatalf("rejected recipient: %v", err)
	}
	if err := c.Reset(); err != nil {
		t.Fatal(err)
	}
	if err := c.Noop(); err != nil {
		t.Fatal(err)
	}
	if err := c.Mail("me@example.com"); err != nil {
		t.Fatal(err)
	}
	for _, to := range []string{"a@example.com", "b@example.com"} {
		if err := c.Rcpt(to); err != nil {
			t.Fatal(err)
		}
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("Subject: x\n\n.leading dot\n..two\nend"))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Quit(); err != nil {
		t.Fatal(err)
	}
	got := s.Messages()
	if len(got) != 1 || got[0].From != "me@example.com" || len(got[0].To) != 2 || got[0].To[1] != "b@example.com" || got[0].User != "" || got[0].TLS {
		t.Fatalf("recorded %+v", got)
	}
	if want := "Subject: x\r\n\r\n.leading dot\r\n..two\r\nend\r\n"; string(got[0].Data) != want {
		t.Fatalf("data %q, want %q", got[0].Data, want)
	}
}

func TestItRequiresTheLoginItWasGivenAndSpeaksSTARTTLS(t *testing.T) {
	s := start(t, Options{Username: "bob", Password: "pw", STARTTLS: true})
	c := dial(t, s)
	if err := c.Mail("me@example.com"); code(err) != 530 {
		t.Fatalf("MAIL before AUTH: %v", err)
	}
	if err := c.StartTLS(s.ClientTLS()); err != nil {
		t.Fatal(err)
	}
	if err := c.Auth(smtp.PlainAuth("", "bob", "wrong", "127.0.0.1")); code(err) != 535 {
		t.Fatalf("wrong password: %v", err)
	}
	c = dial(t, s)
	if err := c.StartTLS(s.ClientTLS()); err != nil {
		t.Fatal(err)
	}
	if err := c.Auth(smtp.PlainAuth("", "bob", "pw", "127.0.0.1")); err != nil {
		t.Fatal(err)
	}
	if err := c.Mail(""); err != nil {
		t.Fatal(err)
	}
	if err := c.Rcpt("a@example.com"); err != nil {
		t.Fatal(err)
	}
	w, _ := c.Data()
	w.Write([]byte("hi\r\n"))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got := s.Messages()
	if len(got) != 1 || got[0].User != "bob" || got[0].Mechanism != "PLAIN" || !got[0].TLS || got[0].From != "<>" || !bytes.Equal(got[0].Data, []byte("hi\r\n")) {
		t.Fatalf("recorded %+v", got)
	}
}

func TestItSpeaksImplicitTLSAndAUTHLOGINAsARealServerDoes(t *testing.T) {
	s := start(t, Options{Username: "bob", Password: "pw", ImplicitTLS: true, AuthMechanisms: []string{"LOGIN"}})
	conn, err := tls.Dial("tcp", s.Addr(), s.ClientTLS())
	if err != nil {
		t.Fatal(err)
	}
	text := textproto.NewConn(conn)
	t.Cleanup(func() { text.Close() })
	if _, _, err := text.ReadResponse(220); err != nil {
		t.Fatalf("greeting over TLS: %v", err)
	}
	// say sends line and checks the reply's code and, when given, its text.
	say := func(line string, wantCode int, wantText string) string {
		t.Helper()
		if err := text.PrintfLine("%s", line); err != nil {
			t.Fatal(err)
		}
		code, msg, err := text.ReadResponse(0)
		if err != nil || code != wantCode || (wantText != "" && msg != wantText) {
			t.Fatalf("%q: got %d %q (%v), want %d %q", line, code, msg, err, wantCode, wantText)
		}
		return msg
	}
	ehlo := strings.Split(say("EHLO me", 250, ""), "\n")
	if !slices.Contains(ehlo, "AUTH LOGIN") || slices.Contains(ehlo, "STARTTLS") {
		t.Fatalf("EHLO offers %q", ehlo)
	}
	say("AUTH PLAIN AGJvYgBwdw==", 504, "")
	say("MAIL FROM:<a@example.com>", 530, "")
	say("AUTH LOGIN", 334, "VXNlcm5hbWU6")
	say("Ym9i", 334, "UGFzc3dvcmQ6") // bob
	say("d3Jvbmc=", 535, "")         // wrong
	say("AUTH LOGIN", 334, "VXNlcm5hbWU6")
	say("*", 501, "")
	say("AUTH LOGIN Ym9i", 334, "UGFzc3dvcmQ6") // the user as an initial response
	say("cHc=", 235, "")                        // pw
	say("MAIL FROM:<a@example.com>", 250, "")
	say("RCPT TO:<b@example.com>", 250, "")
	say("DATA", 354, "")
	say("hi\r\n.", 250, "")
	got := s.Messages()
	if len(got) != 1 || got[0].User != "bob" || got[0].Mechanism != "LOGIN" || !got[0].TLS || string(got[0].Data) != "hi\r\n" {
		t.Fatalf("recorded %+v", got)
	}
}

func TestItRefusesMechanismsItDoesNotSpeak(t *testing.T) {
	if _, err := Start(Options{Username: "bob", AuthMechanisms: []string{"LOGIN", "CRAM-MD5"}}); err == nil || !strings.Contains(err.Error(), "AUTH CRAM-MD5 is not spoken") {
		t.Fatalf("got %v", err)
	}
}
