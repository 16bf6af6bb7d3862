package routing

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/tidwall/gjson"
)

// maxAnswerBody bounds a non-streaming answer read into memory; a text
// answer is far smaller, so more means something is wrong upstream.
const maxAnswerBody = 16 << 20

// httpClient returns hc, or a client on its own pooled transport. Neither
// has an overall timeout: the call's context carries the deadline, and a
// client timeout would cut long streams.
func httpClient(hc *http.Client) *http.Client {
	if hc != nil {
		return hc
	}
	return NewHTTPClient(NewTransport())
}

// endpointURL joins a configured base URL and a path, tolerating a
// trailing slash on the base.
func endpointURL(baseURL, path string) string {
	return strings.TrimRight(baseURL, "/") + path
}

// sentTemperature is the temperature field to send: nil when the call
// sets none or the model refuses one, so it is left out of the body.
func sentTemperature(model *Model, req Request) *float64 {
	if req.Temperature == nil {
		return nil
	}
	t, ok := model.Temperature(*req.Temperature)
	if !ok {
		return nil
	}
	return &t
}

// sentTopP is the top_p to send: nil when the call sets none or the model
// refuses sampling parameters, as it refuses a temperature.
func sentTopP(model *Model, req Request) *float64 {
	if model.NoTemperature {
		return nil
	}
	return req.TopP
}

// post sends a JSON request body (see encodeBody) and returns the response
// if the provider accepted it (2xx); the caller closes its body. Otherwise
// the error is an *UpstreamError and the body is already closed. The key
// is only needed to scrub it from error messages.
func post(ctx context.Context, hc *http.Client, url string, header http.Header, body []byte, key string, parse errorParser) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("building the request: %w", err)
	}
	header.Set("Content-Type", "application/json")
	req.Header = header
	resp, err := hc.Do(req)
	if err != nil {
		return nil, transportError(ctx, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		defer resp.Body.Close()
		return nil, responseError(resp, key, parse)
	}
	return resp, nil
}

// readAnswer reads a non-streaming answer and checks that it is JSON.
func readAnswer(ctx context.Context, resp *http.Response) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswerBody+1))
	if err != nil {
		return nil, transportError(ctx, fmt.Errorf("reading the answer: %w", err))
	}
	if len(body) > maxAnswerBody {
		return nil, invalidAnswer(resp.StatusCode, "the answer is over 16 MiB")
	}
	if !gjson.ValidBytes(body) {
		return nil, invalidAnswer(resp.StatusCode, "the answer is not JSON")
	}
	return body, nil
}

// transportError wraps a failure to reach the provider or to read its
// answer. When the call's context ended, that is made the cause, so
// errors.Is(err, context.Canceled) holds whatever the transport reported.
func transportError(ctx context.Context, err error) *UpstreamError {
	if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
		err = fmt.Errorf("%w: %w", ctxErr, err)
	}
	return &UpstreamError{Err: err}
}

// invalidAnswer is an answer that does not follow the protocol; the
// provider is at fault, so the router fails over.
func invalidAnswer(status int, msg string) *UpstreamError {
	return &UpstreamError{Status: status, Type: "invalid_response", Message: msg}
}

// answerReader reads one protocol's whole (non-streamed) answer into res.
type answerReader func(answer gjson.Result, res *Result)

// readGenerated finishes a non-streaming call: the answer read (bounded,
// checked to be JSON) and handed to read. send's error passes through.
func readGenerated(ctx context.Context, resp *http.Response, err error, model *Model, read answerReader) (Result, error) {
	res := Result{Model: model.ID}
	if err != nil {
		return res, err
	}
	defer resp.Body.Close()
	body, err := readAnswer(ctx, resp)
	if err != nil {
		return res, err
	}
	read(gjson.ParseBytes(body), &res)
	return res, nil
}
