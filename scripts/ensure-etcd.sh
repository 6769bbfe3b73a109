#!/usr/bin/env bash
# Makes sure an etcd binary is at hand before `npm start` / `npm test` (and CI) need one:
# $TICKFLOW_ETCD_BIN, else `etcd` on PATH, else Debian's etcd-server installed with apt-get when
# this runs as root on a Debian-like system. Anything else ends with what to do, and exit 1.
# TICKFLOW_NO_INSTALL=1 never installs (only checks).
set -euo pipefail

if [ -n "${TICKFLOW_ETCD_BIN:-}" ]; then
  if [ -x "$TICKFLOW_ETCD_BIN" ]; then exit 0; fi
  echo "error: TICKFLOW_ETCD_BIN=$TICKFLOW_ETCD_BIN is not an executable file; point it at an etcd 3.4+ binary or unset it" >&2
  exit 1
fi
if command -v etcd >/dev/null 2>&1; then exit 0; fi

if [ "${TICKFLOW_NO_INSTALL:-}" != "1" ] && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "etcd not found on PATH: installing Debian's etcd-server with apt-get (once; takes a minute)..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq etcd-server >/dev/null
  if command -v etcd >/dev/null 2>&1; then
    echo "installed: $(etcd --version | sed -n 1p)" >&2
    exit 0
  fi
  echo "error: apt-get installed etcd-server but no etcd binary is on PATH" >&2
  exit 1
fi

echo "error: etcd not found on PATH. Install it (Debian/Ubuntu: sudo apt-get install etcd-server)" \
  "or set TICKFLOW_ETCD_BIN to the path of an etcd 3.4+ binary." >&2
exit 1
