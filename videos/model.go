package videos

import "strings"

// The path segments that name a model's variant on FAL and Higgsfield,
// where text-to-video and image-to-video are sibling endpoints.
const (
	textToVideo  = "text-to-video"
	imageToVideo = "image-to-video"
)

// modelFor picks the variant of a model path that fits the request: an
// operator configures one model, and a request with an image needs the
// image-to-video sibling (and one without, the text-to-video one). A path
// without either segment is used as is.
func modelFor(model string, r Request) string {
	from, to := imageToVideo, textToVideo
	if r.ImageURL != "" {
		from, to = textToVideo, imageToVideo
	}
	segs := strings.Split(model, "/")
	for i, s := range segs {
		if s == from {
			segs[i] = to
		}
	}
	return strings.Join(segs, "/")
}

// isKlingModel reports whether a model path runs Kling (on FAL or
// Higgsfield), whose clips are 5 or 10 seconds long.
func isKlingModel(model string) bool {
	return strings.Contains(strings.ToLower(model), "kling")
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}
