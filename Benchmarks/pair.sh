# Shared by the benchmarks (sourced, not run): two network namespaces joined by a veth pair with
# the ULA addresses fd7b::1 and fd7b::2, node configs that peer over TCP between them, and the
# removal of everything made here on exit (namespaces, work directory, the processes in PIDS).
# Set TAG (unique per run) and RHIZOME before sourcing (YGG05 optionally).
#
# An implementation (IMPL below) is one of:
#   rhizome    rhizome with its default protocol (no ProtocolVersion in the config)
#   rhizome04  rhizome with "ProtocolVersion": "0.4"      rhizome05  … "0.5"
#   yggdrasil  Debian's yggdrasil on PATH (0.4.7), also called ygg047
#   ygg05      yggdrasil 0.5.12 ($YGG05, default /opt/yggdrasil-0.5.12/usr/sbin/yggdrasil)
# with an optional link type after a dash (default tcp): rhizome05-quic, ygg05-quic, ygg05-tls …
YGG05=${YGG05:-/opt/yggdrasil-0.5.12/usr/sbin/yggdrasil}

base_impl() { echo "${1%%-*}"; }
link_type() { case "$1" in *-*) echo "${1#*-}" ;; *) echo tcp ;; esac; }

binary() { # IMPL -> the daemon to run
  case "$(base_impl "$1")" in
    rhizome|rhizome04|rhizome05) echo "$RHIZOME" ;;
    yggdrasil|ygg047) command -v yggdrasil ;;
    ygg05) echo "$YGG05" ;;
    *) echo "unknown implementation $1" >&2; return 1 ;;
  esac
}

protocol_version() { # IMPL -> rhizome's ProtocolVersion, or nothing
  case "$(base_impl "$1")" in rhizome04) echo 0.4 ;; rhizome05) echo 0.5 ;; esac
}
NSA="${TAG}a"; NSB="${TAG}b"
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  sleep 0.3
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill -9 "$p" 2>/dev/null || true; done
  ip netns del "$NSA" 2>/dev/null || true
  ip netns del "$NSB" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

ip netns add "$NSA"; ip netns add "$NSB"
ip link add "${TAG}x" netns "$NSA" type veth peer name "${TAG}y" netns "$NSB"
ip -n "$NSA" addr add fd7b::1/64 dev "${TAG}x" nodad
ip -n "$NSB" addr add fd7b::2/64 dev "${TAG}y" nodad
for ns in "$NSA" "$NSB"; do ip -n "$ns" link set lo up; done
ip -n "$NSA" link set "${TAG}x" up; ip -n "$NSB" link set "${TAG}y" up

# config IMPL SIDE -> writes $WORK/IMPL-SIDE.json
config() {
  local impl=$1 side=$2 bin
  bin=$(binary "$impl")
  "$bin" -genconf -json | python3 -c '
import json, sys
c = json.load(sys.stdin)
side, work, impl, version, link = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
if version:
    c["ProtocolVersion"] = version
c["MulticastInterfaces"] = []
c["IfName"] = "auto"
c["AdminListen"] = "none"
if side == "a":
    c["Listen"] = [f"{link}://[fd7b::1]:12345"]
else:
    c["Peers"] = [f"{link}://[fd7b::1]:12345"]
json.dump(c, open(f"{work}/{impl}-{side}.json", "w"))
' "$side" "$WORK" "$impl" "$(protocol_version "$impl")" "$(link_type "$impl")"
}

start() { # IMPL SIDE NS -> pid
  local impl=$1 side=$2 ns=$3 bin
  bin=$(binary "$impl")
  ip netns exec "$ns" "$bin" -useconffile "$WORK/$impl-$side.json" >"$WORK/$impl-$side.log" 2>&1 &
  echo $!
}


# up IMPL: starts both nodes, waits until A reaches B through the overlay and starts an iperf3
# server on B's overlay address. Sets PA, PB (daemon PIDs) and ADDR_B; adds every PID to PIDS.
up() {
  local impl=$1 bin
  bin=$(binary "$impl")
  config "$impl" a; config "$impl" b
  PA=$(start "$impl" a "$NSA"); PIDS+=("$PA")
  sleep 1
  PB=$(start "$impl" b "$NSB"); PIDS+=("$PB")
  ADDR_B=$("$bin" -useconffile "$WORK/$impl-b.json" -address)
  local reached=no
  for _ in $(seq 1 60); do
    ip netns exec "$NSA" ping -6 -c 1 -W 1 "$ADDR_B" >/dev/null 2>&1 && { reached=yes; break; }
    sleep 0.5
  done
  [ "$reached" = yes ] || { echo "$impl: A never reached B; logs:" >&2; tail -n 20 "$WORK/$impl-a.log" "$WORK/$impl-b.log" >&2; exit 1; }
  ip netns exec "$NSB" iperf3 -s -D -B "$ADDR_B" --pidfile "$WORK/iperf.pid" >/dev/null
  sleep 0.5
  PIDS+=("$(cat "$WORK/iperf.pid")")
}
