// Package redospectest checks Rebound's /v2.2 API against Redo's own OpenAPI
// document, so that wire compatibility is tested rather than assumed. It is
// test support: import it only from _test.go files.
//
//	spec := redospectest.Load(t)
//	spec.ValidateResponse(t, req, rec.Code, rec.Header(), rec.Body.Bytes())
//	spec.ValidateRequest(t, req, payload)
//	spec.ValidateSchema(t, "webhooks.return", eventJSON)
//
// # Where the spec comes from
//
// The spec is the npm package @redotech/redo-api-schema, pinned to
// PackageVersion; its package/lib/openapi.yaml is an OpenAPI 3.1.0 document.
// It is not copied into the repository. On first use Load runs
// `npm pack @redotech/redo-api-schema@VERSION` (with whatever registry npm is
// configured for), checks the tarball against the pinned npm integrity hash
// PackageIntegrity, extracts openapi.yaml, checks it against SpecSHA256 and
// keeps it in $XDG_CACHE_HOME/rebound/redo-api-schema-VERSION/ (see
// os.UserCacheDir). Later runs re-check the cached file's sha256 and reuse it
// without npm. Concurrent test processes are safe: each writes to a
// temporary file and renames it into place. Setting REBOUND_REDO_SPEC to the
// path of an openapi.yaml uses that file instead (no hash check).
//
// If npm is missing, the download fails or a hash does not match, Load fails
// the test with t.Fatalf. It never skips: a compatibility test that silently
// did not run would be worse than a red one.
//
// # Validation library
//
// Schemas are validated with github.com/santhosh-tekuri/jsonschema/v6, a
// complete JSON Schema 2020-12 implementation (it passes the official
// JSON-Schema-Test-Suite), which is the dialect OpenAPI 3.1 schemas use:
// type arrays such as ["string", "null"], const, $ref with sibling keywords,
// allOf/oneOf/anyOf, minimum/maximum/exclusiveMinimum as numbers. The whole
// OpenAPI document is registered as one JSON resource and each schema is
// compiled by its JSON pointer, so every "#/components/schemas/..." reference
// resolves in place, exactly as written, with no intermediate model.
// Formats (date-time, date, email, uri, uri-reference...) are asserted, not
// just annotated; unknown ones (password, binary) are ignored. OpenAPI-only
// keywords (discriminator, example, xml) are annotations and ignored, as the
// 3.1 base dialect allows. Finding the operation, the response for a status
// and the media type for a Content-Type is done here (spec.go, validate.go),
// a small amount of code on top of the validator.
//
// The alternatives were tried on this spec before choosing:
//
//   - github.com/getkin/kin-openapi v0.152.0 now reads 3.1 documents, but
//     validates through its own typed Schema model, re-marshalled into
//     santhosh-tekuri/jsonschema per call, mixing its 3.0 validator's messages
//     ("Error at ...", "Schema: null") with 2020-12 ones; it did not assert
//     format uri-reference (accepted "::not a uri" for error.schema's type),
//     and doc.Validate rejects the document.
//   - github.com/pb33f/libopenapi-validator v0.16.2 routes and validates 3.1
//     correctly for types and required properties but did not assert formats
//     (accepted "not-a-date" for a date-time), and pulls in a fork of the same
//     jsonschema library plus libopenapi, an XML converter and x/net.
//
// # Patches
//
// The document is used as published, except for these corrections made in
// memory after loading, each narrowly scoped and listed in Spec.Patches:
//
//   - webhook-read.schema's required list contains one entry literally named
//     "externalId id". It is read as the two required properties
//     "externalId" and "id" (both are documented properties of the schema).
//     Taken literally, no webhook object could ever be valid.
//   - Some schemas still carry OpenAPI 3.0's `nullable: true`, which JSON
//     Schema 2020-12 (and so OpenAPI 3.1) ignores. Where it stands next to a
//     `type`, "null" is added to that type, as OpenAPI 3.0 defines it; taken
//     literally, Redo's documented nulls (e.g. an inventory item's sku) would
//     be rejected.
//
// # Paths
//
// A request path is mapped to the spec by stripping the path of the first
// server URL (/v2.2) and matching the rest against the path templates, so
// /v2.2/stores/s1/orders/%231001 is GET /stores/{storeId}/orders/{orderId}.
// A concrete segment wins over a templated one, as OpenAPI requires.
package redospectest
