package compat

import (
	"encoding/base64"
	"encoding/binary"
	"math"
	"strconv"

	"github.com/tidwall/gjson"

	"github.com/keinetech/kaine/internal/jsonstr"
	"github.com/keinetech/kaine/routing"
)

// maxEmbedInputs is OpenAI's most inputs a call.
const maxEmbedInputs = 2048

// EmbeddingsRequest is an OpenAI embeddings request read for the router.
type EmbeddingsRequest struct {
	Request routing.EmbedRequest
	Model   string
}

// ReadEmbeddings reads an embeddings request body (a JSON object).
func ReadEmbeddings(body gjson.Result) (*EmbeddingsRequest, *FieldError) {
	e := &EmbeddingsRequest{}
	var ferr *FieldError
	body.ForEach(func(key, v gjson.Result) bool {
		if !present(v) {
			return true
		}
		switch name := key.Str; name {
		case "model":
			e.Model, ferr = text(v, name)
		case "input":
			e.Request.Texts, ferr = embedInputs(v)
		case "dimensions":
			var n int64
			n, ferr = integer(v, name, 1, 1<<16)
			e.Request.Dimensions = int(n)
		case "encoding_format":
			switch v.Str {
			case "float":
			case "base64":
				e.Request.Base64 = true
			default:
				ferr = fieldErr(name, "must be float or base64")
			}
		case "user":
			e.Request.User, ferr = text(v, name)
		default:
			ferr = fieldErr(name, "is not an embeddings field Kaine knows")
		}
		return ferr == nil
	})
	switch {
	case ferr != nil:
		return nil, ferr
	case e.Model == "":
		return nil, missingErr("model", "is required: an embedding model's id (GET /v1/models lists them)")
	case len(e.Request.Texts) == 0:
		return nil, missingErr("input", "is required: a string or an array of strings")
	}
	return e, nil
}

// embedInputs reads input: a string or an array of strings. Token arrays
// are tied to OpenAI's tokenizer and are served by its drop-in route.
func embedInputs(v gjson.Result) ([]string, *FieldError) {
	if v.Type == gjson.String {
		if v.Str == "" {
			return nil, fieldErr("input", "must not be empty")
		}
		return []string{v.Str}, nil
	}
	if !v.IsArray() {
		return nil, fieldErr("input", "must be a string or an array of strings")
	}
	items := v.Array()
	if len(items) > maxEmbedInputs {
		return nil, fieldErr("input", "takes at most %d strings", maxEmbedInputs)
	}
	texts := make([]string, 0, len(items))
	for i, item := range items {
		if item.Type != gjson.String || item.Str == "" {
			return nil, fieldErr(index("input", i), "must be a non-empty string; token arrays are served by the OpenAI drop-in route")
		}
		texts = append(texts, item.Str)
	}
	return texts, nil
}

// EmbeddingsAnswer is the answer in OpenAI's list shape, written as it
// goes: each vector as the provider sent it (a JSON array, or OpenAI's
// base64 when asked for), or a provider's array as base64 float32s.
func EmbeddingsAnswer(e *EmbeddingsRequest, out routing.EmbedOutcome) []byte {
	b := []byte(`{"object":"list","data":[`)
	for i, v := range out.Embeddings.Vectors {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"object":"embedding","index":`...)
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, `,"embedding":`...)
		if e.Request.Base64 && len(v) > 0 && v[0] == '[' {
			b = appendBase64Floats(b, v)
		} else {
			b = append(b, v...)
		}
		b = append(b, '}')
	}
	b = append(b, `],"model":`...)
	b = jsonstr.Append(b, out.Embeddings.Model)
	b = append(b, `,"usage":{"prompt_tokens":`...)
	b = strconv.AppendInt(b, out.Usage.Input, 10)
	b = append(b, `,"total_tokens":`...)
	b = strconv.AppendInt(b, out.Usage.Input, 10)
	return append(b, "}}"...)
}

// appendBase64Floats writes a JSON array of numbers as OpenAI's base64
// form, little-endian float32s, quoted (base64 needs no escaping).
func appendBase64Floats(b, vector []byte) []byte {
	raw := make([]byte, 0, 4*len(vector)/8)
	gjson.ParseBytes(vector).ForEach(func(_, v gjson.Result) bool {
		raw = binary.LittleEndian.AppendUint32(raw, math.Float32bits(float32(v.Num)))
		return true
	})
	b = append(b, '"')
	b = base64.StdEncoding.AppendEncode(b, raw)
	return append(b, '"')
}
