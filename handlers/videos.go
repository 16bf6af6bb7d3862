package handlers

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/keinetech/kaine/internal/clip"
	"github.com/keinetech/kaine/metering"
	"github.com/keinetech/kaine/money"
	"github.com/keinetech/kaine/videos"
)

// VideoJobs keeps video jobs.
type VideoJobs interface {
	Create(j videos.Job) (videos.Job, error)
	// SetRef records what the provider gave back for a submitted job.
	SetRef(user uint64, id string, ref videos.ProviderRef) error
	Get(user uint64, id string) (videos.Job, error)
	// Progress records a job's move from queued to running.
	Progress(user uint64, id string, st videos.State) (videos.Job, error)
	Finish(user uint64, id string, st videos.Status, cost money.MicroUSD) (videos.Job, bool, error)
	Unfinished() ([]videos.Job, error)
	List(user uint64, limit int) ([]videos.Job, error)
}

// Bounds on a video request.
const (
	maxImageURL = 2048
	// videoCallTimeout bounds one submit or poll of a provider.
	videoCallTimeout = 20 * time.Second
	// maxVideoAge is how long a job may stay unfinished: past it (or once
	// its provider says it no longer knows it) it is ended as failed and
	// its hold released, so no job holds an account's cap forever.
	maxVideoAge = 24 * time.Hour
)

// noteMaybeStarted marks, in the audit record, a submit the provider did
// not confirm but may have started: the caller is not billed for it, and
// the operator can look for it at the provider.
const noteMaybeStarted = "provider_may_have_started_job"

type videoAnswer struct {
	OK         bool           `json:"ok"`
	VideoID    string         `json:"video_id"`
	Status     videos.State   `json:"status"`
	Provider   string         `json:"provider"`
	VideoURL   string         `json:"video_url,omitempty"`
	Error      string         `json:"error,omitempty"`
	Duration   int            `json:"duration"`
	CostUSD    money.MicroUSD `json:"cost_usd"`
	CreatedAt  time.Time      `json:"created_at"`
	FinishedAt *time.Time     `json:"finished_at"`
}

func videoAnswerOf(j videos.Job) videoAnswer {
	return videoAnswer{OK: true, VideoID: j.ID, Status: j.State, Provider: j.Provider, VideoURL: j.VideoURL, Error: j.Failure,
		Duration: j.Duration, CostUSD: j.Cost, CreatedAt: j.CreatedAt, FinishedAt: j.FinishedAt}
}

// createVideo answers POST /v1/videos: the job's worst case (its seconds
// at the provider's price) is reserved against the cap before it is
// submitted, and stays reserved until the job ends; it is then settled
// (succeeded) or released (failed).
func (a *API) createVideo(w http.ResponseWriter, r *http.Request, call *Call) {
	obj, ok := a.readObject(w, r)
	if !ok {
		return
	}
	f := fields{obj: obj}
	req := videos.Request{
		Prompt:   f.requiredBounded("prompt", videos.MaxPrompt),
		ImageURL: f.bounded("image_url", maxImageURL),
		Duration: f.integer("duration", videos.DefaultDuration, videos.MinDuration, videos.MaxDuration),
	}
	name := f.str("provider")
	if name == "" {
		name = videos.DefaultProvider
	}
	switch {
	case f.err != nil:
	case req.ImageURL != "" && !webURL(req.ImageURL):
		f.fail(CodeInvalidField, "image_url must be an http or https URL.")
	case !videos.Known(name):
		f.fail(CodeInvalidProvider, "provider must be one of %s.", strings.Join(videos.Names, ", "))
	}
	if f.err != nil {
		a.Errors.Send(w, f.err)
		return
	}
	job, err := a.submitVideo(r.Context(), call, name, req)
	if err != nil {
		a.Errors.Send(w, err)
		return
	}
	WriteJSON(w, http.StatusOK, videoAnswerOf(job))
}

