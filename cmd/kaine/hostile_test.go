package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keinetech/kaine/routing/fakeupstream"
)

// Hostile input against the running binary: every bad request gets the
// contract's JSON error with its status and code, never a 500, and the
// gateway goes on answering. What Go's HTTP server refuses before any
// handler runs (headers over the server's bound, a client too slow to send
// its headers, control bytes in a header) is the exception, named where it
// is tested.

// hostileGlobals gives the server a short read_header (the default
// Caddyfile's is 10s) so the slow-client test is quick.
const hostileGlobals = `servers {
		timeouts {
			read_header 1s
		}
	}`

func TestHostileInput(t *testing.T) {
	fake := fakeupstream.New()
	defer fake.Close()
	fake.Default(fakeupstream.Reply{Text: "fine", Usage: fakeupstream.Usage{InputTokens: 5, OutputTokens: 2}})
	in := newInstance(t)
	in.globals = hostileGlobals
	// Valid but odd requests reach a healthy provider, so they answer 200.
	in.providers = fmt.Sprintf(`provider anthropic {
			api_key fake-anthropic
			base_url %s
		}
		provider openai {
			api_key fake-openai
			base_url %s/v1
		}`, fake.URL, fake.URL)
	in.writeConfig(testDocs)
	in.start()
	key := in.apiKey("angel", "read,write")
	c := newCaller(in.base, nil)
	// Bodies past what the contract check's decoder takes (nesting 100,000
	// deep, -0 from an underflow): their answers are checked.
	c.answerOnly = true

	t.Run("bodies", func(t *testing.T) { hostileBodies(t, c, key) })
	in.pingOK(t, "hostile bodies")
	t.Run("drop-in bodies", func(t *testing.T) { hostileDropIn(t, c, key) })
	t.Run("drop-in bodies that are not JSON", func(t *testing.T) { dropInNotJSON(t, c, key) })
	in.pingOK(t, "hostile drop-in bodies")
	t.Run("keys", func(t *testing.T) { hostileKeys(t, in, c, key) })
	in.pingOK(t, "odd keys")
	t.Run("huge bodies", func(t *testing.T) { hugeBodies(t, in, key) })
	t.Run("refusal without the body", func(t *testing.T) { refusalWithoutBody(t, in, key) })
	in.pingOK(t, "huge bodies")
	t.Run("many headers", func(t *testing.T) { manyHeaders(t, in, key) })
	in.pingOK(t, "many headers")
	t.Run("slow headers", func(t *testing.T) { slowHeaders(t, in) })
	in.pingOK(t, "slow clients")
	in.stop()
	in.noPanicLogged(t)
}

// bodyCase is one request body and the answer it must get: an error code,
// or (code "") a success with status.
type bodyCase struct {
	name, method, path, body string
	status                   int
	code                     string
	// orInvalidJSON also accepts 400 invalid_json: valid JSON the gateway
	// may still refuse as too odd (100,000 levels of nesting).
	orInvalidJSON bool
}

