#!/usr/bin/env bash
# Installs pywb (web-archive replay) into its own virtual environment, .venv-pywb/:
# its pins (werkzeug, pyOpenSSL, cryptography, brotlipy shadowing Brotli's `brotli` module)
# clash with Scrapy's dependencies, so it never shares govcrawl's environment.
# Afterwards: .venv-pywb/bin/wb-manager and .venv-pywb/bin/wayback (see README, "Replay").
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${GOVCRAWL_PYWB_VENV:-.venv-pywb}"
PYWB_VERSION="${GOVCRAWL_PYWB_VERSION:-2.10.0}"

if [ -x "$VENV/bin/wayback" ] && "$VENV/bin/python" -c "import pywb, sys; sys.exit(pywb.__version__ != '$PYWB_VERSION')" 2>/dev/null; then
  exit 0
fi
echo "install: pywb $PYWB_VERSION into $VENV" >&2
python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check "pywb==$PYWB_VERSION"
