#!/usr/bin/env bash
# Installs Locust (PyPI `locust`, pinned) for distributed load runs (docs/load-at-scale.md) and
# for the test that runs an exported locustfile with a master and two workers:
#
#   scripts/install-locust.sh
#   cargo test -p authbench-cli --features locust --test locust
#
# Locust goes into its own virtual environment (default ~/.cache/authbench/locust-venv; set
# AUTHBENCH_LOCUST_VENV to choose), so the system's Python stays untouched. The test finds it
# there, through AUTHBENCH_LOCUST (the path of the `locust` program), or on PATH.
#
# Needs python3 (3.10 or later) with the venv module (Debian: apt-get install python3-venv).
# Safe to run again: nothing is done when the pinned version is already installed.
set -euo pipefail

version="2.47.0"
venv="${AUTHBENCH_LOCUST_VENV:-$HOME/.cache/authbench/locust-venv}"
locust="$venv/bin/locust"

if [[ -x "$locust" ]] && [[ "$("$locust" --version 2>/dev/null)" == *" $version "* ]]; then
    echo "locust $version already installed: $locust"
    exit 0
fi

if ! command -v python3 >/dev/null; then
    echo "python3 is needed (Debian: apt-get install python3 python3-venv)" >&2
    exit 2
fi
if ! python3 -m venv "$venv"; then
    echo "python3 -m venv failed (Debian: apt-get install python3-venv)" >&2
    exit 2
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "locust==$version"
"$locust" --version
echo "locust installed: $locust"