func hostileBodies(t *testing.T, c *caller, key string) {
	var cases []bodyCase
	add := func(method, path string, status int, code string, bodies ...string) {
		for _, b := range bodies {
			cases = append(cases, bodyCase{name: fmt.Sprintf("%s %s %.60q", method, path, b), method: method, path: path, body: b, status: status, code: code})
		}
	}
	deep := func(open, close, inner string, n int) string {
		return strings.Repeat(open, n) + inner + strings.Repeat(close, n)
	}
	const levels = 100_000

	for _, path := range []string{"/v1/llm", "/v1/leads"} {
		// Malformed, truncated and not-an-object bodies.
		add("POST", path, 400, "invalid_json",
			"", " ", "{", `{"prompt":`, `{"prompt":"hel`, `{"prompt":"x",}`, `{prompt:"x"}`, `{"prompt":'x'}`,
			`{"prompt":"x"}}`, `{"prompt":"x"} trailing`, `{"prompt":"x"}{"prompt":"y"}`, "nul", "tru", `{"prompt":"x"`+"\x00}",
			"\xef\xbb\xbf{\"prompt\":\"x\"}", `{"a":1e}`, `{"a":01}`, `{"a":-}`, `{"a":.5}`, `{"a":NaN}`, `{"a":Infinity}`,
			`{"prompt":"\u12"}`, `{"prompt":"\q"}`, "{\"prompt\":\"a\x01b\"}", "{\"prompt\":\"a\nb\"}",
			`[]`, `[{"prompt":"x"}]`, `"prompt"`, `42`, `null`, `true`,
			strings.Repeat("[", levels), strings.Repeat(`{"a":`, levels))
	}

	// POST /v1/llm: each field with each wrong type, bad ranges, huge numbers.
	llm := func(fields string) string { return `{"prompt":"hi","max_tokens":16,` + fields + `}` }
	for _, field := range []string{"system", "task_type", "provider", "model", "byo_key", "byo_provider"} {
		for _, v := range []string{`42`, `true`, `[]`, `{}`, `["x"]`, `1e309`} {
			add("POST", "/v1/llm", 400, "invalid_field", llm(`"`+field+`":`+v))
		}
	}
	add("POST", "/v1/llm", 400, "invalid_field",
		`{"prompt":42}`, `{"prompt":true}`, `{"prompt":[]}`, `{"prompt":{}}`, `{"prompt":["hi"]}`, `{"prompt":1e309}`)
	add("POST", "/v1/llm", 400, "missing_fields", `{}`, `{"prompt":""}`, `{"prompt":null}`, `{"system":"s"}`)
	for _, v := range []string{`"100"`, `true`, `[]`, `{}`, `1.5`, `0`, `-1`, `-100`, `-0.5`, `200001`, `1e309`, `-1e309`, `1e400`,
		`18446744073709551616`, `18446744073709551615`, `9223372036854775808`, `-9223372036854775809`, `9007199254740993`, `1e-400`} {
		add("POST", "/v1/llm", 400, "invalid_field", `{"prompt":"hi","max_tokens":`+v+`}`)
	}
	for _, v := range []string{`"0.7"`, `true`, `[]`, `{}`, `-0.1`, `2.0001`, `1e309`, `-1e309`, `18446744073709551616`} {
		add("POST", "/v1/llm", 400, "invalid_field", llm(`"temperature":`+v))
	}
	for _, v := range []string{`"true"`, `1`, `0`, `[]`, `{}`, `"yes"`} {
		add("POST", "/v1/llm", 400, "invalid_field", llm(`"stream":`+v))
	}
	// Invalid UTF-8 inside strings, and byo_key values that cannot go in a
	// header as they are.
	for _, bad := range []string{"a\xff\xfeb", "\xc3", "\xed\xa0\x80"} {
		add("POST", "/v1/llm", 400, "invalid_field", `{"prompt":"`+bad+`"}`, llm(`"system":"`+bad+`"`), llm(`"task_type":"`+bad+`"`))
	}
	add("POST", "/v1/llm", 400, "invalid_field",
		llm(`"byo_key":""`), llm(`"byo_key":"has space"`), llm(`"byo_key":"`+strings.Repeat("k", 600)+`"`),
		llm(`"byo_key":"a\u0000b"`), llm(`"byo_key":"ключ"`), llm(`"byo_key":"a\r\nX-Injected: 1"`),
		llm(`"model":"no-such-model"`))
	add("POST", "/v1/llm", 400, "invalid_provider", llm(`"provider":"no-such-provider"`), llm(`"provider":"../anthropic"`))
	// The prompt as 100,000 levels of arrays: valid JSON, wrong type.
	add("POST", "/v1/llm", 400, "invalid_field", `{"prompt":`+deep("[", "]", "", levels)+`}`)
	// Valid requests with odd contents: answered, not refused.
	add("POST", "/v1/llm", 200, "",
		llm(`"stream":null`), llm(`"temperature":0`), llm(`"temperature":2`), llm(`"temperature":-1e-400000`), `{"prompt":"hi","max_tokens":1}`,
		`{"prompt":"hi","max_tokens":1e2}`, `{"prompt":"hi","max_tokens":16.0}`,
		`{"prompt":"a\u0000b","max_tokens":16}`, `{"prompt":"\ud800 lone surrogate","max_tokens":16}`,
		`{"prompt":"emoji 🦀 ünïcödé","max_tokens":16}`, `{"prompt":"first","prompt":"second","max_tokens":16}`,
		`{"prompt":"hi","max_tokens":16,"unknown":{"nested":[1,2,{"x":null}]}}`)
	// The whole cap reserved at once is refused with the contract's 429.
	add("POST", "/v1/llm", 429, "usage_cap_reached", `{"prompt":"hi","max_tokens":200000}`)
	cases = append(cases,
		bodyCase{name: "llm with 100k nested arrays beside", method: "POST", path: "/v1/llm",
			body: `{"prompt":"hi","max_tokens":16,"extra":` + deep("[", "]", "", levels) + `}`, status: 200, orInvalidJSON: true},
		bodyCase{name: "llm with an invalid UTF-8 field name", method: "POST", path: "/v1/llm",
			body: "{\"\xff\xfe\":1,\"prompt\":\"hi\",\"max_tokens\":16}", status: 200, orInvalidJSON: true},
		bodyCase{name: "llm with 100k nested objects beside", method: "POST", path: "/v1/llm",
			body: `{"prompt":"hi","max_tokens":16,"extra":` + deep(`{"a":`, "}", "1", levels) + `}`, status: 200, orInvalidJSON: true})

	// POST /v1/leads: each field with each wrong type, lengths, values.
	for _, field := range []string{"name", "email", "phone", "company", "source", "status", "notes"} {
		for _, v := range []string{`42`, `true`, `[]`, `{}`, `1e309`, `"` + "\xff" + `"`} {
			add("POST", "/v1/leads", 400, "invalid_field", `{"`+field+`":`+v+`,"name":"Ana","email":"ana@example.com"}`)
		}
	}
	add("POST", "/v1/leads", 400, "invalid_field",
		`{"name":"`+strings.Repeat("n", 201)+`"}`, `{"name":"Ana","notes":"`+strings.Repeat("n", 10_001)+`"}`,
		`{"name":"Ana","phone":"`+strings.Repeat("1", 41)+`"}`, `{"email":"not-an-address"}`, `{"email":"Ana <ana@example.com>"}`,
		`{"name":"Ana","status":"won"}`, `{"name":"Ana","status":"NEW"}`, `{"name":`+deep("[", "]", "", levels)+`}`)
	add("POST", "/v1/leads", 400, "missing_fields", `{}`, `{"name":"   "}`, `{"name":null,"email":null}`, `{"phone":"123"}`, `{"name":""}`)
	add("POST", "/v1/leads", 201, "", `{"name":"Ana \u0000 Null"}`, `{"name":"🦀 Ünïcode"}`, `{"email":"ana@example.com","status":"booked"}`)
	cases = append(cases, bodyCase{name: "lead with 100k nested arrays beside", method: "POST", path: "/v1/leads",
		body: `{"name":"Deep","extra":` + deep("[", "]", "", levels) + `}`, status: 201, orInvalidJSON: true})
	add("PATCH", "/v1/leads/1", 400, "missing_fields", `{}`, `{"status":null}`)
	add("PATCH", "/v1/leads/1", 400, "invalid_field", `{"status":5}`, `{"status":"won"}`, `{"notes":[]}`)
	add("PATCH", "/v1/leads/1", 400, "invalid_json", `{`, `[]`)
	for _, id := range []string{"0", "-1", "abc", "1.5", "18446744073709551616", "99999", "%00"} {
		add("PATCH", "/v1/leads/"+id, 404, "not_found", `{"status":"contacted"}`)
	}
	for _, q := range []string{"status=bogus", "limit=-1", "limit=0", "limit=1e309", "limit=99999999999999999999", "limit=abc"} {
		add("GET", "/v1/leads?"+q, 400, "invalid_field", "")
	}
	add("DELETE", "/v1/llm", 405, "method_not_allowed", "")
	add("GET", "/v1/no-such-endpoint", 404, "not_found", "")

	for _, tc := range cases {
		a, err := c.do(tc.method, tc.path, key, tc.body, nil)
		if err != nil {
			t.Errorf("%s: no answer: %v", tc.name, err)
			continue
		}
		if a.status >= 500 {
			t.Errorf("%s: %d %.300s; hostile input must never be a 5xx", tc.name, a.status, a.body)
			continue
		}
		if tc.orInvalidJSON && a.status == 400 {
			checkError(t, tc.name, a, 400, "invalid_json")
			continue
		}
		if tc.code != "" {
			checkError(t, tc.name, a, tc.status, tc.code)
			continue
		}
		if a.status != tc.status || !json.Valid(a.body) {
			t.Errorf("%s: %d %.300s, want %d", tc.name, a.status, a.body, tc.status)
		}
	}
}

