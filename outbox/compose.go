package outbox

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/keinetech/kaine/internal/clip"
)

// maxSubject bounds a subject, in characters, so its header stays well
// under SMTP's 998-octet line limit once encoded words are folded.
const maxSubject = 250

// email is a message ready for the wire: its envelope addresses, its
// Message-ID and the bytes that go after DATA.
type email struct {
	from, to  string
	messageID string
	data      []byte
}

// composeEmail checks the parts an agent gave and builds the message.
// Nothing the caller gives reaches a header unchecked: addresses must
// parse as one address each, and no line break or control character may
// enter a header, so no header or recipient can be injected.
func composeEmail(from, to, subject, body string, now time.Time) (email, error) {
	sender, err := parseAddress("sender", from)
	if err != nil {
		return email{}, err
	}
	recipient, err := parseAddress("recipient", to)
	if err != nil {
		return email{}, err
	}
	if strings.ContainsFunc(subject, isControl) {
		return email{}, errors.New("the subject contains a line break or control character")
	}
	if n := utf8.RuneCountInString(subject); n > maxSubject {
		return email{}, fmt.Errorf("the subject is %d characters long; at most %d are allowed", n, maxSubject)
	}
	if !utf8.ValidString(subject) || !utf8.ValidString(body) {
		return email{}, errors.New("the subject or body is not valid UTF-8 text")
	}
	id := "<" + rand.Text() + "@" + sender.Address[strings.LastIndexByte(sender.Address, '@')+1:] + ">"

	var b bytes.Buffer
	header := func(name, value string) { b.WriteString(name + ": " + value + "\r\n") }
	header("Date", now.Format(time.RFC1123Z))
	header("From", sender.String())
	header("To", recipient.String())
	header("Subject", encodeSubject(subject))
	header("Message-ID", id)
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=UTF-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	if _, err := qp.Write([]byte(body)); err != nil {
		return email{}, fmt.Errorf("encoding the body: %w", err)
	}
	if err := qp.Close(); err != nil {
		return email{}, fmt.Errorf("encoding the body: %w", err)
	}
	return email{from: sender.Address, to: recipient.Address, messageID: id, data: b.Bytes()}, nil
}

// parseAddress reads one address ("a@example.com" or
// "Name <a@example.com>"); role names it in errors.
func parseAddress(role, s string) (*mail.Address, error) {
	if strings.ContainsAny(s, "\r\n") {
		return nil, fmt.Errorf("the %s address contains a line break", role)
	}
	a, err := mail.ParseAddress(s)
	if err != nil {
		return nil, fmt.Errorf("the %s address %q is not one valid email address: %w", role, clip.Runes(s, 100), err)
	}
	return a, nil
}

// encodeSubject leaves an ASCII subject as it is and Q-encodes any other,
// one encoded word per folded line.
func encodeSubject(subject string) string {
	encoded := mime.QEncoding.Encode("UTF-8", subject)
	if encoded == subject {
		return subject
	}
	return strings.ReplaceAll(encoded, "?= =?", "?=\r\n =?")
}

// isControl is true for characters no header may hold: all C0 controls
// but tab, and DEL.
func isControl(r rune) bool { return r < 0x20 && r != '\t' || r == 0x7f }
