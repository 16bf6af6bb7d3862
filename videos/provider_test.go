package videos

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/keinetech/kaine/money"
	"github.com/keinetech/kaine/videos/fakevideo"
)

func TestEachProviderSubmitsAndPollsToSuccess(t *testing.T) {
	for _, name := range Names {
		for _, image := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/image=%v", name, image), func(t *testing.T) {
				f := newFake(t)
				p := newProvider(t, f, name, Config{})
				r := Request{Prompt: "a lighthouse at dusk", Duration: 6, Ref: "vid_0123456789abcdef"}
				if image {
					r.ImageURL = "https://example.com/first.png"
				}
				f.Script(r.Prompt, fakevideo.Outcome{Polls: 2})
				ref, err := p.Submit(context.Background(), r)
				if err != nil || ref.ID == "" {
					t.Fatalf("submit: %+v %v", ref, err)
				}
				st, seen := pollToEnd(t, p, ref)
				if !equalStates(seen, []State{Queued, Running, Succeeded}) {
					t.Fatalf("states %v", seen)
				}
				if st.VideoURL != fakevideo.VideoURL(name, ref.ID) || st.Failure != "" {
					t.Fatalf("final %+v", st)
				}
			})
		}
	}
}

func TestEachProviderReportsAFailedJob(t *testing.T) {
	cases := []struct {
		name    string
		outcome fakevideo.Outcome
		want    string
	}{
		{FAL, fakevideo.Outcome{Polls: 1, Fail: "out of GPU memory"}, "out of GPU memory"},
		{FAL, fakevideo.Outcome{Fail: "out of GPU memory", FALErrorInResultOnly: true}, "out of GPU memory"},
		{Runway, fakevideo.Outcome{Polls: 1, Fail: "An unexpected error occurred"}, "An unexpected error occurred (INTERNAL.BAD_OUTPUT)"},
		{Runway, fakevideo.Outcome{Cancel: true}, "the task was cancelled"},
		{Kling, fakevideo.Outcome{Polls: 1, Fail: "Video generation failed: risk control"}, "Video generation failed: risk control"},
		{Higgsfield, fakevideo.Outcome{Polls: 1, Fail: "generation timed out"}, "generation timed out"},
		{Higgsfield, fakevideo.Outcome{NSFW: true}, "the provider's content filter rejected the video (nsfw)"},
		{Higgsfield, fakevideo.Outcome{Cancel: true}, "the request was canceled"},
	}
	for _, c := range cases {
		t.Run(c.name+"/"+c.want, func(t *testing.T) {
			f := newFake(t)
			p := newProvider(t, f, c.name, Config{})
			f.Script("", c.outcome)
			ref, err := p.Submit(context.Background(), Request{Prompt: "a storm"})
			if err != nil {
				t.Fatal(err)
			}
			st, _ := pollToEnd(t, p, ref)
			if st.State != Failed || st.Failure != c.want || st.VideoURL != "" {
				t.Fatalf("got %+v, want failure %q", st, c.want)
			}
		})
	}
}

