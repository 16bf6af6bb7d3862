// Package kaine is the gateway described as a whole: openapi.yaml, the
// contract of its /v1 API, which the gateway serves and its tests hold
// every answer to.
package kaine

import _ "embed"

// OpenAPI is openapi.yaml, the /v1 API's contract (OpenAPI 3.1).
//
//go:embed openapi.yaml
var OpenAPI []byte
