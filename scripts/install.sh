#!/usr/bin/env bash
# Installs everything govcrawl needs on a fresh Debian machine: Debian's Chromium (the browser
# for JavaScript-built listings; Playwright cannot download its own here) and the Python package
# with its test extras, into the current Python environment.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: chromium (the browser), postgresql (the storage tests run on a real server too),
# redis-server (the distributed mode's shared frontier, in its tests).
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
{ command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; } || missing+=(postgresql)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)   # distributed mode's tests
[ -e /etc/ssl/certs/ca-certificates.crt ] || missing+=(ca-certificates)   # the CA store https is verified against
# a Chinese font, so the browser's pages and screenshots show text rather than boxes
[ -n "$(fc-list :lang=zh 2>/dev/null)" ] || missing+=(fonts-wqy-zenhei)
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "install: Debian packages ${missing[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

echo "install: govcrawl and its Python dependencies" >&2
python3 -m pip install -q --disable-pip-version-check -e ".[test]"

# pywb, for replaying the archive, in its own virtualenv (its pins clash with Scrapy's).
bash scripts/install-replay.sh
