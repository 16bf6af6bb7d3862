package routing

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

//go:embed models.json
var defaultModelsJSON []byte

// DefaultModels returns the embedded model table, a fresh copy each call.
func DefaultModels() []Model {
	var file struct {
		Models []Model `json:"models"`
	}
	if err := json.Unmarshal(defaultModelsJSON, &file); err != nil {
		panic(fmt.Sprintf("routing: embedded models.json: %v", err)) // caught by the package tests
	}
	return file.Models
}

// Table finds models by alias, in the order they were given.
type Table struct {
	byAlias map[string]*Model
	list    []*Model
}

// NewTable checks the models and indexes them.
func NewTable(models []Model) (*Table, error) {
	t := &Table{byAlias: make(map[string]*Model, len(models))}
	for i := range models {
		m := models[i]
		m.Prices = slices.Clone(m.Prices) // validate fills in derived fields
		if err := m.validate(); err != nil {
			return nil, err
		}
		if _, dup := t.byAlias[m.Alias]; dup {
			return nil, fmt.Errorf("model %s is listed twice", m.Alias)
		}
		t.byAlias[m.Alias] = &m
		t.list = append(t.list, &m)
	}
	return t, nil
}

// Model returns the model with this alias, or nil.
func (t *Table) Model(alias string) *Model { return t.byAlias[alias] }

// Models lists every model in table order.
func (t *Table) Models() []*Model { return t.list }

func (m *Model) validate() error {
	if m.Alias == "" || m.Provider == "" || m.ID == "" {
		return fmt.Errorf("model %q: alias, provider and id are all required", m.Alias)
	}
	if len(m.Prices) == 0 {
		return fmt.Errorf("model %s: no price", m.Alias)
	}
	prev := ""
	for i := range m.Prices {
		p := &m.Prices[i]
		if i == 0 && p.From != "" {
			return fmt.Errorf("model %s: the first price applies from the start and takes no from date", m.Alias)
		}
		if i > 0 {
			from, err := time.Parse(time.DateOnly, p.From)
			if err != nil {
				return fmt.Errorf("model %s: price %d: from %q is not a date like 2027-01-01", m.Alias, i+1, p.From)
			}
			if p.From <= prev {
				return fmt.Errorf("model %s: prices must be in date order", m.Alias)
			}
			p.fromDay = from.Unix() / 86400
		}
		prev = p.From
		if p.Input < 0 || p.Output < 0 || p.CacheRead < 0 || p.CacheWrite < 0 || p.CacheWrite1h < 0 {
			return fmt.Errorf("model %s: prices must not be negative", m.Alias)
		}
		// A cache price nobody wrote down is billed as plain input: never
		// free, and Gemini caches repeated prompts without being asked.
		if p.CacheRead == 0 {
			p.CacheRead = p.Input
		}
		if p.CacheWrite == 0 {
			p.CacheWrite = p.Input
		}
		if p.CacheWrite1h == 0 {
			p.CacheWrite1h = p.CacheWrite
		}
	}
	if m.MaxTemperature < 0 {
		return fmt.Errorf("model %s: max_temperature must not be negative", m.Alias)
	}
	return nil
}

// ForUpstream returns the model a drop-in call names by the provider's own
// id: the table entry with that id, or the longest one the name extends by
// a snapshot suffix (claude-haiku-4-5-20251001 and gpt-5.4-2026-03-05 are
// claude-haiku-4-5 and gpt-5.4). Any other suffix names another model
// (gpt-5.4-pro is not gpt-5.4), so ok is false and the call has no price.
func (t *Table) ForUpstream(provider, id string) (m *Model, ok bool) {
	for _, c := range t.list {
		if c.Provider != provider || m != nil && len(c.ID) <= len(m.ID) {
			continue
		}
		if c.ID == id || strings.HasPrefix(id, c.ID+"-") && isSnapshotSuffix(id[len(c.ID)+1:]) {
			m = c
		}
	}
	return m, m != nil
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
