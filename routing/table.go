package routing

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"time"
)

//go:embed models.json
var defaultModelsJSON []byte

// catalog is models.json: the models, with where each price comes from.
type catalog struct {
	Checked string            `json:"checked"`
	Sources map[string]string `json:"sources"`
	Models  []catalogEntry    `json:"models"`
}

type catalogEntry struct {
	Model
	// Source names the page (a key of the file's sources) the prices
	// and dates come from; Note says what of it is uncertain.
	Source string `json:"source"`
	Note   string `json:"note,omitempty"`
}

func loadCatalog() catalog {
	var c catalog
	if err := json.Unmarshal(defaultModelsJSON, &c); err != nil {
		panic(fmt.Sprintf("routing: embedded models.json: %v", err)) // caught by the package tests
	}
	return c
}

// DefaultModels returns the embedded catalog, a fresh copy each call.
func DefaultModels() []Model {
	c := loadCatalog()
	models := make([]Model, len(c.Models))
	for i, e := range c.Models {
		models[i] = e.Model
	}
	return models
}

// Table finds models by name (id or alias), in the order they were given.
type Table struct {
	byName map[string]*Model
	// byUpstream finds a model by its provider and id or snapshot id.
	byUpstream map[upstreamID]*Model
	list       []*Model
}

type upstreamID struct{ provider, id string }

// NewTable checks the models and indexes them under their ids and aliases.
// Names are unique across the table.
func NewTable(models []Model) (*Table, error) {
	t := &Table{byName: make(map[string]*Model, 2*len(models)), byUpstream: make(map[upstreamID]*Model, len(models))}
	for i := range models {
		m := models[i]
		m.Alias = m.ID
		m.Prices = slices.Clone(m.Prices) // validate fills in derived fields
		if err := m.validate(); err != nil {
			return nil, err
		}
		if err := t.add(&m, m.ID); err != nil {
			return nil, err
		}
		t.list = append(t.list, &m)
		for _, id := range append([]string{m.ID}, m.Snapshots...) {
			t.byUpstream[upstreamID{m.Provider, id}] = &m
		}
		for _, alias := range m.Aliases {
			view := m
			view.Alias = alias
			if err := t.add(&view, alias); err != nil {
				return nil, err
			}
		}
	}
	for _, m := range t.list {
		if r := m.Replacement; r != "" && t.byName[r] == nil {
			return nil, fmt.Errorf("model %s: its replacement %s is not in the table", m.ID, r)
		}
	}
	return t, nil
}

func (t *Table) add(m *Model, name string) error {
	if other, dup := t.byName[name]; dup {
		return fmt.Errorf("model name %s is taken twice (%s of %s, and %s of %s)", name, other.ID, other.Provider, m.ID, m.Provider)
	}
	t.byName[name] = m
	return nil
}

// Model returns the model with this id or alias, or nil.
func (t *Table) Model(name string) *Model { return t.byName[name] }

// Models lists every model once, under its id, in table order.
func (t *Table) Models() []*Model { return t.list }

func (m *Model) validate() error {
	if m.Provider == "" || m.ID == "" {
		return fmt.Errorf("model %q: provider and id are both required", m.ID)
	}
	if m.Kind != "" && m.Kind != KindEmbedding {
		return fmt.Errorf("model %s: kind %q is not %q or empty", m.ID, m.Kind, KindEmbedding)
	}
	if m.Retires != "" {
		day, err := parseDay(m.Retires)
		if err != nil {
			return fmt.Errorf("model %s: retires %w", m.ID, err)
		}
		m.retiresDay = day
	}
	if len(m.Prices) == 0 && (m.Retires == "" || dayOf(time.Now()) < m.retiresDay) {
		return fmt.Errorf("model %s: no price (only a model its provider has retired may have none)", m.ID)
	}
	prev := ""
	for i := range m.Prices {
		p := &m.Prices[i]
		if i == 0 && p.From != "" {
			return fmt.Errorf("model %s: the first price applies from the start and takes no from date", m.ID)
		}
		if i > 0 {
			day, err := parseDay(p.From)
			if err != nil {
				return fmt.Errorf("model %s: price %d: from %w", m.ID, i+1, err)
			}
			if p.From <= prev {
				return fmt.Errorf("model %s: prices must be in date order", m.ID)
			}
			p.fromDay = day
		}
		prev = p.From
		if p.negative() || p.LongPrompt != nil && p.LongPrompt.negative() {
			return fmt.Errorf("model %s: prices must not be negative", m.ID)
		}
		if (p.LongPrompt == nil) != (p.LongPromptTokens == 0) || p.LongPromptTokens < 0 {
			return fmt.Errorf("model %s: a long-prompt price needs both long_prompt_tokens (above 0) and long_prompt", m.ID)
		}
		p.fillCacheRates()
		if p.LongPrompt != nil {
			long := *p.LongPrompt
			long.fillCacheRates()
			p.LongPrompt = &long
		}
	}
	if m.MaxTemperature < 0 {
		return fmt.Errorf("model %s: max_temperature must not be negative", m.ID)
	}
	return nil
}

// ForUpstream returns the model a drop-in call names by the provider's own
// id: the table entry with that id or snapshot, or the longest one the name extends by
// a snapshot suffix (claude-haiku-4-5-20251001 and gpt-5.4-2026-03-05 are
// claude-haiku-4-5 and gpt-5.4). Any other suffix names another model
// (gpt-5.4-pro is not gpt-5.4), so ok is false and the call has no price.
func (t *Table) ForUpstream(provider, id string) (*Model, bool) {
	if m := t.byUpstream[upstreamID{provider, id}]; m != nil {
		return m, true
	}
	// The longest id the name extends: try each '-' from the right.
	for i := len(id) - 1; i > 0; i-- {
		if id[i] != '-' {
			continue
		}
		if m := t.byUpstream[upstreamID{provider, id[:i]}]; m != nil && m.ID == id[:i] && isSnapshotSuffix(id[i+1:]) {
			return m, true
		}
	}
	return nil, false
}

// isSnapshotSuffix reports whether s dates or versions a model rather than
// naming another: a date (20251001, 2026-03-05), a version number (001),
// latest, or a dated preview or experimental release (preview,
// preview-05-20, exp-1206). Anything else is another model: -4-5 after
// claude-opus-4, -preview-tts, -exp-image-generation.
func isSnapshotSuffix(s string) bool {
	return snapshotSuffix.MatchString(s)
}

var snapshotSuffix = regexp.MustCompile(`^(\d{8}|\d{4}-\d{2}-\d{2}|\d{3,4}|latest|(preview|exp)(-\d{2}-\d{2}|-\d{2}-\d{4}|-\d{4})?)$`)
