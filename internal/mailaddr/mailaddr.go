// Package mailaddr checks the email addresses callers and agents give.
package mailaddr

import "net/mail"

// Plain reports whether s is a bare email address, without a display name
// or angle brackets: what a lead's email or a recipient must be.
func Plain(s string) bool {
	addr, err := mail.ParseAddress(s)
	return err == nil && addr.Address == s && addr.Name == ""
}