func TestARefusedSubmitIsAProviderError(t *testing.T) {
	type want struct {
		status    int
		retryable bool
		message   string // a substring; "" to skip
	}
	cases := []struct {
		name    string
		badKey  bool
		outcome fakevideo.Outcome
		want    want
	}{
		{FAL, true, fakevideo.Outcome{}, want{401, false, keyRefused}},
		{Runway, true, fakevideo.Outcome{}, want{401, false, keyRefused}},
		{Kling, true, fakevideo.Outcome{}, want{401, false, keyRefused}},
		{Higgsfield, true, fakevideo.Outcome{}, want{401, false, keyRefused}},
		{FAL, false, fakevideo.Outcome{Refuse: 422, Message: "prompt is too long"}, want{422, false, "prompt: prompt is too long"}},
		{Runway, false, fakevideo.Outcome{Refuse: 422, Message: "prompt is too long"}, want{400, false, "Validation of body failed: promptText: prompt is too long"}},
		{Kling, false, fakevideo.Outcome{Refuse: 422, Message: "prompt is too long"}, want{400, false, "prompt is too long (code 1301)"}},
		{Higgsfield, false, fakevideo.Outcome{Refuse: 422, Message: "prompt is too long"}, want{422, false, "prompt: prompt is too long"}},
		{FAL, false, fakevideo.Outcome{Refuse: 429}, want{429, true, ""}},
		{Runway, false, fakevideo.Outcome{Refuse: 429}, want{429, true, ""}},
		{Kling, false, fakevideo.Outcome{Refuse: 429}, want{429, true, "(code 1302)"}},
		{Higgsfield, false, fakevideo.Outcome{Refuse: 403, Message: "Not enough credits"}, want{403, false, "Not enough credits"}},
		{Higgsfield, false, fakevideo.Outcome{Refuse: 503}, want{503, true, ""}},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s/%d/badkey=%v", c.name, c.want.status, c.badKey), func(t *testing.T) {
			f := newFake(t)
			cfg := Config{}
			if c.badKey {
				cfg.APIKey = "wrong0123456789abcdef0123456789ab:wrongsecret0123456789abcdef012345"
			}
			p := newProvider(t, f, c.name, cfg)
			f.Script("", c.outcome)
			ref, err := p.Submit(context.Background(), Request{Prompt: "a storm"})
			var pe *ProviderError
			if !errors.As(err, &pe) {
				t.Fatalf("got %+v %v, want a *ProviderError", ref, err)
			}
			if pe.Status != c.want.status || pe.Retryable != c.want.retryable || pe.Provider != c.name ||
				!strings.Contains(pe.Message, c.want.message) {
				t.Fatalf("got %+v, want %+v", pe, c.want)
			}
			if strings.Contains(pe.Error(), "secret") || strings.Contains(pe.Error(), "wrong") {
				t.Fatalf("a key in the error: %v", pe)
			}
		})
	}
}

func TestAProviderMessageNeverEchoesTheKey(t *testing.T) {
	for _, name := range Names {
		t.Run(name, func(t *testing.T) {
			f := newFake(t)
			p := newProvider(t, f, name, Config{})
			key := keyFor(name)
			f.Script("", fakevideo.Outcome{Refuse: 422, Message: "key " + key + " has no access to this model"})
			_, err := p.Submit(context.Background(), Request{Prompt: "x"})
			if err == nil {
				t.Fatal("no error")
			}
			secret := key
			if _, s, ok := strings.Cut(key, ":"); ok {
				secret = s
			}
			if strings.Contains(err.Error(), secret) || !strings.Contains(err.Error(), "[redacted]") {
				t.Fatalf("the key leaked: %v", err)
			}
		})
	}
}

func TestATransportErrorIsWrappedNotAProviderError(t *testing.T) {
	f := newFake(t)
	p := newProvider(t, f, Runway, Config{})
	f.Close()
	_, err := p.Submit(context.Background(), Request{Prompt: "x"})
	var pe *ProviderError
	if err == nil || errors.As(err, &pe) || !strings.Contains(err.Error(), "video provider runway: POST") {
		t.Fatalf("got %v", err)
	}
}

func TestNewRefusesWhatCannotWork(t *testing.T) {
	client := &http.Client{}
	cases := []struct {
		name   string
		cfg    Config
		client *http.Client
		want   string
	}{
		{"sora", Config{APIKey: "k"}, client, "unknown"},
		{FAL, Config{APIKey: "k"}, nil, "no HTTP client"},
		{FAL, Config{}, client, "not configured"},
		{Kling, Config{APIKey: "only-access"}, client, "ACCESS_KEY:SECRET_KEY"},
		{Higgsfield, Config{APIKey: "id:"}, client, "KEY_ID:KEY_SECRET"},
		{Runway, Config{APIKey: "k", BaseURL: "ftp://example.com"}, client, "not an http(s) URL"},
	}
	for _, c := range cases {
		t.Run(c.name+"/"+c.want, func(t *testing.T) {
			p, err := New(c.name, c.cfg, c.client)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v %v, want %q", p, err, c.want)
			}
		})
	}
	if _, err := New(FAL, Config{}, client); !errors.Is(err, ErrNotConfigured) {
		t.Fatalf("an empty key: %v", err)
	}
	for _, name := range Names {
		p, err := New(name, Config{APIKey: "a:b"}, client)
		if err != nil || p.Name() != name {
			t.Fatalf("%s with defaults: %v", name, err)
		}
	}
}