// submitVideo reserves a video's worst case on call, stores the job and
// submits it; once submitted, the reservation is held until the job ends.
func (a *API) submitVideo(ctx context.Context, call *Call, name string, req videos.Request) (videos.Job, *apiError) {
	provider, configured := a.Videos[name]
	if !configured {
		return videos.Job{}, &apiError{code: CodeInvalidProvider, message: name + " is not configured on this gateway; configured video providers: " +
			strings.Join(a.videoProviderNames(), ", ") + "."}
	}
	// The seconds the provider will make and bill (Kling makes 5 or 10).
	seconds, estimate := videos.Price(provider, req)
	if err := a.reserve(call, estimate); err != nil {
		return videos.Job{}, err
	}
	job := videos.Job{User: call.Identity.UserID, KeyID: call.Identity.KeyID, Provider: name, Prompt: req.Prompt, ImageURL: req.ImageURL,
		Duration: seconds, State: videos.Queued, Reserved: estimate, HoldLease: call.reservation.Lease}
	job, err := a.VideoJobs.Create(job)
	if err != nil {
		return videos.Job{}, internalError("The video job could not be stored; nothing was submitted. Try again.", err)
	}
	req.Ref = job.ID
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), videoCallTimeout)
	defer cancel()
	call.Audit.Provider = name
	ref, err := provider.Submit(ctx, req)
	if err != nil {
		// Not taken, or not confirmed: the job ends here unbilled, and its
		// reservation is released by the pipeline. Should recording the end
		// fail, the follower ends the job (it has no provider id) within
		// maxVideoAge, holding nothing meanwhile.
		_, _, _ = a.VideoJobs.Finish(job.User, job.ID, videos.Status{State: videos.Failed, Failure: "not submitted: " + videoFailure(err)}, 0)
		if videos.MaybeStarted(err) {
			call.Audit.Note = noteMaybeStarted
		}
		return videos.Job{}, submitError(name, err)
	}
	// Submitted: the provider may bill it, so its reservation is held
	// until the job ends, whatever happens next.
	a.VideoHolds.Keep(job.ID, call.detachReservation())
	if err := a.VideoJobs.SetRef(job.User, job.ID, ref); err != nil {
		if err = a.VideoJobs.SetRef(job.User, job.ID, ref); err != nil {
			// The job runs, but cannot be followed: it ends unbilled after
			// maxVideoAge, and the operator can find it at the provider.
			call.Audit.Note = noteMaybeStarted
		}
	}
	return job, nil
}

// getVideo answers GET /v1/videos/{id}: the stored final state, or the
// provider's word on a job still under way (which, when final, settles the
// job's cost in this call's audit record).
func (a *API) getVideo(w http.ResponseWriter, r *http.Request, call *Call) {
	job, err := a.VideoJobs.Get(call.Identity.UserID, r.PathValue("id"))
	switch {
	case errors.Is(err, videos.ErrNotFound):
		a.Errors.Write(w, CodeNotFound, "There is no video "+strconv.Quote(clip.Runes(r.PathValue("id"), 64))+" in this account.")
		return
	case err != nil:
		a.Errors.Internal(w, err, "The video job could not be read; try again.")
		return
	}
	if !job.State.Final() {
		ctx, cancel := context.WithTimeout(r.Context(), videoCallTimeout)
		defer cancel()
		var ended bool
		if job, ended = a.followVideo(ctx, job); ended {
			call.Audit.Provider, call.Audit.Cost = job.Provider, job.Cost
		}
	}
	WriteJSON(w, http.StatusOK, videoAnswerOf(job))
}

