package faketwilio

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

const (
	sidAC = "AC0123456789abcdef0123456789abcdef"
	token = "tok-0123456789"
)

func post(t *testing.T, s *Server, path, user, pass string, form url.Values) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(user, pass)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatalf("answer is not JSON: %v", err)
	}
	return resp.StatusCode, m
}

func TestTheFakeRefusesWhatTwilioRefuses(t *testing.T) {
	s := New(sidAC, token)
	defer s.Close()
	msgs := "/2010-04-01/Accounts/" + sidAC + "/Messages.json"
	calls := "/2010-04-01/Accounts/" + sidAC + "/Calls.json"
	ok := url.Values{"To": {"+14155550100"}, "From": {"+14155550199"}, "Body": {"hi"}}
	with := func(k, v string) url.Values {
		f := url.Values{}
		for key, vals := range ok {
			f[key] = vals
		}
		f.Set(k, v)
		return f
	}
	cases := []struct {
		name       string
		path       string
		user, pass string
		form       url.Values
		status     int
		code       float64
	}{
		{"wrong token", msgs, sidAC, "nope", ok, 401, 20003},
		{"another account", "/2010-04-01/Accounts/ACffffffffffffffffffffffffffffffff/Messages.json", sidAC, token, ok, 401, 20003},
		{"unknown resource", "/2010-04-01/Accounts/" + sidAC + "/Faxes.json", sidAC, token, ok, 404, 20404},
		{"no To", msgs, sidAC, token, with("To", ""), 400, 21604},
		{"local number", msgs, sidAC, token, with("To", "4155550100"), 400, 21211},
		{"magic invalid number", msgs, sidAC, token, with("To", InvalidNumber), 400, 21211},
		{"bad From", msgs, sidAC, token, with("From", "+1"), 400, 21212},
		{"no Body", msgs, sidAC, token, with("Body", ""), 400, 21602},
		{"long Body", msgs, sidAC, token, with("Body", strings.Repeat("x", 1601)), 400, 21617},
		{"call without TwiML", calls, sidAC, token, with("Body", ""), 400, 21205},
		{"call with broken TwiML", calls, sidAC, token, with("Twiml", "<Response><Say>a & b</Say></Response>"), 400, 12100},
		{"call with another root", calls, sidAC, token, with("Twiml", "<Say>hi</Say>"), 400, 12100},
	}
	for _, c := range cases {
		status, m := post(t, s, c.path, c.user, c.pass, c.form)
		if status != c.status || m["code"] != c.code || m["status"] != float64(c.status) || m["message"] == "" || m["more_info"] == nil {
			t.Errorf("%s: %d %v", c.name, status, m)
		}
	}
	if len(s.Messages()) != 0 || len(s.Calls()) != 0 || s.Requests() != len(cases) {
		t.Fatalf("recorded %v %v after %d requests", s.Messages(), s.Calls(), s.Requests())
	}
}

func TestTheFakeAcceptsAndRecordsMessagesAndCalls(t *testing.T) {
	s := New(sidAC, token)
	defer s.Close()
	status, m := post(t, s, "/2010-04-01/Accounts/"+sidAC+"/Messages.json", sidAC, token,
		url.Values{"To": {"+14155550100"}, "From": {"+14155550199"}, "Body": {"hi"}})
	if status != 201 || !strings.HasPrefix(m["sid"].(string), "SM") || len(m["sid"].(string)) != 34 || m["status"] != "queued" || m["body"] != "hi" {
		t.Fatalf("message: %d %v", status, m)
	}
	twiml := "<Response><Say>Hello &amp; bye</Say></Response>"
	status, c := post(t, s, "/2010-04-01/Accounts/"+sidAC+"/Calls.json", sidAC, token,
		url.Values{"To": {"+14155550100"}, "From": {"+14155550199"}, "Twiml": {twiml}})
	if status != 201 || !strings.HasPrefix(c["sid"].(string), "CA") || c["status"] != "queued" {
		t.Fatalf("call: %d %v", status, c)
	}
	if got := s.Messages(); len(got) != 1 || got[0].SID != m["sid"] || got[0].Body != "hi" || got[0].To != "+14155550100" {
		t.Fatalf("messages %+v", got)
	}
	if got := s.Calls(); len(got) != 1 || got[0].SID != c["sid"] || got[0].Twiml != twiml || got[0].From != "+14155550199" {
		t.Fatalf("calls %+v", got)
	}
}
