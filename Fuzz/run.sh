#!/usr/bin/env bash
# libFuzzer targets for Rhizome's decoders (DESIGN.md "Tests, in rings", item 3).
#
#   Fuzz/run.sh list                         the targets
#   Fuzz/run.sh TARGET|all [SECONDS] [ARGS]  build, then fuzz each for SECONDS (default 60), one
#                                            process at a time; ARGS go to libFuzzer
#   Fuzz/run.sh build TARGET|all             build only
#   Fuzz/run.sh repro TARGET FILE...         run the target on the given inputs (e.g. a crash file)
#   Fuzz/run.sh minimize TARGET FILE         shrink a crash input (writes fuzz-artifacts/TARGET/minimized-*)
#   Fuzz/run.sh coverage TARGET|all          line coverage of the sources by the corpus and kept inputs
#                                            (llvm-cov report; HTML in .build-fuzz/cov/html/TARGET)
#
# Targets are compiled straight from the package sources with swiftc (no SwiftPM): RhizomeCrypto,
# RhizomeCore, RhizomeIPv6 and the Foundation-free JSON/ and Config/ files of RhizomeNode become
# static libraries instrumented with -sanitize=fuzzer,address, linked with one entry point from
# Fuzz/Targets and its shared harness from Tests/ (which FuzzRegressionTests also replays).
# Everything generated goes to .build-fuzz/ (corpora in .build-fuzz/corpus/TARGET) and crash
# inputs to fuzz-artifacts/TARGET/; both are git-ignored. The kept inputs of
# Tests/*/FuzzRegressions/TARGET are read as seeds, never written.
#
# Environment: FUZZ_OPT (default -O; -Onone for clearer traces), FUZZ_SWIFTC (default swiftc).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$ROOT/.build-fuzz
ART=$ROOT/fuzz-artifacts
SWIFTC=${FUZZ_SWIFTC:-swiftc}
OPT=${FUZZ_OPT:--O}
# The fuzzing flavour; `coverage` switches these to a profiling build in $BUILD/cov.
FLAVOR=$BUILD/fuzz
FLAGS=(-sanitize=fuzzer,address "$OPT" -g)
CORE_TARGETS=(frame body metadata uvarint traffic router wire05 router05)
NODE_TARGETS=(hjson peeruri config beacon socks adminsplit)
SESSION_TARGETS=(session oob)
ALL_TARGETS=("${CORE_TARGETS[@]}" "${NODE_TARGETS[@]}" "${SESSION_TARGETS[@]}")

die() { echo "run.sh: $*" >&2; exit 2; }

is_core() { local t; for t in "${CORE_TARGETS[@]}"; do [[ $t == "$1" ]] && return 0; done; return 1; }
is_node() { local t; for t in "${NODE_TARGETS[@]}"; do [[ $t == "$1" ]] && return 0; done; return 1; }
is_session() { local t; for t in "${SESSION_TARGETS[@]}"; do [[ $t == "$1" ]] && return 0; done; return 1; }
check_target() { is_core "$1" || is_node "$1" || is_session "$1" || die "unknown target '$1' (run.sh list)"; }

# The harness sources of a target (router05's builds on FuzzHarness.swift).
harness_of() {
    if [[ $1 == router05 ]]; then echo "$ROOT/Tests/RhizomeCoreTests/FuzzHarness.swift $ROOT/Tests/RhizomeCoreTests/Fuzz05Harness.swift"
    elif is_core "$1"; then echo "$ROOT/Tests/RhizomeCoreTests/FuzzHarness.swift"
    elif is_session "$1"; then echo "$ROOT/Tests/RhizomeSessionsTests/SessionFuzzHarness.swift"
    else echo "$ROOT/Tests/RhizomeNodeTests/NodeFuzzHarness.swift"; fi
}
seeds_of() {
    if is_core "$1"; then echo "$ROOT/Tests/RhizomeCoreTests/FuzzRegressions/$1"
    elif is_session "$1"; then echo "$ROOT/Tests/RhizomeSessionsTests/FuzzRegressions/$1"
    else echo "$ROOT/Tests/RhizomeNodeTests/FuzzRegressions/$1"; fi
}

