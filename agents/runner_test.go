package agents

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/keinetech/kaine/routing"
)

func toolNames(specs []routing.Tool) []string {
	var out []string
	for _, s := range specs {
		out = append(out, s.Name)
	}
	return out
}

func TestLeadCRMRunUsesItsToolsThenCritiquesAndCompletes(t *testing.T) {
	tools := gatewayTools()
	tools["send_email"].run = func(json.RawMessage) (string, error) { return `{"status":"queued","message_id":7}`, nil }
	final := "Lead 1 (Ana) marked contacted; a follow-up email is queued (message 7)."
	model := newModel(t,
		says("Plan: mark Ana contacted, then email her.", use("crm_update", `{"id": 1, "status": "contacted"}`)),
		says("", use("send_email", `{"to":"ana@example.com","subject":"Your quote","body":"Hi Ana"}`)),
		says(final),
		judges("accept", "The email is reported as queued, as the tool said."),
	)
	r := newRunner(t, model, tools)
	agent := catalogAgent(t, "lead_crm_agent")

	run, err := r.Run(context.Background(), alice, agent, "Follow up with lead 1, Ana (ana@example.com), about her quote.")
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != Completed || run.Summary != final || run.Error != "" || run.Revised {
		t.Fatalf("run ended %q %q %q revised=%v", run.Status, run.Summary, run.Error, run.Revised)
	}
	if run.ID != 1 || run.Account != 1 || run.KeyID != 11 || run.Agent != "lead_crm_agent" || run.FinishedAt == nil {
		t.Fatalf("run record %+v", run)
	}
	if len(run.Steps) != 4 || run.Steps[3].Critique == false || slices.ContainsFunc(run.Steps[:3], func(s Step) bool { return s.Critique }) {
		t.Fatalf("steps: %+v", run.Steps)
	}
	if run.Steps[0].Text != "Plan: mark Ana contacted, then email her." || run.Steps[0].Model != "claude-test" || run.Steps[0].Cost != callCost {
		t.Fatalf("first step %+v", run.Steps[0])
	}
	calls := run.ToolCalls()
	if len(calls) != 2 || calls[0].Name != "crm_update" || string(calls[0].Input) != `{"id":1,"status":"contacted"}` ||
		calls[0].Output != "ok: crm_update" || calls[1].Name != "send_email" || calls[1].Output != `{"status":"queued","message_id":7}` {
		t.Fatalf("tool calls %+v", calls)
	}
	if run.Cost != 4*callCost || run.TokensIn != 400 || run.TokensOut != 80 {
		t.Fatalf("billed %v, %d in, %d out", run.Cost, run.TokensIn, run.TokensOut)
	}
	if len(run.Critiques) != 1 || run.Critiques[0].Verdict != Accept || run.Critiques[0].Note != "" ||
		!strings.Contains(run.Critiques[0].Critique, "queued") {
		t.Fatalf("critiques %+v", run.Critiques)
	}

	// Each tool ran once, for the run's account, run and agent.
	for _, name := range []string{"crm_update", "send_email"} {
		env := tools[name].envs[0]
		if tools[name].count() != 1 || env.Charge == nil {
			t.Fatalf("%s ran %d times, env %+v", name, tools[name].count(), tools[name].envs)
		}
		if env.Account != 1 || env.KeyID != 11 || env.RunID != run.ID || env.Agent != "lead_crm_agent" {
			t.Fatalf("%s ran %d times, env %+v", name, tools[name].count(), tools[name].envs)
		}
	}

	reqs := model.requests()
	first := reqs[0]
	if !strings.HasPrefix(first.System, agent.SystemPrompt) || !strings.Contains(first.System, "at most 8 turns") {
		t.Fatalf("system prompt: %q", first.System)
	}
	if len(first.Messages) != 1 || first.Messages[0].Role != routing.RoleUser || !strings.Contains(first.Messages[0].Text, "lead 1, Ana") {
		t.Fatalf("first turn %+v", first.Messages)
	}
	if got := toolNames(first.Tools); !slices.Equal(got, agent.AllowedTools) || first.Thinking {
		t.Fatalf("offered %v (crm_search must not be), thinking %v", got, first.Thinking)
	}
	// The assistant turn is replayed with its native form, then the results.
	second := reqs[1].Messages
	if len(second) != 3 || second[1].Role != routing.RoleAssistant || second[1].Native == nil || len(second[1].ToolCalls) != 1 {
		t.Fatalf("second call's turns %+v", second)
	}
	res := second[2].ToolResults
	if second[2].Role != routing.RoleUser || len(res) != 1 || res[0].CallID != second[1].ToolCalls[0].ID || res[0].Output != "ok: crm_update" || res[0].IsError {
		t.Fatalf("tool results %+v", second[2])
	}
	critique := reqs[3]
	if len(critique.Tools) != 0 || critique.Thinking || !strings.Contains(critique.Prompt, "send_email") ||
		!strings.Contains(critique.Prompt, "message_id") || !strings.Contains(critique.Prompt, final) {
		t.Fatalf("critique request %+v", critique)
	}

	stored, err := r.Store.Get(1, run.ID)
	if err != nil || stored.Status != Completed || len(stored.Steps) != 4 || stored.Cost != run.Cost || string(stored.ToolCalls()[0].Input) != `{"id":1,"status":"contacted"}` {
		t.Fatalf("stored %+v %v", stored, err)
	}
}

