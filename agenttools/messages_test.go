package agenttools

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/keinetech/kaine/leads"
	"github.com/keinetech/kaine/outbox"
	"github.com/keinetech/kaine/outbox/fakesmtp"
)

// checkRecorded checks the account's outbox holds exactly one message,
// recorded with the run and agent, and returns it.
func checkRecorded(t *testing.T, s stores, account uint64, status outbox.Status) outbox.Message {
	t.Helper()
	list := s.sent(t, account)
	if len(list) != 1 {
		t.Fatalf("account %d's outbox holds %d messages: %+v", account, len(list), list)
	}
	m := list[0]
	if m.Status != status || m.RunID != env1.RunID || m.Agent != env1.Agent {
		t.Errorf("recorded %+v, want status %s, run %d, agent %s", m, status, env1.RunID, env1.Agent)
	}
	return m
}

func TestUnconfiguredConnectorsQueueAndSaySo(t *testing.T) {
	tests := []struct {
		tool, input string
		channel     outbox.Channel
		to, body    string
		connector   string
	}{
		{"send_email", `{"to": "ana@lima.dev", "subject": "Your quote", "body": "Hi Ana"}`, outbox.ChannelEmail, "ana@lima.dev", "Hi Ana", "email (SMTP)"},
		{"send_sms", `{"to": "+1 (555) 010-0123", "body": "Hi Ana"}`, outbox.ChannelSMS, "+15550100123", "Hi Ana", "SMS (Twilio)"},
		{"phone_call", `{"to": "+15550100123", "message": "Hello Ana"}`, outbox.ChannelPhone, "+15550100123", "Hello Ana", "phone (Twilio)"},
		{"send_booking_link", `{"channel": "email", "to": "ana@lima.dev", "message": "Hi Ana, pick a time:"}`, outbox.ChannelBookingLink, "ana@lima.dev",
			"Hi Ana, pick a time:\n\nhttps://book.example.com/ana", "email (SMTP)"},
		{"send_booking_link", `{"channel": "sms", "to": "+15550100123"}`, outbox.ChannelBookingLink, "+15550100123",
			"Book a time that suits you here:\n\nhttps://book.example.com/ana", "SMS (Twilio)"},
	}
	for _, tt := range tests {
		t.Run(tt.tool+" "+string(tt.channel), func(t *testing.T) {
			s := newStores(t)
			d := s.deps()
			d.BookingURL = "https://book.example.com/ana"
			out := mustRun(t, d, tt.tool, env1, tt.input)
			m := checkRecorded(t, s, 1, outbox.StatusQueuedUnconfigured)
			if !strings.HasPrefix(out, "QUEUED, NOT SENT: no "+tt.connector+" connector is configured") ||
				!strings.Contains(out, fmt.Sprintf("message %d with status queued_unconfigured", m.ID)) || strings.Count(out, "SENT") != 1 {
				t.Errorf("told the model %q", out)
			}
			if m.Channel != tt.channel || m.To != tt.to || m.Body != tt.body || m.ProviderID != "" {
				t.Errorf("recorded %+v", m)
			}
		})
	}
}

func TestSendEmailSends(t *testing.T) {
	s := newStores(t)
	srv, smtp := startSMTP(t, fakesmtp.Options{})
	d := s.deps()
	d.Mailer = smtp
	ana := s.addLead(t, 1, leads.Lead{Name: "Ana", Email: "ana@lima.dev"})

	out := mustRun(t, d, "send_email", env1, fmt.Sprintf(`{"lead_id": %d, "subject": "Your quote", "body": "Hi Ana,\nthe quote is attached."}`, ana.ID))
	m := checkRecorded(t, s, 1, outbox.StatusSent)
	if out != fmt.Sprintf("SENT: the email to ana@lima.dev was accepted for delivery by the mail server. It is recorded in the outbox as message %d with status sent.", m.ID) {
		t.Errorf("told the model %q", out)
	}
	if m.Channel != outbox.ChannelEmail || m.To != "ana@lima.dev" || m.Subject != "Your quote" || m.Body != "Hi Ana,\nthe quote is attached." || m.ProviderID == "" {
		t.Errorf("recorded %+v", m)
	}
	got := srv.Messages()
	if len(got) != 1 || len(got[0].To) != 1 || got[0].To[0] != "ana@lima.dev" {
		t.Fatalf("the server got %+v", got)
	}
	data := string(got[0].Data)
	if !strings.Contains(data, "Subject: Your quote") || !strings.Contains(data, "the quote is attached.") || !strings.Contains(data, m.ProviderID) {
		t.Errorf("the server got\n%s\nrecorded provider id %s", data, m.ProviderID)
	}
}

