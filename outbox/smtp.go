package outbox

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/smtp"
	"net/textproto"
	"strings"
	"time"

	"github.com/keinetech/kaine/internal/clip"
)

// defaultSMTPTimeout bounds one Send when SMTP.Timeout is not set.
const defaultSMTPTimeout = time.Minute

// SMTP sends email through one SMTP server: a relay, or a provider's
// submission port, 587 with STARTTLS or 465 with implicit TLS.
type SMTP struct {
	// Addr is the server as host:port, e.g. "smtp.example.com:587".
	Addr string
	// From is the sender, an address with or without a name:
	// "agents@example.com" or "Kaine <agents@example.com>".
	From string
	// Username, when set, logs in as Username with Password, by AUTH
	// PLAIN, or by AUTH LOGIN when the server offers only that. The
	// password goes only over TLS, or in clear text to a loopback address
	// where it crosses no network; any other server is refused before the
	// password is sent.
	Username, Password string
	// LocalName is the name given in EHLO. Default: localhost.
	LocalName string
	// ImplicitTLS connects with TLS from the first byte, as port 465
	// (SMTPS) expects; STARTTLS is then not used. The caller's
	// configuration decides, e.g. Kaine turns it on for port 465: nothing
	// here guesses from the port.
	ImplicitTLS bool
	// TLSConfig configures TLS: implicit TLS when ImplicitTLS is set,
	// else STARTTLS, which is used whenever the server offers it.
	// Default: the system's roots, and the host from Addr as the server
	// name.
	TLSConfig *tls.Config
	// Timeout bounds one Send, from connecting to the server's last
	// answer, unless ctx ends sooner. Default: 1m.
	Timeout time.Duration
}

// SMTPError is the server's refusal of a step of the conversation, with
// its reply code: 4xx is temporary (the message may go later), 5xx
// permanent.
type SMTPError struct {
	// Step is what was refused: greeting, EHLO, STARTTLS, login, sender,
	// recipient or message.
	Step string
	// Code is the server's reply code.
	Code int
	// Message is the server's text, without the credentials, clipped.
	Message string
}

func (e *SMTPError) Error() string {
	return fmt.Sprintf("smtp: %s refused: %d %s", e.Step, e.Code, e.Message)
}

// Temporary reports whether the server expects the same message may be
// accepted later.
func (e *SMTPError) Temporary() bool { return e.Code >= 400 && e.Code < 500 }

// Send emails body to one recipient and returns the Message-ID it gave
// the message, angle brackets included. to is an address with or without
// a name; a subject that is not ASCII is Q-encoded. Ending ctx ends the
// conversation wherever it is.
func (s *SMTP) Send(ctx context.Context, to, subject, body string) (messageID string, err error) {
	host, _, err := net.SplitHostPort(s.Addr)
	if err != nil {
		return "", errors.New("smtp: the server address is not host:port")
	}
	m, err := composeEmail(s.From, to, subject, body, time.Now())
	if err != nil {
		return "", fmt.Errorf("smtp: %w", err)
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = defaultSMTPTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var dialer net.Dialer
	conn, err := dialer.DialContext(ctx, "tcp", s.Addr)
	if err != nil {
		return "", fmt.Errorf("smtp: connecting: %w", netFailure(ctx, err))
	}
	defer conn.Close()
	// A deadline in the past ends whatever read or write is under way.
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	// wire is what the conversation goes over; conn stays the TCP
	// connection the deadline above is set on.
	wire := conn
	if s.ImplicitTLS {
		tlsConn := tls.Client(conn, s.tlsConfig(host))
		if err := tlsConn.HandshakeContext(ctx); err != nil {
			return "", s.fail(ctx, "TLS handshake", err)
		}
		wire = tlsConn
	}
	if err := s.deliver(ctx, wire, host, m); err != nil {
		return "", err
	}
	return m.messageID, nil
}

// deliver holds the conversation on conn: EHLO, STARTTLS when offered
// and not already in TLS, login when configured, then the one message.
func (s *SMTP) deliver(ctx context.Context, conn net.Conn, host string, m email) error {
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		return s.fail(ctx, "greeting", err)
	}
	defer c.Close()
	name := s.LocalName
	if name == "" {
		name = "localhost"
	}
	if err := c.Hello(name); err != nil {
		return s.fail(ctx, "EHLO", err)
	}
	if ok, _ := c.Extension("STARTTLS"); ok && !s.ImplicitTLS {
		if err := c.StartTLS(s.tlsConfig(host)); err != nil {
			return s.fail(ctx, "STARTTLS", err)
		}
	}
	if s.Username != "" {
		if err := c.Auth(newPasswordAuth(s.Username, s.Password, conn)); err != nil {
			return s.fail(ctx, "login", err)
		}
	}
	if err := c.Mail(m.from); err != nil {
		return s.fail(ctx, "sender", err)
	}
	if err := c.Rcpt(m.to); err != nil {
		return s.fail(ctx, "recipient", err)
	}
	w, err := c.Data()
	if err != nil {
		return s.fail(ctx, "message", err)
	}
	if _, err := w.Write(m.data); err != nil {
		return s.fail(ctx, "message", err)
	}
	if err := w.Close(); err != nil {
		return s.fail(ctx, "message", err)
	}
	// The server has taken the message; a failed QUIT changes nothing.
	_ = c.Quit()
	return nil
}

func (s *SMTP) tlsConfig(host string) *tls.Config {
	cfg := &tls.Config{}
	if s.TLSConfig != nil {
		cfg = s.TLSConfig.Clone()
	}
	if cfg.ServerName == "" {
		cfg.ServerName = host
	}
	return cfg
}

// fail tells a failed step safely: the server's refusal as an SMTPError,
// a broken connection without its addresses, anything else with the
// credentials taken out.
func (s *SMTP) fail(ctx context.Context, step string, err error) error {
	var refusal *textproto.Error
	switch {
	case ctx.Err() != nil || connFailure(err) != "":
		return fmt.Errorf("smtp: %s: %w", step, netFailure(ctx, err))
	case errors.As(err, &refusal):
		return &SMTPError{Step: step, Code: refusal.Code, Message: s.clean(refusal.Msg)}
	default:
		return fmt.Errorf("smtp: %s: %s", step, s.clean(err.Error()))
	}
}

// clean takes the password, as sent by AUTH PLAIN and AUTH LOGIN and as
// it is, out of a server's text, then clips it.
func (s *SMTP) clean(text string) string {
	if s.Password != "" {
		plain := base64.StdEncoding.EncodeToString([]byte("\x00" + s.Username + "\x00" + s.Password))
		login := base64.StdEncoding.EncodeToString([]byte(s.Password))
		text = strings.NewReplacer(plain, "[redacted]", login, "[redacted]", s.Password, "[redacted]").Replace(text)
	}
	return clip.Runes(strings.Join(strings.Fields(strings.ToValidUTF8(text, "\uFFFD")), " "), 300)
}
