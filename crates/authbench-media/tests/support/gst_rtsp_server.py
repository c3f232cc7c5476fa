#!/usr/bin/python3
"""A GStreamer RTSP server with Basic authentication, for the media probe's RTSP tests.

Usage: gst_rtsp_server.py USER PASSWORD PLAY_PATH RECORD_PATH

Listens on 127.0.0.1 on a free port and prints `PORT <n>` on stdout once it accepts connections.
PLAY_PATH (e.g. /live/room1/cam1) serves a live test pattern to DESCRIBE / PLAY; RECORD_PATH
accepts an H.264 stream through ANNOUNCE / RECORD. Both need USER / PASSWORD (Basic); any other
path is 404. It exits when stdin closes, so a test that dies leaves no server behind.

Run with Debian's /usr/bin/python3, where python3-gi is installed
(scripts/install-probe-servers.sh).
"""

import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402


def main() -> int:
    if len(sys.argv) != 5:
        print(__doc__, file=sys.stderr)
        return 2
    user, password, play_path, record_path = sys.argv[1:]
    Gst.init(None)

    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service("0")  # a free port, read back after attach

    # Clients with the role "user" may open and build both media; nobody else may.
    permissions = GstRtspServer.RTSPPermissions()
    permissions.add_permission_for_role("user", "media.factory.access", True)
    permissions.add_permission_for_role("user", "media.factory.construct", True)

    play = GstRtspServer.RTSPMediaFactory()
    play.set_launch("( videotestsrc is-live=true ! video/x-raw,width=64,height=48 ! rtpvrawpay name=pay0 pt=96 )")
    play.set_shared(True)
    play.set_permissions(permissions)

    record = GstRtspServer.RTSPMediaFactory()
    record.set_transport_mode(GstRtspServer.RTSPTransportMode.RECORD)
    record.set_launch("( rtph264depay name=depay0 ! fakesink sync=false )")
    record.set_permissions(permissions)

    mounts = server.get_mount_points()
    mounts.add_factory(play_path, play)
    mounts.add_factory(record_path, record)

    auth = GstRtspServer.RTSPAuth()
    token = GstRtspServer.RTSPToken()
    token.set_string("media.factory.role", "user")
    auth.add_basic(GstRtspServer.RTSPAuth.make_basic(user, password), token)
    server.set_auth(auth)

    if server.attach(None) == 0:
        print("could not listen", file=sys.stderr)
        return 1
    print(f"PORT {server.get_bound_port()}", flush=True)

    loop = GLib.MainLoop()

    def stdin_closed(_source, _condition):
        loop.quit()
        return False

    GLib.io_add_watch(GLib.IOChannel.unix_new(sys.stdin.fileno()), GLib.PRIORITY_DEFAULT,
                      GLib.IOCondition.HUP | GLib.IOCondition.IN | GLib.IOCondition.ERR, stdin_closed)
    loop.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
