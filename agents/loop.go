package agents

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/keinetech/kaine/internal/clip"
	"github.com/keinetech/kaine/routing"
)

// Clip lengths, in characters.
const (
	// toolOutputToModel is what the model reads of a tool's output: enough
	// for a page of search results, not a whole file.
	toolOutputToModel = 16 << 10
	// stored bounds each text kept in the run (tool inputs, outputs, the
	// model's text of a step), so a run stays small enough to read whole.
	stored = 4 << 10
	// summaryLength bounds the run's summary.
	summaryLength = 4000
)

// actTemperature keeps an agent's tool use steady without making its
// writing flat.
const actTemperature = 0.3

// runtimeRules follow every agent's own prompt: what holds for any agent
// run by Kaine. %d is the round's step limit.
const runtimeRules = `Rules of this run:
- You act for one business through the tools offered to you; there are no others, and a call to any other tool is refused.
- Plan before you act. You have at most %d turns, so make independent tool calls together in one turn.
- Say only what the tool results show. If a result says queued, scheduled or pending, say that; never write sent, delivered, booked or published unless the tool said so. A result marked as an error failed: retry it at most once, and report it.
- Never invent contact details, prices, results or facts; take them from the goal or a tool result.
- When you are done, answer without calling a tool: a concise summary of what was done, what is queued or pending, and what failed or needs a person.`

// ending is how an act round or a whole run ended.
type ending struct {
	status Status
	// reason says why a run that did not complete stopped or failed.
	reason string
}

// execution is one run being carried out: its conversation so far and the
// record kept of it.
type execution struct {
	runner *Runner
	kit    Kit // the model and tools of the config the run started under
	ctx    context.Context
	env    Env
	agent  Agent
	run    Run
	// req is the agent's next model call; each turn appends to Messages.
	req routing.Request
	// final is the agent's last answer without a tool call; lastText is
	// the last text it wrote at all, for the summary of a stopped run.
	final, lastText string
}

func (x *execution) carryOut() error {
	limit := x.runner.stepLimit(x.agent.ComplexityTier)
	x.req = routing.Request{
		System:      strings.TrimSpace(x.agent.SystemPrompt) + "\n\n" + fmt.Sprintf(runtimeRules, limit),
		Messages:    []routing.Message{{Role: routing.RoleUser, Text: x.run.Goal}},
		Tools:       x.offeredTools(),
		Thinking:    x.agent.UseExtendedThinking,
		MaxTokens:   x.runner.MaxTokens,
		Temperature: new(float64(actTemperature)),
	}
	end, err := x.act(limit)
	if err == nil && end.status == Completed {
		end, err = x.review(limit)
	}
	if err != nil {
		return err
	}
	return x.finish(end)
}

// offeredTools are the specs of the agent's tools the gateway has. Each
// is offered under the name the agent knows it by.
func (x *execution) offeredTools() []routing.Tool {
	var specs []routing.Tool
	for _, name := range x.agent.AllowedTools {
		if tool, ok := x.kit.Tools[name]; ok {
			spec := tool.Spec()
			spec.Name = name
			specs = append(specs, spec)
		}
	}
	return specs
}

// act lets the agent work until it answers without calling a tool or has
// made budget model calls. The error is a failure to save the run.
func (x *execution) act(budget int) (ending, error) {
	for range budget {
		if x.ctx.Err() != nil {
			return x.cancelled(), nil
		}
		reply, err := x.kit.Model.Call(x.ctx, x.env, x.req)
		x.bill(reply)
		switch {
		case errors.Is(err, ErrCapReached):
			return ending{StoppedCap, "the account's cost cap would be passed by the next model call"}, nil
		case err != nil && x.ctx.Err() != nil:
			return x.cancelled(), nil
		case err != nil:
			return ending{Failed, modelFailure(err)}, nil
		}
		res := reply.Result
		step := stepOf(reply)
		x.req.Messages = append(x.req.Messages, routing.Message{
			Role: routing.RoleAssistant, Text: res.Text, ToolCalls: res.ToolCalls, Native: res.Native,
		})
		if strings.TrimSpace(res.Text) != "" {
			x.lastText = res.Text
		}
		if len(res.ToolCalls) == 0 {
			x.final = res.Text
			x.run.Steps = append(x.run.Steps, step)
			return ending{status: Completed}, x.save()
		}
		results := make([]routing.ToolResult, 0, len(res.ToolCalls))
		for _, call := range res.ToolCalls {
			record, result := x.callTool(call)
			step.ToolCalls = append(step.ToolCalls, record)
			results = append(results, result)
		}
		x.req.Messages = append(x.req.Messages, routing.Message{Role: routing.RoleUser, ToolResults: results})
		x.run.Steps = append(x.run.Steps, step)
		if err := x.save(); err != nil {
			return ending{}, err
		}
	}
	if x.ctx.Err() != nil {
		return x.cancelled(), nil
	}
	return ending{StoppedStepLimit, fmt.Sprintf("the agent made %d model calls, its limit, without finishing", budget)}, nil
}

