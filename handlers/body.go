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
		a.Errors.Write(w, CodeBodyTooLarge, "The body is larger than "+strconv.Itoa(maxBodyBytes>>20)+" MiB.")
		return gjson.Result{}, false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
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
