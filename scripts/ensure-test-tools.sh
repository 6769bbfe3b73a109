#!/usr/bin/env bash
# Before `npm test` (and CI): the tools the tests use besides etcd. openssl makes the TLS tests'
# certificates; redis-server is the pub/sub broker of the pub/sub tests (each starts its own on a
# free loopback port); chromium runs the dashboard's browser tests headless. Installed from Debian
# with apt-get when missing and this runs as root; otherwise one line says what to install.
# TICKFLOW_NO_INSTALL=1 never installs (only checks).
set -euo pipefail

updated=0
# ensure COMMAND PACKAGE WHY
ensure() {
  local command="$1" package="$2" why="$3"
  if command -v "$command" >/dev/null 2>&1; then return 0; fi
  if [ "${TICKFLOW_NO_INSTALL:-}" != "1" ] && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "$command not found: installing Debian's $package with apt-get (once)..." >&2
    export DEBIAN_FRONTEND=noninteractive
    if [ "$updated" = "0" ]; then
      apt-get update -qq >&2
      updated=1
    fi
    apt-get install -y -qq "$package" >/dev/null
    command -v "$command" >/dev/null 2>&1 && return 0
  fi
  echo "error: $command not found on PATH; $why (Debian/Ubuntu: sudo apt-get install $package)" >&2
  exit 1
}

ensure openssl openssl 'the TLS tests need it'
ensure redis-server redis-server 'the pub/sub tests need it'
ensure chromium chromium 'the dashboard browser tests need it (headless, driven by playwright-core)'
