#!/usr/bin/env bash
# Build the docs offline into _docs/ (tools/build/docs.py), then check every page in headless Chromium
# (tools/test/test_docs.py). Needs Debian's chromium, chromium-driver and libjs-katex: installs them with apt-get if
# they are missing, so it needs apt and root (or sudo); apt-get waits up to 5 minutes while another apt runs.
# selenium comes with the dev extra. Arguments go to docs.py (`--executed DIR`).
set -euo pipefail
cd "$(dirname "$0")/../.."
need=()
for pkg in chromium chromium-driver libjs-katex; do dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg"); done
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
apt=(apt-get -o DPkg::Lock::Timeout=300)   # install waits up to 300 s for dpkg's lock if another apt holds it

apt_update() {  # apt-get update, retried for up to 300 s while another apt holds the lists lock (the option above
  local err; err=$(mktemp)      # covers dpkg's lock, not the lists lock that update takes)
  for _ in $(seq 60); do
    if $SUDO "${apt[@]}" update -qq 2>"$err"; then rm -f "$err"; return 0; fi
    grep -q 'Could not get lock' "$err" || { cat "$err" >&2; rm -f "$err"; return 1; }
    sleep 5
  done
  cat "$err" >&2; rm -f "$err"; return 1
}

if [ ${#need[@]} -gt 0 ]; then
  apt_update
  DEBIAN_FRONTEND=noninteractive $SUDO "${apt[@]}" install -y -qq "${need[@]}" >/dev/null
fi
python -c "import selenium" 2>/dev/null || { echo "selenium is missing: pip install -e \".[dev]\""; exit 1; }
python tools/build/docs.py "$@"
python tools/test/test_docs.py
