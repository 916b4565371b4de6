#!/usr/bin/env bash
# Installs noVNC (npm @novnc/novnc) for `oobctl kvm --listen ADDR` into
# node_modules/ at the repository root (ignored by git, never committed).
#   scripts/novnc.sh && oobctl kvm --listen 127.0.0.1:8080 --novnc node_modules/@novnc/novnc
set -euo pipefail
cd "$(dirname "$0")/.."
# A pinned version, so every machine tests against the same page code.
npm install --no-save --no-audit --no-fund --prefix . @novnc/novnc@1.7.0 >/dev/null
test -f node_modules/@novnc/novnc/core/rfb.js
echo "noVNC installed in node_modules/@novnc/novnc"