// Models often send both to and lead_id: when they name the same address
// (letter case and a phone number's spacing aside), the message goes.
func TestToAndLeadIDThatAgreeAreTaken(t *testing.T) {
	s := newStores(t)
	srv, smtp := startSMTP(t, fakesmtp.Options{})
	d := s.deps()
	d.Mailer = smtp
	ana := s.addLead(t, 1, leads.Lead{Name: "Ana", Email: "ana@lima.dev", Phone: "+1 (555) 0100-999"})

	out := mustRun(t, d, "send_email", env1, fmt.Sprintf(`{"to": "Ana@Lima.dev", "lead_id": %d, "subject": "Hi", "body": "Hello"}`, ana.ID))
	if !strings.HasPrefix(out, "SENT: the email to ana@lima.dev") {
		t.Errorf("told the model %q", out)
	}
	if got := srv.Messages(); len(got) != 1 || got[0].To[0] != "ana@lima.dev" {
		t.Fatalf("the server got %+v", got)
	}
	out = mustRun(t, d, "send_sms", env1, fmt.Sprintf(`{"to": "+1 555 010 0999", "lead_id": %d, "body": "Hi"}`, ana.ID))
	if !strings.Contains(out, "+15550100999") {
		t.Errorf("told the model %q", out)
	}
	if list := s.sent(t, 1); len(list) != 2 || list[1].To != "+15550100999" || list[1].Status != outbox.StatusQueuedUnconfigured {
		t.Errorf("outbox holds %+v", list)
	}
}

func TestSendBookingLinkByEmailSendsTheLink(t *testing.T) {
	s := newStores(t)
	srv, smtp := startSMTP(t, fakesmtp.Options{})
	d := s.deps()
	d.Mailer = smtp
	d.BookingURL = "https://book.example.com/ana"
	ana := s.addLead(t, 1, leads.Lead{Name: "Ana", Email: "ana@lima.dev"})

	// A message that already holds the link gets it once.
	out := mustRun(t, d, "send_booking_link", env1, fmt.Sprintf(`{"channel": "email", "lead_id": %d, "message": "Pick a time at https://book.example.com/ana today"}`, ana.ID))
	if !strings.HasPrefix(out, "SENT: the booking link by email to ana@lima.dev") {
		t.Errorf("told the model %q", out)
	}
	m := checkRecorded(t, s, 1, outbox.StatusSent)
	if m.Channel != outbox.ChannelBookingLink || m.Body != "Pick a time at https://book.example.com/ana today" || m.Subject != bookingSubject {
		t.Errorf("recorded %+v", m)
	}
	if got := srv.Messages(); len(got) != 1 || !strings.Contains(string(got[0].Data), "https://book.example.com/ana") {
		t.Errorf("the server got %+v", got)
	}
}

func TestAFailingSenderRecordsFailed(t *testing.T) {
	s := newStores(t)
	srv, smtp := startSMTP(t, fakesmtp.Options{RejectRecipients: []string{"gone@lima.dev"}})
	d := s.deps()
	d.Mailer = smtp

	out, err := run(t, d, "send_email", env1, `{"to": "gone@lima.dev", "subject": "Hi", "body": "Hello"}`)
	m := checkRecorded(t, s, 1, outbox.StatusFailed)
	if out != "" || err == nil || !strings.HasPrefix(err.Error(), "FAILED, NOT SENT: the email to gone@lima.dev could not be sent: ") ||
		!strings.Contains(err.Error(), "550") || !strings.Contains(err.Error(), fmt.Sprintf("message %d with status failed", m.ID)) {
		t.Errorf("output %q, error %v", out, err)
	}
	if m.Error == "" || !strings.Contains(err.Error(), m.Error) || m.ProviderID != "" || m.To != "gone@lima.dev" {
		t.Errorf("recorded %+v", m)
	}
	if strings.Contains(err.Error(), srv.Addr()) || strings.Contains(m.Error, srv.Addr()) {
		t.Errorf("the server's address shows: %v", err)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("the server accepted %d messages", n)
	}
}

func TestAnUnreachableMailServerRecordsFailed(t *testing.T) {
	s := newStores(t)
	srv, smtp := startSMTP(t, fakesmtp.Options{})
	srv.Close()
	d := s.deps()
	d.Mailer = smtp
	_, err := run(t, d, "send_email", env1, `{"to": "ana@lima.dev", "subject": "Hi", "body": "Hello"}`)
	m := checkRecorded(t, s, 1, outbox.StatusFailed)
	if err == nil || !strings.HasPrefix(err.Error(), "FAILED, NOT SENT") || strings.Contains(err.Error(), srv.Addr()) || m.Error == "" {
		t.Errorf("error %v, recorded %+v", err, m)
	}
}

