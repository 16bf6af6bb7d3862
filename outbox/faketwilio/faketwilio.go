// Package faketwilio is an httptest server that speaks the two calls of
// Twilio's REST API that outbox makes, as Twilio documents them: create a
// Message (POST /2010-04-01/Accounts/{AccountSid}/Messages.json) and
// create a Call (…/Calls.json). It checks HTTP basic auth with the account
// SID and auth token, reads form parameters, answers 201 with the created
// resource as JSON (status "queued"), refuses what Twilio refuses with
// Twilio's error JSON, and records what it accepted.
//
// Like Twilio with test credentials, it treats +15005550001 as an invalid
// number (error 21211), so a well-formed number can be refused.
package faketwilio

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// InvalidNumber is the number Twilio's test credentials treat as invalid.
const InvalidNumber = "+15005550001"

// Message is an SMS the fake accepted.
type Message struct {
	SID, To, From, Body string
}

// Call is a call the fake accepted.
type Call struct {
	SID, To, From string
	// Twiml is the inline TwiML, as sent.
	Twiml string
}

// Server is the fake. Its methods are safe for concurrent use.
type Server struct {
	// URL is the server's root: pass it as the client's base URL.
	URL string

	srv        *httptest.Server
	accountSID string
	authToken  string

	mu       sync.Mutex
	requests int
	messages []Message
	calls    []Call
}

// New starts a fake of the account accountSID with the auth token
// authToken.
func New(accountSID, authToken string) *Server {
	s := &Server{accountSID: accountSID, authToken: authToken}
	mux := http.NewServeMux()
	mux.HandleFunc("/2010-04-01/Accounts/{sid}/{resource}", s.serve)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.count()
		notFound(w, r)
	})
	s.srv = httptest.NewServer(mux)
	s.URL = s.srv.URL
	return s
}

// Close shuts the server down.
func (s *Server) Close() { s.srv.Close() }

// Requests is how many requests arrived, refused ones included.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// Messages returns the accepted messages, oldest first.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// Calls returns the accepted calls, oldest first.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

func (s *Server) count() {
	s.mu.Lock()
	s.requests++
	s.mu.Unlock()
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.count()
	user, pass, ok := r.BasicAuth()
	if !ok || user != s.accountSID || pass != s.authToken || r.PathValue("sid") != s.accountSID {
		refuse(w, http.StatusUnauthorized, 20003, "Authenticate")
		return
	}
	resource := r.PathValue("resource")
	if resource != "Messages.json" && resource != "Calls.json" {
		notFound(w, r)
		return
	}
	if r.Method != http.MethodPost {
		refuse(w, http.StatusMethodNotAllowed, 20004, "Method not allowed")
		return
	}
	if err := r.ParseForm(); err != nil {
		refuse(w, http.StatusBadRequest, 20001, "Invalid form body")
		return
	}
	if resource == "Messages.json" {
		s.createMessage(w, r)
	} else {
		s.createCall(w, r)
	}
}

func (s *Server) createMessage(w http.ResponseWriter, r *http.Request) {
	to, from, body := r.PostForm.Get("To"), r.PostForm.Get("From"), r.PostForm.Get("Body")
	switch {
	case to == "":
		refuse(w, http.StatusBadRequest, 21604, "A 'To' phone number is required.")
	case !valid(to):
		refuse(w, http.StatusBadRequest, 21211, fmt.Sprintf("The 'To' number %s is not a valid phone number.", to))
	case from == "":
		refuse(w, http.StatusBadRequest, 21603, "A 'From' phone number is required.")
	case !valid(from):
		refuse(w, http.StatusBadRequest, 21212, fmt.Sprintf("The 'From' number %s is not a valid phone number, shortcode, or alphanumeric sender ID.", from))
	case body == "":
		refuse(w, http.StatusBadRequest, 21602, "Message body is required.")
	case utf8.RuneCountInString(body) > 1600:
		refuse(w, http.StatusBadRequest, 21617, "The concatenated message body exceeds the 1600 character limit.")
	default:
		s.mu.Lock()
		m := Message{SID: sid("SM", len(s.messages)+1), To: to, From: from, Body: body}
		s.messages = append(s.messages, m)
		s.mu.Unlock()
		created(w, s.resource(m.SID, to, from, "Messages", map[string]any{
			"body": body, "num_segments": "1", "num_media": "0", "messaging_service_sid": nil,
			"date_sent": nil, "error_code": nil, "error_message": nil,
		}))
	}
}

