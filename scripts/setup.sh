#!/usr/bin/env bash
# One-time setup on a Debian machine: system packages, npm packages, build.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-packages.sh
npm ci --no-audit --no-fund
npm run build