// hostileDropIn: the drop-in routes forward bodies byte for byte, so a
// provider's own 4xx (in its shape) is a fair answer; what Kaine refuses
// itself (a model named twice or unpriced, a reservation past the cap) is
// in the contract's shape, and nothing is a 5xx.
func hostileDropIn(t *testing.T, c *caller, key string) {
	msgs := `"messages":[{"role":"user","content":"hi"}]`
	deep := strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000)
	for _, tc := range []struct {
		path, body string
		status     int
		code       string // "": the provider's own answer
	}{
		{"/anthropic/v1/messages", `{"model":"claude-haiku-4-5","model":"claude-opus-5-5","max_tokens":16,` + msgs + `}`, 400, "invalid_json"},
		{"/anthropic/v1/messages", `{"model":"claude-haiku-4-5\u0000","max_tokens":16,` + msgs + `}`, 400, "invalid_field"},
		{"/anthropic/v1/messages", `{"model":"` + strings.Repeat("m", 100_000) + `","max_tokens":16,` + msgs + `}`, 400, "invalid_field"},
		{"/anthropic/v1/messages", `{"model":"claude-haiku-4-5","max_tokens":1e309,` + msgs + `}`, 429, "usage_cap_reached"},
		{"/anthropic/v1/messages", `{"model":"claude-haiku-4-5","max_tokens":18446744073709551616,` + msgs + `}`, 429, "usage_cap_reached"},
		{"/anthropic/v1/messages", `{"model":"claude-haiku-4-5","max_tokens":16,"x":` + deep + `,` + msgs + `}`, 400, ""},
		{"/anthropic/v1/messages", `{"model":"claude-haiku-4-5","max_tokens":16,"x":` + deep[:100_000] + `,` + msgs + `}`, 400, ""},
		{"/anthropic/v1/messages", `{"model":"claude-haiku-4-5","max_tokens":16,"messages":[{"role":"user","content":"` + "ÿþ" + `"}]}`, 200, ""},
		{"/openai/v1/chat/completions", `{"model":"gpt-5.4-mini","n":1e309,` + msgs + `}`, 429, "usage_cap_reached"},
		{"/openai/v1/chat/completions", `{"model":"gpt-5.4-mini","n":100000000,"max_completion_tokens":100000000,` + msgs + `}`, 429, "usage_cap_reached"},
		{"/openai/v1/chat/completions", `{"model":"gpt-5.4-pro",` + msgs + `}`, 400, "invalid_field"},
		{"/openai/v1/chat/completions", `{"model":"gpt-5.4-mini","stream":true,"stream_options":"x",` + msgs + `}`, 200, ""},
	} {
		name := fmt.Sprintf("%s %.80q", tc.path, tc.body)
		a, err := c.do("POST", tc.path, "", tc.body, map[string]string{"Authorization": "Bearer " + key, "X-Api-Key": key, "Anthropic-Version": "2023-06-01"})
		switch {
		case err != nil:
			t.Errorf("%s: no answer: %v", name, err)
		case a.status >= 500:
			t.Errorf("%s: %d %.300s; hostile input must never be a 5xx", name, a.status, a.body)
		case tc.code != "":
			checkError(t, name, a, tc.status, tc.code)
		case a.status != tc.status:
			t.Errorf("%s: %d %.300s, want the provider's %d", name, a.status, a.body, tc.status)
		}
	}
}

