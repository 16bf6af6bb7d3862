package agenttools

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/keinetech/kaine/agents"
	"github.com/keinetech/kaine/outbox"
	"github.com/keinetech/kaine/routing"
)

// Bounds on what a message holds.
const (
	maxSubject   = 200    // bytes; one line
	maxEmailBody = 20_000 // bytes
	// maxSMS is Twilio's limit on a message body, in characters.
	maxSMS = 1600
	// maxSpoken bounds what a call says, in characters: about two
	// minutes of speech.
	maxSpoken = 2000
	// maxBookingMessage bounds the words around a booking link, so the
	// link still fits an SMS.
	maxBookingMessage = 1000
)

// recipientProperties are the schema properties that say who a message
// goes to: an address or number of kind, or a lead.
func recipientProperties(kind contact) string {
	to := "bare email address, like ana@example.com"
	if kind == phoneNumber {
		to = "phone number in international form, + and the country code, like +15550100123"
	}
	return fmt.Sprintf(`"to": {"type": "string", "description": "The recipient's %s. Send this or lead_id, not both."},
		"lead_id": {"type": "integer", "minimum": 1, "description": "Send to this lead of the account's CRM (an id from crm_search), at the lead's %s. Send this or to, not both."}`, to, kind)
}

// sendEmail is send_email.
type sendEmail struct {
	m      messenger
	mailer Mailer
}

func (sendEmail) Spec() routing.Tool {
	return spec("send_email",
		"Send a plain-text email for this account, to an address or to a lead of its CRM. Every email is recorded in the account's outbox. The answer starts with SENT (the mail server accepted it), QUEUED, NOT SENT (no email connector is configured: nothing went out) or, as a failed call, FAILED, NOT SENT. Only tell anyone an email was sent when the answer starts with SENT.",
		`{
	"type": "object",
	"properties": {
		`+recipientProperties(emailAddress)+`,
		"subject": {"type": "string", "description": "The subject line: one line, at most 200 bytes."},
		"body": {"type": "string", "description": "The email's text, plain text (no HTML), at most 20000 bytes."}
	},
	"required": ["subject", "body"],
	"additionalProperties": false
}`)
}

func (t sendEmail) Run(ctx context.Context, env agents.Env, input json.RawMessage) (string, error) {
	var in struct {
		To      string `json:"to"`
		LeadID  uint64 `json:"lead_id"`
		Subject string `json:"subject"`
		Body    string `json:"body"`
	}
	if err := decode(input, &in); err != nil {
		return "", err
	}
	var c checker
	c.required("subject", in.Subject, maxSubject)
	c.oneLine("subject", in.Subject)
	c.required("body", in.Body, maxEmailBody)
	if c.err != nil {
		return "", c.err
	}
	to, err := t.m.recipient(env, emailAddress, in.To, in.LeadID)
	if err != nil {
		return "", err
	}
	return t.m.deliver(ctx, env, emailDelivery(outbox.ChannelEmail, "email", to, in.Subject, in.Body, t.mailer))
}

// emailDelivery is an email to send through mailer, or to queue without
// one.
func emailDelivery(channel outbox.Channel, noun, to, subject, body string, mailer Mailer) delivery {
	d := delivery{channel: channel, noun: noun, to: to, subject: subject, body: body, connector: "email (SMTP)", provider: "the mail server"}
	if mailer != nil {
		d.send = func(ctx context.Context) (string, error) { return mailer.Send(ctx, to, subject, body) }
	}
	return d
}

// sendSMS is send_sms.
type sendSMS struct {
	m      messenger
	texter Texter
}

func (sendSMS) Spec() routing.Tool {
	return spec("send_sms",
		"Send a text message (SMS) for this account, to a phone number or to a lead of its CRM. Every SMS is recorded in the account's outbox. The answer starts with SENT (Twilio accepted it), QUEUED, NOT SENT (no SMS connector is configured: nothing went out) or, as a failed call, FAILED, NOT SENT. Only tell anyone a message was sent when the answer starts with SENT.",
		`{
	"type": "object",
	"properties": {
		`+recipientProperties(phoneNumber)+`,
		"body": {"type": "string", "description": "The message, at most 1600 characters; under 160 is one SMS."}
	},
	"required": ["body"],
	"additionalProperties": false
}`)
}

func (t sendSMS) Run(ctx context.Context, env agents.Env, input json.RawMessage) (string, error) {
	var in struct {
		To     string `json:"to"`
		LeadID uint64 `json:"lead_id"`
		Body   string `json:"body"`
	}
	if err := decode(input, &in); err != nil {
		return "", err
	}
	var c checker
	c.chars("body", in.Body, maxSMS)
	if c.err != nil {
		return "", c.err
	}
	to, err := t.m.recipient(env, phoneNumber, in.To, in.LeadID)
	if err != nil {
		return "", err
	}
	return t.m.deliver(ctx, env, smsDelivery(outbox.ChannelSMS, "SMS", to, in.Body, t.texter))
}

