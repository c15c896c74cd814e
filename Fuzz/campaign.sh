#!/usr/bin/env bash
# A fuzzing campaign over every target of Fuzz/run.sh (issue 13, item 5), for a quiet machine;
# not run by CI. Codec targets run to a number of executions, the router-like targets (a few
# hundred executions per second) for a time each. One target at a time; each run's figures —
# executions, exec/s, wall time, coverage (cov = edges, ft = features), corpus size and the
# inputs libFuzzer wrote to fuzz-artifacts/TARGET/ — are appended as a dated table to the
# results file.
#
#   Fuzz/campaign.sh                              10,000,000 runs per codec target, 2 h per router target
#   Fuzz/campaign.sh --runs 200000 --router-seconds 60     a small trial
#   Options: --runs N             executions per codec target (default 10000000)
#            --router-seconds S   seconds per router target (default 7200)
#            --targets "T ..."    only these targets (default: all of run.sh list)
#            --results FILE       where the table goes (default Fuzz/CAMPAIGN.md)
#            --note TEXT          a line written under the table's heading
#   Extra arguments after -- go to libFuzzer (e.g. -- -seed=1).
#
# Corpora carry over between campaigns (.build-fuzz/corpus/TARGET), so executions add up; the
# table shows this campaign's. Exit status: 1 if any target failed (crash, leak, timeout).
# Do not edit Fuzz/ or the sources while a campaign runs: run.sh rebuilds what is out of date
# before each target (an edited run.sh rebuilds every library).
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUN=$ROOT/Fuzz/run.sh
LOGS=$ROOT/.build-fuzz/logs
ART=$ROOT/fuzz-artifacts
# Stateful targets that run operation sequences with signatures and key exchanges (a few hundred
# executions per second): budgeted in time, not executions. `oob` signs a lookup in most steps
# (about 450 exec/s once its inputs grow: 10,000,000 would take over 6 hours).
ROUTER_TARGETS=(router router05 session oob)

runs=10000000
router_seconds=7200
targets=""
results=$ROOT/Fuzz/CAMPAIGN.md
note=""
extra=()

die() { echo "campaign.sh: $*" >&2; exit 2; }

while [[ $# -gt 0 ]]; do
    case $1 in
        --runs) runs=${2:?}; shift 2 ;;
        --router-seconds) router_seconds=${2:?}; shift 2 ;;
        --targets) targets=${2:?}; shift 2 ;;
        --results) results=${2:?}; shift 2 ;;
        --note) note=${2:?}; shift 2 ;;
        --) shift; extra=("$@"); break ;;
        -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
        *) die "unknown option '$1' (see --help)" ;;
    esac
done
[[ $runs =~ ^[0-9]+$ && $runs -gt 0 ]] || die "--runs must be a positive number"
[[ $router_seconds =~ ^[0-9]+$ && $router_seconds -gt 0 ]] || die "--router-seconds must be a positive number"
[[ -n $targets ]] || targets=$("$RUN" list | tr '\n' ' ')
known=" $("$RUN" list | tr '\n' ' ') "
for t in $targets; do [[ $known == *" $t "* ]] || die "unknown target '$t'"; done

is_router() { local r; for r in "${ROUTER_TARGETS[@]}"; do [[ $r == "$1" ]] && return 0; done; return 1; }

echo "campaign: building $targets" >&2
for t in $targets; do "$RUN" build "$t" || die "build of $t failed"; done

rows=()
failed=()
started=$(date -u '+%Y-%m-%d %H:%M UTC')
for t in $targets; do
    mkdir -p "$ART/$t"
    marker=$(mktemp)
    log=$LOGS/$t.log
    rm -f "$log"  # no figures from an earlier run if this one does not start
    begin=$(date +%s)
    status=0
    if is_router "$t"; then
        budget="${router_seconds} s"
        "$RUN" "$t" "$router_seconds" "${extra[@]}" || status=$?
    else
        budget="$runs runs"
        # No time limit (0): libFuzzer stops after -runs executions.
        "$RUN" "$t" 0 -runs="$runs" "${extra[@]}" || status=$?
    fi
    wall=$(( $(date +%s) - begin ))
    touch "$log"
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
    last=$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)
    cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
    ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
    corpus=$(sed -n 's/.* corp: \([0-9]*\)\/.*/\1/p' <<<"$last")
    found=$(find "$ART/$t" -type f -newer "$marker" \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
    rm -f "$marker"
    verdict=ok
    if [[ $status != 0 ]]; then verdict="FAILED ($status)"; failed+=("$t"); fi
    rows+=("| \`$t\` | $budget | ${execs:-?} | ${rate:-?} | $wall | ${cov:-?} | ${ft:-?} | ${corpus:-?} | $found | $verdict |")
done

{
    [[ -s $results ]] || printf '# Fuzzing campaigns\n\nWritten by `Fuzz/campaign.sh`; newest last.\n'
    printf '\n## %s\n\n' "$started"
    printf 'Host %s, %s cores; codec targets %s runs each, router targets %s s each.' \
        "$(uname -n)" "$(nproc)" "$runs" "$router_seconds"
    [[ ${#extra[@]} -gt 0 ]] && printf ' libFuzzer arguments: `%s`.' "${extra[*]}"
    printf '\n'
    [[ -n $note ]] && printf '%s\n' "$note"
    printf '\n| target | budget | executions | exec/s | wall s | cov | ft | corpus | crashes | result |\n'
    printf '|---|---|---:|---:|---:|---:|---:|---:|---:|---|\n'
    printf '%s\n' "${rows[@]}"
} >>"$results"
echo "campaign: results appended to $results" >&2
if [[ ${#failed[@]} -gt 0 ]]; then
    echo "campaign: failed: ${failed[*]} (inputs in $ART/)" >&2
    exit 1
fi
