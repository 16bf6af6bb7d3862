package compat

import (
	"encoding/base64"
	"errors"
	"strings"
)

// decodeDataURL reads data:<media type>;base64,<data>, the only form an
// image is sent inline in, keeping the data as base64.
func decodeDataURL(url string) (mediaType, data string, err error) {
	header, payload, ok := strings.Cut(strings.TrimPrefix(url, "data:"), ",")
	mediaType, isBase64 := strings.CutSuffix(header, ";base64")
	if !ok || !isBase64 || mediaType == "" {
		return "", "", errors.New("must be a base64 data URL: data:image/png;base64,…")
	}
	if !validBase64(payload) {
		return "", "", errors.New("holds no valid base64 image")
	}
	return mediaType, payload, nil
}

// validBase64 reports whether s is non-empty standard base64, decoding it
// a piece at a time rather than into a copy of the image.
func validBase64(s string) bool {
	if s == "" || len(s)%4 != 0 {
		return false
	}
	var scratch [3 * 1024]byte
	for len(s) > 0 {
		piece := s[:min(len(s), 4*1024)]
		if _, err := base64.StdEncoding.Decode(scratch[:], []byte(piece)); err != nil {
			return false
		}
		s = s[len(piece):]
	}
	return true
}
