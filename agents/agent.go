package agents

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Tier is how demanding an agent's job is; it sets the run's step limit.
type Tier string

// The complexity tiers.
const (
	Standard Tier = "standard"
	Complex  Tier = "complex"
)

// Valid reports whether t is a known tier.
func (t Tier) Valid() bool { return t == Standard || t == Complex }

// Agent is one specialist of the catalog.
type Agent struct {
	// Name identifies the agent in the API: lowercase letters, digits and
	// underscores, starting with a letter.
	Name        string `json:"name"`
	Description string `json:"description"`
	// AllowedTools are the only tools the agent may call.
	AllowedTools   []string `json:"allowed_tools"`
	ComplexityTier Tier     `json:"complexity_tier"`
	// UseExtendedThinking asks the model to reason before each answer.
	UseExtendedThinking bool `json:"use_extended_thinking"`
	// SystemPrompt is the agent's instructions. It is the operator's work
	// and stays private: the public listing leaves it out.
	SystemPrompt string `json:"system_prompt,omitempty"`
}

// Listing is what callers see of an agent (GET /v1/agents): everything
// but the system prompt.
type Listing struct {
	Name                string   `json:"name"`
	Description         string   `json:"description"`
	AllowedTools        []string `json:"allowed_tools"`
	ComplexityTier      Tier     `json:"complexity_tier"`
	UseExtendedThinking bool     `json:"use_extended_thinking"`
}

// Public returns the agent as callers may see it.
func (a Agent) Public() Listing {
	return Listing{
		Name:                a.Name,
		Description:         a.Description,
		AllowedTools:        append([]string{}, a.AllowedTools...), // [] rather than null in JSON
		ComplexityTier:      a.ComplexityTier,
		UseExtendedThinking: a.UseExtendedThinking,
	}
}

// Allows reports whether the agent may call tool.
func (a Agent) Allows(tool string) bool { return slices.Contains(a.AllowedTools, tool) }

var agentName = regexp.MustCompile(`^[a-z][a-z0-9_]{1,63}$`)

// checkFields checks everything but the system prompt, which an override
// may inherit from the agent it replaces.
func (a Agent) checkFields() error {
	if !agentName.MatchString(a.Name) {
		return fmt.Errorf("name %q must be 2 to 64 lowercase letters, digits or underscores, starting with a letter", a.Name)
	}
	if strings.TrimSpace(a.Description) == "" {
		return errors.New("description is empty")
	}
	if !a.ComplexityTier.Valid() {
		return fmt.Errorf("complexity_tier %q must be %q or %q", a.ComplexityTier, Standard, Complex)
	}
	for i, tool := range a.AllowedTools {
		if strings.TrimSpace(tool) == "" {
			return fmt.Errorf("allowed_tools[%d] is empty", i)
		}
		if slices.Contains(a.AllowedTools[:i], tool) {
			return fmt.Errorf("allowed_tools names %q twice", tool)
		}
	}
	return nil
}

// check is checkFields and a system prompt.
func (a Agent) check() error {
	if err := a.checkFields(); err != nil {
		return err
	}
	if strings.TrimSpace(a.SystemPrompt) == "" {
		return errors.New("system_prompt is empty")
	}
	return nil
}

// clone copies the tool list, so a catalog never shares it with a caller.
func (a Agent) clone() Agent {
	a.AllowedTools = slices.Clone(a.AllowedTools)
	return a
}
