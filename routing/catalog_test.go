package routing

import (
	"strings"
	"testing"
	"time"

	"github.com/keinetech/kaine/money"
)

// referenceModels are the model ids of the providers reference's price
// section (shared/reference/providers.md §4, prices checked 2026-11-28):
// its three vendors' tables, the current-generation list, the snapshots it
// names and the embeddings table. A row added there must be added here and
// to models.json; this list is what makes a missing row fail CI.
var referenceModels = []struct{ provider, id string }{
	{"anthropic", "claude-haiku-4-5"}, {"anthropic", "claude-haiku-4-5-20251001"},
	{"anthropic", "claude-sonnet-4-6"},
	{"anthropic", "claude-sonnet-4-5"}, {"anthropic", "claude-sonnet-4-5-20250929"},
	{"anthropic", "claude-opus-4-5"}, {"anthropic", "claude-opus-4-6"}, {"anthropic", "claude-opus-4-7"}, {"anthropic", "claude-opus-4-8"},
	{"anthropic", "claude-opus-4-1"},
	{"anthropic", "claude-sonnet-4"}, {"anthropic", "claude-opus-4"},
	{"anthropic", "claude-sonnet-5-5"}, {"anthropic", "claude-sonnet-5"}, {"anthropic", "claude-opus-5-5"}, {"anthropic", "claude-opus-5"},
	{"anthropic", "claude-haiku-5-5"}, {"anthropic", "claude-fable-5-1"},

	{"google", "gemini-2.5-flash-lite"}, {"google", "gemini-2.5-flash"}, {"google", "gemini-2.5-pro"},
	{"google", "gemini-3.5-flash-lite"}, {"google", "gemini-3.5-flash"}, {"google", "gemini-3.8-flash"},
	{"google", "gemini-3.1-pro-preview"},

	{"openai", "gpt-4o"}, {"openai", "gpt-4o-2024-05-13"}, {"openai", "gpt-4o-mini"},
	{"openai", "gpt-4.1"}, {"openai", "gpt-4.1-mini"}, {"openai", "gpt-4.1-nano"},
	{"openai", "gpt-5"}, {"openai", "gpt-5-mini"}, {"openai", "gpt-5-nano"},
	{"openai", "gpt-5.1"}, {"openai", "gpt-5.2"}, {"openai", "gpt-5.4"}, {"openai", "gpt-5.4-mini"}, {"openai", "gpt-5.4-nano"},
	{"openai", "gpt-5.5"}, {"openai", "gpt-6-luna"},

	{"openai", "text-embedding-3-small"}, {"openai", "text-embedding-3-large"}, {"openai", "text-embedding-ada-002"},
	{"google", "gemini-embedding-001"}, {"google", "gemini-embedding-2-preview"},
}

// Every reference model resolves, today and on any later day, to a price
// or to "retired, use X" where X is priced and served.
func TestCatalogCoversEveryReferenceModel(t *testing.T) {
	table, err := NewTable(DefaultModels())
	if err != nil {
		t.Fatal(err)
	}
	for _, day := range []time.Time{time.Now(), time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC)} {
		for _, ref := range referenceModels {
			m, ok := table.ForUpstream(ref.provider, ref.id)
			if !ok {
				t.Errorf("%s %s: not in the catalog", ref.provider, ref.id)
				continue
			}
			if err := m.Retired(day); err != nil {
				next := table.Model(m.Replacement)
				if next == nil || next.Retired(day) != nil || next.PriceAt(day).Input == 0 {
					t.Errorf("%s: %v, and its replacement %q is not priced and served on %s", ref.id, err, m.Replacement, day.Format(time.DateOnly))
				}
				continue
			}
			p := m.PriceAt(day)
			if p.Input <= 0 || m.Kind == "" && p.Output <= 0 {
				t.Errorf("%s: no price on %s: %+v", ref.id, day.Format(time.DateOnly), p)
			}
		}
	}
}

// Each entry says where its figures come from, and a model that retires
// names what replaces it.
func TestCatalogEntriesHaveSourcesAndReplacements(t *testing.T) {
	c := loadCatalog()
	if _, err := time.Parse(time.DateOnly, c.Checked); err != nil {
		t.Fatalf("checked %q: %v", c.Checked, err)
	}
	for _, e := range c.Models {
		if c.Sources[e.Source] == "" {
			t.Errorf("%s: source %q is not one of the file's sources", e.ID, e.Source)
		}
		if e.Retires != "" && e.Replacement == "" {
			t.Errorf("%s retires on %s and names no replacement", e.ID, e.Retires)
		}
	}
}

