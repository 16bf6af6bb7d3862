package handlers

import (
	"errors"
	"net/http"
	"strings"

	"github.com/keinetech/kaine/accounts"
	"github.com/keinetech/kaine/metering"
)

// Authenticator resolves a presented API key to an identity.
type Authenticator interface {
	Authenticate(key string) (*accounts.Identity, error)
}

// BearerKey returns the key from an "Authorization: Bearer …" header, or ""
// when there is none. The scheme is case-insensitive (RFC 9110 §11.1).
func BearerKey(r *http.Request) string {
	v := r.Header.Get("Authorization")
	if len(v) < len("Bearer ") || !strings.EqualFold(v[:len("Bearer ")], "Bearer ") {
		return ""
	}
	return strings.TrimSpace(v[len("Bearer "):])
}

// sdkKeyHeaders are where the providers' SDKs put their key: Anthropic's
// x-api-key and Gemini's x-goog-api-key (OpenAI's is Authorization).
var sdkKeyHeaders = []string{"X-Api-Key", "X-Goog-Api-Key"}

// routeKey returns the key a request presents for route.
func routeKey(r *http.Request, route *Route) string {
	key := BearerKey(r)
	if key == "" && route.SDKKeys {
		for _, h := range sdkKeyHeaders {
			if key = strings.TrimSpace(r.Header.Get(h)); key != "" {
				break
			}
		}
	}
	return key
}

// Authenticate is the pipeline's auth step: it returns the caller's identity,
// or writes the 401 and returns nil.
func (a *API) Authenticate(w http.ResponseWriter, r *http.Request, route *Route) *accounts.Identity {
	key := routeKey(r, route)
	if key == "" {
		a.Errors.Write(w, CodeMissingAPIKey, "Send your API key in the Authorization header: \"Authorization: Bearer kn_live_…\".")
		return nil
	}
	id, err := a.Auth.Authenticate(key)
	switch {
	case err == nil:
		return id
	case errors.Is(err, accounts.ErrRevokedKey):
		a.Errors.Write(w, CodeRevokedAPIKey, "This API key was revoked. Create a new key and use it instead.")
	case errors.Is(err, accounts.ErrInvalidKey):
		a.Errors.Write(w, CodeInvalidAPIKey, "API key not found or revoked. Check that it was copied whole (kn_live_ and 32 letters or digits).")
	case errors.Is(err, metering.ErrStoreUnavailable):
		a.Errors.Send(w, &apiError{code: CodeStoreUnavailable, message: "This key could not be checked: the gateway cannot reach the state its fleet shares. Retry in " +
			storeRetryAfter + "s."})
	default:
		a.Errors.Internal(w, err, "The key could not be checked because of an internal error; try again.")
	}
	return nil
}

// Authorize is the pipeline's scope step: it reports whether the identity
// holds the route's scope, or writes the 403.
func (a *API) Authorize(w http.ResponseWriter, route *Route, id *accounts.Identity) bool {
	if id.Scopes.Has(route.Scope) {
		return true
	}
	a.Errors.Write(w, CodeInsufficientScope, "This key lacks the "+route.Scope.String()+" scope that "+route.Method+" "+route.Path+" needs. Create a key with that scope.")
	return false
}