func TestAStatusURLOnAnotherHostIsNotPolled(t *testing.T) {
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("the key went to another host: %s", r.Header.Get("Authorization"))
	}))
	defer other.Close()
	queue := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"status":"IN_QUEUE","request_id":"r1","status_url":%q,"response_url":%q}`,
			other.URL+"/requests/r1/status", other.URL+"/requests/r1")
	}))
	defer queue.Close()
	p, err := New(FAL, Config{APIKey: "k", BaseURL: queue.URL}, queue.Client())
	if err != nil {
		t.Fatal(err)
	}
	// The job is taken, so the submit succeeds, and its URLs are rebuilt on
	// the configured host.
	ref, err := p.Submit(context.Background(), Request{Prompt: "x"})
	if err != nil || ref.ID != "r1" || !strings.HasPrefix(ref.StatusURL, queue.URL+"/fal-ai/kling-video/requests/r1") || !strings.HasPrefix(ref.ResponseURL, queue.URL) {
		t.Fatalf("submit: %+v %v", ref, err)
	}
	if _, err := p.Poll(context.Background(), ProviderRef{ID: "r1", StatusURL: other.URL + "/requests/r1/status"}); err == nil {
		t.Fatal("a stored status URL on another host was polled")
	}
}

func TestMaybeStarted(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{&ProviderError{Status: 422}, false},
		{fmt.Errorf("wrapped: %w", &net.OpError{Op: "dial", Err: errors.New("connection refused")}), false},
		{fmt.Errorf("reading the answer: %w", context.DeadlineExceeded), true},
		{errors.New("the answer has no request_id"), true},
		{nil, false},
	} {
		if got := MaybeStarted(c.err); got != c.want {
			t.Errorf("MaybeStarted(%v) = %v", c.err, got)
		}
	}
}

func TestPriceIsTheBilledSecondsTimesThePrice(t *testing.T) {
	price := money.FromUSD(0.1)
	cases := []struct {
		name, model string
		duration    int
		seconds     int
	}{
		{FAL, "", 6, 5},
		{FAL, "", 0, 5},  // the default 6 s, made as 5
		{FAL, "", 8, 10}, // nearer 10
		{FAL, "fal-ai/minimax/video-01/text-to-video", 6, 6},
		{Runway, "", 6, 6},
		{Runway, "", 1, 2},
		{Runway, "", 12, 10},
		{Runway, "veo3.1", 5, 6}, // a tie goes to the longer
		{Runway, "veo3.1_fast", 9, 8},
		{Runway, "gen4_turbo", 7, 5},
		{Kling, "", 6, 5},
		{Kling, "", 7, 5},
		{Kling, "", 8, 10},
		{Kling, "", 1, 5},
		{Kling, "", 10, 10},
		{Higgsfield, "", 6, 5},
		{Higgsfield, "higgsfield-ai/dop/standard", 8, 5},
		{Higgsfield, "bytedance/seedance/v1/pro/image-to-video", 6, 6},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s/%s/%d", c.name, c.model, c.duration), func(t *testing.T) {
			p, err := New(c.name, Config{APIKey: "a:b", Model: c.model, PricePerSecond: price}, &http.Client{})
			if err != nil {
				t.Fatal(err)
			}
			s, cost := Price(p, Request{Duration: c.duration})
			if s != c.seconds || cost != price*money.MicroUSD(c.seconds) {
				t.Fatalf("got %d s, %v; want %d s", s, cost, c.seconds)
			}
		})
	}
}

func TestModelForSwitchesTheVariantByImage(t *testing.T) {
	cases := []struct{ model, image, want string }{
		{"fal-ai/kling-video/v2.1/standard/text-to-video", "", "fal-ai/kling-video/v2.1/standard/text-to-video"},
		{"fal-ai/kling-video/v2.1/standard/text-to-video", "https://x/i.png", "fal-ai/kling-video/v2.1/standard/image-to-video"},
		{"kling-video/v2.1/pro/image-to-video", "", "kling-video/v2.1/pro/text-to-video"},
		{"higgsfield-ai/dop/standard", "https://x/i.png", "higgsfield-ai/dop/standard"},
	}
	for _, c := range cases {
		if got := modelFor(c.model, Request{ImageURL: c.image}); got != c.want {
			t.Errorf("modelFor(%q, image %q) = %q, want %q", c.model, c.image, got, c.want)
		}
	}
}
