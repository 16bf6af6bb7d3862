package routing

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestExtraFieldsFollowTheClientsOwn(t *testing.T) {
	type body struct {
		Model string `json:"model"`
	}
	own := jsonFields(body{})
	extra := &Extra{Protocol: "openai", Fields: []ExtraField{{"logit_bias", json.RawMessage(`{"1": -100}`)}, {"store", json.RawMessage(`false`)}}}
	for _, tc := range []struct {
		name     string
		protocol string
		extra    *Extra
		want     string
	}{
		{"none", "openai", nil, `{"model":"m"}`},
		{"spliced as sent, in order", "openai", extra, `{"model":"m","logit_bias":{"1": -100},"store":false}`},
		{"another protocol's: left to Refuses", "gemini", extra, `{"model":"m"}`},
		{"no fields", "openai", &Extra{Protocol: "openai"}, `{"model":"m"}`},
	} {
		got, err := encodeBody(body{Model: "m"}, tc.extra, tc.protocol, own)
		if err != nil || string(got) != tc.want {
			t.Errorf("%s: %s %v, want %s", tc.name, got, err, tc.want)
		}
	}
}

func TestExtraFieldsNeverReplaceTheClientsOwn(t *testing.T) {
	for _, tc := range []struct {
		protocol string
		field    ExtraField
	}{
		{"anthropic", ExtraField{"model", json.RawMessage(`"other"`)}},
		{"anthropic", ExtraField{"messages", json.RawMessage(`[]`)}},
		{"anthropic", ExtraField{"temperature", json.RawMessage(`1`)}}, // even when the call sets none
		{"gemini", ExtraField{"generationConfig", json.RawMessage(`{}`)}},
		{"gemini", ExtraField{"generation_config", json.RawMessage(`{}`)}}, // the API's other spelling
		{"openai", ExtraField{"max_tokens", json.RawMessage(`1`)}},
		{"openai", ExtraField{"stream_options", json.RawMessage(`{}`)}},
		{"openai", ExtraField{"logit bias", json.RawMessage(`{}`)}},
		{"openai", ExtraField{"store", json.RawMessage(`fals`)}},
	} {
		srv := fakeSender{newFake(t)}
		req := Request{Prompt: "Hi", MaxTokens: 10, Extra: &Extra{Protocol: tc.protocol, Fields: []ExtraField{tc.field}}}
		body, err := srv.send(t, tc.protocol, &Model{ID: "m"}, req, false)
		if !errors.Is(err, ErrInvalidRequest) || body.Exists() {
			t.Errorf("%s %s: %v, want ErrInvalidRequest before any call", tc.protocol, tc.field.Name, err)
		}
	}
	twice := []ExtraField{{"store", json.RawMessage(`true`)}, {"store", json.RawMessage(`false`)}}
	if err := checkExtra(twice, nil); err == nil {
		t.Error("a field given twice was taken")
	}
}