func TestRetirementAndDeprecationNotice(t *testing.T) {
	table, err := NewTable(DefaultModels())
	if err != nil {
		t.Fatal(err)
	}
	gpt5 := table.Model("gpt-5") // retires 2026-12-11 for gpt-5.4
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d.Add(13 * time.Hour) }
	for _, c := range []struct {
		at, notice string
		retired    bool
	}{
		{"2026-11-10", "", false}, // 31 days ahead: no notice yet
		{"2026-11-11", "2026-12-11; replacement=gpt-5.4", false},
		{"2026-12-10", "2026-12-11; replacement=gpt-5.4", false},
		{"2026-12-11", "", true},
		{"2027-03-01", "", true},
	} {
		if got := gpt5.Deprecation(day(c.at)); got != c.notice {
			t.Errorf("%s: notice %q, want %q", c.at, got, c.notice)
		}
		err := gpt5.Retired(day(c.at))
		if (err != nil) != c.retired {
			t.Errorf("%s: retired %v, want %v", c.at, err, c.retired)
		}
		if err != nil && err.Error() != "model gpt-5 was retired by its provider on 2026-12-11; use gpt-5.4, which replaces it" {
			t.Errorf("%s: %q", c.at, err)
		}
	}
	if table.Model("gpt-5.4").Deprecation(day("2026-12-10")) != "" {
		t.Error("a model with no shutdown date has a deprecation notice")
	}
}

// A call whose prompt passes a model's long-prompt threshold is billed,
// all of it, at the higher tier; one at the threshold is not.
func TestLongPromptTier(t *testing.T) {
	table, err := NewTable(DefaultModels())
	if err != nil {
		t.Fatal(err)
	}
	haiku := table.Model("claude-haiku-5-5").PriceAt(time.Now())
	// At 100,000 prompt tokens: 90,000 × $0.10 + 10,000 × $0.01 + 1,000 × $0.50 per million.
	if got := haiku.Cost(Usage{Input: 90_000, CacheRead: 10_000, Output: 1_000}); got != 9_000+100+500 {
		t.Fatalf("haiku 5.5 at the threshold: %d µUSD, want 9,600", got)
	}
	// One token more: 90,001 × $0.50 + 10,000 × $0.05 + 1,000 × $2.50 per million.
	if got, want := haiku.Cost(Usage{Input: 90_001, CacheRead: 10_000, Output: 1_000}), money.MicroUSD(45_001+500+2_500); got != want {
		t.Fatalf("haiku 5.5 above the threshold: %d µUSD, want %d", got, want)
	}
	pro := table.Model("gemini-3.1-pro-preview").PriceAt(time.Now())
	if got := pro.Cost(Usage{Input: 200_001, Output: 1_000_000}); got != money.MicroUSD((200_001*4_000_000+1_000_000*18_000_000+999_999)/1_000_000) {
		t.Fatalf("gemini 3.1 pro above 200K: %d µUSD", got)
	}
	if got := pro.Cost(Usage{Input: 200_000, Output: 1_000_000}); got != 400_000+12_000_000 {
		t.Fatalf("gemini 3.1 pro at 200K: %d µUSD", got)
	}
}

// Gemini 3 models take a thinking level, 2.5 a budget; OpenAI's GPT-5
// family takes reasoning_effort, GPT-4 does not: an effort is refused or
// sent by these flags.
func TestCatalogFlagsThinkingLevelsAndReasoning(t *testing.T) {
	for _, m := range DefaultModels() {
		if m.Kind == KindEmbedding {
			continue
		}
		switch {
		case m.Provider == "google" && m.ThinkingLevel != strings.HasPrefix(m.ID, "gemini-3"):
			t.Errorf("%s: thinking_level %v", m.ID, m.ThinkingLevel)
		case m.Provider == "openai" && strings.HasPrefix(m.ID, "gpt-5") && !m.reasoning():
			t.Errorf("%s takes reasoning_effort, but is not marked reasoning", m.ID)
		case m.Provider == "openai" && strings.HasPrefix(m.ID, "gpt-4") && m.reasoning():
			t.Errorf("%s is marked reasoning", m.ID)
		}
	}
}
