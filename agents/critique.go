package agents

import (
	"errors"
	"fmt"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/keinetech/kaine/internal/clip"
	"github.com/keinetech/kaine/routing"
)

// criticPrompt makes the model a strict but practical reviewer: it asks
// for a revision only for what another round can fix.
const criticPrompt = `You review the work of an AI agent acting for a small business. You get the goal it was given, every tool call it made with the result, and its final answer.
Decide whether the work did what the goal asked as far as its tools allowed, and whether the final answer is true to the tool results.
Ask for a revision only for a concrete problem another round can fix: a step the goal required that was skipped, a claim the results do not support (for example "sent" when a tool said "queued"), a failed or refused call the answer hides, an invented detail, or a missing summary. Do not ask for a revision over style or wording, or for what no offered tool can do.
Answer with one JSON object and nothing else: {"verdict":"accept" or "revise","critique":"one to three sentences; for revise, exactly what to fix"}`

// reviseRequest sends the agent back with the critique. It warns against
// repeating what already worked: a second round must not send a message
// twice.
const reviseRequest = `A reviewer checked your work and asks for a revision:

%s

Fix this now, using your tools if needed. Do not repeat actions that already succeeded, such as messages already sent or queued. Then answer without calling a tool: a new concise summary of everything done in this run.`

const (
	critiqueMaxTokens = 1024
	// critiqueCalls bounds the tool calls shown to the critic, and
	// critiqueCallText each one's input and output.
	critiqueCalls    = 24 << 10
	critiqueCallText = 1000
	critiqueLength   = 2000
)

// review has the finished work critiqued and, on the first "revise", sends
// the agent back for a round of half its step limit, then critiques again.
func (x *execution) review(limit int) (ending, error) {
	feedback, revise, err := x.critique()
	if err != nil || !revise {
		return x.afterCritique(), err
	}
	x.run.Revised = true
	x.req.Messages = append(x.req.Messages, routing.Message{Role: routing.RoleUser, Text: fmt.Sprintf(reviseRequest, feedback)})
	end, err := x.act(max(1, limit/2))
	if err != nil || end.status != Completed {
		return end, err
	}
	_, _, err = x.critique()
	return x.afterCritique(), err
}

// afterCritique is how a run that completed ends: failed if it was
// cancelled meanwhile, since the critique may not have happened.
func (x *execution) afterCritique() ending {
	if x.ctx.Err() != nil {
		return x.cancelled()
	}
	return ending{status: Completed}
}

// critique makes one model call, without tools, on the goal, the tool
// calls and the final answer, and records its verdict. It reports revise
// only for the run's first "revise". A failed call accepts the work: the
// agent finished, and the critique is only a check on it.
func (x *execution) critique() (feedback string, revise bool, err error) {
	reply, callErr := x.kit.Model.Call(x.ctx, x.env, routing.Request{
		System:    criticPrompt,
		Prompt:    critiqueInput(x.run.Goal, x.run.ToolCalls(), x.final),
		MaxTokens: critiqueMaxTokens,
	})
	x.bill(reply)
	var c Critique
	if callErr != nil {
		c = Critique{Verdict: Accept, Note: "not done: " + critiqueFailure(callErr)}
	} else {
		step := stepOf(reply)
		step.Critique = true
		x.run.Steps = append(x.run.Steps, step)
		c = readCritique(reply.Result.Text)
		if c.Verdict == Revise && x.run.Revised {
			c.Note = "not followed: a run is revised at most once"
		}
	}
	x.run.Critiques = append(x.run.Critiques, c)
	revise = c.Verdict == Revise && c.Note == ""
	return c.Critique, revise, x.save()
}

func critiqueFailure(err error) string {
	if errors.Is(err, ErrCapReached) {
		return "the account's cost cap would be passed"
	}
	return modelFailure(err)
}

// readCritique reads the critic's JSON, tolerating code fences or words
// around it. What cannot be read is accepted, with a note saying so.
func readCritique(text string) Critique {
	unreadable := Critique{Verdict: Accept, Note: "the critique could not be read, so the work was accepted"}
	start, end := strings.IndexByte(text, '{'), strings.LastIndexByte(text, '}')
	if start < 0 || end < start {
		return unreadable
	}
	body := text[start : end+1]
	if !gjson.Valid(body) {
		return unreadable
	}
	verdict := strings.ToLower(strings.TrimSpace(gjson.Get(body, "verdict").String()))
	critique := clip.Runes(strings.TrimSpace(gjson.Get(body, "critique").String()), critiqueLength)
	switch {
	case verdict != Accept && verdict != Revise:
		return unreadable
	case verdict == Revise && critique == "":
		return Critique{Verdict: Revise, Note: "not followed: it gave nothing to fix"}
	}
	return Critique{Verdict: verdict, Critique: critique}
}

// critiqueInput is what the critic reads: the goal, the calls with their
// results (clipped), and the answer.
func critiqueInput(goal string, calls []ToolCall, final string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Goal:\n%s\n\nTool calls (%d):\n", goal, len(calls))
	if len(calls) == 0 {
		b.WriteString("none\n")
	}
	shown := 0
	for i, c := range calls {
		if b.Len() > critiqueCalls {
			break
		}
		fmt.Fprintf(&b, "%d. %s %s\n", i+1, c.Name, clip.Runes(string(c.Input), critiqueCallText))
		switch {
		case c.Refused:
			fmt.Fprintf(&b, "   refused: %s\n", c.Error)
		case c.Error != "":
			fmt.Fprintf(&b, "   failed: %s\n", clip.Runes(c.Error, critiqueCallText))
		default:
			fmt.Fprintf(&b, "   result: %s\n", clip.Runes(c.Output, critiqueCallText))
		}
		shown++
	}
	if shown < len(calls) {
		fmt.Fprintf(&b, "… and %d more calls, not shown\n", len(calls)-shown)
	}
	fmt.Fprintf(&b, "\nFinal answer:\n%s\n", final)
	return b.String()
}
