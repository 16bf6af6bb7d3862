// Package fakegraph is an httptest server faking the Marketing API endpoints
// package metaads calls: creating campaigns, ad sets, creatives and ads on
// one ad account, listing its campaigns and reading a campaign's insights.
// It answers with Graph's shapes and error envelopes, and refuses any create
// whose status is not PAUSED, so a test proves nothing is made to spend.
package fakegraph

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Defaults of a new Server.
const (
	Version   = "v21.0"
	AdAccount = "1234567890"
	Token     = "fake-system-user-token"
)

// Campaign is a created campaign as the fake keeps it.
type Campaign struct {
	ID, Name, Objective, Status string
	SpecialAdCategories         []string
	DailyBudget                 string // cents as Meta keeps them; empty when the ad sets hold the budget
}

// AdSet is a created ad set.
type AdSet struct {
	ID, Name, CampaignID, Status                             string
	DailyBudget, BillingEvent, OptimizationGoal, BidStrategy string
	Countries                                                []string
}

// Creative is a created ad creative with its link_data.
type Creative struct {
	ID, Name, PageID        string
	Link, Message, Headline string
}

// Ad is a created ad.
type Ad struct {
	ID, Name, AdSetID, CreativeID, Status string
}

// Day is one day of a campaign's figures, served by insights.
type Day struct {
	Date        string // YYYY-MM-DD
	Impressions int64
	Clicks      int64
	Spend       string // decimal, as Meta gives it
	Leads       int64  // served as the "lead" action, omitted when 0
}

// Request is one request the fake received.
type Request struct {
	Method        string
	Path          string
	Query         url.Values
	Form          url.Values // a POST's body
	Authorization string
}

// Server fakes Graph for one ad account.
type Server struct {
	URL       string
	Version   string
	AdAccount string // digits, without act_
	Token     string // the only token accepted

	srv *httptest.Server

	mu             sync.Mutex
	nextID         int64
	expired        bool
	rateLimitCode  int
	rejectCreative bool
	campaigns      []Campaign // in creation order
	adSets         []AdSet
	creatives      []Creative
	ads            []Ad
	insights       map[string][]Day
	requests       []Request
}

// New starts a fake; Close it when done.
func New() *Server {
	s := &Server{
		Version:   Version,
		AdAccount: AdAccount,
		Token:     Token,
		nextID:    120210000000000000,
		insights:  map[string][]Day{},
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	return s
}

// Close shuts the server down.
func (s *Server) Close() { s.srv.Close() }

// ExpireToken makes every later request fail as Graph does for an expired
// session (code 190, subcode 463).
func (s *Server) ExpireToken() { s.lock(func() { s.expired = true }) }

// RateLimit makes every later request fail with Graph's throttle of that
// code (17 for the user, 80004 for ads management); 0 turns it off.
func (s *Server) RateLimit(code int) { s.lock(func() { s.rateLimitCode = code }) }

// RejectCreatives makes creative creation fail on policy (code 100, subcode
// 1487390, with error_user_title and error_user_msg).
func (s *Server) RejectCreatives(on bool) { s.lock(func() { s.rejectCreative = on }) }

// SetInsights sets the per-day figures served for a campaign's insights.
func (s *Server) SetInsights(campaignID string, days ...Day) {
	s.lock(func() { s.insights[campaignID] = slices.Clone(days) })
}

// Campaigns returns the campaigns created, oldest first.
func (s *Server) Campaigns() []Campaign {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.campaigns)
}

// AdSets returns the ad sets created, oldest first.
func (s *Server) AdSets() []AdSet {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.adSets)
}

// Creatives returns the creatives created, oldest first.
func (s *Server) Creatives() []Creative {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.creatives)
}

// Ads returns the ads created, oldest first.
func (s *Server) Ads() []Ad {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.ads)
}

// Requests returns every request received, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// AddCampaign stores a campaign as if made elsewhere (in Ads Manager, say),
// with any status and an optional campaign budget, and returns its id.
func (s *Server) AddCampaign(name, objective, status, dailyBudget string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.newID()
	s.campaigns = append(s.campaigns, Campaign{ID: id, Name: name, Objective: objective, Status: status, DailyBudget: dailyBudget})
	return id
}

func (s *Server) lock(f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f()
}

// newID returns a fresh Graph-like numeric id; the caller holds mu.
func (s *Server) newID() string {
	s.nextID++
	return strconv.FormatInt(s.nextID, 10)
}

