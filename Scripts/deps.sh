#!/usr/bin/env bash
# Installs the Debian packages Rhizome builds and tests with; idempotent and quiet when all are there.
#   libsodium-dev  crypto (system library, found with pkg-config)
#   yggdrasil      the 0.4.7 reference peer the interop tests run against
#   yggdrasil 0.5.12 from bookworm-backports, unpacked (not installed) under /opt/yggdrasil-0.5.12:
#                  the 0.5 reference peer, beside 0.4.7
#   iperf3 iproute2 iputils-ping bc python3  namespace tests (a SOCKS proxy, raw admin clients) and benchmarks
#   socat openssl  the TLS terminator in front of a ws:// listener for the wss:// interop test
#   libgnutls28-dev, and ngtcp2 1.11 from bookworm-backports (bookworm's own 0.12 has an older API):
#                  quic:// links (headers at build time; the libraries are loaded on first use)
#   python3-prometheus-client  parses the metrics endpoint in its test
#   python3-cryptography  Ed25519 keys and 0.5 link signatures for Benchmarks/hostile's attackers
#   ethtool        turns a veth's checksum offload off, so the routed-subnet test sees real checksums
set -euo pipefail
packages=(libsodium-dev pkg-config yggdrasil iperf3 iproute2 iputils-ping bc python3 socat openssl libgnutls28-dev
          python3-prometheus-client python3-cryptography ethtool)
backported=(libngtcp2-dev libngtcp2-crypto-gnutls-dev)
ngtcp2_series=1.11
ygg05=/opt/yggdrasil-0.5.12
ygg05_version=0.5.12-1~bpo12+1
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
missing_bp=()
for p in "${backported[@]}"; do
  dpkg-query -W -f='${Status} ${Version}' "$p" 2>/dev/null | grep -q "install ok installed $ngtcp2_series" || missing_bp+=("$p")
done
[ ${#missing[@]} -eq 0 ] && [ ${#missing_bp[@]} -eq 0 ] && [ -x "$ygg05/usr/sbin/yggdrasil" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  exec sudo "$0" "$@"
fi
export DEBIAN_FRONTEND=noninteractive

# bookworm-backports from the same Debian mirror this machine already uses, pinned low so that
# nothing is upgraded from it unless asked for by name.
backports=/etc/apt/sources.list.d/rhizome-bookworm-backports.sources
if [ ! -e "$backports" ]; then
  mirror=""
  if [ -r /etc/apt/sources.list.d/debian.sources ]; then
    mirror=$(awk '/^URIs:/ {u=$2} /^Suites:/ && / bookworm( |$)/ {print u; exit}' /etc/apt/sources.list.d/debian.sources)
  fi
  if [ -z "$mirror" ] && [ -r /etc/apt/sources.list ]; then
    mirror=$(awk '$1=="deb" && $3=="bookworm" {print $2; exit}' /etc/apt/sources.list)
  fi
  [ -n "$mirror" ] || { echo "deps.sh: no Debian bookworm mirror found in the apt sources" >&2; exit 1; }
  printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    "$mirror" > "$backports"
  printf 'Package: *\nPin: release n=bookworm-backports\nPin-Priority: 100\n' \
    > /etc/apt/preferences.d/rhizome-bookworm-backports
fi
apt-get update -qq

if [ ${#missing[@]} -gt 0 ]; then
  # policy-rc.d keeps the yggdrasil package from starting its own system service.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ ${#missing_bp[@]} -gt 0 ]; then
  apt-get install -y -qq --no-install-recommends -t bookworm-backports "${missing_bp[@]}" >/dev/null
fi

if [ ! -x "$ygg05/usr/sbin/yggdrasil" ]; then
  work=$(mktemp -d) && chmod 755 "$work"
  (cd "$work" && apt-get download -qq "yggdrasil=$ygg05_version" >/dev/null)
  mkdir -p "$ygg05"
  dpkg -x "$work"/yggdrasil_*.deb "$ygg05"
  rm -rf "$work"
  "$ygg05/usr/sbin/yggdrasil" -version >/dev/null
fi
