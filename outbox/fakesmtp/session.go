package fakesmtp

import (
	"bytes"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"net"
	"net/textproto"
	"slices"
	"strings"
)

// maxData bounds one message, as a server's SIZE limit would.
const maxData = 10 << 20

// session is one client connection.
type session struct {
	srv  *Server
	conn net.Conn
	text *textproto.Conn

	tls       bool
	greeted   bool
	user      string
	mechanism string // how user logged in
	from      string // "" until MAIL (the null sender is kept as "<>")
	to        []string
}

func newSession(srv *Server, conn net.Conn) *session {
	return &session{srv: srv, conn: conn, text: textproto.NewConn(conn), tls: srv.opts.ImplicitTLS}
}

// reply sends one reply; several lines make a multi-line reply.
func (c *session) reply(code int, lines ...string) error {
	for i, l := range lines {
		sep := "-"
		if i == len(lines)-1 {
			sep = " "
		}
		if err := c.text.PrintfLine("%d%s%s", code, sep, l); err != nil {
			return err
		}
	}
	return nil
}

func (c *session) serve() {
	if c.reply(220, "127.0.0.1 ESMTP fakesmtp") != nil {
		return
	}
	for {
		line, err := c.text.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO":
			err = c.ehlo(arg)
		case "HELO":
			err = c.helo(arg)
		case "STARTTLS":
			err = c.startTLS()
		case "AUTH":
			err = c.auth(arg)
		case "MAIL":
			err = c.mail(arg)
		case "RCPT":
			err = c.rcpt(arg)
		case "DATA":
			err = c.data()
		case "RSET":
			c.from, c.to = "", nil
			err = c.reply(250, "2.0.0 OK")
		case "NOOP":
			err = c.reply(250, "2.0.0 OK")
		case "QUIT":
			c.reply(221, "2.0.0 Bye")
			return
		default:
			err = c.reply(502, "5.5.2 Command not recognized")
		}
		if err != nil {
			return
		}
	}
}

func (c *session) ehlo(name string) error {
	if name == "" {
		return c.reply(501, "5.5.4 EHLO needs a name")
	}
	c.greeted, c.from, c.to = true, "", nil
	lines := []string{"127.0.0.1 greets " + name, "SIZE " + fmt.Sprint(maxData), "8BITMIME"}
	if c.srv.tlsConfig != nil && !c.tls {
		lines = append(lines, "STARTTLS")
	}
	if c.srv.opts.Username != "" {
		lines = append(lines, "AUTH "+strings.Join(c.srv.mechanisms, " "))
	}
	return c.reply(250, lines...)
}

func (c *session) helo(name string) error {
	if name == "" {
		return c.reply(501, "5.5.4 HELO needs a name")
	}
	c.greeted, c.from, c.to = true, "", nil
	return c.reply(250, "127.0.0.1")
}

func (c *session) startTLS() error {
	if c.srv.tlsConfig == nil || c.tls {
		return c.reply(502, "5.5.1 STARTTLS not available")
	}
	if err := c.reply(220, "2.0.0 Ready to start TLS"); err != nil {
		return err
	}
	conn := tls.Server(c.conn, c.srv.tlsConfig)
	if err := conn.Handshake(); err != nil {
		return err
	}
	// RFC 3207: the client starts over with EHLO, knowing nothing.
	c.conn, c.text, c.tls = conn, textproto.NewConn(conn), true
	c.greeted, c.user, c.mechanism, c.from, c.to = false, "", "", "", nil
	return nil
}