// dropInNotJSON: a drop-in body that is not JSON at all is refused as such
// (400 invalid_json), not as a request that "names no model".
func dropInNotJSON(t *testing.T, c *caller, key string) {
	for _, body := range []string{"", "{", `{"model":"claude-haiku-4-5"`, "[]", `"claude-haiku-4-5"`, "<xml/>"} {
		a := c.must(t, "POST", "/anthropic/v1/messages", "", body, map[string]string{"X-Api-Key": key, "Anthropic-Version": "2023-06-01"})
		checkError(t, fmt.Sprintf("drop-in body %q", body), a, 400, "invalid_json")
	}
}

// hostileKeys: a key of any odd shape is a 401 in the contract's shape.
// Whether the database was read cannot be seen from outside (accounts'
// WellFormed check refuses a key of the wrong shape before the cache or
// bbolt); what the test holds is the answer: for every bad shape the same
// code and text as for a well-formed key that does not exist, so the
// answer tells nothing of a key's shape either.
func hostileKeys(t *testing.T, in *instance, c *caller, key string) {
	unknown := "kn_live_" + strings.Repeat("Z", 32)
	want := checkError(t, "a well-formed unknown key", c.must(t, "GET", "/v1/me", unknown, "", nil), 401, "invalid_api_key")

	odd := map[string]string{
		"1 char":              "x",
		"prefix only":         "kn_live_",
		"31 chars":            "kn_live_" + strings.Repeat("a", 31),
		"33 chars":            "kn_live_" + strings.Repeat("a", 33),
		"10 KB":               "kn_live_" + strings.Repeat("a", 10_000),
		"wrong prefix":        "sk-ant-" + strings.Repeat("a", 32),
		"test prefix":         "kn_test_" + strings.Repeat("a", 32),
		"upper-case prefix":   "KN_LIVE_" + strings.Repeat("a", 32),
		"punctuation":         "kn_live_" + strings.Repeat("!", 32),
		"unicode":             "kn_live_" + strings.Repeat("é", 16),
		"unicode, 32 runes":   "kn_live_" + strings.Repeat("ключ", 8),
		"real key plus one":   key + "x",
		"real key minus one":  key[:len(key)-1],
		"real key, case swap": "kn_live_" + swapCase(key[8:]),
		"two keys":            key + " " + key,
		"quoted":              `"` + key + `"`,
		"percent-encoded":     "kn_live_%61%62" + strings.Repeat("a", 26),
		"base64 text":         "a25fbGl2ZV8" + strings.Repeat("A", 32),
	}
	for name, k := range odd {
		a := c.must(t, "GET", "/v1/me", k, "", nil)
		got := checkError(t, "key "+name, a, 401, "invalid_api_key")
		if got != want {
			t.Errorf("key %s: %+v, want the same answer as any unknown key %+v", name, got, want)
		}
		if len(k) > 3 && strings.Contains(string(a.body), k) && !strings.Contains(want.Detail.Message, k) {
			t.Errorf("key %s: the answer repeats the key", name)
		}
		// The same refusal before a body is read, on a write route.
		checkError(t, "key "+name+" on /v1/llm", c.must(t, "POST", "/v1/llm", k, `{"prompt":"hi"}`, nil), 401, "invalid_api_key")
	}

	// No key, or no key where /v1 looks for one.
	for name, h := range map[string]map[string]string{
		"no header":        {},
		"empty bearer":     {"Authorization": "Bearer "},
		"bearer, no space": {"Authorization": "Bearer" + key},
		"basic scheme":     {"Authorization": "Basic a25fbGl2ZTp4"},
		"bare key":         {"Authorization": key},
		"x-api-key on /v1": {"X-Api-Key": key},
		"x-goog-api-key":   {"X-Goog-Api-Key": key},
	} {
		checkError(t, name, c.must(t, "GET", "/v1/me", "", "", h), 401, "missing_api_key")
	}
	// The scheme is case-insensitive (RFC 9110).
	if a := c.must(t, "GET", "/v1/me", "", "", map[string]string{"Authorization": "bEaReR " + key}); a.status != 200 {
		t.Errorf("lower-case bearer scheme: %d %s", a.status, a.body)
	}

	// Bytes Go's client will not send: NUL, other controls, raw high bytes.
	for name, k := range map[string]string{
		"NUL in the key":    "kn_live_" + strings.Repeat("a", 15) + "\x00" + strings.Repeat("a", 16),
		"NUL after the key": key + "\x00",
		"DEL in the key":    "kn_live_" + strings.Repeat("a", 31) + "\x7f",
		"latin-1 bytes":     "kn_live_" + strings.Repeat("\xe9", 32),
		"invalid UTF-8":     "kn_live_" + strings.Repeat("\xff", 32),
	} {
		status, header, body := rawRequest(t, in, "GET /v1/me HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "+k+"\r\nConnection: close\r\n\r\n")
		switch {
		case status == 400 && !strings.HasPrefix(header.Get("Content-Type"), "application/json"):
			// Go's server refuses a header value with control bytes itself
			// (plain text), before Kaine sees the request: acceptable.
		default:
			got := checkError(t, "raw key "+name, answer{status: status, header: header, body: body}, 401, "invalid_api_key")
			if got != want {
				t.Errorf("raw key %s: %+v, want %+v", name, got, want)
			}
		}
	}
}

