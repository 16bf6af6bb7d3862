package compat

import (
	"encoding/json"

	"github.com/keinetech/kaine/money"
	"github.com/keinetech/kaine/routing"
)

// listedModel is one entry of GET /v1/models: OpenAI's model object, with
// Anthropic's fields beside it (type, display_name, created_at) so either
// SDK reads the list, and Kaine's in "kaine".
type listedModel struct {
	ID          string     `json:"id"`
	Object      string     `json:"object,omitempty"` // model
	Created     *int64     `json:"created,omitempty"`
	OwnedBy     string     `json:"owned_by,omitempty"`
	Type        string     `json:"type,omitempty"` // model
	DisplayName string     `json:"display_name,omitempty"`
	CreatedAt   string     `json:"created_at,omitempty"`
	Kaine       modelFacts `json:"kaine"`
}

// modelFacts is what Kaine knows of a listed name: the model it stands
// for, whose it is, what it costs, whether this gateway can call it on its
// own key.
type modelFacts struct {
	Provider string `json:"provider"`
	// AliasOf is set on an alias: the model id it names.
	AliasOf string   `json:"alias_of,omitempty"`
	Aliases []string `json:"aliases,omitempty"`
	// Kind is "chat" or "embedding".
	Kind string `json:"kind"`
	// Available: the provider has a key here (any model can still be
	// called with the caller's own, through X-Kaine-Provider-Key).
	Available   bool           `json:"available"`
	Input       money.MicroUSD `json:"input_usd_per_mtok"`
	Output      money.MicroUSD `json:"output_usd_per_mtok"`
	CacheRead   money.MicroUSD `json:"cache_read_usd_per_mtok"`
	Retires     string         `json:"retires,omitempty"`
	Replacement string         `json:"replacement,omitempty"`
	// Route is, for auto, the models it tries by task type.
	Route *routing.RoutingStatus `json:"route,omitempty"`
}

type openAIModelList struct {
	Object string        `json:"object"` // list
	Data   []listedModel `json:"data"`
}

type anthropicModelList struct {
	Data    []listedModel `json:"data"`
	HasMore bool          `json:"has_more"`
	FirstID string        `json:"first_id"`
	LastID  string        `json:"last_id"`
}

// ModelList is GET /v1/models: auto first, then every model the catalog
// still serves, each followed by its aliases, in OpenAI's list shape or,
// for the Anthropic SDK, Anthropic's.
func ModelList(s routing.Status, anthropicShape bool) ([]byte, error) {
	entries := listedModels(s, anthropicShape)
	if anthropicShape {
		return json.Marshal(anthropicModelList{Data: entries, FirstID: entries[0].ID, LastID: entries[len(entries)-1].ID})
	}
	return json.Marshal(openAIModelList{Object: "list", Data: entries})
}

// Model is GET /v1/models/{id}: one entry of the list, by id or alias; ok
// is false when there is none.
func Model(s routing.Status, id string, anthropicShape bool) (body []byte, ok bool, err error) {
	for _, e := range listedModels(s, anthropicShape) {
		if e.ID == id {
			body, err = json.Marshal(e)
			return body, true, err
		}
	}
	return nil, false, nil
}

func listedModels(s routing.Status, anthropicShape bool) []listedModel {
	entries := []listedModel{{ID: Auto, Kaine: modelFacts{Provider: "kaine", Kind: "chat", Available: true, Route: &s.Routing}}}
	for _, p := range s.Providers {
		for _, m := range p.Models {
			if m.Retired {
				continue
			}
			facts := modelFacts{Provider: p.Name, Aliases: m.Aliases, Kind: "chat", Available: p.Configured,
				Input: m.Input, Output: m.Output, CacheRead: m.CacheRead, Retires: m.Retires, Replacement: m.Replacement}
			if m.Kind != "" {
				facts.Kind = m.Kind
			}
			entries = append(entries, listedModel{ID: m.ID, Kaine: facts})
			for _, alias := range m.Aliases {
				aliasFacts := facts
				aliasFacts.AliasOf, aliasFacts.Aliases = m.ID, nil
				entries = append(entries, listedModel{ID: alias, Kaine: aliasFacts})
			}
		}
	}
	var epoch int64
	for i := range entries {
		e := &entries[i]
		if anthropicShape {
			e.Type, e.DisplayName, e.CreatedAt = "model", e.ID, "1970-01-01T00:00:00Z"
		} else {
			e.Object, e.Created, e.OwnedBy = "model", &epoch, e.Kaine.Provider
		}
	}
	return entries
}
