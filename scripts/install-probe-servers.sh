#!/usr/bin/env bash
# Installs the real servers the media probe's RTSP and SRT tests start on loopback: GStreamer's
# RTSP server (library, GObject introspection data and the Python bindings the test server script
# uses, plus the base / good plugins its pipelines need) and srt-tools (`srt-live-transmit`, an SRT
# listener). Debian 12 packages only.
#
#   scripts/install-probe-servers.sh        # as root, or with sudo available
#
# Then:
#
#   cargo test -p authbench-media --features probe-servers
#
# Safe to run again: nothing is installed when everything is already there.
set -euo pipefail

packages=(
    gstreamer1.0-rtsp           # GStreamer's RTSP server plugins
    gir1.2-gst-rtsp-server-1.0  # introspection data for GstRtspServer (pulls in the library)
    python3-gi                  # `from gi.repository import ...` for /usr/bin/python3
    gstreamer1.0-tools          # gst-inspect-1.0, used by the readiness check below
    gstreamer1.0-plugins-base   # videotestsrc, the raw-video RTP payloader
    gstreamer1.0-plugins-good   # RTP (de)payloaders for H.264 and the record pipeline
    srt-tools                   # srt-live-transmit
)

# Debian's own interpreter: python3-gi is installed for it, and a python3 earlier on PATH (pyenv,
# a virtualenv) does not see it. The tests run the RTSP server script with this one too.
python=/usr/bin/python3

# The check the tests themselves make: the Python bindings load and both tools are there.
ready() {
    [[ -x "$python" ]] \
        && "$python" -c 'import gi; gi.require_version("Gst", "1.0"); gi.require_version("GstRtspServer", "1.0"); from gi.repository import Gst, GstRtspServer' 2>/dev/null \
        && command -v srt-live-transmit >/dev/null \
        && command -v gst-inspect-1.0 >/dev/null \
        && gst-inspect-1.0 rtph264depay >/dev/null 2>&1 \
        && gst-inspect-1.0 videotestsrc >/dev/null 2>&1
}

if ! ready; then
    sudo=""
    [[ $(id -u) -ne 0 ]] && sudo="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends "${packages[@]}"
fi

ready || { echo "install-probe-servers: GstRtspServer or srt-live-transmit is still missing" >&2; exit 1; }
gst="$("$python" -c 'import gi; gi.require_version("Gst", "1.0"); from gi.repository import Gst; Gst.init(None); print(Gst.version_string())')"
srt="$(srt-live-transmit -version 2>&1 | sed -n 's/^Built with SRT Library version: //p' | head -n1)"
echo "install-probe-servers: $gst with the RTSP server bindings, and srt-live-transmit (SRT ${srt:-?}), are ready"
