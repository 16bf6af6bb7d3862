package caddymodule

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"

	"github.com/keinetech/kaine/accounts"
)

func init() {
	caddy.RegisterModule(adminAPI{})
}

// adminAPI serves the operator's routes on Caddy's admin endpoint
// (localhost:2019 by default): users and API keys.
//
//	POST   /kaine/users        {"username","email","tier"}
//	GET    /kaine/users
//	PATCH  /kaine/users/{id}   {"tier"}
//	POST   /kaine/users/{id}/login-link   → {"url","expires_at"}: a one-time dashboard sign-in
//	DELETE /kaine/users/{id}/sessions     → {"ended"}: every dashboard session of the user
//	GET    /kaine/users/{id}/audit-verify[?since=RFC3339] → the check of the user's audit hash chain
//	POST   /kaine/keys         {"username" or "user_id","scopes","name"}
//	GET    /kaine/keys[?user_id=N]
//	DELETE /kaine/keys/{id}
type adminAPI struct{}

// CaddyModule returns the Caddy module information.
func (adminAPI) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{ID: "admin.api.kaine", New: func() caddy.Module { return adminAPI{} }}
}

// Routes returns the admin routes. Caddy loads admin modules without config
// and before any app, so the kaine app is looked up per request: a router
// must never keep the app of a config that failed to start.
func (adminAPI) Routes() []caddy.AdminRoute {
	return []caddy.AdminRoute{{Pattern: "/kaine/", Handler: caddy.AdminHandlerFunc(serveAdmin)}}
}

const maxAdminBody = 64 << 10

func serveAdmin(w http.ResponseWriter, r *http.Request) error {
	mod, err := caddy.ActiveContext().AppIfConfigured("kaine")
	if err != nil {
		return apiError(http.StatusServiceUnavailable, "the running config has no kaine app: add a kaine global option or directive")
	}
	app := mod.(*App)
	resource, id, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/kaine/"), "/")
	id, action, _ := strings.Cut(id, "/")
	switch {
	case resource == "users" && action == "login-link" && r.Method == http.MethodPost:
		return app.adminLoginLink(w, id)
	case resource == "users" && action == "sessions" && r.Method == http.MethodDelete:
		return app.adminEndSessions(w, id)
	case resource == "users" && action == "audit-verify" && r.Method == http.MethodGet:
		return app.adminVerifyAudit(w, r, id)
	case action != "":
		return apiError(http.StatusNotFound, fmt.Sprintf("no admin route %s %s", r.Method, r.URL.Path))
	case resource == "users" && id == "" && r.Method == http.MethodPost:
		return app.adminCreateUser(w, r)
	case resource == "users" && id == "" && r.Method == http.MethodGet:
		return app.adminListUsers(w)
	case resource == "users" && id != "" && r.Method == http.MethodPatch:
		return app.adminSetTier(w, r, id)
	case resource == "keys" && id == "" && r.Method == http.MethodPost:
		return app.adminCreateKey(w, r)
	case resource == "keys" && id == "" && r.Method == http.MethodGet:
		return app.adminListKeys(w, r)
	case resource == "keys" && id != "" && r.Method == http.MethodDelete:
		return app.adminRevokeKey(w, id)
	case resource == "users" || resource == "keys":
		return apiError(http.StatusMethodNotAllowed, fmt.Sprintf("%s %s is not an admin route", r.Method, r.URL.Path))
	}
	return apiError(http.StatusNotFound, fmt.Sprintf("no admin route %s; see /kaine/users and /kaine/keys", r.URL.Path))
}

func apiError(status int, msg string) error {
	return caddy.APIError{HTTPStatus: status, Err: errors.New(msg), Message: msg}
}

// accountsError maps a store error to the admin answer: the operator's
// mistakes are 400s, the rest 500s.
func accountsError(err error) error {
	switch {
	case errors.Is(err, accounts.ErrInvalidInput), errors.Is(err, accounts.ErrUsernameTaken), errors.Is(err, accounts.ErrUserNotFound):
		return apiError(http.StatusBadRequest, err.Error())
	case errors.Is(err, accounts.ErrKeyNotFound):
		return apiError(http.StatusNotFound, err.Error())
	}
	return caddy.APIError{HTTPStatus: http.StatusInternalServerError, Err: err}
}

func decodeBody(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, maxAdminBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return apiError(http.StatusBadRequest, "reading request body: "+err.Error())
	}
	return nil
}

func writeAdminJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(v)
}

func parseID(s, what string) (uint64, error) {
	id, err := strconv.ParseUint(s, 10, 64)
	if err != nil || id == 0 {
		return 0, apiError(http.StatusBadRequest, fmt.Sprintf("%s %q is not a positive whole number", what, s))
	}
	return id, nil
}

func (a *App) checkTier(tier string) error {
	if a.hasTier(tier) {
		return nil
	}
	return apiError(http.StatusBadRequest, fmt.Sprintf("unknown tier %q (configured: %s)", tier, strings.Join(a.tierNames(), ", ")))
}