func TestAToolOutsideTheAgentsToolsIsRefusedAndNeverRun(t *testing.T) {
	tools := gatewayTools()
	tools["send_sms"].run = func(json.RawMessage) (string, error) { return "", errors.New("the number is not a mobile number") }
	model := newModel(t,
		says("", use("phone_call", `{"to":"+15550100"}`), use("drop_database", `{}`), use("send_sms", `{"to":"+15550100"}`)),
		says("I could not call or text Ana."),
		judges("accept", "Failures were reported."),
	)
	r := newRunner(t, model, tools)
	run, err := r.Run(context.Background(), alice, catalogAgent(t, "lead_crm_agent"), "Call Ana")
	if err != nil || run.Status != Completed {
		t.Fatalf("%+v %v", run, err)
	}
	if tools["phone_call"].count() != 0 {
		t.Fatal("phone_call ran for an agent that may not use it")
	}
	calls := run.ToolCalls()
	if len(calls) != 3 || !calls[0].Refused || !strings.Contains(calls[0].Error, `may not use the tool "phone_call"`) ||
		!calls[1].Refused || calls[2].Refused || calls[2].Error != "the number is not a mobile number" {
		t.Fatalf("calls %+v", calls)
	}
	results := model.requests()[1].Messages[2].ToolResults
	if len(results) != 3 || !results[0].IsError || !results[1].IsError || !results[2].IsError ||
		results[0].Output != calls[0].Error || results[2].Output != "error: the number is not a mobile number" {
		t.Fatalf("results sent to the model %+v", results)
	}

	// An allowed tool the gateway does not have is refused too, and not offered.
	delete(tools, "send_booking_link")
	model = newModel(t, says("", use("send_booking_link", `{"lead_id":1}`)), says("No booking link could be sent."), judges("accept", "ok"))
	r = newRunner(t, model, tools)
	run, err = r.Run(context.Background(), alice, catalogAgent(t, "lead_crm_agent"), "Send Ana the booking link")
	if err != nil || len(run.ToolCalls()) != 1 || !run.ToolCalls()[0].Refused || !strings.Contains(run.ToolCalls()[0].Error, "not available") {
		t.Fatalf("%+v %v", run.ToolCalls(), err)
	}
	if slices.Contains(toolNames(model.requests()[0].Tools), "send_booking_link") {
		t.Fatal("a tool the gateway lacks was offered")
	}
}

