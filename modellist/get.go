package modellist

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/tidwall/gjson"
)

// get fetches one page and returns its JSON. Its errors never hold the
// key, nor the URL's query, which might one day carry one.
func get(ctx context.Context, hc *http.Client, target *url.URL, p protocol, key string) (gjson.Result, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target.String(), nil)
	if err != nil {
		return gjson.Result{}, fmt.Errorf("building the request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	if key != "" {
		p.authorize(req.Header, key)
	}
	resp, err := hc.Do(req)
	if err != nil {
		// url.Error repeats the whole URL; keep only its cause.
		if ue, ok := errors.AsType[*url.Error](err); ok {
			err = ue.Err
		}
		return gjson.Result{}, fmt.Errorf("no answer: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return gjson.Result{}, statusError(resp, key)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil {
		return gjson.Result{}, fmt.Errorf("reading the answer: %w", err)
	}
	if len(body) > maxAnswer {
		return gjson.Result{}, fmt.Errorf("the answer is over %d MiB: refused", maxAnswer>>20)
	}
	if !gjson.ValidBytes(body) {
		return gjson.Result{}, errors.New("the answer is not JSON")
	}
	return gjson.ParseBytes(body), nil
}
