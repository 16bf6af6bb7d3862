package modellist

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/tidwall/gjson"
)

// protocol is how one provider family lists its models.
type protocol struct {
	// path is where the list is, under the base URL.
	path []string
	// authorize sets the credential headers for a non-empty key.
	authorize func(h http.Header, key string)
	// query is the query for the page that token names ("" for the first).
	query func(token string) url.Values
	// read returns a page's model ids and the token of the next page, ""
	// when this is the last.
	read func(answer gjson.Result) (ids []string, next string, err error)
}

func protocolNamed(name string) (protocol, error) {
	switch name {
	case "anthropic":
		return anthropic, nil
	case "openai":
		return openAI, nil
	case "gemini":
		return gemini, nil
	}
	return protocol{}, fmt.Errorf("listing models: unknown protocol %q (want anthropic, openai or gemini)", name)
}

// anthropic is GET /v1/models, paged by after_id while has_more.
var anthropic = protocol{
	path: []string{"v1", "models"},
	authorize: func(h http.Header, key string) {
		h.Set("x-api-key", key)
		h.Set("anthropic-version", "2023-06-01")
	},
	query: func(afterID string) url.Values {
		q := url.Values{"limit": {"1000"}}
		if afterID != "" {
			q.Set("after_id", afterID)
		}
		return q
	},
	read: func(answer gjson.Result) ([]string, string, error) {
		ids, err := listedIDs(answer, "data", "id")
		if err != nil || !answer.Get("has_more").Bool() {
			return ids, "", err
		}
		lastID := answer.Get("last_id").String()
		if lastID == "" {
			return nil, "", errors.New("the answer has more pages but no last_id to follow")
		}
		return ids, lastID, nil
	},
}

// openAI is GET /models. OpenAI answers in one page; a compatible server
// that pages says has_more and last_id, followed with after.
var openAI = protocol{
	path: []string{"models"},
	authorize: func(h http.Header, key string) {
		h.Set("Authorization", "Bearer "+key)
	},
	query: func(after string) url.Values {
		if after == "" {
			return nil
		}
		return url.Values{"after": {after}}
	},
	read: func(answer gjson.Result) ([]string, string, error) {
		ids, err := listedIDs(answer, "data", "id")
		if err != nil || !answer.Get("has_more").Bool() {
			return ids, "", err
		}
		return ids, answer.Get("last_id").String(), nil
	},
}

// gemini is GET /v1beta/models, paged by nextPageToken; its ids are the
// names without "models/".
var gemini = protocol{
	path: []string{"v1beta", "models"},
	authorize: func(h http.Header, key string) {
		h.Set("x-goog-api-key", key)
	},
	query: func(pageToken string) url.Values {
		q := url.Values{"pageSize": {"1000"}}
		if pageToken != "" {
			q.Set("pageToken", pageToken)
		}
		return q
	},
	read: func(answer gjson.Result) ([]string, string, error) {
		next := answer.Get("nextPageToken").String()
		// Google's JSON leaves an empty list out entirely.
		if !answer.Get("models").Exists() {
			return nil, next, nil
		}
		names, err := listedIDs(answer, "models", "name")
		for i, name := range names {
			names[i] = strings.TrimPrefix(name, "models/")
		}
		return names, next, err
	},
}

// listedIDs returns field of each entry of the answer's list. An entry
// without it is skipped: there is nothing to price or report.
func listedIDs(answer gjson.Result, list, field string) ([]string, error) {
	entries := answer.Get(list)
	if !entries.IsArray() {
		return nil, fmt.Errorf("the answer has no %s list", list)
	}
	var ids []string
	for _, entry := range entries.Array() {
		if id := entry.Get(field).String(); id != "" {
			ids = append(ids, id)
		}
	}
	return ids, nil
}
