#!/usr/bin/env bash
# Runs every cargo fuzz target (fuzz/, libFuzzer) for SECONDS each (default 60), starting from
# the committed seeds (fuzz/seeds/<target>), the inputs of past crashes
# (fuzz/regressions/<target>) and the git-ignored working corpus (fuzz/corpus/<target>). Fails
# when any target finds a crash (the input is saved under fuzz/artifacts/<target>/). Needs
# cargo-fuzz (`cargo install cargo-fuzz --locked`) and a nightly toolchain, or stable with
# RUSTC_BOOTSTRAP=1 (used when nightly is missing).
#
# Usage: scripts/fuzz.sh [SECONDS]
#   AUTHBENCH_FUZZ_PROFILE=dev  builds the targets without optimizations: a cold build takes a
#   fifth of the time, the targets run 5-10 times slower (what .ci/run uses for its short pass).
set -uo pipefail
cd "$(dirname "$0")/../fuzz"

duration="${1:-60}"
if ! [[ "$duration" =~ ^[0-9]+$ ]] || [ "$duration" -lt 1 ]; then
    echo "usage: scripts/fuzz.sh [SECONDS]  (a whole number of seconds per target)" >&2
    exit 2
fi

if cargo +nightly --version >/dev/null 2>&1; then
    cargo=(cargo +nightly)
else
    echo "fuzz: no nightly toolchain; using stable with RUSTC_BOOTSTRAP=1" >&2
    export RUSTC_BOOTSTRAP=1
    cargo=(cargo)
fi
# The code under test forbids `unsafe`; the fuzzers look for panics (debug assertions and
# overflow checks are on), hangs, memory blow-ups and broken properties, so no sanitizer.
build_flags=(--sanitizer none)
case "${AUTHBENCH_FUZZ_PROFILE:-release}" in
    release) profile_dir=release ;;
    dev) profile_dir=debug; build_flags+=(--dev) ;;
    *) echo "fuzz: AUTHBENCH_FUZZ_PROFILE is release or dev" >&2; exit 2 ;;
esac

"${cargo[@]}" fuzz build "${build_flags[@]}" || { echo "fuzz: build failed" >&2; exit 1; }

mapfile -t targets < <("${cargo[@]}" fuzz list)
# The binaries `cargo fuzz build` made, run directly: `cargo fuzz run` would rebuild a target
# whose sources changed since, so targets of one run could test different code.
bin_dir="target/$(rustc -vV | sed -n 's/^host: //p')/$profile_dir"
logs="$(mktemp -d)"
trap 'rm -rf "$logs"' EXIT

failed=()
total=0
for target in "${targets[@]}"; do
    mkdir -p "corpus/$target" "seeds/$target" "regressions/$target" "artifacts/$target"
    log="$logs/$target.log"
    # -timeout: one input taking this long is a hang; -rss_limit_mb: a memory blow-up.
    "$bin_dir/$target" "corpus/$target" "seeds/$target" "regressions/$target" \
        -artifact_prefix="artifacts/$target/" -max_total_time="$duration" -timeout=10 \
        -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1
    rc=$?
    execs="$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -n 1)"
    execs="${execs:-0}"
    total=$((total + execs))
    corpus="$(find "corpus/$target" -type f | wc -l)"
    if [ "$rc" -eq 0 ]; then
        printf 'fuzz: %-18s ok     %10s executions in %ss, corpus %s\n' "$target" "$execs" "$duration" "$corpus"
    else
        printf 'fuzz: %-18s CRASH  %10s executions (exit %s); last lines:\n' "$target" "$execs" "$rc"
        grep -v '^#' "$log" | tail -n 40 | sed 's/^/    /'
        failed+=("$target")
    fi
done

if [ "${#failed[@]}" -eq 0 ]; then
    echo "fuzz: ${#targets[@]} targets, ${duration}s each, ${total} executions, no crash"
else
    echo "fuzz: ${#failed[@]} of ${#targets[@]} targets crashed: ${failed[*]} (inputs under fuzz/artifacts/)"
    exit 1
fi