# True when $1 is missing or older than any of the other files.
stale() {
    local out=$1; shift
    [[ -e $out ]] || return 0
    local f
    for f in "$@"; do [[ $f -nt $out ]] && return 0; done
    return 1
}

# The linker warns about every ASan helper symbol; keep the rest.
quiet() { grep -v -e "Cannot export local symbol" -e "^$" || true; }

swiftc_() {
    local log; log=$(mktemp)
    if ! "$SWIFTC" "$@" >"$log" 2>&1; then quiet <"$log" >&2; rm -f "$log"; return 1; fi
    quiet <"$log" | grep -v "warning:" >&2 || true
    rm -f "$log"
}

# build_lib NAME LANGUAGE-MODE "DEP-LIBS" SOURCES...
build_lib() {
    local name=$1 mode=$2 deps=$3; shift 3
    local lib=$FLAVOR/lib/lib$name.a
    local dep_files=() d
    for d in $deps; do dep_files+=("$FLAVOR/lib/lib$d.a"); done
    if stale "$lib" "$@" "${dep_files[@]}" "$0"; then
        echo "  compiling $name ($# files)" >&2
        mkdir -p "$FLAVOR/lib" "$FLAVOR/modules"
        swiftc_ "${FLAGS[@]}" -parse-as-library -wmo -swift-version "$mode" \
            -module-name "$name" -emit-module -emit-module-path "$FLAVOR/modules/$name.swiftmodule" \
            -emit-library -static -o "$lib" \
            -I "$FLAVOR/modules" -I "$ROOT/Sources/CSodium" "$@"
    fi
}

