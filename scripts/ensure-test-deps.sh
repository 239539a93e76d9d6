#!/usr/bin/env bash
# Makes sure the programs the test suite drives are on this machine: Debian's Chromium (for
# Playwright; no browser download works here), a real kubectl (the compatibility judge of the
# embedded control plane) and Prometheus (the monitoring contract test runs it against the demo
# mesh's metrics). Installs them with apt-get when missing and allowed (root), else says exactly what
# to install.
set -euo pipefail

missing=()
chromium_path="${CHROMIUM_PATH:-/usr/bin/chromium}"
[ -x "$chromium_path" ] || missing+=(chromium)
command -v kubectl >/dev/null 2>&1 || missing+=(kubernetes-client)
[ -x "${PROMETHEUS_PATH:-/usr/bin/prometheus}" ] || missing+=(prometheus)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing test dependencies: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
  exit 0
fi

echo "The tests need: ${missing[*]}. Install them with: sudo apt-get install -y ${missing[*]}" >&2
exit 1