// rawRequest writes a request as is on a new connection and reads the
// answer; the test fails if none comes within 10 s.
func rawRequest(t *testing.T, in *instance, request string) (int, http.Header, []byte) {
	t.Helper()
	conn, err := net.Dial("tcp", in.base[len("http://"):])
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, request); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer to a raw request: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, body
}

// hugeBodies: a 20 MiB body is refused with 413 body_too_large as soon as
// the gateway knows it is too large: when Content-Length says so, or after
// the first MiB when it comes chunked (10 MiB on the drop-in routes). The
// code never holds more than that: http.MaxBytesReader bounds the read.
// The test sends only the first 2 MiB (11 on the drop-in) of the 20 and
// waits: the answer proves the gateway neither waits for nor reads the
// rest. (Before answering, Go's server still reads up to 256 KiB of an
// unread body, which is why some body must be sent: see
// refusalWithoutBody.)
func hugeBodies(t *testing.T, in *instance, key string) {
	for _, tc := range []struct {
		name, path, auth string
		chunked          bool
		send             int // bytes of the 20 MiB sent before waiting for the answer
		status           int
		code             string
	}{
		{"declared 20 MiB", "/v1/llm", "Bearer " + key, false, 2 << 20, 413, "body_too_large"},
		{"declared 20 MiB, leads", "/v1/leads", "Bearer " + key, false, 2 << 20, 413, "body_too_large"},
		{"chunked 20 MiB", "/v1/llm", "Bearer " + key, true, 2 << 20, 413, "body_too_large"},
		{"chunked 20 MiB, leads", "/v1/leads", "Bearer " + key, true, 2 << 20, 413, "body_too_large"},
		{"declared 20 MiB, bad key", "/v1/llm", "Bearer kn_live_nope", false, 2 << 20, 401, "invalid_api_key"},
		{"declared 20 MiB, drop-in", "/openai/v1/chat/completions", "Bearer " + key, false, 2 << 20, 413, "body_too_large"},
		{"chunked 20 MiB, drop-in", "/openai/v1/chat/completions", "Bearer " + key, true, 11 << 20, 413, "body_too_large"},
	} {
		a, err := partBody(in, tc.path, tc.auth, tc.chunked, tc.send, 15*time.Second)
		if err != nil {
			t.Errorf("%s: no answer after sending %d of 20 MiB: %v", tc.name, tc.send, err)
			continue
		}
		checkError(t, tc.name, a, tc.status, tc.code)
	}
}

