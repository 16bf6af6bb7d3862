package handlers

import "testing"

func TestEmbeddingInputTokens(t *testing.T) {
	for _, c := range []struct {
		protocol, body string
		want           int64
	}{
		{"openai", `{"model":"m","input":"abcdefgh"}`, 2},
		{"openai", `{"model":"m","input":["abcd","abcdefgh","a"]}`, 4}, // 13 bytes
		{"openai", `{"model":"m","input":[101,202,303]}`, 3},           // token ids
		{"openai", `{"model":"m","input":[[1,2,3],[4,5]]}`, 5},         // lists of token ids
		{"openai", `{"model":"m"}`, 0},
		{"gemini", `{"content":{"parts":[{"text":"abcdefgh"},{"text":"abcd"}]}}`, 3},
		{"gemini", `{"requests":[{"content":{"parts":[{"text":"abcdefgh"}]}},{"content":{"parts":[{"text":"abcd"}]}}]}`, 3},
	} {
		if got := embeddingInputTokens(c.protocol, []byte(c.body)); got != c.want {
			t.Errorf("%s %s: %d tokens, want %d", c.protocol, c.body, got, c.want)
		}
	}
}

func TestEmbeddingHasMedia(t *testing.T) {
	for _, c := range []struct {
		protocol, body string
		want           bool
	}{
		{"gemini", `{"content":{"parts":[{"text":"hi"}]}}`, false},
		{"gemini", `{"content":{"parts":[{"text":"hi"},{"inlineData":{"mimeType":"image/png","data":"AAAA"}}]}}`, true},
		{"gemini", `{"requests":[{"content":{"parts":[{"text":"hi"}]}},{"content":{"parts":[{"file_data":{"file_uri":"gs://x"}}]}}]}`, true},
		{"gemini", `{"requests":[{"content":{"parts":[{"text":"hi"}]}}]}`, false},
		{"openai", `{"input":"hi","inlineData":{}}`, false},
	} {
		if got := embeddingHasMedia(c.protocol, []byte(c.body)); got != c.want {
			t.Errorf("%s: media %v, want %v", c.body, got, c.want)
		}
	}
}
