package agenttools

import (
	"fmt"
	"strings"
	"testing"

	"github.com/keinetech/kaine/leads"
	"github.com/keinetech/kaine/outbox"
	"github.com/keinetech/kaine/outbox/faketwilio"
)

const (
	twilioSID   = "AC0123456789abcdef0123456789abcdef"
	twilioToken = "f00dfacecafe0123456789abcdef4242"
)

// twilioDeps are the stores' tools with SMS and calls through a fake
// Twilio.
func twilioDeps(t *testing.T, s stores) (*faketwilio.Server, Deps) {
	t.Helper()
	fake := faketwilio.New(twilioSID, twilioToken)
	t.Cleanup(fake.Close)
	tw := &outbox.Twilio{BaseURL: fake.URL, AccountSID: twilioSID, AuthToken: twilioToken, From: "+14155550199"}
	d := s.deps()
	d.Texter, d.Caller = tw, tw
	d.BookingURL = "https://book.example.com/ana"
	return fake, d
}

func TestSendSMSSends(t *testing.T) {
	s := newStores(t)
	fake, d := twilioDeps(t, s)
	bo := s.addLead(t, 1, leads.Lead{Name: "Bo", Phone: "+1 (415) 555-0100"})

	out := mustRun(t, d, "send_sms", env1, fmt.Sprintf(`{"lead_id": %d, "body": "Your van is booked for 9 am."}`, bo.ID))
	m := checkRecorded(t, s, 1, outbox.StatusSent)
	if out != fmt.Sprintf("SENT: the SMS to +14155550100 was accepted for delivery by Twilio. It is recorded in the outbox as message %d with status sent.", m.ID) {
		t.Errorf("told the model %q", out)
	}
	got := fake.Messages()
	if len(got) != 1 || got[0].To != "+14155550100" || got[0].Body != "Your van is booked for 9 am." {
		t.Fatalf("Twilio got %+v", got)
	}
	if m.Channel != outbox.ChannelSMS || m.To != "+14155550100" || m.Body != got[0].Body || m.ProviderID != got[0].SID {
		t.Errorf("recorded %+v, Twilio's sid %s", m, got[0].SID)
	}
}

func TestPhoneCallCalls(t *testing.T) {
	s := newStores(t)
	fake, d := twilioDeps(t, s)

	out := mustRun(t, d, "phone_call", env1, `{"to": "+14155550100", "message": "Hello Bo, your van is booked for 9 am."}`)
	m := checkRecorded(t, s, 1, outbox.StatusSent)
	if !strings.HasPrefix(out, "SENT: the phone call to +14155550100 was accepted for delivery by Twilio.") || !strings.Contains(out, "whether anyone answered is not known") {
		t.Errorf("told the model %q", out)
	}
	calls := fake.Calls()
	if len(calls) != 1 || calls[0].To != "+14155550100" || !strings.Contains(calls[0].Twiml, "Hello Bo, your van is booked for 9 am.") {
		t.Fatalf("Twilio got %+v", calls)
	}
	if m.Channel != outbox.ChannelPhone || m.Body != "Hello Bo, your van is booked for 9 am." || m.ProviderID != calls[0].SID {
		t.Errorf("recorded %+v", m)
	}
}

func TestSendBookingLinkBySMSSendsTheLink(t *testing.T) {
	s := newStores(t)
	fake, d := twilioDeps(t, s)
	out := mustRun(t, d, "send_booking_link", env1, `{"channel": "sms", "to": "+14155550100", "message": "Hi Bo!"}`)
	m := checkRecorded(t, s, 1, outbox.StatusSent)
	if !strings.HasPrefix(out, "SENT: the booking link by SMS to +14155550100") {
		t.Errorf("told the model %q", out)
	}
	got := fake.Messages()
	if len(got) != 1 || got[0].Body != "Hi Bo!\n\nhttps://book.example.com/ana" || m.Channel != outbox.ChannelBookingLink || m.Body != got[0].Body {
		t.Errorf("Twilio got %+v, recorded %+v", got, m)
	}
}

func TestTwilioRefusalsRecordFailed(t *testing.T) {
	tests := []struct {
		name, tool, input, want string
		token                   string
	}{
		{"an invalid number", "send_sms", `{"to": "` + faketwilio.InvalidNumber + `", "body": "Hi"}`, "21211", twilioToken},
		{"an invalid number called", "phone_call", `{"to": "` + faketwilio.InvalidNumber + `", "message": "Hi"}`, "21211", twilioToken},
		{"a wrong token", "send_sms", `{"to": "+14155550100", "body": "Hi"}`, "Twilio refused the account SID or auth token", "wrong0123456789abcdef0123456789ab"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStores(t)
			fake, d := twilioDeps(t, s)
			tw := &outbox.Twilio{BaseURL: fake.URL, AccountSID: twilioSID, AuthToken: tt.token, From: "+14155550199"}
			d.Texter, d.Caller = tw, tw
			out, err := run(t, d, tt.tool, env1, tt.input)
			m := checkRecorded(t, s, 1, outbox.StatusFailed)
			if out != "" || err == nil || !strings.HasPrefix(err.Error(), "FAILED, NOT SENT") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("output %q, error %v", out, err)
			}
			if !strings.Contains(m.Error, tt.want) || m.ProviderID != "" {
				t.Errorf("recorded %+v", m)
			}
			for _, secret := range []string{tt.token, fake.URL} {
				if strings.Contains(err.Error(), secret) || strings.Contains(m.Error, secret) {
					t.Errorf("%q shows in %q", secret, err)
				}
			}
			if n := len(fake.Messages()) + len(fake.Calls()); n != 0 {
				t.Errorf("Twilio accepted %d", n)
			}
		})
	}
}
