package routing

import "testing"

// ForUpstream runs twice for every drop-in call (the model asked for and
// the one that answered): a map lookup, and one per '-' for a snapshot.
func BenchmarkForUpstream(b *testing.B) {
	table, err := NewTable(DefaultModels())
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct{ provider, id string }{
		{"openai", "gpt-5.4-mini"}, {"anthropic", "claude-haiku-4-5-20251001"}, {"google", "gemini-9-ultra"},
	} {
		b.Run(c.id, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				table.ForUpstream(c.provider, c.id)
			}
		})
	}
}