func (c *session) auth(arg string) error {
	mech, initial, _ := strings.Cut(arg, " ")
	mech = strings.ToUpper(mech)
	switch {
	case c.srv.opts.Username == "":
		return c.reply(502, "5.5.1 AUTH not available")
	case !c.greeted:
		return c.reply(503, "5.5.1 EHLO first")
	case c.user != "":
		return c.reply(503, "5.5.1 Already authenticated")
	case !slices.Contains(c.srv.mechanisms, mech):
		return c.reply(504, "5.5.4 Unrecognized authentication type")
	}
	var (
		user, password string
		ok             bool
		err            error
	)
	if mech == "PLAIN" {
		// One response: authorization identity, user and password,
		// separated by NULs.
		var resp string
		if resp, ok, err = c.response(initial, ""); !ok {
			return err
		}
		parts := strings.Split(resp, "\x00")
		if len(parts) != 3 {
			return c.reply(535, "5.7.8 Authentication credentials invalid")
		}
		user, password = parts[1], parts[2]
	} else {
		// LOGIN: the user answers "Username:", the password "Password:";
		// a client may give the user at once, as an initial response.
		if user, ok, err = c.response(initial, "VXNlcm5hbWU6"); !ok {
			return err
		}
		if password, ok, err = c.response("", "UGFzc3dvcmQ6"); !ok {
			return err
		}
	}
	if user != c.srv.opts.Username || password != c.srv.opts.Password {
		return c.reply(535, "5.7.8 Authentication credentials invalid")
	}
	c.user, c.mechanism = user, mech
	return c.reply(235, "2.7.0 Authentication successful")
}

// response gives the client's decoded answer: initial when the client
// sent one with AUTH, else its reply to a 334 challenge. ok is false when
// there is no answer to use; the refusal has then been sent, and err is
// only a broken connection.
func (c *session) response(initial, challenge string) (answer string, ok bool, err error) {
	if initial == "" {
		if err := c.reply(334, challenge); err != nil {
			return "", false, err
		}
		line, err := c.text.ReadLine()
		if err != nil {
			return "", false, err
		}
		if line == "*" {
			return "", false, c.reply(501, "5.7.0 Authentication cancelled")
		}
		initial = line
	}
	raw, err := base64.StdEncoding.DecodeString(initial)
	if err != nil {
		return "", false, c.reply(501, "5.5.2 Cannot decode the response")
	}
	return string(raw), true, nil
}

func (c *session) mail(arg string) error {
	switch {
	case !c.greeted:
		return c.reply(503, "5.5.1 EHLO or HELO first")
	case c.srv.opts.Username != "" && c.user == "":
		return c.reply(530, "5.7.0 Authentication required")
	case c.from != "":
		return c.reply(503, "5.5.1 Sender already given")
	}
	addr, ok := path(arg, "FROM:")
	if !ok {
		return c.reply(501, "5.5.4 Syntax: MAIL FROM:<address>")
	}
	c.from = addr
	if addr == "" {
		c.from = "<>"
	}
	return c.reply(250, "2.1.0 OK")
}

func (c *session) rcpt(arg string) error {
	if c.from == "" {
		return c.reply(503, "5.5.1 MAIL first")
	}
	addr, ok := path(arg, "TO:")
	if !ok || addr == "" {
		return c.reply(501, "5.5.4 Syntax: RCPT TO:<address>")
	}
	if slices.Contains(c.srv.opts.RejectRecipients, addr) {
		return c.reply(550, "5.1.1 <"+addr+">: Recipient address rejected")
	}
	c.to = append(c.to, addr)
	return c.reply(250, "2.1.5 OK")
}

func (c *session) data() error {
	if len(c.to) == 0 {
		return c.reply(503, "5.5.1 RCPT first")
	}
	if err := c.reply(354, "End data with <CR><LF>.<CR><LF>"); err != nil {
		return err
	}
	var buf bytes.Buffer
	for {
		line, err := c.text.ReadLine()
		if err != nil {
			return err
		}
		if line == "." {
			break
		}
		if buf.Len() <= maxData {
			buf.WriteString(strings.TrimPrefix(line, ".") + "\r\n")
		}
	}
	from, to := c.from, c.to
	c.from, c.to = "", nil
	if buf.Len() > maxData {
		return c.reply(552, "5.3.4 Message too big")
	}
	n := c.srv.record(Message{From: from, To: to, Data: buf.Bytes(), User: c.user, Mechanism: c.mechanism, TLS: c.tls})
	return c.reply(250, fmt.Sprintf("2.0.0 OK queued as %d", n))
}

// path reads "FROM:<address> [parameters]" (or "TO:…") and returns the
// address between the angle brackets.
func path(arg, keyword string) (string, bool) {
	if len(arg) < len(keyword) || !strings.EqualFold(arg[:len(keyword)], keyword) {
		return "", false
	}
	rest := strings.TrimSpace(arg[len(keyword):])
	if !strings.HasPrefix(rest, "<") {
		return "", false
	}
	addr, _, ok := strings.Cut(rest[1:], ">")
	return addr, ok
}
