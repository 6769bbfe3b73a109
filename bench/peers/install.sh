#!/usr/bin/env bash
# Installs the peer engines used by `npm run bench` (bench/compare): Debian's redis-server, and
# BullMQ + Restate (server binary shipped inside its npm package, and the SDK) in bench/peers/
# node_modules. Kept apart from the main install so `npm install` at the root stays lean.
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v redis-server >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
  else
    sudo apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
  fi
fi
# The Debian package starts a system-wide Redis on :6379; the benchmark starts its own on a free
# port, so the system one is left as the package manager set it up.

# @restatedev/restate-server depends on @scarf/scarf, whose install hook phones home; opt out.
export SCARF_ANALYTICS=false
if [ -f package-lock.json ]; then
  npm ci --no-audit --no-fund
else
  npm install --no-audit --no-fund
fi

redis-server --version
# The server binary comes in a per-platform package; the benchmark runs it from there.
"node_modules/@restatedev/restate-server-$(node -p 'process.platform + "-" + process.arch')/bin/restate-server" --version
