#!/usr/bin/env bash
# One-time setup on a Debian machine: system packages, npm packages, build.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-packages.sh
if ! npm ci --no-audit --no-fund; then
  # Machines that cannot download Electron still get the CLI and the browser UI (npm run demo / web).
  echo "setup: the Electron binary could not be downloaded; installing without it (npm start needs it, npm run demo does not)" >&2
  ELECTRON_SKIP_BINARY_DOWNLOAD=1 npm ci --no-audit --no-fund
fi
npm run build
