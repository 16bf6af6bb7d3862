package agenttools

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/keinetech/kaine/agents"
	"github.com/keinetech/kaine/landing"
	"github.com/keinetech/kaine/routing"
)

// generateLandingPage is generate_landing_page.
type generateLandingPage struct{ pages LandingPages }

func (generateLandingPage) Spec() routing.Tool {
	return spec("generate_landing_page",
		"Write and publish a one-page website (a landing page) for a business, from a short brief. A model writes the copy, which costs the account a model call; the page is published at once. Answers the page's public URL.",
		`{
	"type": "object",
	"properties": {
		"business_name": {"type": "string", "description": "The business's name, as it should appear on the page; at most 200 bytes."},
		"description": {"type": "string", "description": "What the business does, for whom, where, and what makes it different: the facts the page is written from, at most 5000 bytes. The more concrete, the better the page."},
		"industry": {"type": "string", "description": "The business's trade, like plumbing or wedding photography."},
		"tone": {"type": "string", "description": "How the page should sound, like warm and casual. Default: friendly and professional."},
		"client_email": {"type": "string", "description": "The business's contact email address for the page, like info@example.com."}
	},
	"required": ["business_name", "description"],
	"additionalProperties": false
}`)
}

func (t generateLandingPage) Run(ctx context.Context, env agents.Env, input json.RawMessage) (string, error) {
	var in struct {
		BusinessName string `json:"business_name"`
		Description  string `json:"description"`
		Industry     string `json:"industry"`
		Tone         string `json:"tone"`
		ClientEmail  string `json:"client_email"`
	}
	if err := decode(input, &in); err != nil {
		return "", err
	}
	var c checker
	c.required("business_name", in.BusinessName, landing.MaxBriefShort)
	c.required("description", in.Description, landing.MaxBriefDescription)
	c.bounded("industry", in.Industry, landing.MaxBriefShort)
	c.bounded("tone", in.Tone, landing.MaxBriefShort)
	c.email("client_email", in.ClientEmail)
	if c.err != nil {
		return "", c.err
	}
	url, err := t.pages.Generate(ctx, env, landing.Brief{BusinessName: in.BusinessName, ClientEmail: in.ClientEmail,
		Industry: in.Industry, Tone: in.Tone, Description: in.Description})
	if err != nil {
		return "", fmt.Errorf("the landing page was not made: %w", err)
	}
	if url == "" {
		return "", errors.New("the landing page was not made: no URL came back")
	}
	return "The landing page is published at " + url, nil
}
