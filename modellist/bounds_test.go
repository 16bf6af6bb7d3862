package modellist

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestLoopingPageTokenStops(t *testing.T) {
	for _, c := range []struct {
		protocol string
		page     func(n int64) string
		requests int64
	}{
		{"gemini", func(int64) string {
			return `{"models":[{"name":"models/gemini-2.5-flash"}],"nextPageToken":"same-again"}`
		}, 2},
		{"anthropic", func(n int64) string {
			return fmt.Sprintf(`{"data":[{"type":"model","id":"m%d"}],"has_more":true,"last_id":"id-%d"}`, n, n%2)
		}, 3},
		{"openai", func(int64) string {
			return `{"object":"list","data":[{"id":"m"}],"has_more":true,"last_id":"m"}`
		}, 2},
	} {
		t.Run(c.protocol, func(t *testing.T) {
			var requests atomic.Int64
			srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				writeJSON(w, http.StatusOK, c.page(requests.Add(1)))
			}))

			_, err := List(t.Context(), srv.Client(), c.protocol, srv.URL, testKey)
			if err == nil || !strings.Contains(err.Error(), "looping") {
				t.Errorf("error = %v, want one saying the server loops", err)
			}
			if n := requests.Load(); n != c.requests {
				t.Errorf("%d requests, want %d", n, c.requests)
			}
		})
	}
}

func TestEndlessPagesStopAtTheLimit(t *testing.T) {
	var requests atomic.Int64
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		n := requests.Add(1)
		writeJSON(w, http.StatusOK, fmt.Sprintf(`{"models":[{"name":"models/m%d"}],"nextPageToken":"t%d"}`, n, n))
	}))

	_, err := List(t.Context(), srv.Client(), "gemini", srv.URL, testKey)
	if err == nil || !strings.Contains(err.Error(), "past 20 pages") {
		t.Errorf("error = %v, want one about the page limit", err)
	}
	if n := requests.Load(); n != maxPages {
		t.Errorf("%d requests, want %d", n, maxPages)
	}
}

func TestOversizedAnswerIsRefused(t *testing.T) {
	body := `{"object":"list","data":[` + strings.Repeat(" ", maxAnswer) + `]}`
	srv := literalServer(t, http.StatusOK, body)

	_, err := List(t.Context(), srv.Client(), "openai", srv.URL, testKey)
	if err == nil || !strings.Contains(err.Error(), "over 8 MiB") {
		t.Errorf("error = %v, want one saying the answer is over 8 MiB", err)
	}
}

func TestMalformedAnswers(t *testing.T) {
	for _, c := range []struct{ name, protocol, body, want string }{
		{"not JSON", "openai", `<html>ok</html>`, "not JSON"},
		{"no list", "openai", `{"object":"list"}`, "no data list"},
		{"list of the wrong type", "anthropic", `{"data":{"id":"claude-sonnet-4-6"}}`, "no data list"},
		{"more pages but nowhere to go", "anthropic", `{"data":[{"id":"claude-sonnet-4-6"}],"has_more":true}`, "no last_id"},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := literalServer(t, http.StatusOK, c.body)

			_, err := List(t.Context(), srv.Client(), c.protocol, srv.URL, testKey)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error = %v, want one saying %q", err, c.want)
			}
		})
	}
}

// TestCancelEndsHungCall cancels while the server holds the call, before
// its headers and in the middle of its body.
func TestCancelEndsHungCall(t *testing.T) {
	for _, c := range []struct {
		name       string
		beforeHang func(http.ResponseWriter)
	}{
		{"before headers", func(http.ResponseWriter) {}},
		{"mid-body", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"object":"list","data":[`))
			w.(http.Flusher).Flush()
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			hanging := make(chan struct{})
			srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				c.beforeHang(w)
				close(hanging)
				<-r.Context().Done()
			}))
			ctx, cancel := context.WithCancel(t.Context())
			done := make(chan error, 1)
			go func() {
				_, err := List(ctx, srv.Client(), "openai", srv.URL, testKey)
				done <- err
			}()

			<-hanging
			cancel()
			select {
			case err := <-done:
				if !errors.Is(err, context.Canceled) {
					t.Errorf("error = %v, want context.Canceled", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("List did not return after its context was cancelled")
			}
		})
	}
}

func TestConnectionErrorLeavesOutTheQuery(t *testing.T) {
	srv := newServer(t, http.NotFoundHandler())
	srv.Close()

	_, err := List(t.Context(), srv.Client(), "gemini", srv.URL, testKey)
	if err == nil {
		t.Fatal("List of a closed server succeeded")
	}
	if msg := err.Error(); strings.Contains(msg, "pageSize") || !strings.Contains(msg, "no answer") {
		t.Errorf("error = %q, want a failed connection without the URL's query", msg)
	}
}

func TestUnknownProtocol(t *testing.T) {
	_, err := List(t.Context(), http.DefaultClient, "cohere", "https://api.example.com", testKey)
	if err == nil || !strings.Contains(err.Error(), `unknown protocol "cohere"`) {
		t.Errorf("error = %v, want one naming the unknown protocol", err)
	}
}