// refusalWithoutBody: a request refused before its body is read (a bad
// key, a Content-Length over the bound) is answered at once, even when the
// client waits for that answer before sending the body.
func refusalWithoutBody(t *testing.T, in *instance, key string) {
	for _, tc := range []struct {
		name, auth string
		status     int
		code       string
	}{
		{"bad key", "Bearer kn_live_nope", 401, "invalid_api_key"},
		{"declared 20 MiB", "Bearer " + key, 413, "body_too_large"},
	} {
		a, err := partBody(in, "/v1/llm", tc.auth, false, 0, 5*time.Second)
		if err != nil {
			t.Errorf("%s, no body sent: no answer within 5 s: %v", tc.name, err)
			continue
		}
		checkError(t, tc.name+", no body sent", a, tc.status, tc.code)
	}
}

// partBody starts a request announcing a 20 MiB body, sends the first
// send bytes of it and waits up to wait for the answer.
func partBody(in *instance, path, auth string, chunked bool, send int, wait time.Duration) (answer, error) {
	conn, err := net.Dial("tcp", in.base[len("http://"):])
	if err != nil {
		return answer{}, err
	}
	defer conn.Close()
	length := fmt.Sprintf("Content-Length: %d", 20<<20)
	if chunked {
		length = "Transfer-Encoding: chunked"
	}
	head := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: %s\r\nContent-Type: application/json\r\n%s\r\n\r\n", path, auth, length)
	// Writes go on in the background: the gateway may stop reading (and
	// close) before they end.
	var sent sync.WaitGroup
	defer sent.Wait()
	sent.Add(1)
	go func() {
		defer sent.Done()
		if _, err := io.WriteString(conn, head); err != nil {
			return
		}
		chunk := strings.Repeat("a", 64<<10)
		for n := 0; n < send; n += len(chunk) {
			piece := chunk
			if chunked {
				piece = fmt.Sprintf("%x\r\n%s\r\n", len(chunk), chunk)
			}
			if _, err := io.WriteString(conn, piece); err != nil {
				return
			}
		}
	}()
	start := time.Now()
	conn.SetReadDeadline(start.Add(wait))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		conn.Close() // ends the writer too
		return answer{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, header: resp.Header, body: body, elapsed: time.Since(start)}, err
}

