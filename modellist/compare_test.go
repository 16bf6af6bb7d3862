package modellist

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

// snapshotOf is the caller's rule as routing's table applies it: the same
// id, or the id with a date, version or latest after a dash.
func snapshotOf(pricedID, servedID string) bool {
	rest, ok := strings.CutPrefix(servedID, pricedID)
	return ok && (rest == "" || strings.HasPrefix(rest, "-") && snapshotSuffix.MatchString(rest[1:]))
}

var snapshotSuffix = regexp.MustCompile(`^(\d{8}|\d{4}-\d{2}-\d{2}|\d{3}|latest)$`)

func TestCompare(t *testing.T) {
	for _, c := range []struct {
		name           string
		served, priced []string
		want           Drift
	}{
		{
			name:   "anthropic snapshots cover their entries",
			served: []string{"claude-haiku-4-5-20251001", "claude-opus-4-1-20250805", "claude-sonnet-4-6"},
			priced: []string{"claude-haiku-4-5", "claude-sonnet-4-6", "claude-sonnet-4-5"},
			want:   Drift{Unpriced: []string{"claude-opus-4-1-20250805"}, Unserved: []string{"claude-sonnet-4-5"}},
		},
		{
			name: "openai lists non-chat models, all unpriced and sorted",
			served: []string{
				"whisper-1", "gpt-4.1-2025-04-14", "tts-1", "gpt-4.1", "dall-e-3", "text-embedding-3-small",
				"omni-moderation-latest", "babbage-002", "davinci-002", "gpt-5.4-pro", "gpt-5.4-2026-03-05",
			},
			priced: []string{"gpt-4.1", "gpt-5.4"},
			want: Drift{Unpriced: []string{
				"babbage-002", "dall-e-3", "davinci-002", "gpt-5.4-pro", "omni-moderation-latest",
				"text-embedding-3-small", "tts-1", "whisper-1",
			}},
		},
		{
			name:   "gemini versions and latest",
			served: []string{"gemini-2.0-flash-001", "gemini-2.5-flash-latest", "gemini-2.5-flash-preview-tts"},
			priced: []string{"gemini-2.0-flash", "gemini-2.5-flash", "gemini-2.5-pro"},
			want:   Drift{Unpriced: []string{"gemini-2.5-flash-preview-tts"}, Unserved: []string{"gemini-2.5-pro"}},
		},
		{
			name:   "two aliases of one id reported once",
			served: []string{"claude-sonnet-4-6"},
			priced: []string{"claude-opus-4-7", "claude-opus-4-7"},
			want:   Drift{Unpriced: []string{"claude-sonnet-4-6"}, Unserved: []string{"claude-opus-4-7"}},
		},
		{
			name:   "nothing served",
			priced: []string{"gpt-5.4", "gpt-4.1"},
			want:   Drift{Unserved: []string{"gpt-4.1", "gpt-5.4"}},
		},
		{
			name:   "in step",
			served: []string{"gpt-5.4", "gpt-5.4-2026-03-05"},
			priced: []string{"gpt-5.4"},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := Compare(c.served, c.priced, snapshotOf)
			if !slices.Equal(got.Unpriced, c.want.Unpriced) {
				t.Errorf("Unpriced = %q, want %q", got.Unpriced, c.want.Unpriced)
			}
			if !slices.Equal(got.Unserved, c.want.Unserved) {
				t.Errorf("Unserved = %q, want %q", got.Unserved, c.want.Unserved)
			}
		})
	}
}
