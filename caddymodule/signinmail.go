package caddymodule

import (
	"context"
	"fmt"
	"time"

	"github.com/keinetech/kaine/accounts"
	"github.com/keinetech/kaine/agenttools"
	"github.com/keinetech/kaine/outbox"
)

// signInMailer emails dashboard sign-in links through the SMTP connector
// the agents use, and records each in the account's outbox without the
// link: a live link in the database would sign anyone in.
type signInMailer struct {
	mailer agenttools.Mailer
	outbox *outbox.Store
}

const signInSubject = "Your Kaine sign-in link"

func (m signInMailer) SendSignInLink(ctx context.Context, user accounts.User, link string, expires time.Time) error {
	until := expires.UTC().Format("15:04 MST on 2 January 2006")
	body := fmt.Sprintf("Hello %s,\n\nThis link signs you in to the Kaine dashboard, once, until %s:\n\n%s\n\n"+
		"If you did not ask for it, you can ignore this email.\n", user.Username, until, link)
	record := outbox.Message{Channel: outbox.ChannelEmail, To: user.Email, Subject: signInSubject,
		Body: "A dashboard sign-in link, good until " + until + ". Its text is not kept: it signs in.", Status: outbox.StatusSent}
	id, sendErr := m.mailer.Send(ctx, user.Email, signInSubject, body)
	record.ProviderID = id
	if sendErr != nil {
		record.Status, record.Error = outbox.StatusFailed, sendErr.Error()
	}
	if _, err := m.outbox.Add(user.ID, record); err != nil {
		return fmt.Errorf("recording the sign-in email: %w", err)
	}
	if sendErr != nil {
		return fmt.Errorf("sending the sign-in email: %w", sendErr)
	}
	return nil
}
