package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// fakeUpstream is a fast fake of OpenAI's chat completions and Anthropic's
// messages, so the measurements show the gateway rather than the fake: it
// records nothing and every answer is built once, at start. Wire formats
// follow /work/shared/reference/providers.md §1 and §3.
type fakeUpstream struct {
	server   *http.Server
	listener net.Listener
	addr     string        // host:port
	chunkGap time.Duration // pause between two stream events
	openAI   *wireFormat
	claude   *wireFormat
	bodies   sync.Pool // *bytes.Buffer for request bodies
}

// wireFormat is one provider's precomputed answers.
type wireFormat struct {
	keyHeader string // the header carrying the provider key
	keyValue  string // its expected value
	refusal   []byte // body of the 401 for a wrong key
	message   []byte // the JSON answer: the sentence
	// streams are the streamed answers, by their length in words (see
	// wordsAsked).
	streams map[int][][]byte
	// streamsWithUsage are the streams for a request with
	// stream_options.include_usage (OpenAI only; nil for Anthropic).
	streamsWithUsage map[int][][]byte
	streamType       []string // Content-Type of the stream
}

// Shared, read-only header values: assigning them costs no allocation.
var (
	jsonType     = []string{"application/json"}
	openAISSE    = []string{"text/event-stream"}
	anthropicSSE = []string{"text/event-stream; charset=utf-8"}
)

// fakeSentence is the answer: 20 words, one stream chunk each.
const fakeSentence = "AI that books your meetings before you finish your coffee, so your team can focus on the work that matters."

// sentenceWords is the sentence's length: what a prompt that asks for no
// length gets.
var sentenceWords = len(strings.Fields(fakeSentence))

// wordsPrompt asks for a streamed answer of n words; the fake streams the
// sentence repeated to that length.
func wordsPrompt(n int) string { return fmt.Sprintf("Write a product description in %d words", n) }

var wordsAskedPattern = regexp.MustCompile(`in (\d+) words`)