// manyHeaders: hundreds of headers within the server's header bound (Caddy
// sets Go's MaxHeaderBytes to 16 KiB unless max_header_size says
// otherwise; Go allows 4 KiB more) reach Kaine and are answered as usual;
// thousands, or one header past the bound, get Go's own 431 Request Header
// Fields Too Large in plain text and a closed connection. That 431 is
// acceptable though it is not the contract's JSON: no handler runs, so no
// Kaine code can shape it, and it is the standard status for the case.
func manyHeaders(t *testing.T, in *instance, key string) {
	var b strings.Builder
	for i := 0; i < 500; i++ {
		fmt.Fprintf(&b, "X-Junk-%d: value-%d\r\n", i, i)
	}
	status, header, body := rawRequest(t, in, "GET /v1/me HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "+key+"\r\n"+b.String()+"Connection: close\r\n\r\n")
	if status != 200 || !strings.Contains(string(body), `"username":"angel"`) {
		t.Errorf("500 headers (%d KB): %d %.200s, want 200", b.Len()>>10, status, body)
	}
	status, header, body = rawRequest(t, in, "GET /v1/me HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer kn_live_nope\r\n"+b.String()+"Connection: close\r\n\r\n")
	checkError(t, "500 headers, bad key", answer{status: status, header: header, body: body}, 401, "invalid_api_key")

	for name, headers := range map[string]string{
		"2,000 headers":        strings.Repeat(b.String(), 4),
		"50,000 headers":       strings.Repeat(b.String(), 100),
		"one 1.1 MiB header":   "X-Big: " + strings.Repeat("b", 1100<<10) + "\r\n",
		"a 1.1 MiB bearer key": "Authorization: Bearer kn_live_" + strings.Repeat("b", 1100<<10) + "\r\n",
	} {
		conn, err := net.Dial("tcp", in.base[len("http://"):])
		if err != nil {
			t.Fatal(err)
		}
		go io.WriteString(conn, "GET /v1/me HTTP/1.1\r\nHost: 127.0.0.1\r\n"+headers+"\r\n") // may fail once the server closes
		conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Errorf("%s: no answer: %v", name, err)
			conn.Close()
			continue
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
			t.Errorf("%s: %d, want Go's 431", name, resp.StatusCode)
		}
		// The connection is then closed: nothing more is read from it.
		if _, err := io.ReadAll(conn); err != nil && !isClosedErr(err) {
			t.Errorf("%s: after the 431 the connection was not closed: %v", name, err)
		}
		conn.Close()
	}
}

