#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""gst-launch-1.0 with an end: runs a pipeline description up to a stop position.

  gst_run.py STOP_NS SOURCE PIPELINE...

Runs the pipeline (given as gst-launch-1.0 takes it, one word an argument) through
PIPELINE's first STOP_NS nanoseconds of stream time and ends it cleanly, muxers
finalising their files. SOURCE names the element (e.g. a decodebin, `name=in`) whose
output the seek goes up through: a seek sent to the pipeline would reach the muxer
first, and muxers refuse seeks. Prints each element message's structure on stdout, one line each
(as gst-launch-1.0 -m does), and errors on stderr; the exit status is 0 at the end of
the stream, 1 on an error, 130 when interrupted (Ctrl-C ends the stream first, so the
file written so far is playable, like gst-launch-1.0 -e).

Why not gst-launch-1.0 with `identity eos-after=N`: identity counts the buffers it sees,
but after it returns EOS a demuxer with another stream (the audio) goes on, and what
reaches the sinks was measured here not to be N frames (12 for N=10 on Megamind.avi).
A seek with a stop position is GStreamer's own way to play a part of a file: every
stream ends at the same time, exactly.
"""
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
from gi.repository import GLib, Gst  # noqa: E402


def print_error(message):
    """An ERROR message as gst-launch-1.0 prints it: the element, its text, its detail."""
    error, debug = message.parse_error()
    print(f"ERROR: from element {message.src.get_path_string()}: {error.message}",
          file=sys.stderr)
    if debug:
        print(f"Additional debug info:\n{debug}", file=sys.stderr)


def main(argv):
    if len(argv) < 4 or not argv[1].isdigit():
        print(__doc__.strip(), file=sys.stderr)
        return 2
    Gst.init(None)
    stop_ns = int(argv[1])
    source_name = argv[2]
    try:
        pipeline = Gst.parse_launchv(argv[3:])
    except GLib.Error as error:
        print(f"ERROR: pipeline could not be constructed: {error.message}", file=sys.stderr)
        return 1

    loop = GLib.MainLoop()
    outcome = {"status": 0, "seeked": False, "interrupted": False}

    source = pipeline.get_by_name(source_name) if isinstance(pipeline, Gst.Bin) else None
    if source is None:
        print(f"ERROR: the pipeline has no element named {source_name}", file=sys.stderr)
        return 1

    def seek():
        # Sent up one of SOURCE's outputs, once it has one, and tried on every message
        # until the demuxer accepts it. A flushing seek while the first frame is being
        # stylised cancels that frame: no frame is stylised twice.
        if outcome["seeked"]:
            return
        pads = source.srcpads
        if not pads:
            return
        event = Gst.Event.new_seek(1.0, Gst.Format.TIME,
                                   Gst.SeekFlags.FLUSH | Gst.SeekFlags.ACCURATE,
                                   Gst.SeekType.SET, 0, Gst.SeekType.SET, stop_ns)
        outcome["seeked"] = pads[0].send_event(event)
        if outcome["seeked"]:
            pipeline.set_state(Gst.State.PLAYING)

    def on_message(_bus, message):
        kind = message.type
        if kind == Gst.MessageType.ELEMENT and message.get_structure() is not None:
            print(message.get_structure().to_string(), flush=True)
        elif kind == Gst.MessageType.ERROR:
            print_error(message)
            outcome["status"] = 1
            loop.quit()
        elif kind == Gst.MessageType.WARNING:
            warning, _ = message.parse_warning()
            print(f"WARNING: from element {message.src.get_path_string()}: {warning.message}",
                  file=sys.stderr)
        elif kind == Gst.MessageType.EOS:
            loop.quit()
        if outcome["status"] == 0:
            seek()
        return True

    def on_interrupt():
        if not outcome["interrupted"]:
            outcome["interrupted"] = True
            pipeline.send_event(Gst.Event.new_eos())
        return True

    bus = pipeline.get_bus()
    bus.add_signal_watch()
    bus.connect("message", on_message)
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGINT, on_interrupt)
    if pipeline.set_state(Gst.State.PAUSED) == Gst.StateChangeReturn.FAILURE:
        outcome["status"] = 1
        # The element that failed posted its error (the cause and the fix) before the
        # main loop ever ran: take it off the bus, or it is lost.
        errors = 0
        while (message := bus.pop_filtered(Gst.MessageType.ERROR)) is not None:
            print_error(message)
            errors += 1
        if not errors:
            print("ERROR: the pipeline could not start", file=sys.stderr)
    else:
        loop.run()
    pipeline.set_state(Gst.State.NULL)
    bus.remove_signal_watch()
    if outcome["interrupted"] and outcome["status"] == 0:
        return 130
    return outcome["status"]


if __name__ == "__main__":
    sys.exit(main(sys.argv))
