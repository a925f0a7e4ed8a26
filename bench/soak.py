#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Soak test of the neuralstyle element: hours of use compressed into three runs in one
process, measuring what must not grow. Not a ctest case (it takes minutes and its
numbers belong in a table, not in assertions).

  1. frames:  FRAMES frames (default 1000) of 64x64 through one pipeline, few steps each;
  2. cycles:  CYCLES NULL -> PLAYING -> NULL cycles (default 200) of a one-frame pipeline;
  3. styles:  STYLE_CHANGES changes of style-location while playing (default 100), one
              frame stylised after each.

For each run it samples the process's resident memory (VmRSS), open file descriptors and
threads after a warm-up (the first WARMUP frames, cycles or changes: LibTorch's and
GStreamer's one-time allocations, thread pools, caches) and at the end, and reports the
growth. The goal (issue 12): RSS growth <= 2% after warm-up, no descriptor or thread
growth. Exits 1 if a run misses it.

  GST_PLUGIN_PATH=build/plugin bench/soak.py [--frames N] [--cycles N] [--style-changes N]
      [--weights W] [--network NET] [--steps N] [--json FILE]

Needs PyGObject with GStreamer's introspection data (python3-gi, gir1.2-gstreamer-1.0).
"""
import argparse
import json
import os
import sys
import tempfile
import time

import gi

gi.require_version("Gst", "1.0")
from gi.repository import Gst  # noqa: E402

SIZE = 64


def status_kb(field):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(field + " not in /proc/self/status")


def sample():
    return {"rss_kb": status_kb("VmRSS"), "threads": status_kb("Threads"),
            "fds": len(os.listdir("/proc/self/fd"))}


def write_style(path, colours):
    """A 64x64 striped PPM (GStreamer and OpenCV both read it; no image library needed)."""
    rows = []
    for y in range(SIZE):
        rows.append(b"".join(bytes(colours[((x + y) // 4) % 2]) for x in range(SIZE)))
    with open(path, "wb") as out:
        out.write(b"P6\n%d %d\n255\n" % (SIZE, SIZE) + b"".join(rows))


class Pipeline:
    """A gst-launch description with a bus we poll; errors raise."""

    def __init__(self, description):
        self.pipeline = Gst.parse_launch(description)
        self.bus = self.pipeline.get_bus()
        self.element = self.pipeline.get_by_name("ns")

    def set_state(self, state):
        if self.pipeline.set_state(state) == Gst.StateChangeReturn.FAILURE:
            raise RuntimeError("state change to %s failed: %s" % (state.value_nick, self.drain_error()))
        self.pipeline.get_state(Gst.CLOCK_TIME_NONE)

    def drain_error(self):
        message = self.bus.pop_filtered(Gst.MessageType.ERROR)
        return message.parse_error()[0].message if message else "no error on the bus"

    def wait(self, on_frame_done=None):
        """Runs until EOS; calls on_frame_done(index) after each stylised frame. Returns
        the number of frames done."""
        done = 0
        types = Gst.MessageType.EOS | Gst.MessageType.ERROR | Gst.MessageType.ELEMENT | Gst.MessageType.WARNING
        while True:
            message = self.bus.timed_pop_filtered(120 * Gst.SECOND, types)
            if message is None:
                raise RuntimeError("no message for 120 s")
            if message.type == Gst.MessageType.EOS:
                return done
            if message.type == Gst.MessageType.ERROR:
                error, debug = message.parse_error()
                raise RuntimeError("%s (%s)" % (error.message, debug))
            if message.type == Gst.MessageType.WARNING:
                print("soak: warning:", message.parse_warning()[0].message, file=sys.stderr)
                continue
            if message.get_structure().get_name() == "neuralstyle-frame-done":
                if on_frame_done:
                    on_frame_done(done)
                done += 1


def element_settings(args, style):
    return ("neuralstyle name=ns style-location=%s weights-location=%s network=%s steps=%d "
            "max-size=%d device=cpu progress-interval=0" % (style, args.weights, args.network, args.steps, SIZE))


def source(frames):
    return ("videotestsrc num-buffers=%d pattern=ball ! video/x-raw,format=RGB,width=%d,height=%d,"
            "framerate=30/1" % (frames, SIZE, SIZE))


def growth(run, warm, end, started):
    return {"run": run, "seconds": round(time.monotonic() - started, 1),
            "rss_warm_kb": warm["rss_kb"], "rss_end_kb": end["rss_kb"],
            "rss_growth_percent": round(100.0 * (end["rss_kb"] - warm["rss_kb"]) / warm["rss_kb"], 2),
            "fds_warm": warm["fds"], "fds_end": end["fds"],
            "threads_warm": warm["threads"], "threads_end": end["threads"]}


def soak_frames(args, style):
    started = time.monotonic()
    pipeline = Pipeline(source(args.frames) + " ! " + element_settings(args, style) + " ! fakesink sync=false")
    samples = {}

    def on_frame(index):
        if index + 1 == args.warmup:
            samples["warm"] = sample()

    pipeline.set_state(Gst.State.PLAYING)
    done = pipeline.wait(on_frame)
    end = sample()  # before NULL: the running pipeline's own memory counts
    pipeline.set_state(Gst.State.NULL)
    if done != args.frames:
        raise RuntimeError("%d frames in, %d stylised" % (args.frames, done))
    return growth("frames", samples["warm"], end, started)


def soak_cycles(args, style):
    started = time.monotonic()
    pipeline = Pipeline(source(1) + " ! " + element_settings(args, style) + " ! fakesink sync=false")
    warm = None
    for cycle in range(args.cycles):
        pipeline.set_state(Gst.State.PLAYING)
        if pipeline.wait() != 1:
            raise RuntimeError("cycle %d: the frame was not stylised" % cycle)
        pipeline.set_state(Gst.State.NULL)
        if cycle + 1 == args.warmup:
            warm = sample()
    return growth("cycles", warm, sample(), started)


def soak_style_changes(args, styles):
    started = time.monotonic()
    frames = args.style_changes + 1
    pipeline = Pipeline(source(frames) + " ! " + element_settings(args, styles[0]) + " ! fakesink sync=false")
    samples = {}

    def on_frame(index):
        # Frame `index` is done: the next frame runs with the other style.
        pipeline.element.set_property("style-location", styles[(index + 1) % 2])
        if index + 1 == args.warmup:
            samples["warm"] = sample()

    pipeline.set_state(Gst.State.PLAYING)
    done = pipeline.wait(on_frame)
    end = sample()
    pipeline.set_state(Gst.State.NULL)
    if done != frames:
        raise RuntimeError("%d frames in, %d stylised" % (frames, done))
    return growth("style-changes", samples["warm"], end, started)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=1000)
    parser.add_argument("--cycles", type=int, default=200)
    parser.add_argument("--style-changes", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=10,
                        help="frames, cycles or changes before the first sample (default 10)")
    parser.add_argument("--weights", default="random:1", help="weights-location (default random:1)")
    parser.add_argument("--network", default="squeezenet1_1",
                        help="network property (default squeezenet1_1: the cheapest step)")
    parser.add_argument("--steps", type=int, default=2)
    parser.add_argument("--max-growth", type=float, default=2.0, help="RSS growth goal, percent")
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()

    Gst.init(None)
    if Gst.ElementFactory.find("neuralstyle") is None:
        sys.exit("soak: no element neuralstyle: export GST_PLUGIN_PATH=$PWD/build/plugin")
    with tempfile.TemporaryDirectory(prefix="neuralstyle-soak-") as folder:
        styles = [os.path.join(folder, "a.ppm"), os.path.join(folder, "b.ppm")]
        write_style(styles[0], [(240, 200, 40), (20, 30, 120)])
        write_style(styles[1], [(0, 255, 0), (255, 0, 255)])
        start = sample()
        results = [soak_frames(args, styles[0]), soak_cycles(args, styles[0]),
                   soak_style_changes(args, styles)]

    print("process at start: RSS %d kB, %d fds, %d threads" % (start["rss_kb"], start["fds"], start["threads"]))
    print("%-14s %8s %12s %12s %9s %9s %11s" % ("run", "seconds", "RSS warm kB", "RSS end kB", "growth %",
                                              "fds", "threads"))
    failed = False
    for r in results:
        print("%-14s %8.1f %12d %12d %9.2f %4d->%-4d %5d->%-5d" % (
            r["run"], r["seconds"], r["rss_warm_kb"], r["rss_end_kb"], r["rss_growth_percent"],
            r["fds_warm"], r["fds_end"], r["threads_warm"], r["threads_end"]))
        failed |= (r["rss_growth_percent"] > args.max_growth or r["fds_end"] > r["fds_warm"]
                   or r["threads_end"] > r["threads_warm"])
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"settings": vars(args), "start": start, "runs": results}, out, indent=2)
    if failed:
        print("soak: a run grew past the goal (RSS <= %.1f%%, no fd or thread growth)" % args.max_growth)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
