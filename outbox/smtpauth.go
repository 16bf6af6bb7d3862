package outbox

import (
	"errors"
	"fmt"
	"net"
	"net/smtp"
	"slices"
	"strings"
)

// passwordAuth logs in with a username and password: by AUTH PLAIN when
// the server offers it, else by AUTH LOGIN. It sends the password only
// over TLS, or in clear text to a loopback address, where it crosses no
// network. It judges by the address actually connected to: net/smtp's
// PlainAuth goes by the name the caller gave, and allows clear text only
// to "localhost".
type passwordAuth struct {
	username, password string
	loopback           bool

	mechanism string // chosen by Start
	answered  int    // AUTH LOGIN challenges answered so far
}

func newPasswordAuth(username, password string, conn net.Conn) *passwordAuth {
	remote, _ := conn.RemoteAddr().(*net.TCPAddr)
	return &passwordAuth{username: username, password: password, loopback: remote != nil && remote.IP.IsLoopback()}
}

func (a *passwordAuth) Start(server *smtp.ServerInfo) (string, []byte, error) {
	if !server.TLS && !a.loopback {
		return "", nil, errors.New("refusing to send the password without TLS: the server does not offer STARTTLS")
	}
	offers := func(mechanism string) bool {
		return slices.ContainsFunc(server.Auth, func(m string) bool { return strings.EqualFold(m, mechanism) })
	}
	switch {
	case offers("PLAIN"):
		a.mechanism = "PLAIN"
		return "PLAIN", []byte("\x00" + a.username + "\x00" + a.password), nil
	case offers("LOGIN"):
		// No initial response: the username answers the first challenge.
		a.mechanism = "LOGIN"
		return "LOGIN", nil, nil
	}
	offered := "none"
	if len(server.Auth) > 0 {
		offered = strings.Join(server.Auth, ", ")
	}
	return "", nil, fmt.Errorf("the server offers neither AUTH PLAIN nor AUTH LOGIN (it offers: %s)", offered)
}

// Next answers AUTH LOGIN's two challenges in order, username then
// password, without reading their text: servers word them differently
// ("Username:", "User Name"). net/smtp base64-encodes the answers.
func (a *passwordAuth) Next(_ []byte, more bool) ([]byte, error) {
	if !more {
		return nil, nil
	}
	if a.mechanism == "LOGIN" && a.answered < 2 {
		a.answered++
		// []byte of a string is never nil, so an empty answer is still
		// sent: a nil answer would end the exchange.
		if a.answered == 1 {
			return []byte(a.username), nil
		}
		return []byte(a.password), nil
	}
	return nil, fmt.Errorf("the server sent a challenge AUTH %s does not have", a.mechanism)
}
