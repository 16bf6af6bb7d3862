package handlers

import (
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/tidwall/gjson"
)

// maxBodyBytes bounds a v1 request body; a prompt larger than this belongs
// in the drop-in routes, whose bodies are the providers' own.
const maxBodyBytes = 1 << 20

// readObject reads a JSON object body, or writes the error (413
// body_too_large, 400 invalid_json) and reports false.
func (a *API) readObject(w http.ResponseWriter, r *http.Request) (gjson.Result, bool) {
	if r.ContentLength > maxBodyBytes {
		closeUnread(w, r)
		a.Errors.Write(w, CodeBodyTooLarge, "The body is larger than "+strconv.Itoa(maxBodyBytes>>20)+" MiB.")
		return gjson.Result{}, false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		closeUnread(w, r)
		a.Errors.Write(w, CodeBodyTooLarge, "The body is larger than "+strconv.Itoa(maxBodyBytes>>20)+" MiB.")
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

// closeUnread closes the connection after a refusal that leaves the body
// (or its rest) unread: the server would otherwise read up to 256 KiB of it
// first, and a client that holds its body back until it hears would wait
// for the read timeout.
func closeUnread(w http.ResponseWriter, r *http.Request) {
	if r.ContentLength != 0 {
		w.Header().Set("Connection", "close")
	}
}