func (s *Server) createCall(w http.ResponseWriter, r *http.Request) {
	to, from, twiml := r.PostForm.Get("To"), r.PostForm.Get("From"), r.PostForm.Get("Twiml")
	switch {
	case to == "":
		refuse(w, http.StatusBadRequest, 21201, "No 'To' number is specified")
	case !valid(to):
		refuse(w, http.StatusBadRequest, 21211, "Invalid 'To' Phone Number: "+to)
	case from == "":
		refuse(w, http.StatusBadRequest, 21213, "No 'From' number is specified")
	case !valid(from):
		refuse(w, http.StatusBadRequest, 21212, "Invalid 'From' Phone Number: "+from)
	case twiml == "" && r.PostForm.Get("Url") == "":
		refuse(w, http.StatusBadRequest, 21205, "Url parameter is required.")
	case twiml == "":
		refuse(w, http.StatusBadRequest, 21205, "This fake takes inline Twiml only.")
	case utf8.RuneCountInString(twiml) > 4000:
		refuse(w, http.StatusBadRequest, 32018, "Twiml size exceeded maximum allowed value of 4000 characters")
	case !wellFormed(twiml):
		refuse(w, http.StatusBadRequest, 12100, "Document parse failure")
	default:
		s.mu.Lock()
		c := Call{SID: sid("CA", len(s.calls)+1), To: to, From: from, Twiml: twiml}
		s.calls = append(s.calls, c)
		s.mu.Unlock()
		created(w, s.resource(c.SID, to, from, "Calls", map[string]any{
			"start_time": nil, "end_time": nil, "duration": nil, "answered_by": nil,
			"parent_call_sid": nil, "caller_name": nil, "forwarded_from": nil,
		}))
	}
}

// resource is the JSON Twilio answers for a created resource: the fields
// messages and calls share, plus extra.
func (s *Server) resource(sid, to, from, kind string, extra map[string]any) map[string]any {
	now := time.Now().UTC().Format(time.RFC1123Z)
	out := map[string]any{
		"sid": sid, "account_sid": s.accountSID, "to": to, "from": from,
		"status": "queued", "direction": "outbound-api", "api_version": "2010-04-01",
		"date_created": now, "date_updated": now, "price": nil, "price_unit": "USD",
		"uri": "/2010-04-01/Accounts/" + s.accountSID + "/" + kind + "/" + sid + ".json",
	}
	for k, v := range extra {
		out[k] = v
	}
	return out
}

// sid makes a Twilio-shaped SID: two letters and 32 hex digits.
func sid(prefix string, n int) string { return fmt.Sprintf("%s%032x", prefix, n) }

// valid is E.164 (+ and 8 to 15 digits, no leading 0) and not the
// number Twilio's test credentials call invalid.
func valid(number string) bool {
	digits, ok := strings.CutPrefix(number, "+")
	if !ok || len(digits) < 8 || len(digits) > 15 || digits[0] == '0' || number == InvalidNumber {
		return false
	}
	return strings.Trim(digits, "0123456789") == ""
}

func created(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	json.NewEncoder(w).Encode(v)
}

func notFound(w http.ResponseWriter, r *http.Request) {
	refuse(w, http.StatusNotFound, 20404, "The requested resource "+r.URL.Path+" was not found")
}

// refuse writes Twilio's error JSON.
func refuse(w http.ResponseWriter, status, code int, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{
		"code": code, "message": message, "status": status,
		"more_info": fmt.Sprintf("https://www.twilio.com/docs/errors/%d", code),
	})
}