// wordsAsked is the length a request's prompt asks for (see wordsPrompt),
// or the sentence's.
func wordsAsked(body []byte) int {
	m := wordsAskedPattern.FindSubmatch(body)
	if m == nil {
		return sentenceWords
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

// answerWords is an answer of n words: the sentence, repeated as needed.
func answerWords(n int) []string {
	sentence := strings.Fields(fakeSentence)
	words := make([]string, n)
	for i := range words {
		words[i] = sentence[i%len(sentence)]
	}
	return words
}

// Token counts the fake reports, the same for both providers.
const (
	fakeInputTokens  = 18
	fakeOutputTokens = 14
)

// startFake serves the fake on a free loopback port, streaming answers of
// the sentence's length and of each of streamLengths words.
func startFake(chunkGap time.Duration, streamLengths []int) (*fakeUpstream, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("fake upstream: %w", err)
	}
	f := newFake(chunkGap, streamLengths)
	f.listener, f.addr = l, l.Addr().String()
	f.server = &http.Server{Handler: f, ReadHeaderTimeout: 10 * time.Second}
	go f.server.Serve(l)
	return f, nil
}

func newFake(chunkGap time.Duration, streamLengths []int) *fakeUpstream {
	lengths := append([]int{sentenceWords}, streamLengths...)
	return &fakeUpstream{
		chunkGap: chunkGap,
		openAI:   openAIWire(lengths),
		claude:   anthropicWire(lengths),
		bodies:   sync.Pool{New: func() any { return new(bytes.Buffer) }},
	}
}

func (f *fakeUpstream) url() string { return "http://" + f.addr }

func (f *fakeUpstream) close() { f.server.Close() }

func (f *fakeUpstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var wire *wireFormat
	switch {
	case r.Method == "POST" && r.URL.Path == "/v1/chat/completions":
		wire = f.openAI
	case r.Method == "POST" && r.URL.Path == "/v1/messages":
		wire = f.claude
	default:
		http.NotFound(w, r)
		return
	}
	if r.Header.Get(wire.keyHeader) != wire.keyValue {
		writeBody(w, http.StatusUnauthorized, jsonType, wire.refusal)
		return
	}
	body := f.bodies.Get().(*bytes.Buffer)
	defer f.bodies.Put(body)
	body.Reset()
	if _, err := body.ReadFrom(r.Body); err != nil {
		return // the client went away
	}
	// A byte search is enough: every client here writes compact JSON.
	if !bytes.Contains(body.Bytes(), []byte(`"stream":true`)) {
		writeBody(w, http.StatusOK, jsonType, wire.message)
		return
	}
	streams := wire.streams
	if wire.streamsWithUsage != nil && bytes.Contains(body.Bytes(), []byte(`"include_usage":true`)) {
		streams = wire.streamsWithUsage
	}
	events, ok := streams[wordsAsked(body.Bytes())]
	if !ok {
		writeBody(w, http.StatusBadRequest, jsonType, []byte(`{"error":{"message":"the fake has no stream of that length","type":"invalid_request_error"}}`))
		return
	}
	if r.Header.Get(holdHeader) != "" {
		f.holdStream(w, r, wire.streamType, events[0])
		return
	}
	f.writeStream(w, wire.streamType, events)
}

// holdStream sends the first event, then keeps the stream open until the
// client leaves.
func (f *fakeUpstream) holdStream(w http.ResponseWriter, r *http.Request, contentType []string, first []byte) {
	w.Header()["Content-Type"] = contentType
	w.Write(first)
	http.NewResponseController(w).Flush()
	<-r.Context().Done()
}

func writeBody(w http.ResponseWriter, status int, contentType []string, body []byte) {
	h := w.Header()
	h["Content-Type"] = contentType
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	w.WriteHeader(status)
	w.Write(body)
}

// writeStream sends events one by one, flushing each and pausing chunkGap
// between two.
func (f *fakeUpstream) writeStream(w http.ResponseWriter, contentType []string, events [][]byte) {
	w.Header()["Content-Type"] = contentType
	flusher, _ := w.(http.Flusher)
	for i, event := range events {
		if i > 0 && f.chunkGap > 0 {
			sleepUntil(time.Now().Add(f.chunkGap))
		}
		if _, err := w.Write(event); err != nil {
			return
		}
		if flusher != nil {
			flusher.Flush()
		}
	}
}

// openAIWire builds the chat completion and its streams of each length: a
// role chunk with the first word, a chunk per further word, a finish
// chunk, the usage chunk (with include_usage only) and [DONE].
func openAIWire(lengths []int) *wireFormat {
	usage := fmt.Sprintf(`{"prompt_tokens":%d,"completion_tokens":%d,"total_tokens":%d,`+
		`"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},`+
		`"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}`,
		fakeInputTokens, fakeOutputTokens, fakeInputTokens+fakeOutputTokens)
	const head = `{"id":"chatcmpl-load","object":"chat.completion.chunk","created":1764300000,"model":"gpt-5.4",`
	build := func(words []string, withUsage bool) [][]byte {
		nullUsage := ""
		if withUsage {
			nullUsage = `,"usage":null` // every chunk but the last carries it when usage was asked for
		}
		var events [][]byte
		for i, word := range words {
			delta := `{"content":` + jsonString(spaced(i, word)) + `}`
			if i == 0 {
				delta = `{"role":"assistant","content":` + jsonString(word) + `}`
			}
			events = append(events, sse("", head+`"choices":[{"index":0,"delta":`+delta+`,"finish_reason":null}]`+nullUsage+`}`))
		}
		events = append(events, sse("", head+`"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]`+nullUsage+`}`))
		if withUsage {
			events = append(events, sse("", head+`"choices":[],"usage":`+usage+`}`))
		}
		return append(events, sse("", "[DONE]"))
	}
	wire := &wireFormat{
		keyHeader: "Authorization",
		keyValue:  "Bearer " + upstreamKey,
		refusal:   []byte(`{"error":{"message":"Incorrect API key provided.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}`),
		message: []byte(`{"id":"chatcmpl-load","object":"chat.completion","created":1764300000,"model":"gpt-5.4",` +
			`"choices":[{"index":0,"message":{"role":"assistant","content":` + jsonString(fakeSentence) +
			`,"refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"stop"}],` +
			`"usage":` + usage + `,"service_tier":"default","system_fingerprint":"fp_load"}`),
		streams:          map[int][][]byte{},
		streamsWithUsage: map[int][][]byte{},
		streamType:       openAISSE,
	}
	for _, n := range lengths {
		wire.streams[n], wire.streamsWithUsage[n] = build(answerWords(n), false), build(answerWords(n), true)
	}
	return wire
}

// anthropicWire builds the message and its streams of each length:
// message_start, content_block_start, a content_block_delta per word,
// content_block_stop, message_delta with the usage, message_stop.
func anthropicWire(lengths []int) *wireFormat {
	const message = `{"id":"msg_load","type":"message","role":"assistant","model":"claude-haiku-4-5",`
	wire := &wireFormat{
		keyHeader: "X-Api-Key",
		keyValue:  upstreamKey,
		refusal:   []byte(`{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"},"request_id":"req_load"}`),
		message: []byte(message + `"content":[{"type":"text","text":` + jsonString(fakeSentence) + `}],` +
			`"stop_reason":"end_turn","stop_sequence":null,` +
			fmt.Sprintf(`"usage":{"input_tokens":%d,"output_tokens":%d,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,`, fakeInputTokens, fakeOutputTokens) +
			`"cache_creation":{"ephemeral_5m_input_tokens":0,"ephemeral_1h_input_tokens":0},"service_tier":"standard"}}`),
		streams:    map[int][][]byte{},
		streamType: anthropicSSE,
	}
	for _, n := range lengths {
		wire.streams[n] = anthropicStream(message, answerWords(n))
	}
	return wire
}

func anthropicStream(message string, words []string) [][]byte {
	events := [][]byte{
		sse("message_start", `{"type":"message_start","message":`+message+`"content":[],"stop_reason":null,"stop_sequence":null,`+
			fmt.Sprintf(`"usage":{"input_tokens":%d,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1}}}`, fakeInputTokens)),
		sse("content_block_start", `{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`),
	}
	for i, word := range words {
		events = append(events, sse("content_block_delta",
			`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":`+jsonString(spaced(i, word))+`}}`))
	}
	return append(events,
		sse("content_block_stop", `{"type":"content_block_stop","index":0}`),
		sse("message_delta", fmt.Sprintf(`{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":%d}}`, fakeOutputTokens)),
		sse("message_stop", `{"type":"message_stop"}`),
	)
}

// sse formats one event; an empty name makes a data-only event.
func sse(name, data string) []byte {
	if name == "" {
		return []byte("data: " + data + "\n\n")
	}
	return []byte("event: " + name + "\ndata: " + data + "\n\n")
}

// spaced puts the space between words in front of every word but the first.
func spaced(i int, word string) string {
	if i == 0 {
		return word
	}
	return " " + word
}

func jsonString(s string) string {
	b, _ := json.Marshal(s) // a string always marshals
	return string(b)
}