func TestToolOutputIsClippedForTheModelAndMoreForTheRecord(t *testing.T) {
	tools := gatewayTools()
	long := strings.Repeat("é", 20_000)
	tools["knowledge_search"].run = func(json.RawMessage) (string, error) { return long, nil }
	model := newModel(t, says("", use("knowledge_search", `{"query":"refunds"}`), use("knowledge_search", `not json`)), says("Done."), judges("accept", "ok"))
	run, err := newRunner(t, model, tools).Run(context.Background(), alice, catalogAgent(t, "knowledge_librarian_agent"), "What is the refund policy?")
	if err != nil {
		t.Fatal(err)
	}
	sent := model.requests()[1].Messages[2].ToolResults[0].Output
	if n := len([]rune(sent)); n != toolOutputToModel+1 || !strings.HasSuffix(sent, "…") {
		t.Fatalf("the model got %d characters", n)
	}
	calls := run.ToolCalls()
	if n := len([]rune(calls[0].Output)); n != stored+1 {
		t.Fatalf("the record kept %d characters", n)
	}
	if string(calls[1].Input) != `"not json"` {
		t.Fatalf("an input that is not JSON is kept as a string: %s", calls[1].Input)
	}
	if _, err := json.Marshal(run); err != nil {
		t.Fatal(err)
	}
}

func TestAModelThatNeverFinishesStopsAtTheStepLimit(t *testing.T) {
	var loop []answer
	for range 8 {
		loop = append(loop, says("Searching again.", use("knowledge_search", `{"query":"x"}`)))
	}
	model := newModel(t, loop...)
	tools := gatewayTools()
	run, err := newRunner(t, model, tools).Run(context.Background(), alice, catalogAgent(t, "knowledge_librarian_agent"), "Find everything")
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != StoppedStepLimit || len(run.Steps) != 8 || len(model.requests()) != 8 || len(run.Critiques) != 0 {
		t.Fatalf("status %q, %d steps, %d calls, critiques %+v", run.Status, len(run.Steps), len(model.requests()), run.Critiques)
	}
	if !strings.Contains(run.Summary, "8 model calls, its limit") || !strings.Contains(run.Summary, "Searching again.") || run.FinishedAt == nil {
		t.Fatalf("summary %q", run.Summary)
	}
	if tools["knowledge_search"].count() != 8 || run.Cost != 8*callCost {
		t.Fatalf("%d searches, cost %v", tools["knowledge_search"].count(), run.Cost)
	}

	// The limit is by tier, and configurable.
	model = newModel(t, says("", use("trigger_workflow", `{}`)), says("", use("trigger_workflow", `{}`)), says("", use("trigger_workflow", `{}`)))
	r := newRunner(t, model, gatewayTools())
	r.ComplexStepLimit = 3
	run, err = r.Run(context.Background(), alice, catalogAgent(t, "workflow_agent"), "Automate onboarding")
	if err != nil || run.Status != StoppedStepLimit || len(run.Steps) != 3 {
		t.Fatalf("complex agent with a limit of 3: %q, %d steps, %v", run.Status, len(run.Steps), err)
	}
}

func TestARevisedRunGoesBackOnceWithHalfTheSteps(t *testing.T) {
	model := newModel(t,
		says("", use("send_email", `{"to":"ana@example.com"}`)),
		says("Sent the email to Ana."),
		judges("revise", "The tool said queued; the answer says sent."),
		says("Correction: the email to Ana is queued, not yet sent."),
		judges("accept", "Now accurate."),
	)
	tools := gatewayTools()
	run, err := newRunner(t, model, tools).Run(context.Background(), alice, catalogAgent(t, "lead_crm_agent"), "Email Ana")
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != Completed || !run.Revised || run.Summary != "Correction: the email to Ana is queued, not yet sent." {
		t.Fatalf("%q revised=%v %q", run.Status, run.Revised, run.Summary)
	}
	if len(run.Critiques) != 2 || run.Critiques[0].Verdict != Revise || run.Critiques[1].Verdict != Accept || len(run.Steps) != 5 {
		t.Fatalf("critiques %+v, %d steps", run.Critiques, len(run.Steps))
	}
	back := model.requests()[3].Messages
	last := back[len(back)-1]
	if last.Role != routing.RoleUser || !strings.Contains(last.Text, "the answer says sent") || back[len(back)-2].Text != "Sent the email to Ana." {
		t.Fatalf("the revise turn: %+v", back)
	}
	if tools["send_email"].count() != 1 || run.Cost != 5*callCost {
		t.Fatalf("emails %d, cost %v", tools["send_email"].count(), run.Cost)
	}

	// A second revise is recorded, not obeyed.
	model = newModel(t, says("Done."), judges("revise", "Add detail."), says("Done, in detail."), judges("revise", "More detail."))
	run, err = newRunner(t, model, gatewayTools()).Run(context.Background(), alice, catalogAgent(t, "lead_crm_agent"), "Email Ana")
	if err != nil || run.Status != Completed || run.Summary != "Done, in detail." || len(model.requests()) != 4 {
		t.Fatalf("%q %q after %d calls, %v", run.Status, run.Summary, len(model.requests()), err)
	}
	if len(run.Critiques) != 2 || run.Critiques[1].Verdict != Revise || !strings.Contains(run.Critiques[1].Note, "at most once") {
		t.Fatalf("critiques %+v", run.Critiques)
	}

	// The revise round has half the tier's steps: 4 for a standard agent.
	answers := []answer{says("Done."), judges("revise", "Check the CRM.")}
	for range 4 {
		answers = append(answers, says("", use("crm_update", `{"id":1}`)))
	}
	model = newModel(t, answers...)
	run, err = newRunner(t, model, gatewayTools()).Run(context.Background(), alice, catalogAgent(t, "lead_crm_agent"), "Email Ana")
	if err != nil || run.Status != StoppedStepLimit || len(model.requests()) != 6 || !strings.Contains(run.Summary, "4 model calls") {
		t.Fatalf("%q after %d calls: %q %v", run.Status, len(model.requests()), run.Summary, err)
	}
}

