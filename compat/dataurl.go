package compat

import (
	"encoding/base64"
	"errors"
	"strings"
)

// decodeDataURL reads data:<media type>;base64,<data>, the only form an
// image is sent inline in.
func decodeDataURL(url string) (mediaType string, data []byte, err error) {
	header, payload, ok := strings.Cut(strings.TrimPrefix(url, "data:"), ",")
	mediaType, isBase64 := strings.CutSuffix(header, ";base64")
	if !ok || !isBase64 || mediaType == "" {
		return "", nil, errors.New("must be a base64 data URL: data:image/png;base64,…")
	}
	data, err = base64.StdEncoding.DecodeString(payload)
	if err != nil || len(data) == 0 {
		return "", nil, errors.New("holds no valid base64 image")
	}
	return mediaType, data, nil
}

// imageTypes are the image media types every provider reads.
var imageTypes = map[string]bool{"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true}
