package main

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keinetech/kaine/routing/fakeupstream"
)

// After a whole session (calls that succeed, fail, are refused; BYOK keys
// that work and that the provider refuses, or whose refusal repeats them;
// the drop-in routes), no Kaine key secret and no BYOK key is in the
// database file, the gateway's whole log (at debug level, with the access
// log docs/operating.md recommends), or any answer's headers and body. The
// gateway's own provider keys are looked for too, and must not reach an
// answer or the log either.

// randomKey returns prefix and n base62 characters.
func randomKey(prefix string, n int) string {
	const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	b := make([]byte, n)
	rand.Read(b)
	for i := range b {
		b[i] = base62[int(b[i])%len(base62)]
	}
	return prefix + string(b)
}

// secret is something that must not leak, and the parts that identify it:
// the whole but for any prefix a listing may show, and each half of that,
// so a cut-off copy is found too.
type secret struct {
	name  string
	parts []string
	// upstream: the secret is for the provider (a BYOK key), so requests
	// to it are not searched.
	upstream bool
}

func newSecret(name, value string, shown int, upstream bool) secret {
	hidden := value[shown:]
	return secret{name: name, parts: []string{hidden, hidden[:len(hidden)/2], hidden[len(hidden)/2:]}, upstream: upstream}
}

func (s secret) findIn(where, text string) string {
	for _, p := range s.parts {
		if i := strings.Index(text, p); i >= 0 {
			return fmt.Sprintf("%s is in %s: …%s…", s.name, where, text[max(0, i-200):min(len(text), i+len(p)+100)])
		}
	}
	return ""
}

// accessLogFiltered is docs/operating.md's access log ("Access logs") for a site in front of the
// drop-in routes.
const accessLogFiltered = `log {
		output stderr
		format filter {
			request>headers>X-Api-Key delete
			request>headers>X-Goog-Api-Key delete
			request>headers>X-Kaine-Provider-Key delete
			request>uri query {
				delete key
			}
		}
	}`

