#!/usr/bin/env bash
# Run every fuzz target for SECONDS each (default 30) and print the execution counts.
#
#   fuzz/run.sh 30
#
# With a nightly toolchain (checked with `rustup toolchain list`) and cargo-fuzz (installed
# from crates.io when missing): coverage-guided libFuzzer runs, corpus kept in fuzz/corpus/.
# Without nightly (it cannot always be installed: only crates.io, PyPI, npm and Debian are
# reachable from some machines, and rustup's toolchain server is not one of them): the same
# checks run under the stable toolchain as `cargo test`, driven by the small mutational fuzzer
# in fuzz/src/driver.rs (not coverage-guided) for the same time per target.
# DIKTA_FUZZ_STABLE=1 forces the stable driver.
# DIKTA_FUZZ_SEED=N fixes libFuzzer's random seed: `./dikta.sh test` (and so CI) sets it, so
# that a CI run explores the same inputs every time and fails only on a code change, never
# on the luck of the draw. Leave it unset for a campaign (a new seed every run).
# Crash repros found earlier live in seeds/<target>/regression-*: every run replays them.
set -euo pipefail
secs="${1:-30}"
seed_args=()
if [ -n "${DIKTA_FUZZ_SEED:-}" ]; then
    seed_args=("-seed=${DIKTA_FUZZ_SEED}")
fi
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
targets=(interpreter autotext draft_decoder audio_decode)
# Share the workspace's resolved versions (and so its build cache).
cp ../Cargo.lock Cargo.lock
mkdir -p logs

have_nightly() {
    [ "${DIKTA_FUZZ_STABLE:-0}" != 1 ] &&
        command -v rustup >/dev/null &&
        rustup toolchain list 2>/dev/null | grep -q '^nightly'
}

if have_nightly; then
    if ! cargo fuzz --version >/dev/null 2>&1; then
        echo "fuzz: installing cargo-fuzz from crates.io" >&2
        cargo install cargo-fuzz --locked >&2 || true
    fi
fi

if have_nightly && cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz: libFuzzer (nightly, cargo-fuzz), ${secs} s per target${DIKTA_FUZZ_SEED:+, seed $DIKTA_FUZZ_SEED}"
    cargo +nightly fuzz build -s none >logs/build.log 2>&1 || {
        tail -30 logs/build.log >&2
        exit 1
    }
    status=0
    for t in "${targets[@]}"; do
        mkdir -p "corpus/$t"
        cp -n seeds/"$t"/* "corpus/$t/" 2>/dev/null || true
        if cargo +nightly fuzz run -s none "$t" "corpus/$t" -- \
            -max_total_time="$secs" -rss_limit_mb=2048 -timeout=20 -max_len=65536 \
            -print_final_stats=1 "${seed_args[@]}" >"logs/$t.log" 2>&1; then
            runs=$(grep -E '^stat::number_of_executed_units' "logs/$t.log" | awk '{print $2}')
            echo "fuzz $t: ${runs:-?} executions in ${secs} s, no crash (corpus $(ls "corpus/$t" | wc -l) inputs)"
        else
            echo "fuzz $t: FAILED — see fuzz/logs/$t.log and fuzz/artifacts/$t/" >&2
            grep -E 'panicked|ERROR|SUMMARY' "logs/$t.log" | head -5 >&2 || true
            status=1
        fi
    done
    exit "$status"
else
    echo "fuzz: no nightly toolchain; stable driver under cargo test, ${secs} s per target"
    DIKTA_FUZZ_SECONDS="$secs" CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$here/../target}" \
        cargo test --lib -- --nocapture --test-threads 1 2>&1 | tee logs/stable.log |
        grep -E '^fuzz |test result|panicked|error'
    exit "${PIPESTATUS[0]}"
fi
