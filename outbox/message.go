// Package outbox records every message an account's agents send or try to
// send (email, SMS, phone calls, booking links), and holds the clients
// that send them: SMTP for email, Twilio's REST API for SMS and calls.
//
// A message whose connector is not configured is recorded as
// queued_unconfigured, never as sent: the outbox tells an account what
// really left, what failed and what is waiting for a connector.
package outbox

import (
	"errors"
	"slices"
	"time"
)

// Channel is how a message goes out.
type Channel string

// The channels an agent can send on.
const (
	ChannelEmail       Channel = "email"
	ChannelSMS         Channel = "sms"
	ChannelPhone       Channel = "phone"
	ChannelBookingLink Channel = "booking_link"
	// ChannelMetaAds is a call to an account's Meta ad account: To is the
	// ad account, Subject the call, Body what was asked and what Meta
	// answered.
	ChannelMetaAds Channel = "meta_ads"
)

// Channels lists every channel.
var Channels = []Channel{ChannelEmail, ChannelSMS, ChannelPhone, ChannelBookingLink, ChannelMetaAds}

// Valid reports whether c is one of Channels.
func (c Channel) Valid() bool { return slices.Contains(Channels, c) }

// Status is what became of a message.
type Status string

// The statuses a recorded message can have.
const (
	// StatusSent: the provider accepted the message.
	StatusSent Status = "sent"
	// StatusQueuedUnconfigured: no connector is configured for the
	// channel, so nothing was sent.
	StatusQueuedUnconfigured Status = "queued_unconfigured"
	// StatusFailed: sending was tried and failed; Error says why.
	StatusFailed Status = "failed"
)

// Statuses lists every status.
var Statuses = []Status{StatusSent, StatusQueuedUnconfigured, StatusFailed}

// Valid reports whether s is one of Statuses.
func (s Status) Valid() bool { return slices.Contains(Statuses, s) }

// Message is one outbound message of an account.
type Message struct {
	// ID counts per account from 1.
	ID      uint64  `json:"id"`
	Channel Channel `json:"channel"`
	// To is the recipient: an email address or an E.164 phone number.
	To      string `json:"to"`
	Subject string `json:"subject,omitempty"`
	Body    string `json:"body"`
	Status  Status `json:"status"`
	// Error is why sending failed, safe to show the account.
	Error string `json:"error,omitempty"`
	// ProviderID is the provider's id for the message: a Twilio SID or
	// the SMTP Message-ID.
	ProviderID string    `json:"provider_id,omitempty"`
	RunID      uint64    `json:"run_id,omitempty"`
	Agent      string    `json:"agent_name,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
}

// ErrNotFound is returned for a message that does not exist in the account.
var ErrNotFound = errors.New("outbox message not found")
