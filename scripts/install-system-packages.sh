#!/usr/bin/env bash
# The Debian packages regdesk's tests and demo need. Used by setup.sh and .ci/run.
set -euo pipefail
PACKAGES=(
  docker-registry   # CNCF distribution: the real registries of the tests and of `serve --demo`
  skopeo            # the reference client the tests and benchmarks compare with
  apache2-utils     # htpasswd, for basic-auth registries
  openssl           # test CAs and token-signing certificates
  gnome-keyring dbus-daemon dbus-x11 libsecret-1-dev libsecret-tools   # a real keychain; keytar builds against libsecret
  chromium          # end-to-end UI tests (driven by playwright-core)
  python3 make g++  # node-gyp, to build keytar
  time              # GNU time: wall time and peak RSS in the benchmarks
)
export DEBIAN_FRONTEND=noninteractive
if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >/dev/null
