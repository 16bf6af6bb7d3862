package videos

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keinetech/kaine/videos/fakevideo"
)

// testClock is a clock a test sets, safe to read from the fake's goroutines.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// klingAt makes a Kling client whose token clock is clock.
func klingAt(t *testing.T, f *fakevideo.Server, clock *testClock) *kling {
	t.Helper()
	k := newProvider(t, f, Kling, Config{}).(*kling)
	k.tokens.now = clock.Now
	return k
}

func bearer(t *testing.T, c fakevideo.Call) klingClaims {
	t.Helper()
	tok, ok := strings.CutPrefix(c.Header.Get("Authorization"), "Bearer ")
	if !ok {
		t.Fatalf("no bearer token: %v", c.Header)
	}
	_, claims := parseJWT(t, tok, testKeys.KlingSecret)
	return claims
}

func TestKlingSendsItsBodyAndPollsByKind(t *testing.T) {
	cases := []struct {
		name string
		r    Request
		kind string
		want map[string]any
	}{
		{"text", Request{Prompt: "a heron", Duration: 6, Ref: "vid_00000000000000aa"}, "text2video",
			map[string]any{"model_name": "kling-v2-5-turbo", "prompt": "a heron", "mode": "std", "duration": "5",
				"aspect_ratio": "16:9", "external_task_id": "vid_00000000000000aa"}},
		{"image", Request{Prompt: "a heron", ImageURL: "https://x/i.png", Duration: 9}, "image2video",
			map[string]any{"model_name": "kling-v2-5-turbo", "prompt": "a heron", "mode": "std", "duration": "10",
				"image": "https://x/i.png"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFake(t)
			p := newProvider(t, f, Kling, Config{})
			ref, err := p.Submit(context.Background(), c.r)
			if err != nil {
				t.Fatal(err)
			}
			if ref.Kind != c.kind {
				t.Fatalf("ref %+v", ref)
			}
			if _, err := p.Poll(context.Background(), ref); err != nil {
				t.Fatal(err)
			}
			calls := f.CallsTo(Kling)
			var body map[string]any
			if err := json.Unmarshal(calls[0].Body, &body); err != nil {
				t.Fatal(err)
			}
			if calls[0].Path != "/v1/videos/"+c.kind || len(body) != len(c.want) {
				t.Fatalf("submit %s %v", calls[0].Path, body)
			}
			for k, v := range c.want {
				if body[k] != v {
					t.Fatalf("body %v, want %v", body, c.want)
				}
			}
			if calls[1].Path != "/v1/videos/"+c.kind+"/"+ref.ID {
				t.Fatalf("poll %s", calls[1].Path)
			}
			if claims := bearer(t, calls[0]); claims.Iss != testKeys.KlingAccess {
				t.Fatalf("claims %+v", claims)
			}
		})
	}
}

func TestKlingReusesItsTokenAndRefreshesItBeforeExpiry(t *testing.T) {
	f := newFake(t)
	t0 := time.Now().Truncate(time.Second)
	clock := &testClock{t: t0}
	f.SetClock(clock.Now) // both sides agree on the time
	k := klingAt(t, f, clock)
	f.Script("", fakevideo.Outcome{Polls: 5})
	ref, err := k.Submit(context.Background(), Request{Prompt: "x"})
	if err != nil {
		t.Fatal(err)
	}
	for _, at := range []time.Duration{time.Minute, 26 * time.Minute} {
		clock.Set(t0.Add(at))
		if _, err := k.Poll(context.Background(), ref); err != nil {
			t.Fatal(err)
		}
	}
	calls := f.CallsTo(Kling)
	submit, early, late := bearer(t, calls[0]), bearer(t, calls[1]), bearer(t, calls[2])
	if submit != early || submit.Exp != t0.Add(30*time.Minute).Unix() {
		t.Fatalf("the token was not reused: %+v then %+v", submit, early)
	}
	if late.Exp != t0.Add(56*time.Minute).Unix() || late.Nbf != t0.Add(26*time.Minute-5*time.Second).Unix() {
		t.Fatalf("the token was not refreshed: %+v", late)
	}
}