// graphError is Graph's error envelope.
type graphError struct {
	Message     string `json:"message"`
	Type        string `json:"type"`
	Code        int    `json:"code"`
	Subcode     int    `json:"error_subcode,omitempty"`
	IsTransient bool   `json:"is_transient,omitempty"`
	UserTitle   string `json:"error_user_title,omitempty"`
	UserMsg     string `json:"error_user_msg,omitempty"`
	FBTraceID   string `json:"fbtrace_id"`
	status      int
}

func invalidParam(format string, args ...any) *graphError {
	return &graphError{status: http.StatusBadRequest, Type: "OAuthException", Code: 100,
		Message: "(#100) " + fmt.Sprintf(format, args...)}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client may have gone; nothing to tell it
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.fail(w, invalidParam("could not parse the request: %v", err))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, Request{
		Method:        r.Method,
		Path:          r.URL.Path,
		Query:         r.URL.Query(),
		Form:          r.PostForm,
		Authorization: r.Header.Get("Authorization"),
	})
	if gerr := s.authorize(r); gerr != nil {
		s.fail(w, gerr)
		return
	}
	if s.rateLimitCode != 0 {
		s.fail(w, &graphError{status: http.StatusBadRequest, Type: "OAuthException", Code: s.rateLimitCode,
			IsTransient: true, Message: fmt.Sprintf("(#%d) User request limit reached", s.rateLimitCode)})
		return
	}
	answer, gerr := s.route(r)
	if gerr != nil {
		s.fail(w, gerr)
		return
	}
	writeJSON(w, http.StatusOK, answer)
}

func (s *Server) fail(w http.ResponseWriter, gerr *graphError) {
	gerr.FBTraceID = "AfakeGraphTrace"
	writeJSON(w, gerr.status, map[string]any{"error": gerr})
}

// authorize accepts the token as Graph does: a Bearer header or the
// access_token parameter.
func (s *Server) authorize(r *http.Request) *graphError {
	token := r.Form.Get("access_token")
	if bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		token = bearer
	}
	switch {
	case token == "":
		return &graphError{status: http.StatusBadRequest, Type: "OAuthException", Code: 104,
			Message: "An access token is required to request this resource."}
	case token != s.Token || s.expired:
		return &graphError{status: http.StatusBadRequest, Type: "OAuthException", Code: 190, Subcode: 463,
			Message: "Error validating access token: Session has expired on Monday, 01-Jan-24 00:00:00 PST. The current time is Tuesday, 02-Jan-24 00:00:00 PST."}
	}
	return nil
}

// route dispatches /{version}/act_{id}/{edge} and /{version}/{id}/insights.
func (s *Server) route(r *http.Request) (any, *graphError) {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(parts) != 3 || parts[0] != s.Version {
		return nil, &graphError{status: http.StatusBadRequest, Type: "OAuthException", Code: 2500,
			Message: "Unknown path components: " + r.URL.Path}
	}
	node, edge := parts[1], parts[2]
	if edge == "insights" && r.Method == http.MethodGet && !strings.HasPrefix(node, "act_") {
		return s.serveInsights(node, r.Form)
	}
	if node != "act_"+s.AdAccount {
		return nil, &graphError{status: http.StatusBadRequest, Type: "GraphMethodException", Code: 100, Subcode: 33,
			Message: fmt.Sprintf("Unsupported %s request. Object with ID '%s' does not exist, cannot be loaded due to missing permissions, or does not support this operation.", strings.ToLower(r.Method), node)}
	}
	switch {
	case r.Method == http.MethodGet && edge == "campaigns":
		return s.listCampaigns(r.Form)
	case r.Method == http.MethodPost && edge == "campaigns":
		return s.createCampaign(r.PostForm)
	case r.Method == http.MethodPost && edge == "adsets":
		return s.createAdSet(r.PostForm)
	case r.Method == http.MethodPost && edge == "adcreatives":
		return s.createCreative(r.PostForm)
	case r.Method == http.MethodPost && edge == "ads":
		return s.createAd(r.PostForm)
	}
	return nil, &graphError{status: http.StatusBadRequest, Type: "OAuthException", Code: 2500,
		Message: fmt.Sprintf("Unknown path components: /%s", edge)}
}

// require checks that the named form fields are present.
func require(form url.Values, names ...string) *graphError {
	for _, name := range names {
		if form.Get(name) == "" {
			return invalidParam("The parameter %s is required", name)
		}
	}
	return nil
}

// paused refuses any status but PAUSED: the fake's promise that a draft never spends.
func paused(form url.Values) *graphError {
	if status := form.Get("status"); status != "PAUSED" {
		return invalidParam("Param status must be PAUSED in fakegraph, got %q", status)
	}
	return nil
}

func created(id string) map[string]string { return map[string]string{"id": id} }

