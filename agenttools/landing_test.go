package agenttools

import (
	"errors"
	"strings"
	"testing"

	"github.com/keinetech/kaine/agents"
	"github.com/keinetech/kaine/landing"
)

func TestGenerateLandingPage(t *testing.T) {
	pages := &fakePages{url: "https://kaine.example/files/lima-bakery.html"}
	d := Deps{LandingPages: pages}
	out := mustRun(t, d, "generate_landing_page", env1,
		`{"business_name": "Lima Bakery", "description": "Sourdough in Porto", "industry": "bakery", "tone": "warm", "client_email": "hi@lima.dev"}`)
	if out != "The landing page is published at https://kaine.example/files/lima-bakery.html" {
		t.Errorf("told the model %q", out)
	}
	want := landing.Brief{BusinessName: "Lima Bakery", Description: "Sourdough in Porto", Industry: "bakery", Tone: "warm", ClientEmail: "hi@lima.dev"}
	if pages.brief != want || !sameEnv(pages.env, env1) {
		t.Errorf("generated %+v for %+v", pages.brief, pages.env)
	}
}

func TestGenerateLandingPageBadInput(t *testing.T) {
	pages := &fakePages{url: "https://kaine.example/files/x.html"}
	d := Deps{LandingPages: pages}
	tests := []struct{ input, want string }{
		{`{"description": "Sourdough"}`, "business_name is required"},
		{`{"business_name": "Lima"}`, "description is required"},
		{`{"business_name": "` + strings.Repeat("x", landing.MaxBriefShort+1) + `", "description": "d"}`, "business_name is 201 bytes"},
		{`{"business_name": "Lima", "description": "` + strings.Repeat("x", landing.MaxBriefDescription+1) + `"}`, "description is 5001 bytes"},
		{`{"business_name": "Lima", "description": "d", "tone": "` + strings.Repeat("x", landing.MaxBriefShort+1) + `"}`, "tone is 201 bytes"},
		{`{"business_name": "Lima", "description": "d", "client_email": "hi at lima"}`, "client_email must be a bare email address"},
	}
	for _, tt := range tests {
		wantError(t, d, "generate_landing_page", env1, tt.input, tt.want)
	}
	if pages.calls != 0 {
		t.Errorf("%d pages generated from bad briefs", pages.calls)
	}
}

func TestGenerateLandingPageFailureKeepsItsCause(t *testing.T) {
	pages := &fakePages{err: agents.ErrCapReached}
	_, err := run(t, Deps{LandingPages: pages}, "generate_landing_page", env1, `{"business_name": "Lima", "description": "d"}`)
	if !errors.Is(err, agents.ErrCapReached) || !strings.HasPrefix(err.Error(), "the landing page was not made: ") {
		t.Errorf("error %v", err)
	}
	pages = &fakePages{}
	wantError(t, Deps{LandingPages: pages}, "generate_landing_page", env1, `{"business_name": "Lima", "description": "d"}`, "no URL came back")
}
