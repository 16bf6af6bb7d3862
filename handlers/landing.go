package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/keinetech/kaine/internal/clip"
	"github.com/keinetech/kaine/internal/mailaddr"
	"github.com/keinetech/kaine/landing"
	"github.com/keinetech/kaine/leads"
	"github.com/keinetech/kaine/routing"
)

// PageWriter stores a generated page under a safe name and returns it.
type PageWriter interface {
	Write(businessName string, page []byte) (filename string, err error)
}

// maxNoteRunes bounds an audit note that quotes a model's answer.
const maxNoteRunes = 500

// landingMaxTokens bounds the copy the model writes: the schema's limits
// fit well within it.
const landingMaxTokens = 4096

type landingAnswer struct {
	OK       bool   `json:"ok"`
	URL      string `json:"url"`
	Filename string `json:"filename"`
}

// createLandingPage answers POST /v1/landing-pages: the model writes the
// copy as JSON on the default route, the gateway checks it and renders it
// into its own template (so the page is escaped HTML whatever the model
// said) and publishes it under /files/. The model call is reserved and
// billed like any other; if its answer is not usable copy, nothing is
// written and the answer is 500 generation_failed.
func (a *API) createLandingPage(w http.ResponseWriter, r *http.Request, call *Call) {
	obj, ok := a.readObject(w, r)
	if !ok {
		return
	}
	f := fields{obj: obj}
	brief := landing.Brief{
		BusinessName: f.requiredBounded("business_name", landing.MaxBriefShort),
		Description:  f.requiredBounded("description", landing.MaxBriefDescription),
		ClientEmail:  f.bounded("client_email", leads.MaxEmail),
		Industry:     f.bounded("industry", landing.MaxBriefShort),
		Tone:         f.bounded("tone", landing.MaxBriefShort),
	}
	if f.err == nil && brief.ClientEmail != "" && !mailaddr.Plain(brief.ClientEmail) {
		f.fail(CodeInvalidField, "client_email must be an address like info@example.com.")
	}
	if f.err != nil {
		a.Errors.Send(w, f.err)
		return
	}
	answer, err := a.makeLandingPage(r.Context(), call, brief)
	if err != nil {
		a.Errors.Send(w, err)
		return
	}
	WriteJSON(w, http.StatusOK, answer)
}

// makeLandingPage has the page's copy written, checks it, renders it and
// publishes it, reserving and settling the model call on call.
func (a *API) makeLandingPage(ctx context.Context, call *Call, brief landing.Brief) (landingAnswer, *apiError) {
	system, user := landing.Prompt(brief)
	plan, err := a.LLM.Plan(routing.Params{Request: routing.Request{System: system, Prompt: user,
		MaxTokens: landingMaxTokens, Temperature: new(float64(defaultTemperature))}})
	if err != nil {
		return landingAnswer{}, planError(err)
	}
	if err := a.reserve(call, plan.Estimate); err != nil {
		return landingAnswer{}, err
	}
	out, err := a.LLM.Do(ctx, plan, nil)
	a.settleLLM(call, plan, out, err) // the provider billed the tokens, usable or not
	if err != nil {
		return landingAnswer{}, callError(err)
	}
	pageCopy, err := landing.ParseCopy(out.Result.Text)
	if err != nil {
		return landingAnswer{}, &apiError{code: CodeGenerationFailed, message: "The model's answer could not be used as page copy (" + err.Error() + "); nothing was published. Try again."}
	}
	if len(pageCopy.Dropped) > 0 {
		call.Audit.AddNote(clip.Runes("optional copy left out: "+strings.Join(pageCopy.Dropped, "; "), maxNoteRunes))
	}
	page, err := landing.Render(brief, pageCopy)
	if err != nil {
		return landingAnswer{}, internalError("The page could not be rendered; nothing was published. Try again.", err)
	}
	filename, err := a.Pages.Write(brief.BusinessName, page)
	if err != nil {
		return landingAnswer{}, internalError("The page could not be saved; nothing was published. Try again.", err)
	}
	call.Audit.Resource = filesPrefix + url.PathEscape(filename)
	return landingAnswer{OK: true, URL: a.PublicURL + call.Audit.Resource, Filename: filename}, nil
}
