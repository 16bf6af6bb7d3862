package agents

import (
	"strings"
	"testing"
)

func TestReadCritiqueToleratesFencesAndAcceptsWhatItCannotRead(t *testing.T) {
	for _, c := range []struct {
		text             string
		verdict, note    string
		critiqueContains string
	}{
		{`{"verdict":"accept","critique":"fine"}`, Accept, "", "fine"},
		{"```json\n{\"verdict\": \"REVISE\", \"critique\": \"say queued\"}\n```", Revise, "", "say queued"},
		{"Here is my review:\n{\"verdict\":\"revise\",\"critique\":\"a {brace} inside\"}\nThanks.", Revise, "", "a {brace} inside"},
		{"Looks good to me.", Accept, "could not be read", ""},
		{`{"verdict":"maybe","critique":"unsure"}`, Accept, "could not be read", ""},
		{`{"verdict":"accept", "critique":`, Accept, "could not be read", ""},
		{`{"verdict":"revise","critique":"  "}`, Revise, "nothing to fix", ""},
	} {
		got := readCritique(c.text)
		if got.Verdict != c.verdict || !strings.Contains(got.Note, c.note) || !strings.Contains(got.Critique, c.critiqueContains) {
			t.Errorf("readCritique(%q) = %+v", c.text, got)
		}
	}
}

func TestCritiqueInputShowsEachCallAndItsOutcome(t *testing.T) {
	in := critiqueInput("Email Ana", []ToolCall{
		{Name: "send_email", Input: []byte(`{"to":"ana@example.com"}`), Output: "queued"},
		{Name: "phone_call", Input: []byte(`{}`), Refused: true, Error: "refused: not allowed"},
		{Name: "send_sms", Input: []byte(`{}`), Error: "bad number"},
	}, "Emailed Ana.")
	for _, want := range []string{"Goal:\nEmail Ana", "Tool calls (3)", `1. send_email {"to":"ana@example.com"}`, "result: queued",
		"refused: refused: not allowed", "failed: bad number", "Final answer:\nEmailed Ana."} {
		if !strings.Contains(in, want) {
			t.Errorf("critique input lacks %q:\n%s", want, in)
		}
	}
}

func TestACritiqueThatCannotBeMadeAcceptsTheFinishedWork(t *testing.T) {
	model := newModel(t, says("All done."), fails(ErrCapReached))
	run, err := newRunner(t, model, gatewayTools()).Run(t.Context(), alice, catalogAgent(t, "seo_agent"), "Rank us")
	if err != nil || run.Status != Completed || run.Summary != "All done." {
		t.Fatalf("%+v %v", run, err)
	}
	if len(run.Critiques) != 1 || run.Critiques[0].Verdict != Accept || !strings.Contains(run.Critiques[0].Note, "cost cap") || len(run.Steps) != 1 {
		t.Fatalf("critiques %+v, %d steps", run.Critiques, len(run.Steps))
	}
}