func TestRecipientsAreCheckedBeforeAnything(t *testing.T) {
	s := newStores(t)
	srv, smtp := startSMTP(t, fakesmtp.Options{})
	d := s.deps()
	d.Mailer = smtp
	d.BookingURL = "https://book.example.com/ana"
	noEmail := s.addLead(t, 1, leads.Lead{Name: "Bo", Phone: "555-0100"})
	theirs := s.addLead(t, 2, leads.Lead{Name: "Theirs", Email: "theirs@example.com", Phone: "+15550100999"})
	ana := s.addLead(t, 1, leads.Lead{Name: "Ana", Email: "ana@lima.dev", Phone: "+1 555 0100 999"})

	tests := []struct{ tool, input, want string }{
		{"send_email", `{"subject": "Hi", "body": "Hello"}`, "send to (the email address) or lead_id"},
		{"send_email", fmt.Sprintf(`{"to": "a@b.dev", "lead_id": %d, "subject": "Hi", "body": "Hello"}`, noEmail.ID),
			fmt.Sprintf("lead %d has no email address to check to against", noEmail.ID)},
		{"send_email", fmt.Sprintf(`{"to": "a@b.dev", "lead_id": %d, "subject": "Hi", "body": "Hello"}`, ana.ID),
			fmt.Sprintf(`to "a@b.dev" and lead %d's email address "ana@lima.dev" differ; send one of them`, ana.ID)},
		{"send_sms", fmt.Sprintf(`{"to": "+15550100123", "lead_id": %d, "body": "Hi"}`, ana.ID),
			fmt.Sprintf(`to "+15550100123" and lead %d's phone number "+1 555 0100 999" differ`, ana.ID)},
		{"send_email", `{"to": "Ana <ana@lima.dev>", "subject": "Hi", "body": "Hello"}`, "to is not a bare email address"},
		{"send_email", `{"to": "ana@lima.dev\r\nBcc: x@evil.test", "subject": "Hi", "body": "Hello"}`, "to is not a bare email address"},
		{"send_email", `{"to": "ana@lima.dev", "subject": "Hi\r\nBcc: x@evil.test", "body": "Hello"}`, "subject must be one line"},
		{"send_email", `{"to": "ana@lima.dev", "body": "Hello"}`, "subject is required"},
		{"send_email", `{"to": "ana@lima.dev", "subject": "Hi", "body": " "}`, "body is required"},
		{"send_email", fmt.Sprintf(`{"lead_id": %d, "subject": "Hi", "body": "Hello"}`, noEmail.ID), fmt.Sprintf("lead %d has no email address", noEmail.ID)},
		{"send_email", fmt.Sprintf(`{"lead_id": %d, "subject": "Hi", "body": "Hello"}`, theirs.ID+10), "there is no lead"},
		{"send_sms", `{"to": "555-0100", "body": "Hi"}`, "to is not a phone number in international form"},
		{"send_sms", `{"to": "+0123456789", "body": "Hi"}`, "international form"},
		{"send_sms", `{"to": "+1555", "body": "Hi"}`, "international form"},
		{"send_sms", `{"to": "+1 555 0100 ext 3", "body": "Hi"}`, "international form"},
		{"send_sms", fmt.Sprintf(`{"lead_id": %d, "body": "Hi"}`, noEmail.ID), fmt.Sprintf(`lead %d's phone number "555-0100" is not a phone number in international form`, noEmail.ID)},
		{"send_sms", `{"to": "+15550100123", "body": "` + strings.Repeat("é", maxSMS+1) + `"}`, "body is 1601 characters, over the limit of 1600"},
		{"phone_call", `{"to": "+15550100123"}`, "message is required"},
		{"send_booking_link", `{"to": "ana@lima.dev"}`, "channel is required"},
		{"send_booking_link", `{"channel": "fax", "to": "ana@lima.dev"}`, "channel must be email or sms"},
		{"send_booking_link", `{"channel": "sms", "to": "ana@lima.dev"}`, "international form"},
	}
	for _, tt := range tests {
		wantError(t, d, tt.tool, env1, tt.input, tt.want)
	}
	if n := len(s.sent(t, 1)); n != 0 {
		t.Errorf("%d refused messages were recorded", n)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("%d refused messages were sent", n)
	}
}

