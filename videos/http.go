package videos

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/keinetech/kaine/money"
)

// Bounds on what is read of an answer: job documents are small, and an
// error page from a proxy can be large.
const (
	maxAnswer = 1 << 20
	maxError  = 64 << 10
)

// api is what every provider client shares: its name, where it is, the
// model and price it was configured with, and the caller's HTTP client.
type api struct {
	name   string
	base   *url.URL
	model  string
	price  money.MicroUSD
	client *http.Client
}

func (a *api) Name() string                   { return a.name }
func (a *api) pricePerSecond() money.MicroUSD { return a.price }

// endpoint is path under the base URL (which may have a path of its own).
func (a *api) endpoint(path string) string {
	return strings.TrimRight(a.base.String(), "/") + "/" + strings.TrimLeft(path, "/")
}

// sameOrigin checks a URL the provider handed back before the key is sent
// to it: a status URL on another host would receive the key.
func (a *api) sameOrigin(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != a.base.Scheme || u.Host != a.base.Host {
		return fmt.Errorf("video provider %s: refusing to poll %q, which is not on %s", a.name, raw, a.base.Host)
	}
	return nil
}

// answer is one HTTP answer, read.
type answer struct {
	status int
	header http.Header
	body   []byte
}

func (r answer) ok() bool { return r.status >= 200 && r.status < 300 }

// send makes one call: body (if not nil) as JSON, auth setting the
// credential headers. Any status is an answer; only a transport failure
// is an error, wrapped with what was being done.
func (a *api) send(ctx context.Context, method, target string, body any, auth func(http.Header)) (answer, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return answer{}, fmt.Errorf("video provider %s: encoding the request: %w", a.name, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, rd)
	if err != nil {
		return answer{}, fmt.Errorf("video provider %s: %w", a.name, err)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	auth(req.Header)
	resp, err := a.client.Do(req)
	if err != nil {
		return answer{}, fmt.Errorf("video provider %s: %s %s: %w", a.name, method, stripQuery(target), err)
	}
	defer resp.Body.Close()
	limit := int64(maxAnswer)
	if resp.StatusCode >= 300 {
		limit = maxError
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit))
	if err != nil && resp.StatusCode < 300 {
		return answer{}, fmt.Errorf("video provider %s: reading the answer to %s %s: %w", a.name, method, stripQuery(target), err)
	}
	// A failed read of an error answer still leaves enough for a message.
	return answer{status: resp.StatusCode, header: resp.Header, body: b}, nil
}

// decode reads a 2xx answer's JSON.
func (a *api) decode(r answer, v any) error {
	if err := json.Unmarshal(r.body, v); err != nil {
		return fmt.Errorf("video provider %s: reading the answer: %w", a.name, err)
	}
	return nil
}

func stripQuery(s string) string {
	s, _, _ = strings.Cut(s, "?")
	return s
}
