package outbox

import (
	"context"
	"encoding/xml"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/keinetech/kaine/outbox/faketwilio"
)

const (
	testSID   = "AC0123456789abcdef0123456789abcdef"
	testToken = "f00dfacecafe0123456789abcdef4242"
	testFrom  = "+14155550199"
)

func newTwilio(t *testing.T) (*Twilio, *faketwilio.Server) {
	t.Helper()
	fake := faketwilio.New(testSID, testToken)
	t.Cleanup(fake.Close)
	return &Twilio{BaseURL: fake.URL, AccountSID: testSID, AuthToken: testToken, From: testFrom}, fake
}

func TestSMSGoesOutAndItsSIDComesBack(t *testing.T) {
	tw, fake := newTwilio(t)
	body := "Hi Zoë — your demo is at 10:00 & lasts 30' <see you>"
	sid, err := tw.SendSMS(context.Background(), "+447700900123", body)
	if err != nil {
		t.Fatal(err)
	}
	got := fake.Messages()
	if len(got) != 1 || got[0].SID != sid || !strings.HasPrefix(sid, "SM") {
		t.Fatalf("sid %q, fake recorded %+v", sid, got)
	}
	if got[0].To != "+447700900123" || got[0].From != testFrom || got[0].Body != body {
		t.Fatalf("fake recorded %+v", got[0])
	}
}

func TestACallSaysItsTextAsEscapedTwiML(t *testing.T) {
	tw, fake := newTwilio(t)
	say := `Hello <Bob> & "Ann"</Say><Hangup/> it's 5 > 3`
	sid, err := tw.Call(context.Background(), "+14155550100", say)
	if err != nil {
		t.Fatal(err)
	}
	calls := fake.Calls()
	if len(calls) != 1 || calls[0].SID != sid || !strings.HasPrefix(sid, "CA") || calls[0].To != "+14155550100" {
		t.Fatalf("sid %q, fake recorded %+v", sid, calls)
	}
	var doc struct {
		XMLName xml.Name   `xml:"Response"`
		Say     []string   `xml:"Say"`
		Hangup  []struct{} `xml:"Hangup"`
	}
	if err := xml.Unmarshal([]byte(calls[0].Twiml), &doc); err != nil {
		t.Fatalf("TwiML %q: %v", calls[0].Twiml, err)
	}
	if len(doc.Say) != 1 || doc.Say[0] != say || len(doc.Hangup) != 0 {
		t.Fatalf("TwiML %q says %q", calls[0].Twiml, doc.Say)
	}
	if _, err := tw.Call(context.Background(), "+14155550100", strings.Repeat("&", 1000)); err == nil || !strings.Contains(err.Error(), "TwiML is") {
		t.Fatalf("a text over the TwiML limit: %v", err)
	}
}

func TestBadInputIsRefusedBeforeSending(t *testing.T) {
	tw, fake := newTwilio(t)
	for _, to := range []string{"4155550100", "+1 415 555 0100", "+1-415-555-0100", "+0123456789", "+1234567", "+1234567890123456", "", "+14155550100\n"} {
		if _, err := tw.SendSMS(context.Background(), to, "hi"); err == nil || !strings.Contains(err.Error(), "E.164") {
			t.Errorf("SMS to %q: %v", to, err)
		}
		if _, err := tw.Call(context.Background(), to, "hi"); err == nil || !strings.Contains(err.Error(), "E.164") {
			t.Errorf("call to %q: %v", to, err)
		}
	}
	for _, body := range []string{"", "  \n", strings.Repeat("é", maxSMSBody+1)} {
		if _, err := tw.SendSMS(context.Background(), "+14155550100", body); err == nil || !strings.Contains(err.Error(), "body") {
			t.Errorf("body of %d characters: %v", len(body), err)
		}
	}
	if _, err := tw.Call(context.Background(), "+14155550100", " "); err == nil {
		t.Error("a call with nothing to say was accepted")
	}
	misconfigured := []*Twilio{
		{BaseURL: fake.URL, AccountSID: testSID, AuthToken: testToken, From: "Kaine"},
		{BaseURL: fake.URL, AccountSID: testSID, From: testFrom},
		{BaseURL: "ftp://" + strings.TrimPrefix(fake.URL, "http://"), AccountSID: testSID, AuthToken: testToken, From: testFrom},
		{BaseURL: "http://api.example.com", AccountSID: testSID, AuthToken: testToken, From: testFrom},
	}
	for _, m := range misconfigured {
		if _, err := m.SendSMS(context.Background(), "+14155550100", "hi"); err == nil || strings.Contains(err.Error(), "example.com") {
			t.Errorf("%+v: %v", m, err)
		}
	}
	if n := fake.Requests(); n != 0 {
		t.Fatalf("%d requests reached Twilio", n)
	}
}

