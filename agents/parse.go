package agents

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// ParseAgents reads an operator's agents file: a JSON array of agents
// with the catalog's fields. Each entry is checked (name, description,
// tier, tools); a missing system_prompt is left for With, which inherits
// it when the entry overrides an existing agent and refuses it otherwise.
func ParseAgents(data []byte) ([]Agent, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	// A misspelt field ("tools") would otherwise be dropped in silence.
	dec.DisallowUnknownFields()
	var list []Agent
	if err := dec.Decode(&list); err != nil {
		return nil, fmt.Errorf("reading the agents: a JSON array of agents is expected: %w", err)
	}
	if err := dec.Decode(new(json.RawMessage)); err != io.EOF {
		return nil, errors.New("reading the agents: unexpected data after the array")
	}
	seen := make(map[string]bool, len(list))
	for i, a := range list {
		if err := a.checkFields(); err != nil {
			return nil, fmt.Errorf("agent %d (%q): %w", i+1, a.Name, err)
		}
		if seen[a.Name] {
			return nil, fmt.Errorf("agent %d: %q is given twice", i+1, a.Name)
		}
		seen[a.Name] = true
	}
	return list, nil
}
