#!/usr/bin/env bash
# Installs the Debian packages Rhizome builds and tests with; idempotent and quiet when all are there.
#   libsodium-dev  crypto (system library, found with pkg-config)
#   yggdrasil      the 0.4.7 reference peer the interop tests run against
#   iperf3 iproute2 iputils-ping bc python3  namespace tests (a SOCKS proxy, raw admin clients) and benchmarks
set -euo pipefail
packages=(libsodium-dev pkg-config yggdrasil iperf3 iproute2 iputils-ping bc python3)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  exec sudo "$0" "$@"
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# policy-rc.d keeps the yggdrasil package from starting its own system service.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
