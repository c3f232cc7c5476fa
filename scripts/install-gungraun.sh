#!/usr/bin/env bash
# Installs what the instruction-count benchmarks (benches/instructions.rs) need: Valgrind
# (Debian's package) and gungraun-runner, the binary half of the gungraun library, at exactly the
# version the library in Cargo.lock has (they must match).
#
#   scripts/install-gungraun.sh            # as root, or with sudo available
#
# Then:
#
#   cargo bench -p authbench-benches --features instructions --bench instructions
#
# Safe to run again: both steps are skipped when already done.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

if ! command -v valgrind >/dev/null; then
    sudo=""
    [[ $(id -u) -ne 0 ]] && sudo="sudo"
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq valgrind
fi

# The library's version as locked, so the runner matches it.
version="$(awk '/^name = "gungraun"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$root/Cargo.lock")"
if [[ -z "$version" ]]; then
    echo "gungraun is not in Cargo.lock; run cargo fetch first" >&2
    exit 2
fi
if command -v gungraun-runner >/dev/null && [[ "$(gungraun-runner --version 2>/dev/null)" == *"$version"* ]]; then
    echo "gungraun-runner $version already installed"
else
    cargo install gungraun-runner --version "$version" --locked
fi
valgrind --version
gungraun-runner --version
