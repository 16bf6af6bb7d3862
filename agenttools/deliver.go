package agenttools

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/keinetech/kaine/agents"
	"github.com/keinetech/kaine/internal/clip"
	"github.com/keinetech/kaine/outbox"
)

const (
	// sendTimeout bounds one provider call, so a hung mail server or API
	// cannot hold a run.
	sendTimeout = 30 * time.Second
	// maxFailure bounds the provider's reason kept and shown, in characters.
	maxFailure = 300
)

// messenger sends messages and records every one tried in the outbox.
type messenger struct {
	crm    CRM
	outbox Outbox
	// allowed says which accounts may send through the connectors.
	allowed func(account uint64) bool
}

// delivery is one message to send and record.
type delivery struct {
	channel outbox.Channel
	// noun names the message in what the model reads: "email", "SMS".
	noun              string
	to, subject, body string
	// connector names what sends it, for a message queued without one:
	// "email (SMTP)".
	connector string
	// provider is who accepts it when sent: "the mail server", "Twilio".
	provider string
	// sentNote, when set, is said after SENT: what acceptance does not
	// tell.
	sentNote string
	// send sends it and returns the provider's id for it; nil when the
	// connector is not configured.
	send func(ctx context.Context) (providerID string, err error)
}

// deliver sends d, or queues it when its connector is not configured,
// records the outcome with the run and agent, and tells the model the
// truth: SENT only when the provider accepted it. A failure is the
// call's error, so the model sees a failed call.
func (m messenger) deliver(ctx context.Context, env agents.Env, d delivery) (string, error) {
	msg := outbox.Message{Channel: d.channel, To: d.to, Subject: d.subject, Body: d.body, RunID: env.RunID, Agent: env.Agent}
	if d.send == nil || !m.allowed(env.Account) {
		msg.Status = outbox.StatusQueuedUnconfigured
		rec, err := m.outbox.Add(env.Account, msg)
		if err != nil {
			return "", fmt.Errorf("NOT SENT AND NOT QUEUED: no %s connector is configured for this account, and the outbox could not be written; nothing was recorded. Try again", d.connector)
		}
		return fmt.Sprintf("QUEUED, NOT SENT: no %s connector is configured for this account, so the %s to %s was not sent. It is recorded in the outbox as message %d with status queued_unconfigured. Do not say or imply that it was sent or delivered.",
			d.connector, d.noun, d.to, rec.ID), nil
	}

	sendCtx, cancel := context.WithTimeout(ctx, sendTimeout)
	providerID, err := d.send(sendCtx)
	cancel()
	if err != nil {
		msg.Status, msg.Error = outbox.StatusFailed, failureText(err)
		said := fmt.Sprintf("FAILED, NOT SENT: the %s to %s could not be sent: %s.", d.noun, d.to, msg.Error)
		var refusal interface{ Temporary() bool }
		switch {
		case errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil:
			said += fmt.Sprintf(" It may still arrive, since %s did not confirm it in time: check before sending it again.", d.provider)
		case errors.As(err, &refusal) && refusal.Temporary():
			said += fmt.Sprintf(" %s refused it for now (a temporary refusal): it may go through later.", capitalized(d.provider))
		}
		rec, recErr := m.outbox.Add(env.Account, msg)
		if recErr != nil {
			return "", errors.New(said + " The failure could not be recorded in the outbox either.")
		}
		return "", fmt.Errorf("%s It is recorded in the outbox as message %d with status failed", said, rec.ID)
	}

	msg.Status, msg.ProviderID = outbox.StatusSent, providerID
	said := fmt.Sprintf("SENT: the %s to %s was accepted for delivery by %s.", d.noun, d.to, d.provider)
	if d.sentNote != "" {
		said += " " + d.sentNote
	}
	rec, err := m.outbox.Add(env.Account, msg)
	if err != nil {
		// It went out: an error here would invite sending it twice.
		return said + " It could not be recorded in the outbox, so it will not be listed there. Do not send it again.", nil
	}
	return fmt.Sprintf("%s It is recorded in the outbox as message %d with status sent.", said, rec.ID), nil
}

// failureText is a sender's error as the model and the outbox show it:
// one line, bounded. Senders' errors name no hosts and hold no secrets.
func failureText(err error) string {
	return clip.Runes(strings.Join(strings.Fields(err.Error()), " "), maxFailure)
}

// capitalized starts s with a capital letter, for a provider's name at the
// start of a sentence ("the mail server").
func capitalized(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