build_libs() {
    local kind=$1
    # Dependencies as in Package.swift: CSodium -> RhizomeCrypto -> RhizomeCore -> RhizomeIPv6.
    build_lib RhizomeCrypto 6 "" "$ROOT"/Sources/RhizomeCrypto/*.swift
    build_lib RhizomeCore 6 "RhizomeCrypto" $(find "$ROOT/Sources/RhizomeCore" -name '*.swift' | sort)
    if [[ $kind == node || $kind == session ]]; then
        build_lib RhizomeIPv6 6 "RhizomeCrypto RhizomeCore" $(find "$ROOT/Sources/RhizomeIPv6" -name '*.swift' | sort)
    fi
    if [[ $kind == session ]]; then
        build_lib RhizomeSessions 6 "RhizomeCrypto RhizomeCore" $(find "$ROOT/Sources/RhizomeSessions" -name '*.swift' | sort)
    fi
    if [[ $kind == node ]]; then
        # Only the Foundation- and NIO-free part of RhizomeNode: the JSON and config code, beacons,
        # the SOCKS reply parser, the admin splitter and MetricsListen (which config checks).
        build_lib RhizomeNode 5 "RhizomeCrypto RhizomeCore RhizomeIPv6" \
            "$ROOT"/Sources/RhizomeNode/JSON/*.swift "$ROOT"/Sources/RhizomeNode/Config/*.swift \
            "$ROOT"/Sources/RhizomeNode/Multicast/Beacon.swift "$ROOT"/Sources/RhizomeNode/Multicast/Beacon05.swift \
            "$ROOT"/Sources/RhizomeNode/Links/SOCKSReply.swift "$ROOT"/Sources/RhizomeNode/Admin/JSONValueSplitter.swift \
            "$ROOT"/Sources/RhizomeNode/Metrics/MetricsListen.swift
    fi
}

build_target() {
    local t=$1 bin=$FLAVOR/bin/fuzz-$1
    check_target "$t"
    local harness; read -r -a harness <<<"$(harness_of "$t")"
    local libs
    if is_core "$t"; then
        build_libs core
        libs=(RhizomeCore RhizomeCrypto)
    elif is_session "$t"; then
        build_libs session
        libs=(RhizomeSessions RhizomeIPv6 RhizomeCore RhizomeCrypto)
    else
        build_libs node
        libs=(RhizomeNode RhizomeIPv6 RhizomeCore RhizomeCrypto)
    fi
    local lib_files=() l link=()
    for l in "${libs[@]}"; do lib_files+=("$FLAVOR/lib/lib$l.a"); link+=("-l$l"); done
    if stale "$bin" "$ROOT/Fuzz/Targets/$t.swift" "${harness[@]}" "${lib_files[@]}" "$0"; then
        echo "  linking fuzz-$t" >&2
        mkdir -p "$FLAVOR/bin"
        swiftc_ "${FLAGS[@]}" -parse-as-library -swift-version 6 -module-name "Fuzz_$t" \
            -I "$FLAVOR/modules" -I "$ROOT/Sources/CSodium" \
            "$ROOT/Fuzz/Targets/$t.swift" "${harness[@]}" \
            -L "$FLAVOR/lib" "${link[@]}" -lsodium -o "$bin"
    fi
}

max_len_of() {
    case $1 in
        router|router05|session|oob) echo 2048 ;;
        config) echo 8192 ;;
        hjson) echo 4096 ;;
        peeruri) echo 512 ;;
        metadata) echo 64 ;;
        beacon) echo 256 ;;
        socks|adminsplit) echo 1024 ;;
        *) echo 4096 ;;
    esac
}

fuzz_env() {
    # The Swift backtracer would spend tens of seconds on every crash; libFuzzer reports it.
    export SWIFT_BACKTRACE=enable=no
    export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1:symbolize=1}
}

# run_target TARGET SECONDS [ARGS...]; returns libFuzzer's status.
run_target() {
    local t=$1 secs=$2; shift 2
    local bin=$FLAVOR/bin/fuzz-$t corpus=$BUILD/corpus/$t seeds; seeds=$(seeds_of "$t")
    mkdir -p "$corpus" "$ART/$t" "$BUILD/logs"
    local args=(-max_total_time="$secs" -artifact_prefix="$ART/$t/" -print_final_stats=1
        -timeout=25 -rss_limit_mb=2048 -max_len="$(max_len_of "$t")")
    [[ -f $ROOT/Fuzz/Dictionaries/$t.dict ]] && args+=(-dict="$ROOT/Fuzz/Dictionaries/$t.dict")
    local dirs=("$corpus")
    [[ -d $seeds ]] && dirs+=("$seeds")
    local log=$BUILD/logs/$t.log
    echo "== $t: ${secs}s, corpus $corpus, log $log" >&2
    fuzz_env
    local status=0
    "$bin" "${args[@]}" "$@" "${dirs[@]}" >"$log" 2>&1 || status=$?
    summarize "$t" "$log" "$status"
    return "$status"
}

summarize() {
    local t=$1 log=$2 status=$3
    local last; last=$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)
    local execs rate; execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    local cov ft corp
    cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last"); ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
    corp=$(sed -n 's/.* corp: \([0-9]*\/[0-9a-zA-Z]*\).*/\1/p' <<<"$last")
    if [[ $status == 0 ]]; then
        printf '   %-9s ok     %10s execs  %6s exec/s  cov %5s  ft %6s  corpus %s\n' \
            "$t" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}"
    else
        printf '   %-9s FAILED (status %s) after %s execs; see %s\n' "$t" "$status" "${execs:-?}" "$log"
        grep -E 'Fatal error|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|SUMMARY|Test unit written|^MS:' "$log" | head -n 12 | sed 's/^/      /'
    fi
}