// isClosedErr reports whether err is a peer's close or reset (not a
// timeout, which would mean the connection stayed open).
func isClosedErr(err error) bool {
	var ne net.Error
	return !errors.As(err, &ne) || !ne.Timeout()
}

// slowHeaders: clients that trickle their headers a byte at a time (a
// slowloris) are cut off by read_header (1s here) whatever they still
// send, while the gateway goes on answering others.
func slowHeaders(t *testing.T, in *instance) {
	const clients = 20
	const readHeader = time.Second
	var wg sync.WaitGroup
	closedAfter := make([]time.Duration, clients)
	errs := make([]error, clients)
	for i := 0; i < clients; i++ {
		conn, err := net.Dial("tcp", in.base[len("http://"):])
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		wg.Add(2)
		stop := make(chan struct{})
		go func() { // the slow writer: one byte every 100 ms, for up to 8 s
			defer wg.Done()
			line := "GET /v1/ping HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + strings.Repeat("s", 200)
			for j := 0; j < len(line) && j < 80; j++ {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := conn.Write([]byte{line[j]}); err != nil {
					return
				}
				time.Sleep(100 * time.Millisecond)
			}
		}()
		go func(i int) { // the reader: sees the server close
			defer wg.Done()
			defer close(stop)
			defer conn.Close()
			conn.SetReadDeadline(time.Now().Add(8 * time.Second))
			data, err := io.ReadAll(conn)
			closedAfter[i] = time.Since(start)
			// Go's server closes silently, or (when the timeout reaches it
			// wrapped by Caddy's listener) with a plain-text 400 first.
			if err != nil && !isClosedErr(err) {
				errs[i] = fmt.Errorf("still open after 8s: %v", err)
			} else if len(data) > 0 && !strings.HasPrefix(string(data), "HTTP/1.1 400 Bad Request\r\n") && !strings.HasPrefix(string(data), "HTTP/1.1 408") {
				errs[i] = fmt.Errorf("answered %.100q", data)
			}
		}(i)
	}
	// Meanwhile the gateway serves everyone else.
	for i := 0; i < 5; i++ {
		in.pingOK(t, "slow clients connected")
		time.Sleep(100 * time.Millisecond)
	}
	wg.Wait()
	for i := 0; i < clients; i++ {
		switch {
		case errs[i] != nil:
			t.Errorf("slow client %d: %v", i, errs[i])
		case closedAfter[i] < readHeader/2:
			t.Errorf("slow client %d closed after %v, before read_header %v", i, closedAfter[i], readHeader)
		case closedAfter[i] > readHeader+3*time.Second:
			t.Errorf("slow client %d closed only after %v; read_header is %v", i, closedAfter[i], readHeader)
		}
	}
}

// swapCase swaps the case of every ASCII letter.
func swapCase(s string) string {
	b := []byte(s)
	for i, c := range b {
		switch {
		case 'a' <= c && c <= 'z':
			b[i] = c - 'a' + 'A'
		case 'A' <= c && c <= 'Z':
			b[i] = c - 'A' + 'a'
		}
	}
	return string(b)
}