func TestTwilioRefusalsAreTypedAndHoldNoToken(t *testing.T) {
	tw, _ := newTwilio(t)
	_, err := tw.SendSMS(context.Background(), faketwilio.InvalidNumber, "hi")
	var refusal *TwilioError
	if !errors.As(err, &refusal) || refusal.Status != 400 || refusal.Code != 21211 || !strings.Contains(refusal.Message, "not a valid phone number") ||
		refusal.MoreInfo != "https://www.twilio.com/docs/errors/21211" || refusal.Temporary() {
		t.Fatalf("invalid number: %#v", err)
	}

	wrong := *tw
	wrong.AuthToken = "0123456789abcdef0123456789abcdef"
	_, err = wrong.Call(context.Background(), "+14155550100", "hi")
	if !errors.As(err, &refusal) || refusal.Status != 401 || refusal.Code != 20003 || refusal.Message != credentialsRefused {
		t.Fatalf("wrong token: %#v", err)
	}
	if strings.Contains(err.Error(), wrong.AuthToken) || strings.Contains(err.Error(), testToken) {
		t.Fatalf("the error shows a token: %v", err)
	}

	// A server that echoes the credentials it was sent.
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, pass, _ := r.BasicAuth()
		w.WriteHeader(http.StatusTooManyRequests)
		w.Write([]byte(`{"code":20429,"message":"Too many requests for token ` + pass + `","status":429}`))
	}))
	defer echo.Close()
	echoing := *tw
	echoing.BaseURL = echo.URL
	_, err = echoing.SendSMS(context.Background(), "+14155550100", "hi")
	if !errors.As(err, &refusal) || refusal.Code != 20429 || !refusal.Temporary() || strings.Contains(err.Error(), testToken) || !strings.Contains(err.Error(), "[redacted]") {
		t.Fatalf("echoed token: %v", err)
	}

	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
		w.Write([]byte("<html>proxy error</html>"))
	}))
	defer plain.Close()
	echoing.BaseURL = plain.URL
	_, err = echoing.SendSMS(context.Background(), "+14155550100", "hi")
	if !errors.As(err, &refusal) || refusal.Status != 502 || refusal.Code != 0 || refusal.Message != "Bad Gateway" {
		t.Fatalf("HTML error page: %v", err)
	}
}

func TestTransportErrorsNameNoHost(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	tw := &Twilio{BaseURL: "http://" + addr, AccountSID: testSID, AuthToken: testToken, From: testFrom}
	_, err = tw.SendSMS(context.Background(), "+14155550100", "hi")
	if err == nil || err.Error() != "twilio: sending an SMS: connection refused" {
		t.Fatalf("closed port: %v", err)
	}

	fakeTw, fake := newTwilio(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = fakeTw.Call(ctx, "+14155550100", "hi")
	if !errors.Is(err, context.Canceled) || err.Error() != "twilio: placing a call: canceled" || fake.Requests() != 0 {
		t.Fatalf("canceled: %v", err)
	}
}
