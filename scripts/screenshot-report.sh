#!/usr/bin/env bash
# Renders a report.html to a PNG with headless Chromium, to check what a reader sees.
#
#   scripts/screenshot-report.sh [REPORT.html] [OUT.png] [WIDTHxHEIGHT]
#
# Defaults: the sample report the authbench-report tests leave in the target dir
# (`cargo test -p authbench-report` writes target/tmp/authbench-report-sample/report.html),
# OUT = the same path with .png, size 1400x2000. Needs Debian's `chromium` package
# (`apt-get install -y chromium`). Nothing is fetched: the page is self-contained, and the
# flags below keep Chromium itself off the network.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target_dir="${CARGO_TARGET_DIR:-$root/target}"
html="${1:-$target_dir/tmp/authbench-report-sample/report.html}"
out="${2:-${html%.html}.png}"
size="${3:-1400x2000}"

if [[ ! -f "$html" ]]; then
    echo "no report at $html (run: cargo test -p authbench-report, or authbench run)" >&2
    exit 2
fi
browser="$(command -v chromium || command -v chromium-browser || true)"
if [[ -z "$browser" ]]; then
    echo "chromium not found: apt-get install -y chromium" >&2
    exit 2
fi
if [[ ! "$size" =~ ^[0-9]+x[0-9]+$ ]]; then
    echo "size must be WIDTHxHEIGHT, got $size" >&2
    exit 2
fi

html_abs="$(cd "$(dirname "$html")" && pwd)/$(basename "$html")"
mkdir -p "$(dirname "$out")"
out_abs="$(cd "$(dirname "$out")" && pwd)/$(basename "$out")"
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT

# Chromium prints harmless D-Bus and GPU warnings on a headless machine; keep them out of the
# way unless the screenshot fails.
log="$profile/chromium.log"
if ! "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --disable-default-apps --hide-scrollbars --user-data-dir="$profile" \
    --window-size="${size/x/,}" --screenshot="$out_abs" "file://$html_abs" >"$log" 2>&1; then
    cat "$log" >&2
    exit 1
fi
if [[ ! -s "$out_abs" ]]; then
    cat "$log" >&2
    echo "chromium wrote no screenshot" >&2
    exit 1
fi
echo "$out_abs"