# coverage TARGET: replays corpus and kept inputs through a profiling build, prints llvm-cov's
# report for the package sources the target compiles.
coverage() {
    local t=$1 bin=$FLAVOR/bin/fuzz-$1 seeds; seeds=$(seeds_of "$t")
    local dirs=() d
    for d in "$BUILD/corpus/$t" "$seeds"; do [[ -d $d ]] && dirs+=("$d"); done
    local raw=$FLAVOR/profiles/$t.profraw data=$FLAVOR/profiles/$t.profdata
    mkdir -p "$FLAVOR/profiles"
    rm -f "$raw"
    fuzz_env
    LLVM_PROFILE_FILE=$raw "$bin" -runs=0 -max_len="$(max_len_of "$t")" "${dirs[@]}" >"$FLAVOR/profiles/$t.log" 2>&1 \
        || { echo "coverage run of $t failed; see $FLAVOR/profiles/$t.log" >&2; return 1; }
    # The toolchain's own llvm tools: a distribution's may not read this profile format.
    local tools; tools=$(dirname "$(command -v "$SWIFTC")")
    "$tools/llvm-profdata" merge -sparse "$raw" -o "$data"
    local sources
    if is_core "$t"; then sources=("$ROOT/Sources/RhizomeCore" "$ROOT/Sources/RhizomeCrypto")
    elif is_session "$t"; then sources=("$ROOT/Sources/RhizomeSessions" "$ROOT/Sources/RhizomeIPv6")
    else sources=("$ROOT/Sources/RhizomeNode" "$ROOT/Sources/RhizomeIPv6"); fi
    echo "== $t: $(grep -c . <(find "${dirs[@]}" -type f)) inputs" >&2
    "$tools/llvm-cov" report "$bin" -instr-profile="$data" "${sources[@]}" | sed "s#$ROOT/Sources/##"
    "$tools/llvm-cov" show "$bin" -instr-profile="$data" -format=html -output-dir="$FLAVOR/html/$t" "${sources[@]}" >/dev/null
}

targets_of() { if [[ $1 == all ]]; then echo "${ALL_TARGETS[@]}"; else check_target "$1"; echo "$1"; fi; }

cmd=${1:-}
case $cmd in
    ""|-h|--help|help)
        sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'
        ;;
    list)
        printf '%s\n' "${ALL_TARGETS[@]}"
        ;;
    build)
        [[ $# -ge 2 ]] || die "usage: run.sh build TARGET|all"
        for t in $(targets_of "$2"); do build_target "$t"; done
        ;;
    repro)
        [[ $# -ge 3 ]] || die "usage: run.sh repro TARGET FILE..."
        t=$2; shift 2
        build_target "$t"
        fuzz_env
        exec "$FLAVOR/bin/fuzz-$t" -runs=1 "$@"
        ;;
    minimize)
        [[ $# -eq 3 ]] || die "usage: run.sh minimize TARGET FILE"
        build_target "$2"
        fuzz_env
        mkdir -p "$ART/$2"
        exec "$FLAVOR/bin/fuzz-$2" -minimize_crash=1 -max_total_time=60 -artifact_prefix="$ART/$2/minimized-" "$3"
        ;;
    coverage)
        [[ $# -ge 2 ]] || die "usage: run.sh coverage TARGET|all"
        FLAVOR=$BUILD/cov
        FLAGS=(-sanitize=fuzzer -profile-generate -profile-coverage-mapping -Onone)
        for t in $(targets_of "$2"); do build_target "$t"; coverage "$t"; done
        ;;
    *)
        secs=${2:-60}
        [[ $secs =~ ^[0-9]+$ ]] || die "SECONDS must be a number, not '$secs'"
        targets=$(targets_of "$cmd")
        shift; [[ $# -gt 0 ]] && shift
        for t in $targets; do build_target "$t"; done
        failed=()
        for t in $targets; do run_target "$t" "$secs" "$@" || failed+=("$t"); done
        if [[ ${#failed[@]} -gt 0 ]]; then
            echo "failed: ${failed[*]} (inputs in $ART/)" >&2
            exit 1
        fi
        ;;
esac
