package outbox

import (
	"errors"
	"net"
	"net/smtp"
	"slices"
	"strings"
)

// plainAuth is AUTH PLAIN that sends the password only over TLS, or in
// clear text to a loopback address, where it crosses no network. It
// judges by the address actually connected to: net/smtp's PlainAuth goes
// by the name the caller gave, and allows clear text only to "localhost".
type plainAuth struct {
	username, password string
	loopback           bool
}

func newPlainAuth(username, password string, conn net.Conn) *plainAuth {
	remote, _ := conn.RemoteAddr().(*net.TCPAddr)
	return &plainAuth{username: username, password: password, loopback: remote != nil && remote.IP.IsLoopback()}
}

func (a *plainAuth) Start(server *smtp.ServerInfo) (string, []byte, error) {
	if !server.TLS && !a.loopback {
		return "", nil, errors.New("refusing to send the password without TLS: the server does not offer STARTTLS")
	}
	if !slices.ContainsFunc(server.Auth, func(m string) bool { return strings.EqualFold(m, "PLAIN") }) {
		return "", nil, errors.New("the server does not offer AUTH PLAIN")
	}
	return "PLAIN", []byte("\x00" + a.username + "\x00" + a.password), nil
}

func (a *plainAuth) Next(_ []byte, more bool) ([]byte, error) {
	if more {
		return nil, errors.New("the server sent a challenge AUTH PLAIN does not have")
	}
	return nil, nil
}
