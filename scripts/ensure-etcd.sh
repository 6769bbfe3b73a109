#!/usr/bin/env bash
# Makes sure an etcd binary is at hand before `npm start` / `npm test` (and CI) need one:
# $TICKFLOW_ETCD_BIN, else `etcd` on PATH, else Debian's etcd-server installed with apt-get when
# this runs as root on a Debian-like system. Anything else ends with what to do, and exit 1.
# TICKFLOW_NO_INSTALL=1 never installs (only checks).
# Also installs Debian's etcd-client (etcdctl) in the same way when no etcdctl/etcdutl is at hand:
# `tickflow restore` needs it (and its tests); everything else runs without it, so it is never required.
set -euo pipefail

can_install() {
  [ "${TICKFLOW_NO_INSTALL:-}" != "1" ] && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1
}

ensure_etcdctl() {
  if [ -n "${TICKFLOW_ETCDCTL_BIN:-}" ] || command -v etcdutl >/dev/null 2>&1 || command -v etcdctl >/dev/null 2>&1; then
    return 0
  fi
  if can_install; then
    echo "etcdctl not found on PATH: installing Debian's etcd-client with apt-get (for tickflow restore)..." >&2
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y -qq etcd-client >/dev/null 2>&1; then
      apt-get update -qq >&2 || true
      apt-get install -y -qq etcd-client >/dev/null || echo "warning: etcd-client could not be installed; tickflow restore will not work" >&2
    fi
  fi
  return 0
}

if [ -n "${TICKFLOW_ETCD_BIN:-}" ]; then
  if [ -x "$TICKFLOW_ETCD_BIN" ]; then ensure_etcdctl; exit 0; fi
  echo "error: TICKFLOW_ETCD_BIN=$TICKFLOW_ETCD_BIN is not an executable file; point it at an etcd 3.4+ binary or unset it" >&2
  exit 1
fi
if command -v etcd >/dev/null 2>&1; then ensure_etcdctl; exit 0; fi

if can_install; then
  echo "etcd not found on PATH: installing Debian's etcd-server with apt-get (once; takes a minute)..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq etcd-server >/dev/null
  if command -v etcd >/dev/null 2>&1; then
    echo "installed: $(etcd --version | sed -n 1p)" >&2
    ensure_etcdctl
    exit 0
  fi
  echo "error: apt-get installed etcd-server but no etcd binary is on PATH" >&2
  exit 1
fi

echo "error: etcd not found on PATH. Install it (Debian/Ubuntu: sudo apt-get install etcd-server)" \
  "or set TICKFLOW_ETCD_BIN to the path of an etcd 3.4+ binary." >&2
exit 1
