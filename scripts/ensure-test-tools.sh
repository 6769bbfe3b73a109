#!/usr/bin/env bash
# Before `npm test` (and CI): the tools the tests use besides etcd. openssl makes the TLS tests'
# certificates. Installed from Debian with apt-get when missing and this runs as root; otherwise
# one line says what to install. TICKFLOW_NO_INSTALL=1 never installs (only checks).
set -euo pipefail

if command -v openssl >/dev/null 2>&1; then exit 0; fi
if [ "${TICKFLOW_NO_INSTALL:-}" != "1" ] && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "openssl not found: installing Debian's openssl with apt-get (once)..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq openssl >/dev/null
  command -v openssl >/dev/null 2>&1 && exit 0
fi
echo "error: openssl not found on PATH; the TLS tests need it (Debian/Ubuntu: sudo apt-get install openssl)" >&2
exit 1