func TestALeadOfAnotherAccountIsNotFound(t *testing.T) {
	s := newStores(t)
	srv, smtp := startSMTP(t, fakesmtp.Options{})
	d := s.deps()
	d.Mailer = smtp
	d.BookingURL = "https://book.example.com/ana"
	theirs := s.addLead(t, 2, leads.Lead{Name: "Theirs", Email: "theirs@example.com", Phone: "+15550100999"})
	id := theirs.ID
	for _, c := range []struct{ tool, input string }{
		{"send_email", fmt.Sprintf(`{"lead_id": %d, "subject": "Hi", "body": "Hello"}`, id)},
		{"send_sms", fmt.Sprintf(`{"lead_id": %d, "body": "Hi"}`, id)},
		{"phone_call", fmt.Sprintf(`{"lead_id": %d, "message": "Hi"}`, id)},
		{"send_booking_link", fmt.Sprintf(`{"lead_id": %d, "channel": "email"}`, id)},
	} {
		wantError(t, d, c.tool, env1, c.input, fmt.Sprintf("there is no lead %d in this account", id))
	}
	if n := len(s.sent(t, 1)) + len(s.sent(t, 2)); n != 0 {
		t.Errorf("%d messages recorded", n)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("%d messages sent", n)
	}
}

func TestSendBookingLinkWithoutALinkRecordsNothing(t *testing.T) {
	s := newStores(t)
	d := s.deps()
	wantError(t, d, "send_booking_link", env1, `{"channel": "email", "to": "ana@lima.dev"}`, "no booking link is configured")
	if n := len(s.sent(t, 1)); n != 0 {
		t.Errorf("%d messages recorded", n)
	}
}

// brokenOutbox cannot record anything.
type brokenOutbox struct{}

func (brokenOutbox) Add(uint64, outbox.Message) (outbox.Message, error) {
	return outbox.Message{}, errors.New("disk full at /var/lib/kaine")
}

func TestAnOutboxThatCannotRecordIsReportedTruthfully(t *testing.T) {
	s := newStores(t)
	d := s.deps()
	d.Outbox = brokenOutbox{}

	// Unconfigured: nothing sent, nothing queued, and it is an error.
	out, err := run(t, d, "send_sms", env1, `{"to": "+15550100123", "body": "Hi"}`)
	if out != "" || err == nil || !strings.HasPrefix(err.Error(), "NOT SENT AND NOT QUEUED") || strings.Contains(err.Error(), "/var/lib") {
		t.Errorf("queued: output %q, error %v", out, err)
	}

	// Sent: it went out, so it is reported sent, not as a failure that
	// would invite a second send.
	srv, smtp := startSMTP(t, fakesmtp.Options{})
	d.Mailer = smtp
	out, err = run(t, d, "send_email", env1, `{"to": "ana@lima.dev", "subject": "Hi", "body": "Hello"}`)
	if err != nil || !strings.HasPrefix(out, "SENT: ") || !strings.Contains(out, "could not be recorded") || strings.Contains(out, "/var/lib") {
		t.Errorf("sent: output %q, error %v", out, err)
	}
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("%d messages sent", n)
	}
}

// The operator pays for the connectors and names who may use them: for
// any other account a message is queued, never sent.
func TestConnectorsServeOnlyTheAccountsAllowed(t *testing.T) {
	s := newStores(t)
	srv, smtp := startSMTP(t, fakesmtp.Options{})
	d := s.deps()
	d.Mailer = smtp
	d.ConnectorsAllowed = func(account uint64) bool { return account == 2 }
	out := mustRun(t, d, "send_email", env1, `{"to": "ana@lima.dev", "subject": "Hi", "body": "Hello"}`)
	checkRecorded(t, s, 1, outbox.StatusQueuedUnconfigured)
	if !strings.HasPrefix(out, "QUEUED, NOT SENT: no email (SMTP) connector is configured for this account") || len(srv.Messages()) != 0 {
		t.Fatalf("told the model %q; the server got %d messages", out, len(srv.Messages()))
	}
	d.ConnectorsAllowed = nil
	mustRun(t, d, "send_email", env1, `{"to": "ana@lima.dev", "subject": "Hi", "body": "Hello"}`)
	if len(srv.Messages()) != 0 {
		t.Fatal("a nil ConnectorsAllowed let an account send")
	}
}

// refusingMailer refuses every message with err.
type refusingMailer struct{ err error }

func (m refusingMailer) Send(context.Context, string, string, string) (string, error) {
	return "", m.err
}

func TestATemporaryRefusalIsToldAsOne(t *testing.T) {
	s := newStores(t)
	d := s.deps()
	d.Mailer = refusingMailer{&outbox.SMTPError{Step: "recipient", Code: 451, Message: "greylisted, try again later"}}
	_, err := run(t, d, "send_email", env1, `{"to": "ana@lima.dev", "subject": "Hi", "body": "Hello"}`)
	if err == nil || !strings.HasPrefix(err.Error(), "FAILED, NOT SENT") || !strings.Contains(err.Error(), "The mail server refused it for now (a temporary refusal)") {
		t.Fatalf("told the model %v", err)
	}
	checkRecorded(t, s, 1, outbox.StatusFailed)
}
