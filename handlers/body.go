package handlers

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/tidwall/gjson"
)

// maxBodyBytes bounds a v1 request body; a prompt larger than this belongs
// in the drop-in routes, whose bodies are the providers' own.
const maxBodyBytes = 1 << 20

// readObject reads a JSON object body, or writes the error (413
// body_too_large, 400 invalid_json) and reports false.
func (a *API) readObject(w http.ResponseWriter, r *http.Request) (gjson.Result, bool) {
	if r.ContentLength > maxBodyBytes {
		a.refuseUnread(w, r, CodeBodyTooLarge, "The body is larger than "+strconv.Itoa(maxBodyBytes>>20)+" MiB.")
		return gjson.Result{}, false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		a.refuseUnread(w, r, CodeBodyTooLarge, "The body is larger than "+strconv.Itoa(maxBodyBytes>>20)+" MiB.")
		return gjson.Result{}, false
	case err != nil:
		a.Errors.Write(w, CodeInvalidJSON, "The body could not be read: the connection failed mid-way.")
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
// unread, then lingers: see Linger.
func (a *API) refuseUnread(w http.ResponseWriter, r *http.Request, code, message string) {
	if r.ContentLength != 0 {
		w.Header().Set("Connection", "close")
	}
	a.Errors.Write(w, code, message)
	Linger(w, r)
}

// Bounds of a lingering close: what a refused client may still send, and
// for how long, is read and dropped.
const (
	lingerTime  = 2 * time.Second
	lingerBytes = 64 << 20
)

// Linger ends a refusal that left the body unread and said Connection:
// close. Without that header Go's server reads up to 256 KiB of the body
// before answering (a client that holds its body back until it hears
// waits for the read timeout); with it, closing at once while the client
// still sends resets the connection, and the client may lose the answer.
// So the answer goes out now, then what the client still sends is read
// and dropped for a bounded time, as nginx's lingering close does.
func Linger(w http.ResponseWriter, r *http.Request) {
	if r.ContentLength == 0 {
		return
	}
	rc := http.NewResponseController(w)
	if rc.Flush() != nil {
		return
	}
	_ = rc.SetReadDeadline(time.Now().Add(lingerTime))
	_, _ = io.CopyN(io.Discard, r.Body, lingerBytes)
}
