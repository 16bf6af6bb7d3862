// Package metaads drafts and reads campaigns of one Meta ad account through
// the Marketing API (Graph API). Everything it creates is PAUSED: a person
// turns spending on in Ads Manager.
package metaads

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/keinetech/kaine/internal/clip"
)

// DefaultBaseURL is Graph's address, used when Account.BaseURL is empty.
const DefaultBaseURL = "https://graph.facebook.com"

// answerClip bounds the body kept in an Exchange, in characters.
const answerClip = 4 << 10

// maxAnswer bounds the body read from Meta; no answer used here comes near it.
const maxAnswer = 4 << 20

// Account is one ad account's connection.
type Account struct {
	BaseURL   string // default https://graph.facebook.com
	Version   string // e.g. v21.0
	AdAccount string // the ad account's id, digits (the API path uses act_<id>)
	PageID    string // the Facebook page the ads run as
	Token     string // a system user's access token
}

// Client talks to the Graph API for one ad account.
type Client struct {
	baseURL   string
	version   string
	adAccount string
	pageID    string
	token     string
	hc        *http.Client
}

// New returns a client for the account; hc nil means http.DefaultClient.
func New(a Account, hc *http.Client) *Client {
	if hc == nil {
		hc = http.DefaultClient
	}
	base := a.BaseURL
	if base == "" {
		base = DefaultBaseURL
	}
	return &Client{
		baseURL:   strings.TrimRight(base, "/"),
		version:   a.Version,
		adAccount: strings.TrimPrefix(a.AdAccount, "act_"),
		pageID:    a.PageID,
		token:     a.Token,
		hc:        hc,
	}
}

// Exchange is one call to Meta as recorded for the account: never the token.
type Exchange struct {
	Method string `json:"method"`
	Path   string `json:"path"`   // e.g. /v21.0/act_123/campaigns
	Asked  string `json:"asked"`  // the form parameters sent (url-encoded, access_token removed) or the query
	Status int    `json:"status"` // Meta's HTTP status, 0 when no answer came
	Answer string `json:"answer"` // Meta's body, clipped to 4,096 characters
}

// accountPath is the path of an edge of the ad account, e.g. "campaigns".
func (c *Client) accountPath(edge string) string {
	return "/" + c.version + "/act_" + c.adAccount + "/" + edge
}

// call sends params to path (a form body for POST, the query for GET) and
// decodes a 2xx answer into out. The token travels only in the Authorization
// header, so neither the URL nor the recorded Asked can hold it.
func (c *Client) call(ctx context.Context, method, path string, params url.Values, out any) (Exchange, error) {
	asked := params.Encode()
	ex := Exchange{Method: method, Path: path, Asked: asked}
	target := c.baseURL + path
	var body io.Reader
	if method == http.MethodGet {
		if asked != "" {
			target += "?" + asked
		}
	} else {
		body = strings.NewReader(asked)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return ex, fmt.Errorf("building %s %s: %w", method, path, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.hc.Do(req)
	if err != nil {
		return ex, fmt.Errorf("calling %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	ex.Status = resp.StatusCode
	ex.Answer = clip.Runes(string(raw), answerClip)
	if err != nil {
		return ex, fmt.Errorf("reading the answer to %s %s: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		return ex, parseError(resp.StatusCode, raw)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return ex, fmt.Errorf("decoding the answer to %s %s: %w", method, path, err)
	}
	return ex, nil
}