// callTool runs one call the model asked for, unless the agent may not
// use the tool or the gateway lacks it, and returns the record kept and
// the result sent back to the model.
func (x *execution) callTool(call routing.ToolCall) (ToolCall, routing.ToolResult) {
	name := clip.Runes(call.Name, 100)
	record := ToolCall{Name: name, Input: storedInput(call.Input)}
	result := routing.ToolResult{CallID: call.ID, Name: call.Name}
	tool, have := x.kit.Tools[call.Name]
	switch {
	case !x.agent.Allows(call.Name):
		record.Refused = true
		record.Error = fmt.Sprintf("refused: %s may not use the tool %q; use only the tools you were offered", x.agent.Name, name)
	case !have:
		record.Refused = true
		record.Error = fmt.Sprintf("refused: the tool %q is not available in this gateway", name)
	default:
		input := call.Input
		if len(bytes.TrimSpace(input)) == 0 {
			input = json.RawMessage(`{}`)
		}
		out, err := x.runTool(name, tool, input)
		if err != nil {
			result.Output, result.IsError = clip.Runes("error: "+err.Error(), toolOutputToModel), true
			record.Error = clip.Runes(err.Error(), stored)
			return record, result
		}
		result.Output = clip.Runes(out, toolOutputToModel)
		record.Output = clip.Runes(out, stored)
		return record, result
	}
	result.Output, result.IsError = record.Error, true
	return record, result
}

// runTool runs a tool, turning a panic into a failed call: one tool's bug
// must not take down the gateway from a run's goroutine.
func (x *execution) runTool(name string, tool Tool, input json.RawMessage) (out string, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = errors.New("the tool failed unexpectedly")
			if x.runner.OnError != nil {
				x.runner.OnError(x.run, fmt.Errorf("tool %q panicked: %v", name, p))
			}
		}
	}()
	return tool.Run(x.ctx, x.env, input)
}

// storedInput is the model's tool input as kept in the run: compact JSON,
// or a JSON string of its clipped text when it is too long or not JSON.
func storedInput(raw json.RawMessage) json.RawMessage {
	if len(bytes.TrimSpace(raw)) == 0 {
		return json.RawMessage(`{}`)
	}
	var buf bytes.Buffer
	if json.Compact(&buf, raw) == nil && utf8.RuneCount(buf.Bytes()) <= stored {
		return buf.Bytes()
	}
	text, _ := json.Marshal(clip.Runes(string(raw), stored)) // a string always encodes
	return text
}

// stepOf is the record of a model call, before its tool calls.
func stepOf(reply Reply) Step {
	return Step{
		Text:      clip.Runes(reply.Result.Text, stored),
		Provider:  reply.Provider,
		Model:     reply.Model,
		Cost:      reply.Cost,
		TokensIn:  reply.TokensIn,
		TokensOut: reply.TokensOut,
	}
}

// bill adds a model call's cost to the run, a failed call's too: what a
// cut call consumed is billed.
func (x *execution) bill(reply Reply) {
	x.run.Cost += reply.Cost
	x.run.TokensIn += reply.TokensIn
	x.run.TokensOut += reply.TokensOut
}

// cancelled is the ending of a run whose context ended.
func (x *execution) cancelled() ending {
	if errors.Is(context.Cause(x.ctx), errShutdown) {
		return ending{Failed, errShutdown.Error()}
	}
	return ending{Failed, "the run was cancelled before it finished"}
}

// modelFailure says why a model call failed without saying more than a
// caller may see: a provider's error is written to be shown, anything
// else could name hosts or internals.
func modelFailure(err error) string {
	var shown *CallError
	if errors.As(err, &shown) {
		return "the model call failed: " + clip.Runes(shown.Message, 300)
	}
	var upstream *routing.UpstreamError
	if errors.As(err, &upstream) {
		return "the model call failed: " + clip.Runes(upstream.Error(), 300)
	}
	return "the model call failed"
}

// finish records how the run ended, with its summary.
func (x *execution) finish(end ending) error {
	x.run.Status = end.status
	switch end.status {
	case Completed:
		x.run.Summary = clip.Runes(strings.TrimSpace(x.final), summaryLength)
		if x.run.Summary == "" {
			x.run.Summary = "The agent finished without writing a summary."
		}
	case Failed:
		x.run.Error = end.reason
		x.run.Summary = x.stoppedSummary("The run failed: " + end.reason + ".")
	default:
		x.run.Summary = x.stoppedSummary("Stopped: " + end.reason + ". The work done so far is kept.")
	}
	return x.save()
}

// stoppedSummary is why the run stopped, then the agent's last words.
func (x *execution) stoppedSummary(why string) string {
	last := strings.TrimSpace(x.lastText)
	if last == "" {
		return why
	}
	return clip.Runes(why+"\n\nThe agent's last message: "+last, summaryLength)
}

func (x *execution) save() error {
	saved, err := x.runner.Store.Save(x.run)
	if err != nil {
		return err
	}
	x.run = saved
	return nil
}
