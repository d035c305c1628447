#!/usr/bin/env bash
# Build the docs offline into _docs/ (see tools/docs.py), then check every page in headless Chromium
# (tools/test_docs.py). Installs Debian's chromium, chromium-driver and libjs-katex if missing; selenium comes with the dev extra.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
for pkg in chromium chromium-driver libjs-katex; do dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg"); done
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
python -c "import selenium" 2>/dev/null || { echo "selenium is missing: pip install -e \".[dev]\""; exit 1; }
python tools/docs.py "$@"
python tools/test_docs.py
