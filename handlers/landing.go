package handlers

import (
	"net/http"
	"net/url"

	"github.com/keinetech/kaine/landing"
	"github.com/keinetech/kaine/routing"
)

// PageWriter stores a generated page under a safe name and returns it.
type PageWriter interface {
	Write(businessName string, page []byte) (filename string, err error)
}

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
		ClientEmail:  f.bounded("client_email", maxEmail),
		Industry:     f.bounded("industry", landing.MaxBriefShort),
		Tone:         f.bounded("tone", landing.MaxBriefShort),
	}
	if f.err == nil && brief.ClientEmail != "" && !plainAddress(brief.ClientEmail) {
		f.fail(CodeInvalidField, "client_email must be an address like info@example.com.")
	}
	if f.err != nil {
		a.Errors.Write(w, f.err.code, f.err.message)
		return
	}
	system, user := landing.Prompt(brief)
	plan, err := a.LLM.Plan(routing.Params{Request: routing.Request{System: system, Prompt: user,
		MaxTokens: landingMaxTokens, Temperature: defaultTemperature}})
	if err != nil {
		a.writePlanError(w, err)
		return
	}
	if !a.Reserve(w, call, plan.Estimate) {
		return
	}
	out, err := a.LLM.Do(r.Context(), plan, nil)
	a.settleLLM(call, out) // the provider billed the tokens, usable or not
	if err != nil {
		a.writeCallError(w, err)
		return
	}
	pageCopy, err := landing.ParseCopy(out.Result.Text)
	if err != nil {
		a.Errors.Write(w, CodeGenerationFailed, "The model's answer could not be used as page copy ("+err.Error()+"); nothing was published. Try again.")
		return
	}
	page, err := landing.Render(brief, pageCopy)
	if err != nil {
		a.Errors.Write(w, CodeInternal, "The page could not be rendered; nothing was published. Try again.")
		return
	}
	filename, err := a.Pages.Write(brief.BusinessName, page)
	if err != nil {
		a.Errors.Write(w, CodeInternal, "The page could not be saved; nothing was published. Try again.")
		return
	}
	WriteJSON(w, http.StatusOK, landingAnswer{OK: true, URL: a.PublicURL + filesPrefix + url.PathEscape(filename), Filename: filename})
}
