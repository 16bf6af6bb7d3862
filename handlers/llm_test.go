package handlers

import (
	"strings"
	"testing"

	"github.com/tidwall/gjson"
)

func parseLLM(body string) (fields, bool) {
	f := fields{obj: gjson.Parse(body)}
	llmParams(&f)
	return f, f.err == nil
}

func TestLLMFieldsDefaultsAndTypes(t *testing.T) {
	f := fields{obj: gjson.Parse(`{"prompt":"hi","stream":true,"max_tokens":80,"system":null}`)}
	p := llmParams(&f)
	if f.err != nil || p.Prompt != "hi" || p.MaxTokens != 80 || *p.Temperature != 0.7 || !p.Stream || p.System != "" {
		t.Fatalf("params %+v, err %v", p, f.err)
	}
	f = fields{obj: gjson.Parse(`{"prompt":"hi"}`)}
	if p := llmParams(&f); p.MaxTokens != 1024 || p.Provider != "" {
		t.Fatalf("defaults: %+v", p)
	}
	for body, code := range map[string]string{
		`{}`:                                     CodeMissingFields,
		`{"prompt":""}`:                          CodeMissingFields,
		`{"prompt":null}`:                        CodeMissingFields,
		`{"prompt":42}`:                          CodeInvalidField,
		`{"prompt":"x","max_tokens":"80"}`:       CodeInvalidField,
		`{"prompt":"x","max_tokens":0}`:          CodeInvalidField,
		`{"prompt":"x","max_tokens":-5}`:         CodeInvalidField,
		`{"prompt":"x","max_tokens":1.5}`:        CodeInvalidField,
		`{"prompt":"x","max_tokens":1e300}`:      CodeInvalidField,
		`{"prompt":"x","temperature":2.5}`:       CodeInvalidField,
		`{"prompt":"x","temperature":"hot"}`:     CodeInvalidField,
		`{"prompt":"x","stream":"yes"}`:          CodeInvalidField,
		`{"prompt":"x","provider":["google"]}`:   CodeInvalidField,
		`{"prompt":"x","byo_key":""}`:            CodeInvalidField,
		`{"prompt":"x","byo_key":"sk ant"}`:      CodeInvalidField,
		`{"prompt":"x","byo_key":"sk-\u00e9"}`:   CodeInvalidField,
		`{"prompt":"x","task_type":{"a":1}}`:     CodeInvalidField,
		"{\"prompt\":\"\xff\xfe\"}":              CodeInvalidField,
		`{"prompt":"x","max_tokens":1024.0}`:     "",
		`{"prompt":"x","temperature":0}`:         "",
		`{"prompt":"x","byo_key":"sk-ant-ok_1"}`: "",
	} {
		f, ok := parseLLM(body)
		switch {
		case code == "" && !ok:
			t.Errorf("%s: refused with %s", body, f.err.message)
		case code != "" && (ok || f.err.code != code):
			t.Errorf("%s: err %+v, want %s", body, f.err, code)
		}
	}
	f, _ = parseLLM(`{"prompt":"x","byo_key":"sk-ant-with space"}`)
	if strings.Contains(f.err.message, "sk-ant") {
		t.Fatalf("the error repeats the key: %s", f.err.message)
	}
}