func TestTheCapStopsARunAndKeepsWhatWasDone(t *testing.T) {
	model := newModel(t,
		says("Updating the CRM first.", use("crm_update", `{"id":1,"status":"contacted"}`)),
		fails(ErrCapReached),
	)
	tools := gatewayTools()
	run, err := newRunner(t, model, tools).Run(context.Background(), alice, catalogAgent(t, "lead_crm_agent"), "Follow up with Ana")
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != StoppedCap || len(run.Steps) != 1 || len(run.ToolCalls()) != 1 || run.Cost != callCost || run.Error != "" {
		t.Fatalf("%q, %d steps, cost %v, error %q", run.Status, len(run.Steps), run.Cost, run.Error)
	}
	if !strings.Contains(run.Summary, "cost cap") || !strings.Contains(run.Summary, "Updating the CRM first.") || tools["crm_update"].count() != 1 {
		t.Fatalf("summary %q", run.Summary)
	}
	if len(model.requests()) != 2 {
		t.Fatalf("%d model calls: a capped run makes no critique", len(model.requests()))
	}
}

func TestAFailedModelCallFailsTheRunWithASafeMessage(t *testing.T) {
	for _, c := range []struct {
		err  error
		want string
	}{
		{&routing.UpstreamError{Status: 529, Type: "overloaded_error", Message: "Overloaded"}, "the model call failed: HTTP 529 overloaded_error: Overloaded"},
		{errors.New("dial tcp 10.1.2.3:443 with key sk-live-123: refused"), "the model call failed"},
	} {
		run, err := newRunner(t, newModel(t, fails(c.err)), gatewayTools()).Run(context.Background(), alice, catalogAgent(t, "seo_agent"), "Rank us")
		if err != nil {
			t.Fatal(err)
		}
		if run.Status != Failed || run.Error != c.want || strings.Contains(run.Summary, "sk-live") || !strings.Contains(run.Summary, c.want) {
			t.Fatalf("%q %q %q", run.Status, run.Error, run.Summary)
		}
	}
}

func TestExtendedThinkingIsAskedForAgentsThatUseIt(t *testing.T) {
	model := newModel(t, says("", use("crm_search", `{"query":"Ana"}`)), says("Called nobody: Ana is not in the CRM."), judges("accept", "ok"))
	agent := catalogAgent(t, "voice_phone_agent")
	if !agent.UseExtendedThinking || agent.ComplexityTier != Complex {
		t.Fatalf("voice_phone_agent: %+v", agent.Public())
	}
	if _, err := newRunner(t, model, gatewayTools()).Run(context.Background(), alice, agent, "Call Ana"); err != nil {
		t.Fatal(err)
	}
	reqs := model.requests()
	if !reqs[0].Thinking || !reqs[1].Thinking || reqs[2].Thinking || !strings.Contains(reqs[0].System, "at most 16 turns") {
		t.Fatalf("thinking per call: %v %v %v", reqs[0].Thinking, reqs[1].Thinking, reqs[2].Thinking)
	}
}

