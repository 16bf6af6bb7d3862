package handlers

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/tidwall/gjson"
)

// maxBodyBytes bounds a v1 request body; a prompt larger than this belongs
// in the drop-in routes, whose bodies are the providers' own, or the
// unified fronts, which take the same bound (FrontMaxBody).
const maxBodyBytes = 1 << 20

// readObject reads a JSON object body of at most maxBodyBytes, or writes
// the error (413 body_too_large, 400 invalid_json) and reports false.
func (a *API) readObject(w http.ResponseWriter, r *http.Request) (gjson.Result, bool) {
	return a.readObjectUpTo(w, r, maxBodyBytes, mebibytesTooLarge)
}

// readFrontObject reads a front's body: a whole conversation, images
// inline, up to the drop-in routes' bound.
func (a *API) readFrontObject(w http.ResponseWriter, r *http.Request) (gjson.Result, bool) {
	return a.readObjectUpTo(w, r, max(a.FrontMaxBody, maxBodyBytes), passthroughTooLarge)
}

// mebibytesTooLarge and passthroughTooLarge say a body passed its bound
// (limit bytes), the second naming the setting that sets it.
func mebibytesTooLarge(limit int64) string {
	return "The body is larger than " + strconv.FormatInt(limit>>20, 10) + " MiB."
}

func passthroughTooLarge(limit int64) string {
	return "The body is larger than " + humanize.IBytes(uint64(limit)) + "; the operator sets the bound with passthrough_max_body."
}

// readBodyUpTo reads a body of at most limit bytes, or writes the error
// (413 body_too_large in tooLarge's words, 400 for a read cut short) and
// reports false.
func (a *API) readBodyUpTo(w http.ResponseWriter, r *http.Request, limit int64, tooLarge func(limit int64) string) ([]byte, bool) {
	if r.ContentLength > limit {
		a.refuseUnread(w, r, CodeBodyTooLarge, tooLarge(limit))
		return nil, false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		a.refuseUnread(w, r, CodeBodyTooLarge, tooLarge(limit))
		return nil, false
	case err != nil:
		a.Errors.Write(w, CodeInvalidJSON, "The body could not be read: the connection failed mid-way.")
		return nil, false
	}
	return body, true
}

func (a *API) readObjectUpTo(w http.ResponseWriter, r *http.Request, limit int64, tooLarge func(limit int64) string) (gjson.Result, bool) {
	body, ok := a.readBodyUpTo(w, r, limit, tooLarge)
	if !ok {
		return gjson.Result{}, false
	}
	if !gjson.ValidBytes(body) {
		a.Errors.Write(w, CodeInvalidJSON, "The body is not valid JSON.")
		return gjson.Result{}, false
	}
	obj := gjson.ParseBytes(body)
	if !obj.IsObject() {
		a.Errors.Write(w, CodeInvalidJSON, "The body must be a JSON object.")
		return gjson.Result{}, false
	}
	return obj, true
}

// refuseUnread answers a refusal that leaves the body (or its rest)
// unread: see CloseUnread.
func (a *API) refuseUnread(w http.ResponseWriter, r *http.Request, code, message string) {
	CloseUnread(w, r)
	a.Errors.Write(w, code, message)
}

// drainLimit is what Go's HTTP/1 server reads of a body the handler left
// unread before it answers (its maxPostHandlerReadBytes).
const drainLimit = 256 << 10

// CloseUnread marks an answer, before it is written, as one that leaves a
// large body unread. Go's HTTP/1 server would read up to 256 KiB of it
// first (a client that holds its body back until it hears waits for the
// read timeout); with Connection: close it answers at once, and Linger,
// once the call is accounted for, drains what the client still sends so
// its write is not reset before it reads the answer. A small body is left
// to Go's own drain, which keeps the connection alive; HTTP/2 resets the
// stream instead, and there Connection: close would end every stream.
func CloseUnread(w http.ResponseWriter, r *http.Request) {
	if r.ProtoMajor == 1 && (r.ContentLength < 0 || r.ContentLength > drainLimit) {
		w.Header().Set("Connection", "close")
	}
}

// Bounds of a lingering close: what a refused client may still send, and
// for how long, is read and dropped.
const (
	lingerTime  = 2 * time.Second
	lingerBytes = 64 << 20
)

// Linger ends an answer CloseUnread marked, as nginx's lingering close
// does: the answer is flushed, then what the client still sends is read
// and dropped for a bounded time before the connection closes.
func Linger(w http.ResponseWriter, r *http.Request) {
	if w.Header().Get("Connection") != "close" || r.ProtoMajor != 1 {
		return
	}
	rc := http.NewResponseController(w)
	if rc.Flush() != nil || rc.SetReadDeadline(time.Now().Add(lingerTime)) != nil {
		return // without a deadline a trickling client could hold this goroutine
	}
	_, _ = io.CopyN(io.Discard, r.Body, lingerBytes)
}
