// Package loopspectest checks Rebound's Loop-compatible wire shapes against
// Loop's own OpenAPI documents, so that compatibility is tested rather than
// assumed. It is test support: import it only from _test.go files.
//
//	spec := loopspectest.Load(t)
//	spec.CheckResponse(t, "GET", "/api/v1/warehouse/return/list?paginate=true", 200, nil, body)
//	spec.CheckRequest(t, "POST", "/api/v1/warehouse/return/7/note", hdr, []byte(`{"content":"x"}`))
//
// # Where the documents come from
//
// The three copies of Loop's Returns, Programmatic Webhooks and Labels APIs
// live in the steering repository's shared/reference/loop-openapi/, which sits
// next to the repository (…/shared beside …/rebound, in a developer's work
// tree and in CI alike). They are read at test time and never copied into the
// repository. Load finds them by walking up from the working directory (a
// package directory under `go test`) and, at each level, looking for
// shared/reference/loop-openapi/; REBOUND_LOOP_SPEC_DIR names the folder
// directly instead. If the documents cannot be found or parsed, Load fails the
// test: it never skips, since a compatibility test that silently did not run
// would be worse than a red one.
//
// # Validation library
//
// Requests and responses are validated by github.com/getkin/kin-openapi's
// openapi3filter, with its legacy router to find the operation. The copies
// are OpenAPI 3.1 documents, for which kin-openapi validates schemas as JSON
// Schema 2020-12 (type arrays such as ["string", "null"]) and asserts formats
// (date-time, date). Undeclared response statuses are errors
// (IncludeResponseStatus), so every status Rebound answers must be declared by
// Loop or named as an exception. The X-Authorization API key (and, for the
// webhooks API, an OAuth bearer token) must be present in requests; its value
// is not checked.
//
// # Exceptions
//
// Where Loop's actual behaviour, or a documented behaviour the simplified
// copies leave out, differs from the documents, the difference is named once,
// with its reason, in the Exceptions table (exceptions.go), and applied there
// as an in-memory patch of the loaded documents before any validation. Nothing
// else in this package or in its callers relaxes validation.
//
// # Paths
//
// A path is mapped to the documents by stripping Loop's version prefix
// (/api/v1, /api/2026-07, /api/latest, …) and matching the rest against the
// path templates of the three documents.
package loopspectest