// followVideo asks the provider about an unfinished job and, when it has
// ended, records it and settles its cost. ok reports that this call ended
// it. A provider that cannot be asked leaves the job as it was.
func (a *API) followVideo(ctx context.Context, job videos.Job) (_ videos.Job, ended bool) {
	provider, configured := a.Videos[job.Provider]
	var st videos.Status
	var err error
	if configured && job.Ref.ID != "" {
		st, err = provider.Poll(ctx, job.Ref)
	}
	unanswered := err != nil || !configured || job.Ref.ID == ""
	var refusal *videos.ProviderError
	switch {
	case errors.As(err, &refusal) && refusal.Status == http.StatusNotFound:
		st = videos.Status{State: videos.Failed, Failure: "the provider no longer knows this job"}
	case unanswered && time.Since(job.CreatedAt) > maxVideoAge:
		st = videos.Status{State: videos.Failed, Failure: "not finished within " + maxVideoAge.String() + "; given up"}
	case unanswered:
		return job, false
	case !st.State.Final():
		if st.State != job.State {
			if moved, err := a.VideoJobs.Progress(job.User, job.ID, st.State); err == nil {
				job = moved
			}
		}
		return job, false
	}
	var cost money.MicroUSD
	if st.State == videos.Succeeded {
		cost = job.Reserved
	}
	finished, first, err := a.VideoJobs.Finish(job.User, job.ID, st, cost)
	if err != nil {
		// The job is followed again, and its end recorded then.
		a.Errors.Fault("", fmt.Errorf("recording the end of video job %s: %w", job.ID, err))
		return job, false
	}
	if first {
		if err := a.VideoHolds.Settle(a.Ledger, job.User, job.ID, cost); err != nil {
			a.Errors.Fault("", err)
		}
	}
	return finished, first
}

// FollowVideos polls every unfinished job once, each provider's in turn
// and the providers at once (a slow one holds up only its own): jobs end,
// and their reservations with them, even when nobody asks. A job ended
// here gets an audit record of its own, with its cost.
func (a *API) FollowVideos(ctx context.Context) {
	jobs, err := a.VideoJobs.Unfinished()
	if err != nil {
		return
	}
	byProvider := map[string][]videos.Job{}
	for _, job := range jobs {
		byProvider[job.Provider] = append(byProvider[job.Provider], job)
	}
	var wg sync.WaitGroup
	for _, list := range byProvider {
		wg.Go(func() {
			for _, job := range list {
				if ctx.Err() != nil {
					return
				}
				callCtx, cancel := context.WithTimeout(ctx, videoCallTimeout)
				if ended, ok := a.followVideo(callCtx, job); ok {
					a.auditVideoEnd(ended)
				}
				cancel()
			}
		})
	}
	wg.Wait()
}

// auditVideoEnd records a job's end that no request saw.
func (a *API) auditVideoEnd(job videos.Job) {
	if a.AuditRecorder == nil {
		return
	}
	a.AuditRecorder.Record(metering.AuditRecord{UserID: job.User, KeyID: job.KeyID, RequestID: "follow-" + job.ID,
		Endpoint: "/v1/videos/" + job.ID, Method: http.MethodGet, Status: http.StatusOK, Provider: job.Provider,
		Cost: job.Cost, Note: "ended by the gateway's follower", Time: time.Now()})
}

// submitError is the answer to a submission the provider did not take.
func submitError(name string, err error) *apiError {
	// A refusal of the request itself (validation, content) is the
	// caller's to fix; keys, credits, limits and unknown models are the
	// operator's.
	var refusal *videos.ProviderError
	if errors.As(err, &refusal) && (refusal.Status == http.StatusBadRequest || refusal.Status == http.StatusUnprocessableEntity) {
		return &apiError{code: CodeInvalidField, message: name + " refused the video: " + refusal.Message + "."}
	}
	return &apiError{code: CodeProviderError, message: name + " could not take the video job: " + videoFailure(err) + "; nothing was charged."}
}

// videoFailure says why a provider call failed without its addresses.
func videoFailure(err error) string {
	var refusal *videos.ProviderError
	if errors.As(err, &refusal) {
		return refusal.Message
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "timed out"
	}
	return "connection failed"
}

func (a *API) videoProviderNames() []string {
	if len(a.Videos) == 0 {
		return []string{"none"}
	}
	return slices.Sorted(maps.Keys(a.Videos))
}

// webURL reports whether s is an absolute http or https URL with a host.
func webURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}
