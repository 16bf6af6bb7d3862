// Package videos makes videos through the providers' asynchronous job APIs
// (FAL, Runway, Kling, Higgsfield: submit, get an id, poll until a URL) and
// keeps Kaine's own record of each job in bbolt, so a job outlives a restart.
// It knows nothing of HTTP handlers or Caddy.
package videos

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/keinetech/kaine/money"
)

// Request is one video to make.
type Request struct {
	Prompt   string
	ImageURL string // optional first frame; its presence picks the image-to-video variant
	Duration int    // seconds; 0 means DefaultDuration; each provider rounds it to what it accepts
	// Ref is Kaine's job id, sent to providers that take an external id
	// (Kling's external_task_id) so a job can be traced from their side.
	Ref string
}

// State is where a job stands, in Kaine's vocabulary; each provider's own
// status words are mapped onto these four.
type State string

// The states of a job. Succeeded and Failed are final.
const (
	Queued    State = "queued"
	Running   State = "running"
	Succeeded State = "succeeded"
	Failed    State = "failed"
)

// Final reports whether a job in state s will not change again.
func (s State) Final() bool { return s == Succeeded || s == Failed }

// Status is what a provider says of a job.
type Status struct {
	State    State
	VideoURL string // set when State is Succeeded
	// Failure is the provider's reason when State is Failed, cleaned so it
	// is safe to show: never a key.
	Failure string
}

// Provider is one video API.
type Provider interface {
	// Name is the provider's name as in Names.
	Name() string
	// Submit starts a job and returns what is needed to poll it: the
	// provider's id and, for queue APIs, the status URL to poll, kept
	// opaque in ProviderRef. It is never retried here: a retried submit
	// could start (and bill) a second job.
	Submit(ctx context.Context, r Request) (ProviderRef, error)
	// Poll asks the provider where the job stands.
	Poll(ctx context.Context, ref ProviderRef) (Status, error)

	// seconds and pricePerSecond price a request (see Price). Unexported:
	// only this package's clients are Providers, and each has a price.
	seconds(r Request) int
	pricePerSecond() money.MicroUSD
}

// ProviderRef is what Kaine keeps to poll a job: the provider's id and,
// where the provider returns them, its status and response URLs. It is
// stored as JSON in the job.
type ProviderRef struct {
	ID          string `json:"id"`
	StatusURL   string `json:"status_url,omitempty"`
	ResponseURL string `json:"response_url,omitempty"`
	// Kind is the provider's job family when polling needs it (Kling's
	// text2video or image2video).
	Kind string `json:"kind,omitempty"`
}

// Config configures one provider.
type Config struct {
	// BaseURL is the API's root. Default: the provider's public API.
	BaseURL string
	// APIKey is the provider's credential: FAL and Runway a key; Kling and
	// Higgsfield "ACCESS_KEY:SECRET_KEY" and "KEY_ID:KEY_SECRET".
	APIKey string
	// Model is the provider's model (a model path for FAL and Higgsfield).
	// A model path naming text-to-video or image-to-video is switched to
	// its counterpart by the presence of an image. Default: per provider.
	Model string
	// PricePerSecond is what Kaine charges per billed second of video.
	PricePerSecond money.MicroUSD
}

// The providers by name.
const (
	Higgsfield = "higgsfield"
	Runway     = "runway"
	Kling      = "kling"
	FAL        = "fal"
)

// DefaultProvider is used when a request names none.
const DefaultProvider = Higgsfield

// Names lists the providers, the default first.
var Names = []string{Higgsfield, Runway, Kling, FAL}

// Known reports whether name is one of Names.
func Known(name string) bool {
	for _, n := range Names {
		if n == name {
			return true
		}
	}
	return false
}

// The bounds of a request's duration, in seconds. Every provider here
// makes clips of up to ten seconds.
const (
	DefaultDuration = 6
	MinDuration     = 1
	MaxDuration     = 10
)

// MaxPrompt bounds a video prompt, in bytes, wherever one comes in.
const MaxPrompt = 4000

// ErrNotConfigured is returned by New for a provider without an API key.
var ErrNotConfigured = errors.New("video provider not configured")

// New returns the client for the provider name over client, filling
// defaults for an empty BaseURL and Model. client is used as is: pass one
// that does not follow redirects, so a key is never sent to another host.
func New(name string, cfg Config, client *http.Client) (Provider, error) {
	if !Known(name) {
		return nil, fmt.Errorf("video provider %q: unknown (known: %s)", name, strings.Join(Names, ", "))
	}
	if client == nil {
		return nil, fmt.Errorf("video provider %s: no HTTP client", name)
	}
	if strings.TrimSpace(cfg.APIKey) == "" {
		return nil, fmt.Errorf("video provider %s: %w: no api_key", name, ErrNotConfigured)
	}
	d := defaults[name]
	if cfg.BaseURL == "" {
		cfg.BaseURL = d.baseURL
	}
	if cfg.Model == "" {
		cfg.Model = d.model
	}
	base, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("video provider %s: base_url %q is not an http(s) URL", name, cfg.BaseURL)
	}
	a := api{name: name, base: base, model: cfg.Model, price: cfg.PricePerSecond, client: client}
	switch name {
	case FAL:
		return &fal{api: a, key: cfg.APIKey}, nil
	case Runway:
		return &runway{api: a, key: cfg.APIKey}, nil
	case Kling:
		access, secret, ok := splitPair(cfg.APIKey)
		if !ok {
			return nil, fmt.Errorf("video provider kling: api_key must be ACCESS_KEY:SECRET_KEY")
		}
		return newKling(a, access, secret), nil
	default:
		if _, _, ok := splitPair(cfg.APIKey); !ok {
			return nil, fmt.Errorf("video provider higgsfield: api_key must be KEY_ID:KEY_SECRET")
		}
		return &higgsfield{api: a, key: cfg.APIKey}, nil
	}
}

// defaults are each provider's public API and a model that is documented
// to take the request this package sends.
var defaults = map[string]struct{ baseURL, model string }{
	FAL:    {"https://queue.fal.run", "fal-ai/kling-video/v2.1/standard/text-to-video"},
	Runway: {"https://api.dev.runwayml.com", "gen4.5"},
	Kling:  {"https://api-singapore.klingai.com", "kling-v2-5-turbo"},
	// Higgsfield's docs list image-to-video models (kling-video/v2.1/pro/
	// image-to-video among them); the text-to-video counterpart is the
	// same path switched [uncertain: not in its docs]. The Python README's
	// platform host is the one its docs' curl examples use.
	Higgsfield: {"https://platform.higgsfield.ai", "kling-video/v2.1/pro/text-to-video"},
}

// splitPair splits "id:secret", both halves required.
func splitPair(key string) (id, secret string, ok bool) {
	id, secret, ok = strings.Cut(key, ":")
	return id, secret, ok && id != "" && secret != ""
}

// Price is what a request will cost on p: the seconds the provider will
// make and bill (the request rounded to what it accepts) times the
// configured price per second. The caller reserves it before Submit and
// settles it when the job succeeds.
func Price(p Provider, r Request) (seconds int, cost money.MicroUSD) {
	s := p.seconds(r)
	return s, money.MicroUSD(s) * p.pricePerSecond()
}

// requested is the request's duration with the default filled in.
func requested(r Request) int {
	if r.Duration <= 0 {
		return DefaultDuration
	}
	return r.Duration
}
