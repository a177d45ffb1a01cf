#!/usr/bin/env bash
# Re-vendors htmx from npm at the version pinned in assets.go
# (HTMXVersion), checking the tarball against its published integrity.
# Run from this directory: bash vendor.sh; then update htmxSHA256 in
# assets_test.go.
set -euo pipefail
version=$(sed -n 's/^const HTMXVersion = "\(.*\)"/\1/p' assets.go)
want=$(npm view "htmx.org@$version" dist.integrity)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack "htmx.org@$version" --ignore-scripts >/dev/null)
got="sha512-$(openssl dgst -sha512 -binary "$tmp"/htmx.org-"$version".tgz | base64 -w0)"
[[ "$got" == "$want" ]] || { echo "integrity mismatch: $got != $want" >&2; exit 1; }
tar -xzf "$tmp"/htmx.org-"$version".tgz -C "$tmp"
cp "$tmp/package/dist/htmx.min.js" assets/htmx.min.js
cp "$tmp/package/LICENSE" assets/htmx.LICENSE.txt
sha256sum assets/htmx.min.js
