package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// requestTimeout bounds every call the generator makes.
const requestTimeout = 10 * time.Second

// apiCall is the one logical call every scenario makes, in one provider's
// wire format.
type apiCall struct {
	path       string // the provider's path, on the fake and behind reverse_proxy
	dropinPath string // the same call through Kaine's drop-in route
	keyHeader  string // where the key goes, as the provider's SDK sends it
	keyPrefix  string
	header     http.Header // other headers the SDK sends
	body       string
	streamBody string
	streamEnd  string // the line that closes a complete stream
	llmBody    string // the call through POST /v1/llm, "stream" added for streaming
	// chatBody is the call through the unified POST /v1/chat/completions,
	// in OpenAI's shape whatever the provider (translated to Anthropic's
	// and back for the anthropic API), "stream" added for streaming.
	chatBody string
}

var apis = map[string]apiCall{
	"openai": {
		path:       "/v1/chat/completions",
		dropinPath: "/openai/v1/chat/completions",
		keyHeader:  "Authorization",
		keyPrefix:  "Bearer ",
		header:     http.Header{"Content-Type": {"application/json"}},
		body:       `{"model":"gpt-5.4","messages":[{"role":"user","content":"Write a 1-line product description"}],"max_completion_tokens":80}`,
		streamBody: `{"model":"gpt-5.4","messages":[{"role":"user","content":"Write a 1-line product description"}],"max_completion_tokens":80,"stream":true}`,
		streamEnd:  "data: [DONE]",
		llmBody:    `"provider":"openai","model":"gpt"`,
		chatBody:   `{"model":"gpt-5.4","messages":[{"role":"user","content":"Write a 1-line product description"}],"max_completion_tokens":80`,
	},
	"anthropic": {
		path:       "/v1/messages",
		dropinPath: "/anthropic/v1/messages",
		keyHeader:  "X-Api-Key",
		header:     http.Header{"Content-Type": {"application/json"}, "Anthropic-Version": {"2023-06-01"}},
		body:       `{"model":"claude-haiku-4-5","max_tokens":80,"messages":[{"role":"user","content":"Write a 1-line product description"}]}`,
		streamBody: `{"model":"claude-haiku-4-5","max_tokens":80,"messages":[{"role":"user","content":"Write a 1-line product description"}],"stream":true}`,
		streamEnd:  "event: message_stop",
		llmBody:    `"provider":"anthropic","model":"haiku"`,
		chatBody:   `{"model":"claude-haiku-4-5","messages":[{"role":"user","content":"Write a 1-line product description"}],"max_completion_tokens":80`,
	},
}

// target is one scenario: where its call goes and how, ready to be sent
// many times over its own pool of keep-alive connections.
type target struct {
	name   string
	url    string
	header http.Header
	body   []byte
	// streamBodies are the streamed call asking for each length of
	// answer, in words (see wordsPrompt).
	streamBodies map[int][]byte
	streamEnd    []byte
	gw           *gateway // the kaine process the call crosses, whose CPU counts (nil: none)
	client       *http.Client
}

// sentencePrompt is every call's prompt, which the fake answers with its
// sentence; a streamed call asks for its length instead.
const sentencePrompt = "Write a 1-line product description"

// streamBodies makes a streamed call's body, in which the prompt is
// sentencePrompt, ask for answers of each length.
func streamBodies(body string, lengths []int) map[int][]byte {
	bodies := make(map[int][]byte, len(lengths))
	for _, n := range lengths {
		bodies[n] = []byte(strings.Replace(body, sentencePrompt, wordsPrompt(n), 1))
	}
	return bodies
}

// newTargets builds the five scenarios, in the table's order, and the
// sixth when a fleet gateway runs: the drop-in through it. Their streamed
// calls ask for answers of each of streamLengths words.
func newTargets(api apiCall, fakeURL string, gw *gateway, kaineKey string, fleet *gateway, fleetKey string, streamLengths []int) []*target {
	withKey := func(name, value string) http.Header {
		h := api.header.Clone()
		h.Set(name, value)
		return h
	}
	upstreamHeader := withKey(api.keyHeader, api.keyPrefix+upstreamKey)
	llm := `{"prompt":"` + sentencePrompt + `",` + api.llmBody + `,"max_tokens":80`
	providerStream := streamBodies(api.streamBody, streamLengths)
	targets := []*target{
		{name: directScenario, url: fakeURL + api.path, header: upstreamHeader,
			body: []byte(api.body), streamBodies: providerStream, streamEnd: []byte(api.streamEnd)},
		{name: baselineScenario, url: gw.proxyURL + api.path, header: upstreamHeader, gw: gw,
			body: []byte(api.body), streamBodies: providerStream, streamEnd: []byte(api.streamEnd)},
		{name: dropInScenario, url: gw.kaineURL + api.dropinPath, header: withKey(api.keyHeader, api.keyPrefix+kaineKey), gw: gw,
			body: []byte(api.body), streamBodies: providerStream, streamEnd: []byte(api.streamEnd)},
		{name: "llm", url: gw.kaineURL + "/v1/llm", header: http.Header{
			"Content-Type": {"application/json"}, "Authorization": {"Bearer " + kaineKey}}, gw: gw,
			body: []byte(llm + "}"), streamBodies: streamBodies(llm+`,"stream":true}`, streamLengths), streamEnd: []byte("event: done")},
		{name: chatScenario, url: gw.kaineURL + "/v1/chat/completions", header: http.Header{
			"Content-Type": {"application/json"}, "Authorization": {"Bearer " + kaineKey}}, gw: gw,
			body: []byte(api.chatBody + "}"), streamBodies: streamBodies(api.chatBody+`,"stream":true}`, streamLengths), streamEnd: []byte("data: [DONE]")},
	}
	if fleet != nil {
		targets = append(targets, &target{name: fleetScenario, url: fleet.kaineURL + api.dropinPath,
			header: withKey(api.keyHeader, api.keyPrefix+fleetKey), gw: fleet,
			body: []byte(api.body), streamBodies: providerStream, streamEnd: []byte(api.streamEnd)})
	}
	for _, t := range targets {
		t.client = &http.Client{
			Timeout: requestTimeout,
			// Enough idle connections that the open-loop steps and the
			// closed-loop workers reuse them rather than dial.
			Transport: &http.Transport{MaxIdleConnsPerHost: 256, IdleConnTimeout: time.Minute},
		}
	}
	return targets
}

// checkTargets makes each scenario's call once and fails, with the answer,
// unless it is a 200: a misconfiguration must not pass as a fast error.
func checkTargets(ctx context.Context, targets []*target) error {
	for _, t := range targets {
		if err := t.send(ctx); err != nil {
			return fmt.Errorf("%s: first call to %s: %w", t.name, t.url, err)
		}
		for words := range t.streamBodies {
			if _, err := t.stream(ctx, words); err != nil {
				return fmt.Errorf("%s: first streamed call of %d words to %s: %w", t.name, words, t.url, err)
			}
		}
	}
	return nil
}
