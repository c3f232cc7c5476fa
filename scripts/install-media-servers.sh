#!/usr/bin/env bash
# Installs the real media components the media-server tests start on loopback: nginx with the
# RTMP module (Debian's libnginx-mod-rtmp) and ffmpeg (with libx264). Debian packages only.
#
#   scripts/install-media-servers.sh        # as root, or with sudo available
#
# Then:
#
#   cargo test -p authbench-cli --features media-servers --test nginx_rtmp
#
# Safe to run again: nothing is installed when everything is already there. The packaged nginx
# service is never started by the tests (they run nginx themselves with their own config); the
# package may start it on installation where a service manager runs, which the tests do not need.
set -euo pipefail

# Where Debian's libnginx-mod-rtmp puts the module (the tests load it from here).
module=/usr/lib/nginx/modules/ngx_rtmp_module.so

missing=()
command -v nginx >/dev/null || missing+=(nginx)
[[ -f "$module" ]] || missing+=(libnginx-mod-rtmp)
command -v ffmpeg >/dev/null || missing+=(ffmpeg)

if ((${#missing[@]} > 0)); then
    sudo=""
    [[ $(id -u) -ne 0 ]] && sudo="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends nginx libnginx-mod-rtmp ffmpeg
fi

nginx -v
[[ -f "$module" ]] || { echo "install-media-servers: $module is missing after installation" >&2; exit 1; }
# Read the whole list first: `grep -q` stopping early would make ffmpeg die of SIGPIPE, which
# pipefail reports as a failure.
encoders=$(ffmpeg -hide_banner -encoders 2>/dev/null)
grep -q libx264 <<<"$encoders" \
    || { echo "install-media-servers: this ffmpeg has no libx264 encoder" >&2; exit 1; }
echo "install-media-servers: nginx (rtmp module) and ffmpeg are ready"