func TestKlingRetriesOnceWithANewTokenWhenItsExpiredOneIsRefused(t *testing.T) {
	f := newFake(t)
	t0 := time.Now().Truncate(time.Second)
	clock := &testClock{t: t0}
	k := klingAt(t, f, clock)
	ref, err := k.Submit(context.Background(), Request{Prompt: "x"})
	if err != nil {
		t.Fatal(err)
	}
	// Our clock says the cached token has 10 minutes left; Kling's says it
	// expired: refused with 1004, then accepted with a fresh token.
	clock.Set(t0.Add(20 * time.Minute))
	f.SetClock(func() time.Time { return t0.Add(31 * time.Minute) })
	st, err := k.Poll(context.Background(), ref)
	if err != nil || st.State != Succeeded {
		t.Fatalf("poll: %+v %v", st, err)
	}
	calls := f.CallsTo(Kling)
	if len(calls) != 3 || bearer(t, calls[1]) != bearer(t, calls[0]) || bearer(t, calls[2]).Exp != clock.Now().Add(30*time.Minute).Unix() {
		t.Fatalf("%d calls", len(calls))
	}

	// With both clocks agreeing the token is bad, one retry, then the error.
	clock.Set(t0.Add(-time.Hour))
	k.tokens.drop(k.tokens.token)
	f.SetClock(func() time.Time { return t0 })
	_, err = k.Poll(context.Background(), ref)
	var pe *ProviderError
	if !errors.As(err, &pe) || pe.Status != http.StatusUnauthorized || pe.Message != keyRefused || pe.Retryable {
		t.Fatalf("got %v", err)
	}
	if n := len(f.CallsTo(Kling)); n != 5 {
		t.Fatalf("%d calls, want 2 more", n)
	}
}

func TestKlingRejectsATokenSignedWithAnotherSecret(t *testing.T) {
	f := newFake(t)
	p := newProvider(t, f, Kling, Config{APIKey: testKeys.KlingAccess + ":not-the-secret"})
	_, err := p.Submit(context.Background(), Request{Prompt: "x"})
	var pe *ProviderError
	if !errors.As(err, &pe) || pe.Status != 401 {
		t.Fatalf("got %v", err)
	}
}

func TestKlingMapsItsTaskStatusesAndCodes(t *testing.T) {
	cases := []struct {
		status    int
		body      string
		want      State
		url, fail string
		errStatus int
		retryable bool
	}{
		{200, `{"code":0,"data":{"task_status":"submitted"}}`, Queued, "", "", 0, false},
		{200, `{"code":0,"data":{"task_status":"processing"}}`, Running, "", "", 0, false},
		{200, `{"code":0,"data":{"task_status":"succeed","task_result":{"videos":[{"id":"v","url":"https://cdn/v.mp4","duration":"5"}]}}}`, Succeeded, "https://cdn/v.mp4", "", 0, false},
		{200, `{"code":0,"data":{"task_status":"failed","task_status_msg":"risk control"}}`, Failed, "", "risk control", 0, false},
		{200, `{"code":1201,"message":"bad params"}`, "", "", "", 400, false},
		{429, `{"code":1102,"message":"balance not enough"}`, "", "", "", 429, false},
		{429, `{"code":1303,"message":"parallel task over resource pack limit"}`, "", "", "", 429, true},
		{200, `{"code":1303,"message":"parallel task over resource pack limit"}`, "", "", "", 429, true},
		{503, `{"code":5001,"message":"unavailable"}`, "", "", "", 503, true},
		{200, `{"code":5002,"message":"timeout"}`, "", "", "", 504, true},
		{403, `{"code":1103,"message":"no permission"}`, "", "", "", 403, false},
		{502, `<html>bad gateway</html>`, "", "", "", 502, true},
	}
	for _, c := range cases {
		srv := stubServer(t, c.status, c.body, nil)
		p, _ := New(Kling, Config{APIKey: "a:b", BaseURL: srv.URL}, srv.Client())
		st, err := p.Poll(context.Background(), ProviderRef{ID: "t", Kind: "text2video"})
		if c.errStatus != 0 {
			var pe *ProviderError
			if !errors.As(err, &pe) || pe.Status != c.errStatus || pe.Retryable != c.retryable {
				t.Errorf("%s: got %+v %v", c.body, st, err)
			}
			continue
		}
		if err != nil || st.State != c.want || st.VideoURL != c.url || st.Failure != c.fail {
			t.Errorf("%s: got %+v %v", c.body, st, err)
		}
	}
}
