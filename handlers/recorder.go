package handlers

import "net/http"

// Recorder wraps a ResponseWriter to keep what the audit record needs: the
// status sent and, for an error, its code.
type Recorder struct {
	http.ResponseWriter
	Status    int
	ErrorCode string
	// BeforeAnswer, when set, runs once before the answer's first byte,
	// and may answer in its place (a rate check put off refuses the call):
	// it then reports true, and the endpoint's own answer is dropped.
	BeforeAnswer func() (answered bool)
	dropping     bool
}

// answeredBefore runs BeforeAnswer, once, and says whether the endpoint's
// answer is to be dropped.
func (r *Recorder) answeredBefore() bool {
	if before := r.BeforeAnswer; before != nil {
		r.BeforeAnswer = nil
		r.dropping = before()
	}
	return r.dropping
}

// WriteHeader notes the status.
func (r *Recorder) WriteHeader(status int) {
	if r.answeredBefore() {
		return
	}
	if r.Status == 0 {
		r.Status = status
	}
	r.ResponseWriter.WriteHeader(status)
}

// Write notes an implicit 200.
func (r *Recorder) Write(b []byte) (int, error) {
	if r.answeredBefore() {
		return len(b), nil
	}
	if r.Status == 0 {
		r.Status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the writer underneath (to
// flush a stream).
func (r *Recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// NoteError records, for the audit record, the error that ended an answer
// whose status was already sent.
func NoteError(w http.ResponseWriter, code string) {
	for w != nil {
		if rec, ok := w.(*Recorder); ok {
			rec.ErrorCode = code
			return
		}
		inner, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return
		}
		w = inner.Unwrap()
	}
}
