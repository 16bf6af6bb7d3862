package routing

import "testing"

func TestForUpstreamMatchesSnapshotsOnly(t *testing.T) {
	table, err := NewTable(DefaultModels())
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		provider, id, want string
	}{
		{"anthropic", "claude-haiku-4-5", "claude-haiku-4-5"},
		{"anthropic", "claude-haiku-4-5-20251001", "claude-haiku-4-5"},
		{"openai", "gpt-5.4-2026-03-05", "gpt-5.4"},
		{"openai", "gpt-5.4-mini", "gpt-5.4-mini"}, // the longest entry, not gpt-5.4
		{"openai", "gpt-5.4-mini-2026-03-05", "gpt-5.4-mini"},
		{"openai", "gpt-5.4-latest", "gpt-5.4"},
		{"google", "gemini-3.8-flash-preview-05-20", "gemini-3.8-flash"},
		{"openai", "gpt-5.4-pro", ""}, // another, dearer model
		{"openai", "gpt-5.4-nano", "gpt-5.4-nano"},
		{"openai", "gpt-5.4-nano-2026-03-05", "gpt-5.4-nano"},
		{"openai", "gpt-5.4-", ""},         // an empty suffix
		{"openai", "claude-haiku-4-5", ""}, // another provider's model
		{"google", "gemini-3.8", ""},       // a prefix of a known id is not it
		{"google", "gemini-2.5-flash-lite", "gemini-2.5-flash-lite"},
		{"google", "gemini-2.5-flash-preview-05-20", "gemini-2.5-flash"},
		{"anthropic", "claude-sonnet-4-0", "claude-sonnet-4"}, // a snapshot the rule does not catch
		{"anthropic", "claude-sonnet-4-20250514", "claude-sonnet-4"},
		{"anthropic", "claude-sonnet-4-5-20250929", "claude-sonnet-4-5"},
		{"openai", "gpt-4o-2024-05-13", "gpt-4o-2024-05-13"}, // its own entry beats gpt-4o's rule
		{"openai", "gpt-4o-2024-08-06", "gpt-4o"},
		{"google", "gemini-3.8-flash-001", "gemini-3.8-flash"},
		{"google", "gemini-3.8-flash-exp-1206", "gemini-3.8-flash"},
		{"google", "gemini-3.8-flash-preview", "gemini-3.8-flash"},
		{"google", "gemini-3.8-flash-preview-tts", ""},          // speech, priced apart
		{"google", "gemini-3.8-flash-exp-image-generation", ""}, // images, priced apart
		{"anthropic", "claude-haiku-4-5-1", ""},                 // a version number is 3 digits or more
		{"anthropic", "claude-haiku-4-5-20251001-thinking", ""},
	}
	for _, c := range cases {
		m, ok := table.ForUpstream(c.provider, c.id)
		got := ""
		if m != nil {
			got = m.ID
		}
		if got != c.want || ok != (c.want != "") {
			t.Errorf("ForUpstream(%s, %s) = %q %v, want %q", c.provider, c.id, got, ok, c.want)
		}
	}
}