func (s *Server) createCampaign(form url.Values) (any, *graphError) {
	if gerr := require(form, "name", "objective", "special_ad_categories", "status"); gerr != nil {
		return nil, gerr
	}
	if gerr := paused(form); gerr != nil {
		return nil, gerr
	}
	switch form.Get("objective") {
	case "OUTCOME_APP_PROMOTION", "OUTCOME_AWARENESS", "OUTCOME_ENGAGEMENT", "OUTCOME_LEADS", "OUTCOME_SALES", "OUTCOME_TRAFFIC":
	default:
		return nil, invalidParam("Param objective must be one of {OUTCOME_APP_PROMOTION, OUTCOME_AWARENESS, OUTCOME_ENGAGEMENT, OUTCOME_LEADS, OUTCOME_SALES, OUTCOME_TRAFFIC}")
	}
	var categories []string
	if err := json.Unmarshal([]byte(form.Get("special_ad_categories")), &categories); err != nil {
		return nil, invalidParam("Param special_ad_categories must be a JSON array")
	}
	c := Campaign{ID: s.newID(), Name: form.Get("name"), Objective: form.Get("objective"), Status: "PAUSED",
		SpecialAdCategories: categories, DailyBudget: form.Get("daily_budget")}
	s.campaigns = append(s.campaigns, c)
	return created(c.ID), nil
}

func (s *Server) createAdSet(form url.Values) (any, *graphError) {
	if gerr := require(form, "name", "campaign_id", "daily_budget", "billing_event", "optimization_goal", "targeting", "status"); gerr != nil {
		return nil, gerr
	}
	if gerr := paused(form); gerr != nil {
		return nil, gerr
	}
	if !slices.ContainsFunc(s.campaigns, func(c Campaign) bool { return c.ID == form.Get("campaign_id") }) {
		return nil, invalidParam("Param campaign_id %s is not a campaign of this account", form.Get("campaign_id"))
	}
	if budget, err := strconv.ParseInt(form.Get("daily_budget"), 10, 64); err != nil || budget <= 0 {
		return nil, invalidParam("Param daily_budget must be a positive integer")
	}
	var targeting struct {
		GeoLocations struct {
			Countries []string `json:"countries"`
		} `json:"geo_locations"`
	}
	if err := json.Unmarshal([]byte(form.Get("targeting")), &targeting); err != nil {
		return nil, invalidParam("Param targeting must be a JSON object")
	}
	if len(targeting.GeoLocations.Countries) == 0 {
		return nil, invalidParam("The parameter targeting.geo_locations is required")
	}
	a := AdSet{ID: s.newID(), Name: form.Get("name"), CampaignID: form.Get("campaign_id"), Status: "PAUSED",
		DailyBudget: form.Get("daily_budget"), BillingEvent: form.Get("billing_event"),
		OptimizationGoal: form.Get("optimization_goal"), BidStrategy: form.Get("bid_strategy"),
		Countries: targeting.GeoLocations.Countries}
	s.adSets = append(s.adSets, a)
	return created(a.ID), nil
}

func (s *Server) createCreative(form url.Values) (any, *graphError) {
	if gerr := require(form, "name", "object_story_spec"); gerr != nil {
		return nil, gerr
	}
	var spec struct {
		PageID   string `json:"page_id"`
		LinkData *struct {
			Link    string `json:"link"`
			Message string `json:"message"`
			Name    string `json:"name"`
		} `json:"link_data"`
	}
	if err := json.Unmarshal([]byte(form.Get("object_story_spec")), &spec); err != nil {
		return nil, invalidParam("Param object_story_spec must be a JSON object")
	}
	switch {
	case spec.PageID == "":
		return nil, invalidParam("The parameter object_story_spec.page_id is required")
	case spec.LinkData == nil || spec.LinkData.Link == "":
		return nil, invalidParam("The parameter object_story_spec.link_data.link is required")
	}
	if s.rejectCreative {
		return nil, &graphError{status: http.StatusBadRequest, Type: "OAuthException", Code: 100, Subcode: 1487390,
			Message:   "Invalid parameter",
			UserTitle: "Ad Rejected",
			UserMsg:   "Your ad wasn't approved because it doesn't follow our Advertising Policies."}
	}
	c := Creative{ID: s.newID(), Name: form.Get("name"), PageID: spec.PageID,
		Link: spec.LinkData.Link, Message: spec.LinkData.Message, Headline: spec.LinkData.Name}
	s.creatives = append(s.creatives, c)
	return created(c.ID), nil
}

