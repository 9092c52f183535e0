#!/usr/bin/env bash
# Validates docker-compose.yml (and the Dockerfile it builds) without a Docker engine: `npm run compose:check`.
#
# 1. scripts/compose-check (Go, compose-go: the loader `docker compose` itself uses) parses the file with
#    the Compose specification's schema, interpolation and consistency checks, and prints the resolved
#    project as JSON. It is built on first use into .tools/compose-check with the machine's Go toolchain
#    (modules from the Go module proxy, pinned by scripts/compose-check/go.sum) and rebuilt when its
#    sources change.
# 2. scripts/check-compose.ts checks what the project relies on in that JSON: the services, pinned images,
#    the search attributes registered by the admin-tools job against domain/search-attributes.ts, that the
#    worker's default environment is a valid worker configuration pointed at the simulator, and the files
#    the commands and the Dockerfile name.
#
# Interpolation uses a clean environment (only PATH and HOME), so the result does not depend on the shell.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SRC="$ROOT/scripts/compose-check"
TOOL_DIR="$ROOT/.tools/compose-check"
BIN="$TOOL_DIR/compose-check"
STAMP="$TOOL_DIR/.source-hash"
COMPOSE_FILE="${1:-$ROOT/docker-compose.yml}"

if ! command -v go >/dev/null 2>&1; then
  echo "compose:check needs the Go toolchain (go) to build scripts/compose-check; none on PATH" >&2
  exit 2
fi

hash="$(cat "$SRC/go.mod" "$SRC/go.sum" "$SRC/main.go" | sha256sum | cut -d' ' -f1)"
if [ ! -x "$BIN" ] || [ "$(cat "$STAMP" 2>/dev/null)" != "$hash" ]; then
  echo "compose:check: building scripts/compose-check (compose-go) into .tools/compose-check" >&2
  mkdir -p "$TOOL_DIR"
  (cd "$SRC" && GOFLAGS=-mod=readonly go build -trimpath -o "$BIN.tmp" .)
  mv "$BIN.tmp" "$BIN"
  printf '%s' "$hash" >"$STAMP"
fi

project_json="$(mktemp)"
trap 'rm -f "$project_json"' EXIT
(cd "$(dirname "$COMPOSE_FILE")" && env -i PATH="$PATH" HOME="${HOME:-/tmp}" "$BIN" -f "$COMPOSE_FILE") >"$project_json"

cd "$ROOT"
node_modules/.bin/tsx scripts/check-compose.ts "$project_json" "$ROOT/Dockerfile"