func TestNoSecretInDatabaseLogOrAnswers(t *testing.T) {
	fake := fakeupstream.New()
	defer fake.Close()
	fake.Default(fakeupstream.Reply{Text: "an answer", Usage: fakeupstream.Usage{InputTokens: 7, OutputTokens: 3}})
	gatewayKeys := map[string]string{
		"anthropic": randomKey("sk-ant-api03-", 40),
		"openai":    randomKey("sk-proj-", 40),
		"google":    randomKey("AIza", 35),
	}
	in := newInstance(t)
	in.globals = "debug"
	in.site = accessLogFiltered
	in.env = []string{"KAINE_TEST_ANTHROPIC=" + gatewayKeys["anthropic"], "KAINE_TEST_OPENAI=" + gatewayKeys["openai"], "KAINE_TEST_GEMINI=" + gatewayKeys["google"]}
	in.providers = fmt.Sprintf(`provider anthropic {
			api_key {env.KAINE_TEST_ANTHROPIC}
			base_url %s
		}
		provider openai {
			api_key {env.KAINE_TEST_OPENAI}
			base_url %s/v1
		}
		provider google {
			api_key {env.KAINE_TEST_GEMINI}
			base_url %s
		}
		provider local {
			protocol openai
			base_url %s/v1
			model llama-down
		}`, fake.URL, fake.URL, fake.URL, fakeupstream.RefusedURL())
	in.writeConfig(testDocs)
	in.start()

	keyA := in.apiKey("angel", "read,write")
	keyB := in.apiKey("bob", "read,write")
	readOnly, _ := in.anotherKey("angel", "read")
	revoked, revokedID := in.anotherKey("bob", "read,write")
	kaineKeys := map[string]string{"angel's key": keyA, "bob's key": keyB, "a read-only key": readOnly, "a revoked key": revoked}
	byok := map[string]string{}
	newBYOK := func(name string) string {
		byok[name] = randomKey("sk-ant-api03-", 40)
		return byok[name]
	}

	seen := &wire{}
	c := newCaller(in.base, seen)
	// expect makes a call and checks its status: the session must really
	// take the paths it means to.
	expect := func(status int, method, path, key, body string, header map[string]string) answer {
		t.Helper()
		a := c.must(t, method, path, key, body, header)
		if a.status != status {
			t.Errorf("%s %s: %d %.300s, want %d", method, path, a.status, a.body, status)
		}
		return a
	}
	llm := func(fields string) string { return `{"prompt":"Write one line","max_tokens":32` + fields + `}` }

	// Plain calls with every key, and the refusals.
	for _, k := range []string{keyA, keyB, readOnly} {
		expect(200, "GET", "/v1/me", k, "", nil)
	}
	expect(200, "POST", "/v1/llm", keyA, llm(``), nil)
	expect(200, "POST", "/v1/llm", keyB, llm(`,"stream":true`), nil)
	expect(200, "POST", "/v1/llm", keyA, llm(`,"task_type":"summarize"`), nil)
	expect(403, "POST", "/v1/llm", readOnly, llm(``), nil)
	in.adminJSON("DELETE", fmt.Sprintf("/kaine/keys/%d", revokedID), nil, nil, http.StatusOK)
	expect(401, "GET", "/v1/me", revoked, "", nil)
	expect(401, "POST", "/v1/llm", revoked, llm(``), nil)
	expect(401, "GET", "/v1/me", keyA+"x", "", nil)
	expect(401, "GET", "/v1/me?key="+keyA, "", "", nil)
	expect(401, "GET", "/v1/me", "", "", map[string]string{"X-Api-Key": keyA})

	// Provider failures, and a refusal whose message repeats the gateway's
	// provider key (some providers echo part of the key they refuse).
	fake.Enqueue(fakeupstream.Reply{Status: 500}, fakeupstream.Reply{Status: 503}, fakeupstream.Reply{Status: 529})
	expect(500, "POST", "/v1/llm", keyA, llm(``), nil)
	fake.Enqueue(fakeupstream.Reply{Status: 400, ErrorType: "invalid_request_error", ErrorMessage: "prompt is too long for key " + gatewayKeys["anthropic"]})
	expect(400, "POST", "/v1/llm", keyA, llm(`,"provider":"anthropic"`), nil)

	// BYOK on /v1/llm: working, streamed, refused, and refusals or failures
	// whose message repeats the caller's key.
	expect(200, "POST", "/v1/llm", keyA, llm(`,"byo_key":"`+newBYOK("a working BYOK key")+`","byo_provider":"anthropic"`), nil)
	expect(200, "POST", "/v1/llm", keyB, llm(`,"stream":true,"byo_key":"`+newBYOK("a streamed BYOK key")+`"`), nil)
	fake.Enqueue(fakeupstream.Reply{Status: 401, ErrorType: "authentication_error", ErrorMessage: "invalid x-api-key"})
	expect(400, "POST", "/v1/llm", keyA, llm(`,"byo_key":"`+newBYOK("a refused BYOK key")+`"`), nil)
	echoed := newBYOK("a refused BYOK key the provider repeats")
	fake.Enqueue(fakeupstream.Reply{Status: 401, ErrorType: "authentication_error", ErrorMessage: "invalid x-api-key: " + echoed})
	expect(400, "POST", "/v1/llm", keyA, llm(`,"byo_key":"`+echoed+`"`), nil)
	echoed = newBYOK("a BYOK key in a 400's message")
	fake.Enqueue(fakeupstream.Reply{Status: 400, ErrorType: "invalid_request_error", ErrorMessage: "max_tokens: too large for key " + echoed})
	expect(400, "POST", "/v1/llm", keyA, llm(`,"byo_key":"`+echoed+`"`), nil)
	echoed = newBYOK("a BYOK key in a 500's message")
	fake.Enqueue(fakeupstream.Reply{Status: 500, ErrorType: "api_error", ErrorMessage: "internal error serving " + echoed})
	expect(500, "POST", "/v1/llm", keyA, llm(`,"byo_key":"`+echoed+`"`), nil)
	echoed = newBYOK("a BYOK key in a stream's error event")
	fake.Enqueue(fakeupstream.Reply{Text: "partial answer", StreamError: "overloaded_error", ErrorMessage: "overloaded, key " + echoed})
	expect(200, "POST", "/v1/llm", keyA, llm(`,"stream":true,"byo_key":"`+echoed+`"`), nil)

	// A provider that is down, called with the caller's key.
	expect(500, "POST", "/v1/llm", keyA, llm(`,"provider":"local","byo_key":"`+newBYOK("a BYOK key for a provider that is down")+`"`), nil)
	expect(500, "POST", "/local/v1/chat/completions", keyA, `{"model":"llama-down","messages":[{"role":"user","content":"hi"}]}`,
		map[string]string{"X-Kaine-Provider-Key": newBYOK("a drop-in BYOK key for a provider that is down")})

	// The drop-in routes, on the gateway's keys and on the caller's own.
	anthropicBody := `{"model":"claude-haiku-4-5","max_tokens":16,"messages":[{"role":"user","content":"hi"}]}`
	anthropicHeaders := func(kaineKey, own string) map[string]string {
		h := map[string]string{"X-Api-Key": kaineKey, "Anthropic-Version": "2023-06-01", "Content-Type": "application/json"}
		if own != "" {
			h["X-Kaine-Provider-Key"] = own
		}
		return h
	}
	expect(200, "POST", "/anthropic/v1/messages", "", anthropicBody, anthropicHeaders(keyA, ""))
	expect(200, "POST", "/anthropic/v1/messages", "", anthropicBody, anthropicHeaders(keyB, newBYOK("a drop-in BYOK key")))
	fake.Enqueue(fakeupstream.Reply{Status: 401, ErrorType: "authentication_error", ErrorMessage: "invalid x-api-key"})
	expect(401, "POST", "/anthropic/v1/messages", "", anthropicBody, anthropicHeaders(keyA, newBYOK("a refused drop-in BYOK key")))
	expect(401, "POST", "/anthropic/v1/messages", "", anthropicBody, anthropicHeaders(revoked, ""))
	expect(200, "POST", "/openai/v1/chat/completions", keyA,
		`{"model":"gpt-5.4-mini","max_completion_tokens":16,"messages":[{"role":"user","content":"hi"}]}`, nil)
	expect(200, "POST", "/openai/v1/chat/completions", keyB,
		`{"model":"gpt-5.4-mini","max_completion_tokens":16,"stream":true,"messages":[{"role":"user","content":"hi"}]}`,
		map[string]string{"X-Kaine-Provider-Key": newBYOK("an OpenAI drop-in BYOK key")})
	expect(200, "POST", "/google/v1beta/models/gemini-2.5-flash-lite:generateContent?key="+keyA, "",
		`{"contents":[{"role":"user","parts":[{"text":"hi"}]}]}`, map[string]string{"X-Goog-Api-Key": keyA})

	// The unified endpoints, on the caller's own key: working, streamed,
	// refused with the key repeated, cut mid-stream with it, malformed.
	chat := `{"model":"anthropic/claude-haiku-4-5","max_tokens":16,"messages":[{"role":"user","content":"hi"}]}`
	own := func(key string) map[string]string { return map[string]string{"X-Kaine-Provider-Key": key} }
	expect(200, "POST", "/v1/chat/completions", keyA, chat, own(newBYOK("a unified-endpoint BYOK key")))
	expect(200, "POST", "/v1/chat/completions", keyB, strings.Replace(chat, `"max_tokens"`, `"stream":true,"max_tokens"`, 1),
		own(newBYOK("a streamed unified-endpoint BYOK key")))
	echoed = newBYOK("a unified-endpoint BYOK key the provider repeats")
	fake.Enqueue(fakeupstream.Reply{Status: 401, ErrorType: "authentication_error", ErrorMessage: "invalid x-api-key: " + echoed})
	expect(400, "POST", "/v1/chat/completions", keyA, chat, own(echoed))
	echoed = newBYOK("a unified-endpoint BYOK key in a stream's error event")
	fake.Enqueue(fakeupstream.Reply{Text: "partial answer", StreamError: "overloaded_error", ErrorMessage: "overloaded, key " + echoed})
	expect(200, "POST", "/v1/messages", keyA, `{"model":"haiku","max_tokens":16,"stream":true,"messages":[{"role":"user","content":"hi"}]}`,
		map[string]string{"X-Kaine-Provider-Key": echoed, "X-Kaine-Provider": "anthropic"})
	expect(400, "POST", "/v1/chat/completions", keyA, chat, own(newBYOK("a malformed BYOK key")+" x"))

	// What an operator and a user read back.
	for _, k := range []string{keyA, keyB} {
		expect(200, "GET", "/v1/audit?limit=500", k, "", nil)
		expect(200, "GET", "/v1/usage", k, "", nil)
		expect(200, "GET", "/v1/providers", k, "", nil)
	}
	config := adminGet(t, in, "/config/")
	var keyList struct {
		Keys []json.RawMessage `json:"keys"`
	}
	in.adminJSON("GET", "/kaine/keys", nil, &keyList, http.StatusOK)
	listing, _ := json.Marshal(keyList)
	in.stop()

	db, err := os.ReadFile(filepath.Join(in.dir, "data", "kaine.db"))
	if err != nil {
		t.Fatal(err)
	}
	upstream := ""
	for _, r := range fake.Requests() {
		var h strings.Builder
		r.Header.Write(&h)
		upstream += r.Path + "?" + r.RawQuery + "\n" + h.String() + string(r.Body) + "\n"
	}
	places := []struct{ name, text string }{
		{"the database file", string(db)},
		{"the gateway's log", in.log.String()},
		{"an answer", seen.String()},
		{"the admin API's key listing", string(listing)},
	}
	var secrets []secret
	for name, k := range kaineKeys {
		secrets = append(secrets, newSecret(name, k, len("kn_live_")+6, false)) // a listing shows the prefix
	}
	for name, k := range byok {
		secrets = append(secrets, newSecret(name, k, len("sk-ant-api03-"), true))
	}
	for name, k := range gatewayKeys {
		secrets = append(secrets, newSecret("the gateway's "+name+" key", k, 0, true))
	}
	places = append(places, struct{ name, text string }{"the config JSON", config})
	for _, s := range secrets {
		for _, p := range places {
			if leak := s.findIn(p.name, p.text); leak != "" {
				t.Error(leak)
			}
		}
		if leak := s.findIn("a request to a provider", upstream); leak != "" && !s.upstream {
			t.Error(leak)
		}
	}
	if len(seen.String()) < 10_000 || !strings.Contains(in.log.String(), `"logger":"http.log.access`) {
		t.Fatalf("the scan saw %d bytes of answers and a log without access lines: the session did not run", len(seen.String()))
	}

	// docs/operating.md, "Access logs": the request ID, user_id and key_id are in the access log
	// line, for matching it to the audit record.
	t.Run("access log lines name each field once", func(t *testing.T) {
		for _, line := range strings.Split(in.log.String(), "\n") {
			if !strings.Contains(line, `"logger":"http.log.access`) {
				continue
			}
			if dup := duplicateKey(line); dup != "" {
				t.Fatalf("access log line names %q twice: %s", dup, line)
			}
		}
	})
}

// duplicateKey returns the first key a JSON object names twice at its top
// level, or "".
func duplicateKey(object string) string {
	dec := json.NewDecoder(strings.NewReader(object))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return ""
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		key, _ := tok.(string)
		if seen[key] {
			return key
		}
		seen[key] = true
		var skip json.RawMessage
		if dec.Decode(&skip) != nil {
			return ""
		}
	}
	return ""
}

// adminGet returns an admin API answer's body.
func adminGet(t *testing.T, in *instance, path string) string {
	t.Helper()
	resp, err := http.Get("http://" + in.adminAddr + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("admin GET %s: %d %s", path, resp.StatusCode, body)
	}
	return string(body)
}
