#!/usr/bin/env bash
# Make sure what the test suite needs is on this machine: Debian's chromium for
# browser tests (never a downloaded browser). Idempotent; run by `npm test`.
set -euo pipefail
SUDO=""
if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null; then SUDO="sudo"; fi

if [ ! -x /usr/bin/chromium ]; then
  echo "test-env: installing Debian chromium (browser tests)" >&2
  $SUDO apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
