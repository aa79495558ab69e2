// Package apigen is the toolbox of the API's client-generation test: it pins, in a module of
// its own, the OpenAPI code generators that test runs (go tool oapi-codegen, go tool ogen) and
// the libraries the clients they write import. A module of its own because ogen's requirements
// would otherwise raise fasthttp, under Fiber, in the build of EpicCRM itself, and put a dozen
// generator-only modules in the dependencies of every program that embeds it.
//
// The imports below are what the generated clients need at build time; they keep go mod tidy
// from dropping those modules, so that the test builds the clients with no network beyond the
// module proxy.
package apigen

import (
	_ "github.com/go-faster/errors"
	_ "github.com/go-faster/jx"
	_ "github.com/oapi-codegen/runtime"
	_ "github.com/oapi-codegen/runtime/types"
	_ "github.com/ogen-go/ogen/conv"
	_ "github.com/ogen-go/ogen/http"
	_ "github.com/ogen-go/ogen/json"
	_ "github.com/ogen-go/ogen/middleware"
	_ "github.com/ogen-go/ogen/ogenerrors"
	_ "github.com/ogen-go/ogen/ogenregex"
	_ "github.com/ogen-go/ogen/otelogen"
	_ "github.com/ogen-go/ogen/uri"
	_ "github.com/ogen-go/ogen/validate"
	_ "go.opentelemetry.io/otel"
	_ "go.opentelemetry.io/otel/attribute"
	_ "go.opentelemetry.io/otel/codes"
	_ "go.opentelemetry.io/otel/metric"
	_ "go.opentelemetry.io/otel/semconv/v1.39.0"
	_ "go.opentelemetry.io/otel/trace"
)
