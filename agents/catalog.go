package agents

import (
	_ "embed"
	"errors"
	"fmt"
	"sync"
)

// Catalog is a fixed set of agents in a stable order. It never changes
// once made (With makes a new one), so it is safe for concurrent use.
type Catalog struct {
	agents []Agent
	index  map[string]int
}

//go:embed catalog.json
var embeddedCatalog []byte

// defaultCatalog parses the embedded file once; the file ships with the
// binary and its test, so a failure is a build defect.
var defaultCatalog = sync.OnceValue(func() *Catalog {
	list, err := ParseAgents(embeddedCatalog)
	if err != nil {
		panic(fmt.Sprintf("agents: the embedded catalog.json is invalid: %v", err))
	}
	c, err := (&Catalog{}).With(list...)
	if err != nil {
		panic(fmt.Sprintf("agents: the embedded catalog.json is invalid: %v", err))
	}
	return c
})

// Default returns the catalog Kaine ships with.
func Default() *Catalog { return defaultCatalog() }

// Get returns the agent called name.
func (c *Catalog) Get(name string) (Agent, bool) {
	i, ok := c.index[name]
	if !ok {
		return Agent{}, false
	}
	return c.agents[i].clone(), true
}

// List returns every agent: the embedded ones in file order, then those
// added by overrides in the order they were added.
func (c *Catalog) List() []Agent {
	out := make([]Agent, len(c.agents))
	for i, a := range c.agents {
		out[i] = a.clone()
	}
	return out
}

// With returns a new catalog with the overrides applied: one named like an
// existing agent replaces it in place, keeping its system prompt when the
// override has none; a new name is added at the end.
func (c *Catalog) With(overrides ...Agent) (*Catalog, error) {
	next := &Catalog{
		agents: make([]Agent, len(c.agents), len(c.agents)+len(overrides)),
		index:  make(map[string]int, len(c.agents)+len(overrides)),
	}
	copy(next.agents, c.agents)
	for name, i := range c.index {
		next.index[name] = i
	}
	given := make(map[string]bool, len(overrides))
	for _, a := range overrides {
		if given[a.Name] {
			return nil, fmt.Errorf("agent %q is given twice", a.Name)
		}
		given[a.Name] = true
		i, replacing := next.index[a.Name]
		if replacing && a.SystemPrompt == "" {
			a.SystemPrompt = next.agents[i].SystemPrompt
		}
		if err := a.check(); err != nil {
			return nil, fmt.Errorf("agent %q: %w", a.Name, err)
		}
		if replacing {
			next.agents[i] = a.clone()
			continue
		}
		next.index[a.Name] = len(next.agents)
		next.agents = append(next.agents, a.clone())
	}
	return next, nil
}

// Validate reports every allowed tool that known does not recognise, so
// the gateway can refuse a catalog promising tools it does not have.
func (c *Catalog) Validate(known func(tool string) bool) error {
	var errs []error
	for _, a := range c.agents {
		for _, tool := range a.AllowedTools {
			if !known(tool) {
				errs = append(errs, fmt.Errorf("agent %q allows tool %q, which the gateway does not have", a.Name, tool))
			}
		}
	}
	return errors.Join(errs...)
}
