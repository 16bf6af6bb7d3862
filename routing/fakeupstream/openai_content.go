package fakeupstream

import (
	"fmt"
	"slices"
	"strings"

	"github.com/tidwall/gjson"
)

// openAIPartTypes are the content parts a message of each role may hold;
// a role not listed takes text only.
var openAIPartTypes = map[string][]string{
	"user":      {"text", "image_url", "input_audio", "file"},
	"assistant": {"text", "refusal"},
}

// openAIImageTypes are the image types a data URL may carry.
var openAIImageTypes = []string{"image/png", "image/jpeg", "image/jpg", "image/gif", "image/webp"}

// checkOpenAIContent checks the content of the i-th message: a string,
// null, or a list of parts its role may hold, each well formed.
func checkOpenAIContent(m gjson.Result, i int, role string) *apiError {
	content := m.Get("content")
	at := fmt.Sprintf("messages[%d].content", i)
	switch {
	case !content.Exists() || content.Type == gjson.Null || content.Type == gjson.String:
		return nil
	case !content.IsArray():
		return openAIInvalid("invalid_type", at,
			fmt.Sprintf("Invalid type for '%s': expected one of a string or an array of objects, but got %s instead.", at, jsonKind(content)))
	}
	allowed, listed := openAIPartTypes[role]
	if !listed {
		allowed = []string{"text"}
	}
	for j, part := range content.Array() {
		p := fmt.Sprintf("%s[%d]", at, j)
		typ := part.Get("type")
		if !typ.Exists() {
			return openAIMissing(p + ".type")
		}
		if e := openAIEnum(typ, p+".type", allowed...); e != nil {
			return e
		}
		var problem *apiError
		switch typ.Str {
		case "text", "refusal":
			if !part.Get(typ.Str).Exists() {
				return openAIMissing(p + "." + typ.Str)
			}
			problem = openAIType(part.Get(typ.Str), p+"."+typ.Str, "a string")
		case "image_url":
			problem = checkOpenAIImage(part.Get("image_url"), p+".image_url")
		}
		if problem != nil {
			return problem
		}
	}
	return nil
}

// checkOpenAIImage: a URL the API can fetch or a base64 data URL of an
// image, and a detail it knows.
func checkOpenAIImage(img gjson.Result, at string) *apiError {
	if !img.Exists() {
		return openAIMissing(at)
	}
	if e := openAIType(img, at, "an object"); e != nil {
		return e
	}
	url := img.Get("url")
	if !url.Exists() {
		return openAIMissing(at + ".url")
	}
	if e := first(
		openAIType(url, at+".url", "a string"),
		openAIEnum(img.Get("detail"), at+".detail", "auto", "low", "high", "original"),
	); e != nil || isWebURL(url.Str) {
		return e
	}
	return checkImageDataURL(url.Str, at+".url")
}

// checkImageDataURL: data:image/…;base64, then valid base64.
func checkImageDataURL(u, param string) *apiError {
	rest, isData := strings.CutPrefix(u, "data:")
	if !isData {
		return openAIInvalid("invalid_value", param, fmt.Sprintf("Invalid '%s'. Expected a valid URL, but got a value with an invalid format.", param))
	}
	expected := fmt.Sprintf("Invalid '%s'. Expected a base64-encoded data URL with an image MIME type (e.g. 'data:image/png;base64,aW1nIGJ5dGVzIGhlcmU='), but got ", param)
	mime, data, marked := strings.Cut(rest, ";base64,")
	switch {
	case !marked:
		return openAIInvalid("invalid_value", param, expected+"a value without the ';base64,' marker.")
	case !slices.Contains(openAIImageTypes, mime):
		return openAIInvalid("invalid_value", param, expected+"unsupported MIME type '"+mime+"'.")
	case !isStdBase64(data):
		return openAIInvalid("invalid_value", param, expected+"invalid base64 data.")
	}
	return nil
}
