package fakeupstream

import (
	"fmt"
	"slices"

	"github.com/tidwall/gjson"
)

// anthropicBlockFields are what each content block the fake checks may
// hold; the API refuses any other field. Blocks of other types
// (documents, search results, server tool blocks) pass unchecked.
var anthropicBlockFields = map[string]map[string]bool{
	"text":              setOf("type", "text", "cache_control", "citations"),
	"image":             setOf("type", "source", "cache_control", "transformations"),
	"tool_use":          setOf("type", "id", "name", "input", "cache_control", "caller", "toolset_name"),
	"tool_result":       setOf("type", "tool_use_id", "content", "is_error", "cache_control", "toolset_name"),
	"thinking":          setOf("type", "thinking", "signature"),
	"redacted_thinking": setOf("type", "data"),
}

// The image sources and their fields; the media types of base64 data.
var (
	anthropicImageSources = map[string]map[string]bool{
		"base64": setOf("type", "media_type", "data"),
		"url":    setOf("type", "url"),
		"file":   setOf("type", "file_id"),
	}
	anthropicImageTypes = []string{"image/jpeg", "image/png", "image/gif", "image/webp"}
	// anthropicToolResultTypes are the blocks a tool_result's content may
	// hold.
	anthropicToolResultTypes = []string{"document", "image", "search_result", "text"}
)

// maxCacheBreakpoints is how many blocks may carry cache_control.
const maxCacheBreakpoints = 4

// checkAnthropicBlock checks one content block at loc
// (messages.0.content.1), its fields located under its type as the API
// locates them (messages.0.content.1.image.source).
func checkAnthropicBlock(b gjson.Result, loc string) string {
	if !b.IsObject() {
		return loc + ": Input should be a valid dictionary"
	}
	typ := b.Get("type").Str
	return checkAnthropicBlockFields(b, loc+"."+typ, typ)
}

// checkAnthropicBlockFields checks a block of type typ whose fields are
// located at loc.
func checkAnthropicBlockFields(b gjson.Result, loc, typ string) string {
	fields, checked := anthropicBlockFields[typ]
	if !checked {
		return ""
	}
	if extra := unknownField(b, fields); extra != "" {
		return loc + "." + extra + ": Extra inputs are not permitted"
	}
	if msg := checkCacheControl(b.Get("cache_control"), loc+".cache_control"); msg != "" {
		return msg
	}
	switch typ {
	case "text":
		if !b.Get("text").Exists() {
			return loc + ".text: Field required"
		}
		return pyString(b.Get("text"), loc+".text")
	case "image":
		return checkAnthropicImage(b.Get("source"), loc+".source")
	case "tool_result":
		return checkToolResultContent(b.Get("content"), loc+".content")
	}
	return ""
}

// checkCacheControl: ephemeral, for 5 minutes or an hour.
func checkCacheControl(cc gjson.Result, loc string) string {
	if !cc.Exists() || cc.Type == gjson.Null {
		return ""
	}
	if msg := pyObject(cc, loc, setOf("type", "ttl")); msg != "" {
		return msg
	}
	if !cc.Get("type").Exists() {
		return loc + ".type: Field required"
	}
	return first(
		pyLiteral(cc.Get("type"), loc+".type", "ephemeral"),
		pyLiteral(cc.Get("ttl"), loc+".ttl", "5m", "1h"),
	)
}

// checkAnthropicImage: base64 data of an image type the API reads, a URL
// it can fetch, or an uploaded file.
func checkAnthropicImage(src gjson.Result, loc string) string {
	if !src.Exists() {
		return loc + ": Field required"
	}
	if !src.IsObject() {
		return loc + ": Input should be a valid dictionary"
	}
	typ := src.Get("type").Str
	fields := anthropicImageSources[typ]
	if fields == nil {
		return pyTag(loc, typ, "base64", "file", "url")
	}
	loc += "." + typ
	if extra := unknownField(src, fields); extra != "" {
		return loc + "." + extra + ": Extra inputs are not permitted"
	}
	switch typ {
	case "base64":
		switch {
		case !src.Get("media_type").Exists():
			return loc + ".media_type: Field required"
		case !src.Get("data").Exists():
			return loc + ".data: Field required"
		case !isStdBase64(src.Get("data").Str):
			return loc + ".data: The image data is not valid base64."
		}
		return pyLiteral(src.Get("media_type"), loc+".media_type", anthropicImageTypes...)
	case "url":
		if !isWebURL(src.Get("url").Str) {
			return loc + ".url: URL scheme should be 'http' or 'https'"
		}
	case "file":
		if src.Get("file_id").Str == "" {
			return loc + ".file_id: Field required"
		}
	}
	return ""
}

// checkToolResultContent: a string, or a list of text, image, document and
// search result blocks.
func checkToolResultContent(content gjson.Result, loc string) string {
	switch {
	case !content.Exists() || content.Type == gjson.String:
		return ""
	case !content.IsArray():
		return loc + ": Input should be a valid list"
	}
	for i, b := range content.Array() {
		at := fmt.Sprintf("%s.%d", loc, i)
		if typ := b.Get("type").Str; !slices.Contains(anthropicToolResultTypes, typ) {
			return pyTag(at, typ, anthropicToolResultTypes...)
		}
		if msg := checkAnthropicBlock(b, at); msg != "" {
			return msg
		}
	}
	return ""
}

// checkCacheBreakpoints: at most four blocks (tools, system blocks,
// message blocks and the blocks of tool results) mark a cache breakpoint.
func checkCacheBreakpoints(req gjson.Result) string {
	marked := 0
	count := func(blocks []gjson.Result) {
		for _, b := range blocks {
			if cc := b.Get("cache_control"); cc.Exists() && cc.Type != gjson.Null {
				marked++
			}
		}
	}
	count(req.Get("tools").Array())
	if system := req.Get("system"); system.IsArray() {
		count(system.Array())
	}
	for _, m := range req.Get("messages").Array() {
		content := m.Get("content")
		if !content.IsArray() {
			continue
		}
		blocks := content.Array()
		count(blocks)
		for _, b := range blocks {
			if content := b.Get("content"); content.IsArray() {
				count(content.Array())
			}
		}
	}
	if marked > maxCacheBreakpoints {
		return fmt.Sprintf("A maximum of %d blocks with cache_control may be provided. Found %d.", maxCacheBreakpoints, marked)
	}
	return ""
}