// smsDelivery is an SMS to send through texter, or to queue without one.
func smsDelivery(channel outbox.Channel, noun, to, body string, texter Texter) delivery {
	d := delivery{channel: channel, noun: noun, to: to, body: body, connector: "SMS (Twilio)", provider: "Twilio"}
	if texter != nil {
		d.send = func(ctx context.Context) (string, error) { return texter.SendSMS(ctx, to, body) }
	}
	return d
}

// phoneCall is phone_call.
type phoneCall struct {
	m      messenger
	caller Caller
}

func (phoneCall) Spec() routing.Tool {
	return spec("phone_call",
		"Phone a number or a lead of this account's CRM and have a voice read a message when the call is answered; it is one-way, the call cannot listen or reply. Every call is recorded in the account's outbox. The answer starts with SENT (Twilio placed the call), QUEUED, NOT SENT (no phone connector is configured: no call was made) or, as a failed call, FAILED, NOT SENT. Only tell anyone a call was made when the answer starts with SENT.",
		`{
	"type": "object",
	"properties": {
		`+recipientProperties(phoneNumber)+`,
		"message": {"type": "string", "description": "What the voice says, written as it should be spoken, at most 2000 characters."}
	},
	"required": ["message"],
	"additionalProperties": false
}`)
}

func (t phoneCall) Run(ctx context.Context, env agents.Env, input json.RawMessage) (string, error) {
	var in struct {
		To      string `json:"to"`
		LeadID  uint64 `json:"lead_id"`
		Message string `json:"message"`
	}
	if err := decode(input, &in); err != nil {
		return "", err
	}
	var c checker
	c.chars("message", in.Message, maxSpoken)
	if c.err != nil {
		return "", c.err
	}
	to, err := t.m.recipient(env, phoneNumber, in.To, in.LeadID)
	if err != nil {
		return "", err
	}
	d := delivery{channel: outbox.ChannelPhone, noun: "phone call", to: to, body: in.Message, connector: "phone (Twilio)", provider: "Twilio",
		sentNote: "Twilio places the call and the message is read when it is answered; whether anyone answered is not known."}
	if t.caller != nil {
		d.send = func(ctx context.Context) (string, error) { return t.caller.Call(ctx, to, in.Message) }
	}
	return t.m.deliver(ctx, env, d)
}

// sendBookingLink is send_booking_link.
type sendBookingLink struct {
	m      messenger
	mailer Mailer
	texter Texter
	// url is the account's booking page; "" when none is configured.
	url string
}

// bookingSubject is the subject of a booking link sent by email.
const bookingSubject = "Book a time"

func (sendBookingLink) Spec() routing.Tool {
	return spec("send_booking_link",
		"Send the booking link (where a customer picks a time for a call or appointment) by email or SMS, to an address or number or to a lead of this account's CRM. The link is added after your message. Every send is recorded in the account's outbox. The answer starts with SENT, QUEUED, NOT SENT (no connector for the channel is configured: nothing went out) or, as a failed call, FAILED, NOT SENT. Only tell anyone the link was sent when the answer starts with SENT.",
		`{
	"type": "object",
	"properties": {
		"channel": {"type": "string", "enum": ["email", "sms"], "description": "How to send it: email (to an email address) or sms (to a phone number)."},
		"to": {"type": "string", "description": "The recipient: a bare email address for email, like ana@example.com, or a phone number in international form for sms, like +15550100123. Send this or lead_id, not both."},
		"lead_id": {"type": "integer", "minimum": 1, "description": "Send to this lead of the account's CRM (an id from crm_search), at the lead's email address or phone number as the channel needs. Send this or to, not both."},
		"message": {"type": "string", "description": "A short note before the link, at most 1000 characters, e.g. a greeting and why to book. Default: a one-line invitation to book."}
	},
	"required": ["channel"],
	"additionalProperties": false
}`)
}

func (t sendBookingLink) Run(ctx context.Context, env agents.Env, input json.RawMessage) (string, error) {
	if t.url == "" {
		return "", errors.New("no booking link is configured on this gateway, so there is none to send; nothing was sent or recorded")
	}
	var in struct {
		Channel string `json:"channel"`
		To      string `json:"to"`
		LeadID  uint64 `json:"lead_id"`
		Message string `json:"message"`
	}
	if err := decode(input, &in); err != nil {
		return "", err
	}
	message := strings.TrimSpace(in.Message)
	if message == "" {
		message = "Book a time that suits you here:"
	}
	var c checker
	c.chars("message", message, maxBookingMessage)
	kind := emailAddress
	switch in.Channel {
	case "email":
	case "sms":
		kind = phoneNumber
	case "":
		c.fail("channel is required: email or sms")
	default:
		c.fail("channel must be email or sms")
	}
	if c.err != nil {
		return "", c.err
	}
	to, err := t.m.recipient(env, kind, in.To, in.LeadID)
	if err != nil {
		return "", err
	}
	body := message
	if !strings.Contains(message, t.url) {
		body += "\n\n" + t.url
	}
	if kind == phoneNumber {
		return t.m.deliver(ctx, env, smsDelivery(outbox.ChannelBookingLink, "booking link by SMS", to, body, t.texter))
	}
	return t.m.deliver(ctx, env, emailDelivery(outbox.ChannelBookingLink, "booking link by email", to, bookingSubject, body, t.mailer))
}
