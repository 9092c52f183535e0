#!/usr/bin/env bash
# Ensures Debian's Chromium for the Web UI browser test (test/e2e/web-ui.test.ts drives it with
# playwright-core; Playwright's own browser download cannot reach its host here).
#
#   bash scripts/install-chromium.sh     prints the browser's path on stdout; diagnostics go to stderr
#
# Idempotent and quick when the browser is there: it only checks that it starts (`--version`). Otherwise it
# runs `apt-get update && apt-get install chromium` (needs root and apt-get). CHROMIUM_PATH names another
# binary to check instead of /usr/bin/chromium.
set -euo pipefail

log() { echo "install-chromium.sh: $*" >&2; }

BROWSER="${CHROMIUM_PATH:-/usr/bin/chromium}"

works() { [[ -x "$BROWSER" ]] && "$BROWSER" --headless --no-sandbox --version >/dev/null 2>&1; }

if works; then
  log "present: $BROWSER ($("$BROWSER" --headless --no-sandbox --version 2>/dev/null | head -n 1))"
  echo "$BROWSER"
  exit 0
fi

if [[ -n "${CHROMIUM_PATH:-}" ]]; then
  log "CHROMIUM_PATH=$CHROMIUM_PATH is not a working browser; not installing anything"
  exit 1
fi
if [[ "$(id -u)" != 0 ]] || ! command -v apt-get >/dev/null; then
  log "no Chromium at $BROWSER, and cannot install it here (needs root and apt-get):"
  log "  sudo apt-get update && sudo apt-get install -y chromium"
  exit 1
fi

log "installing Chromium (apt-get install chromium)"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends chromium >&2
works || {
  log "apt-get installed chromium but $BROWSER does not start"
  exit 1
}
log "installed: $BROWSER ($("$BROWSER" --headless --no-sandbox --version 2>/dev/null | head -n 1))"
echo "$BROWSER"