func (a *App) adminCreateUser(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Username string `json:"username"`
		Email    string `json:"email"`
		Tier     string `json:"tier"`
	}
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	if err := a.checkTier(req.Tier); err != nil {
		return err
	}
	u, err := a.accountStore().CreateUser(req.Username, req.Email, req.Tier)
	if err != nil {
		return accountsError(err)
	}
	return writeAdminJSON(w, http.StatusCreated, u)
}

func (a *App) adminListUsers(w http.ResponseWriter) error {
	users, err := a.accountStore().Users()
	if err != nil {
		return accountsError(err)
	}
	if users == nil {
		users = []accounts.User{}
	}
	return writeAdminJSON(w, http.StatusOK, map[string]any{"users": users})
}

func (a *App) adminSetTier(w http.ResponseWriter, r *http.Request, idText string) error {
	id, err := parseID(idText, "user id")
	if err != nil {
		return err
	}
	var req struct {
		Tier string `json:"tier"`
	}
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	if err := a.checkTier(req.Tier); err != nil {
		return err
	}
	u, err := a.accountStore().SetTier(id, req.Tier)
	if errors.Is(err, accounts.ErrUserNotFound) {
		return apiError(http.StatusNotFound, err.Error())
	}
	if err != nil {
		return accountsError(err)
	}
	return writeAdminJSON(w, http.StatusOK, u)
}

type createdKey struct {
	Key    string          `json:"key"`
	KeyID  uint64          `json:"key_id"`
	UserID uint64          `json:"user_id"`
	Name   string          `json:"name"`
	Scopes accounts.Scopes `json:"scopes"`
	Prefix string          `json:"prefix"`
}

func (a *App) adminCreateKey(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Username string   `json:"username"`
		UserID   uint64   `json:"user_id"`
		Scopes   []string `json:"scopes"`
		Name     string   `json:"name"`
	}
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	scopes, err := accounts.ParseScopes(req.Scopes)
	if err != nil {
		return accountsError(err)
	}
	store := a.accountStore()
	userID := req.UserID
	switch {
	case req.Username != "" && req.UserID != 0:
		return apiError(http.StatusBadRequest, "give username or user_id, not both")
	case req.Username != "":
		u, err := store.UserByName(req.Username)
		if err != nil {
			return accountsError(err)
		}
		userID = u.ID
	case userID == 0:
		return apiError(http.StatusBadRequest, "username or user_id is required")
	}
	secret, key, err := store.CreateKey(userID, req.Name, scopes)
	if err != nil {
		return accountsError(err)
	}
	return writeAdminJSON(w, http.StatusCreated, createdKey{
		Key: secret, KeyID: key.ID, UserID: key.UserID, Name: key.Name, Scopes: key.Scopes, Prefix: key.Prefix,
	})
}

func (a *App) adminListKeys(w http.ResponseWriter, r *http.Request) error {
	var userID uint64
	if v := r.URL.Query().Get("user_id"); v != "" {
		id, err := parseID(v, "user_id")
		if err != nil {
			return err
		}
		userID = id
	}
	keys, err := a.accountStore().Keys(userID)
	if err != nil {
		return accountsError(err)
	}
	if keys == nil {
		keys = []accounts.Key{}
	}
	return writeAdminJSON(w, http.StatusOK, map[string]any{"keys": keys})
}

func (a *App) adminRevokeKey(w http.ResponseWriter, idText string) error {
	id, err := parseID(idText, "key id")
	if err != nil {
		return err
	}
	key, err := a.accountStore().RevokeKey(id)
	if err != nil {
		return accountsError(err)
	}
	return writeAdminJSON(w, http.StatusOK, map[string]any{"key_id": key.ID, "revoked": true})
}

func (a *App) adminLoginLink(w http.ResponseWriter, idText string) error {
	id, err := parseID(idText, "user id")
	if err != nil {
		return err
	}
	link, expires, err := a.loginLink(id)
	if err != nil {
		return err
	}
	return writeAdminJSON(w, http.StatusCreated, map[string]any{"user_id": id, "url": link, "expires_at": expires})
}

func (a *App) adminEndSessions(w http.ResponseWriter, idText string) error {
	id, err := parseID(idText, "user id")
	if err != nil {
		return err
	}
	ended, err := a.endSignIns(id)
	if err != nil {
		return err
	}
	return writeAdminJSON(w, http.StatusOK, map[string]any{"user_id": id, "ended": ended})
}

// adminVerifyAudit checks a user's audit hash chain since ?since (RFC
// 3339; absent: all of it). A broken chain is a 200 whose ok is false.
func (a *App) adminVerifyAudit(w http.ResponseWriter, r *http.Request, idText string) error {
	id, err := parseID(idText, "user id")
	if err != nil {
		return err
	}
	var since time.Time
	if s := r.URL.Query().Get("since"); s != "" {
		if since, err = time.Parse(time.RFC3339Nano, s); err != nil {
			return apiError(http.StatusBadRequest, fmt.Sprintf("since %q is not an RFC 3339 time", s))
		}
	}
	v, err := a.auditLog().Verify(id, since)
	if err != nil {
		return caddy.APIError{HTTPStatus: http.StatusInternalServerError, Err: err}
	}
	return writeAdminJSON(w, http.StatusOK, v)
}

// Interface guards
var _ caddy.AdminRouter = adminAPI{}