func TestStartRunsInTheBackgroundAndSavesEachStep(t *testing.T) {
	inSecondCall, release := make(chan struct{}), make(chan struct{})
	model := newModel(t,
		says("Searching.", use("knowledge_search", `{"query":"hours"}`)),
		func(ctx context.Context, req routing.Request) (Reply, error) {
			close(inSecondCall)
			<-release
			return says("We open at 9.")(ctx, req)
		},
		judges("accept", "ok"),
	)
	r := newRunner(t, model, gatewayTools())
	ended := make(chan Run, 1)
	r.OnAsyncEnd = func(run Run) { ended <- run }

	started, err := r.Start(alice, catalogAgent(t, "knowledge_librarian_agent"), "When do we open?")
	if err != nil || started.Status != Running || started.ID != 1 {
		t.Fatalf("%+v %v", started, err)
	}
	<-inSecondCall
	during, err := r.Store.Get(1, started.ID)
	if err != nil || during.Status != Running || len(during.Steps) != 1 || during.Steps[0].ToolCalls[0].Output != "ok: knowledge_search" || during.FinishedAt != nil {
		t.Fatalf("during the run: %+v %v", during, err)
	}
	close(release)
	last := <-ended
	after, err := r.Store.Get(1, started.ID)
	if err != nil || after.Status != Completed || after.Summary != "We open at 9." || len(after.Steps) != 3 || last.Status != Completed {
		t.Fatalf("after the run: %+v %v", after, err)
	}
}

func TestCloseEndsRunningRunsAsFailed(t *testing.T) {
	waiting := make(chan struct{})
	model := newModel(t, func(ctx context.Context, req routing.Request) (Reply, error) {
		close(waiting)
		<-ctx.Done()
		return Reply{}, ctx.Err()
	})
	r := newRunner(t, model, gatewayTools())
	started, err := r.Start(alice, catalogAgent(t, "workflow_agent"), "Build the onboarding flow")
	if err != nil {
		t.Fatal(err)
	}
	<-waiting
	r.Close()
	run, err := r.Store.Get(1, started.ID)
	if err != nil || run.Status != Failed || run.Error != "the gateway shut down during the run" || run.FinishedAt == nil {
		t.Fatalf("%+v %v", run, err)
	}
	if _, err := r.Start(alice, catalogAgent(t, "workflow_agent"), "Again"); !errors.Is(err, ErrClosed) {
		t.Fatalf("Start after Close: %v", err)
	}
}

func TestARunNeedsAGoalAndAValidAgent(t *testing.T) {
	r := newRunner(t, newModel(t), gatewayTools())
	if _, err := r.Run(context.Background(), alice, catalogAgent(t, "seo_agent"), "  "); err == nil || !strings.Contains(err.Error(), "goal is empty") {
		t.Fatalf("empty goal: %v", err)
	}
	if _, err := r.Start(alice, Agent{}, "Rank us"); err == nil {
		t.Fatal("a zero agent was run")
	}
	if runs, _ := r.Store.List(1, 10); len(runs) != 0 {
		t.Fatalf("refused runs were recorded: %+v", runs)
	}
}

func TestAToolThatPanicsFailsItsCallNotTheGateway(t *testing.T) {
	tools := gatewayTools()
	tools["crm_search"].run = func(json.RawMessage) (string, error) { panic("nil map") }
	model := newModel(t, says("", use("crm_search", `{"query":"Ana"}`)), says("The CRM search failed."), judges("accept", "ok"))
	r := newRunner(t, model, tools)
	var reported []error
	r.OnError = func(_ Run, err error) { reported = append(reported, err) }
	run, err := r.Run(context.Background(), alice, catalogAgent(t, "reporting_agent"), "Report on leads")
	if err != nil || run.Status != Completed {
		t.Fatalf("%+v %v", run, err)
	}
	if c := run.ToolCalls()[0]; c.Error != "the tool failed unexpectedly" || c.Refused {
		t.Fatalf("the call %+v", c)
	}
	if len(reported) != 1 || !strings.Contains(reported[0].Error(), `tool "crm_search" panicked: nil map`) {
		t.Fatalf("reported %v", reported)
	}
}
