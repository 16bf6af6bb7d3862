// Package openapitest holds the gateway's answers to openapi.yaml while
// tests make them: a transport that checks every /v1 request a test sends
// to a gateway it watches, and the answer, against the document.
package openapitest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/keinetech/kaine"
)

// maxChecked bounds the answers read whole to be checked; a longer one
// (none of the API's) is passed on unchecked.
const maxChecked = 8 << 20

// Checker checks the traffic of the gateways it watches.
type Checker struct {
	router routers.Router
	// errorShapes are the bodies an error may have: Kaine's, or Kaine's
	// beside an SDK's on the fronts' paths.
	errorShapes []*openapi3.Schema
	mu          sync.Mutex
	tests       map[string]*watch // host:port → the test that watches it
}

// watch is one test's hold on a gateway's address; done once the test
// ends, so nothing is reported to a finished test.
type watch struct {
	mu   sync.Mutex
	t    testing.TB
	done bool
}

// New loads openapi.yaml.
func New() (*Checker, error) {
	doc, err := openapi3.NewLoader().LoadFromData(kaine.OpenAPI)
	if err != nil {
		return nil, fmt.Errorf("loading openapi.yaml: %w", err)
	}
	doc.Servers = nil // match paths on whatever loopback address a test uses
	router, err := legacy.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("openapi.yaml: %w", err)
	}
	c := &Checker{router: router, tests: map[string]*watch{}}
	for _, name := range []string{"Error", "SDKErrorBody"} {
		shape := doc.Components.Schemas[name]
		if shape == nil || shape.Value == nil {
			return nil, fmt.Errorf("openapi.yaml has no components.schemas.%s", name)
		}
		c.errorShapes = append(c.errorShapes, shape.Value)
	}
	return c, nil
}

// Watch checks, until t ends, what is sent to the gateway at baseURL.
func (c *Checker) Watch(t testing.TB, baseURL string) {
	host := strings.TrimPrefix(strings.TrimPrefix(baseURL, "http://"), "https://")
	host, _, _ = strings.Cut(host, "/")
	w := &watch{t: t}
	c.mu.Lock()
	c.tests[host] = w
	c.mu.Unlock()
	t.Cleanup(func() {
		w.mu.Lock()
		w.done = true
		w.mu.Unlock()
		c.mu.Lock()
		if c.tests[host] == w {
			delete(c.tests, host)
		}
		c.mu.Unlock()
	})
}

func (w *watch) errorf(format string, args ...any) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Errorf("openapi.yaml: "+format, args...)
	}
}

// Transport checks what goes through next to the watched gateways.
func (c *Checker) Transport(next http.RoundTripper) http.RoundTripper {
	return checking{c, next}
}

type checking struct {
	c    *Checker
	next http.RoundTripper
}

func (k checking) RoundTrip(req *http.Request) (*http.Response, error) {
	k.c.mu.Lock()
	w := k.c.tests[req.URL.Host]
	k.c.mu.Unlock()
	if w == nil || !strings.HasPrefix(req.URL.Path, "/v1/") {
		return k.next.RoundTrip(req)
	}
	var body []byte
	if req.Body != nil && req.Body != http.NoBody {
		var err error
		if body, err = io.ReadAll(req.Body); err != nil {
			return nil, err
		}
		req.Body.Close()
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	resp, err := k.next.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	k.c.check(w, req, body, resp)
	return resp, nil
}

type answerOnlyKey struct{}

// AnswerOnly marks a request whose answer alone is to be checked: hostile
// input (JSON nested past what the checker's decoder takes, -0 from an
// underflow) that the gateway reads and the checker cannot judge.
func AnswerOnly(ctx context.Context) context.Context {
	return context.WithValue(ctx, answerOnlyKey{}, true)
}

// check holds the request and its answer to the document: the answer must
// be one the operation documents; a request the document refuses must be
// refused (4xx); a path it lacks must be refused (4xx) in a documented
// error shape.
func (c *Checker) check(w *watch, req *http.Request, body []byte, resp *http.Response) {
	op := req.Method + " " + req.URL.Path
	checked := req.Clone(context.Background())
	checked.Body = io.NopCloser(bytes.NewReader(body))
	if len(body) > 0 && checked.Header.Get("Content-Type") == "" {
		// The gateway reads every body as JSON, whatever it is labelled.
		checked.Header.Set("Content-Type", "application/json")
	}
	route, params, err := c.router.FindRoute(checked)
	if err != nil {
		// A path the document lacks is refused, in the error shape (the
		// key and the rate are checked first: 401 and 429 come before 404).
		answer, _ := readAnswer(req, resp)
		if resp.StatusCode < 400 || resp.StatusCode > 499 {
			w.errorf("%s is not in the document, and was answered %d", op, resp.StatusCode)
		} else if !c.isError(answer) {
			w.errorf("%s: the %d answer is not an error of a documented shape:\n%s", op, resp.StatusCode, clip(answer))
		}
		return
	}
	opts := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, IncludeResponseStatus: true, MultiError: true}
	in := &openapi3filter.RequestValidationInput{Request: checked, PathParams: params, Route: route, Options: opts}
	answerOnly := req.Context().Value(answerOnlyKey{}) != nil
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil && resp.StatusCode < 400 && !answerOnly {
		w.errorf("%s: a request the document refuses was answered %d: %v", op, resp.StatusCode, err)
	}
	answer, ok := readAnswer(req, resp)
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true, ExcludeResponseBody: !ok}}
	out.SetBodyBytes(answer)
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		w.errorf("%s: the %d answer is not the documented one: %v\n%s", op, resp.StatusCode, err, clip(answer))
	}
}

// isError reports whether body is an error of one of the documented
// shapes.
func (c *Checker) isError(body []byte) bool {
	v := decoded(body)
	for _, shape := range c.errorShapes {
		if shape.VisitJSON(v) == nil {
			return true
		}
	}
	return false
}

// readAnswer reads a JSON answer whole and gives it back to the caller
// unread; a stream (its events arrive as the test reads them) or a body
// past maxChecked is left alone, and ok is false.
func readAnswer(req *http.Request, resp *http.Response) (body []byte, ok bool) {
	media, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if media != "application/json" || req.Method == http.MethodHead || resp.ContentLength > maxChecked {
		return nil, false
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxChecked+1))
	if err != nil {
		// The caller reads what came, then the same failure.
		resp.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(body), failing{err}), resp.Body}
		return nil, false
	}
	rest := resp.Body
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(body), rest), rest}
	return body, len(body) <= maxChecked
}

type failing struct{ err error }

func (f failing) Read([]byte) (int, error) { return 0, f.err }

// decoded is body as JSON values, nil when it is not JSON.
func decoded(body []byte) any {
	var v any
	if json.Unmarshal(body, &v) != nil {
		return nil
	}
	return v
}

func clip(b []byte) string {
	if len(b) > 600 {
		return string(b[:600]) + "…"
	}
	return string(b)
}

// CloseIdleConnections closes next's, as http.Client.CloseIdleConnections
// expects of a transport.
func (k checking) CloseIdleConnections() {
	if c, ok := k.next.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}