func (s *Server) createAd(form url.Values) (any, *graphError) {
	if gerr := require(form, "name", "adset_id", "creative", "status"); gerr != nil {
		return nil, gerr
	}
	if gerr := paused(form); gerr != nil {
		return nil, gerr
	}
	if !slices.ContainsFunc(s.adSets, func(a AdSet) bool { return a.ID == form.Get("adset_id") }) {
		return nil, invalidParam("Param adset_id %s is not an ad set of this account", form.Get("adset_id"))
	}
	var creative struct {
		CreativeID string `json:"creative_id"`
	}
	if err := json.Unmarshal([]byte(form.Get("creative")), &creative); err != nil || creative.CreativeID == "" {
		return nil, invalidParam("The parameter creative.creative_id is required")
	}
	if !slices.ContainsFunc(s.creatives, func(c Creative) bool { return c.ID == creative.CreativeID }) {
		return nil, invalidParam("Param creative.creative_id %s is not a creative of this account", creative.CreativeID)
	}
	a := Ad{ID: s.newID(), Name: form.Get("name"), AdSetID: form.Get("adset_id"), CreativeID: creative.CreativeID, Status: "PAUSED"}
	s.ads = append(s.ads, a)
	return created(a.ID), nil
}

// pageLimit reads Graph's limit parameter, default 25.
func pageLimit(query url.Values) (int, *graphError) {
	if query.Get("limit") == "" {
		return 25, nil
	}
	limit, err := strconv.Atoi(query.Get("limit"))
	if err != nil || limit < 1 {
		return 0, invalidParam("Param limit must be a positive integer")
	}
	return limit, nil
}

func (s *Server) listCampaigns(query url.Values) (any, *graphError) {
	limit, gerr := pageLimit(query)
	if gerr != nil {
		return nil, gerr
	}
	fields := strings.Split(query.Get("fields"), ",")
	if query.Get("fields") == "" {
		fields = []string{"id"} // Graph's default
	}
	data := []map[string]string{}
	for i := len(s.campaigns) - 1; i >= 0 && len(data) < limit; i-- {
		c := s.campaigns[i]
		values := map[string]string{"id": c.ID, "name": c.Name, "status": c.Status, "objective": c.Objective, "daily_budget": c.DailyBudget}
		row := map[string]string{}
		for _, f := range fields {
			if v, ok := values[f]; ok && v != "" {
				row[f] = v
			}
		}
		data = append(data, row)
	}
	paging := map[string]any{"cursors": map[string]string{"before": "QVFIUmZAk", "after": "QVFIUmZAz"}}
	return map[string]any{"data": data, "paging": paging}, nil
}

func (s *Server) serveInsights(campaignID string, query url.Values) (any, *graphError) {
	known := slices.ContainsFunc(s.campaigns, func(c Campaign) bool { return c.ID == campaignID })
	if _, set := s.insights[campaignID]; !known && !set {
		return nil, &graphError{status: http.StatusBadRequest, Type: "GraphMethodException", Code: 100, Subcode: 33,
			Message: fmt.Sprintf("Unsupported get request. Object with ID '%s' does not exist, cannot be loaded due to missing permissions, or does not support this operation.", campaignID)}
	}
	if query.Get("time_increment") != "1" {
		return nil, invalidParam("fakegraph serves only time_increment=1")
	}
	var window struct {
		Since string `json:"since"`
		Until string `json:"until"`
	}
	if err := json.Unmarshal([]byte(query.Get("time_range")), &window); err != nil || window.Since == "" || window.Until == "" {
		return nil, invalidParam("Param time_range must be a JSON object with since and until")
	}
	limit, gerr := pageLimit(query)
	if gerr != nil {
		return nil, gerr
	}
	data := []map[string]any{}
	for _, d := range s.insights[campaignID] {
		// YYYY-MM-DD compares in date order.
		if d.Date < window.Since || d.Date > window.Until || len(data) == limit {
			continue
		}
		row := map[string]any{
			"date_start":  d.Date,
			"date_stop":   d.Date,
			"impressions": strconv.FormatInt(d.Impressions, 10),
			"clicks":      strconv.FormatInt(d.Clicks, 10),
			"spend":       d.Spend,
		}
		if d.Leads > 0 {
			row["actions"] = []map[string]string{
				{"action_type": "link_click", "value": strconv.FormatInt(d.Clicks, 10)},
				{"action_type": "lead", "value": strconv.FormatInt(d.Leads, 10)},
			}
		}
		data = append(data, row)
	}
	return map[string]any{"data": data, "paging": map[string]any{"cursors": map[string]string{"before": "MAZDZD", "after": "MjQZD"}}}, nil
}
