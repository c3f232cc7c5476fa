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
# Needs python3 (3.10 or later) with the venv module; on Debian the script installs python3 and
# python3-venv when they are missing (as root, or with sudo available).
# Safe to run again: nothing is done when the pinned version is already installed.
set -euo pipefail

version="2.47.0"
venv="${AUTHBENCH_LOCUST_VENV:-$HOME/.cache/authbench/locust-venv}"
locust="$venv/bin/locust"

if [[ -x "$locust" ]] && [[ "$("$locust" --version 2>/dev/null)" == *" $version "* ]]; then
    echo "locust $version already installed: $locust"
    exit 0
fi

# Python 3 with venv and ensurepip (Debian splits them into python3-venv).
if ! command -v python3 >/dev/null || ! python3 -c "import ensurepip, venv" 2>/dev/null; then
    if command -v apt-get >/dev/null; then
        sudo=""
        [[ $(id -u) -ne 0 ]] && sudo="sudo"
        $sudo apt-get update -qq
        $sudo apt-get install -y -qq python3 python3-venv
    else
        echo "python3 with the venv module is needed" >&2
        exit 2
    fi
fi
python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "locust==$version"
"$locust" --version
echo "locust installed: $locust"
