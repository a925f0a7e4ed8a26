#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""What the pipeline scripts ask GStreamer before they build a pipeline.

  media_probe.py probe FILE
      Discovers FILE with GStreamer's own discoverer (the same decoders decodebin will
      use) and prints one `key=value` line each:
        video=0|1  audio=0|1  width=W  height=H  framerate=N/D  duration_ns=NS
      and, for every plugin GStreamer lacks to decode FILE,
        missing=KIND<TAB>DESCRIPTION<TAB>DEBIAN PACKAGES
      where KIND is `audio` (an audio decoder) or `video` (anything else: a video decoder
      or a demuxer). Exit status 0, also when plugins are missing; 2 when FILE cannot be
      read or is no media file GStreamer recognises (the reason on stderr).

  media_probe.py package ELEMENT
      Prints the Debian packages that provide the GStreamer element ELEMENT (e.g.
      x264enc), one line, space separated; empty when none is known.

Packages are looked up the way Debian's codec installer does: every GStreamer plugin
package declares the caps it decodes (`Gstreamer-Decoders`) and the elements it holds
(`Gstreamer-Elements`) in its control fields, which `apt-cache show` prints. Decoders
are matched by caps intersection, so "MPEG-4 video" finds gstreamer1.0-libav, not the
MPEG-1/2 decoder of -plugins-ugly. Without apt's package lists (no `apt-get update`
yet), a short table of the elements the scripts use answers instead.
"""
import subprocess
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstPbutils", "1.0")
from gi.repository import GLib, Gst, GstPbutils  # noqa: E402

# Where apt has no lists: the elements the pipeline scripts use, by Debian package.
KNOWN_ELEMENT_PACKAGES = {
    "x264enc": "gstreamer1.0-plugins-ugly",
    "openh264enc": "gstreamer1.0-plugins-bad",
    "avenc_aac": "gstreamer1.0-libav",
    "vp8enc": "gstreamer1.0-plugins-good",
    "jpegenc": "gstreamer1.0-plugins-good",
    "lamemp3enc": "gstreamer1.0-plugins-good",
    "vorbisenc": "gstreamer1.0-plugins-base",
    "opusenc": "gstreamer1.0-plugins-base",
    "avimux": "gstreamer1.0-plugins-good",
    "matroskamux": "gstreamer1.0-plugins-good",
    "webmmux": "gstreamer1.0-plugins-good",
    "mp4mux": "gstreamer1.0-plugins-good",
    "h264parse": "gstreamer1.0-plugins-bad",
    "audiobuffersplit": "gstreamer1.0-plugins-bad",
}
# Where apt has no lists and a decoder is missing: where most of them are.
DECODER_FALLBACK = "gstreamer1.0-libav gstreamer1.0-plugins-ugly gstreamer1.0-plugins-bad"
DISCOVER_TIMEOUT_S = 30


def gstreamer_packages():
    """{package: {field: value}} of Debian's gstreamer1.0-* packages, from apt-cache."""
    try:
        names = subprocess.run(["apt-cache", "pkgnames", "gstreamer1.0-"], capture_output=True,
                               text=True, check=True, timeout=60).stdout.split()
        if not names:
            return {}
        shown = subprocess.run(["apt-cache", "show", *sorted(set(names))], capture_output=True,
                               text=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        return {}
    packages = {}
    for record in shown.split("\n\n"):
        fields, key = {}, None
        for line in record.splitlines():
            if line.startswith(" ") and key:  # a folded continuation line
                fields[key] += " " + line.strip()
            elif ":" in line:
                key, _, value = line.partition(":")
                fields[key] = value.strip()
        if "Package" in fields:
            packages.setdefault(fields["Package"], fields)  # the first (newest) version
    return packages


def packages_decoding(caps_text):
    """The Debian packages whose decoders accept caps_text (a caps string)."""
    wanted = Gst.Caps.from_string(caps_text)
    if wanted is None:
        return DECODER_FALLBACK
    found = []
    for name, fields in sorted(gstreamer_packages().items()):
        for entry in fields.get("Gstreamer-Decoders", "").split(";"):
            offered = Gst.Caps.from_string(entry.strip()) if entry.strip() else None
            if offered is not None and offered.can_intersect(wanted):
                found.append(name)
                break
    return " ".join(found) if found else DECODER_FALLBACK


def packages_with_element(element):
    found = [name for name, fields in sorted(gstreamer_packages().items())
             if element in [e.strip() for e in fields.get("Gstreamer-Elements", "").split(",")]]
    if found:
        return " ".join(found)
    return KNOWN_ELEMENT_PACKAGES.get(element, "")


def discover(path):
    """GstDiscovererInfo of path, and the error the discoverer reported (or None)."""
    discoverer = GstPbutils.Discoverer.new(DISCOVER_TIMEOUT_S * Gst.SECOND)
    loop = GLib.MainLoop()
    result = {}

    def discovered(_discoverer, info, error):
        result["info"], result["error"] = info, error

    discoverer.connect("discovered", discovered)
    discoverer.connect("finished", lambda *_: loop.quit())
    discoverer.start()
    discoverer.discover_uri_async(Gst.filename_to_uri(path))
    loop.run()
    discoverer.stop()
    return result["info"], result["error"]


def probe(path):
    info, error = discover(path)
    outcome = info.get_result()
    missing = info.get_missing_elements_installer_details() or []
    if outcome not in (GstPbutils.DiscovererResult.OK, GstPbutils.DiscovererResult.MISSING_PLUGINS):
        reason = error.message if error else outcome.value_nick
        print(f"cannot read '{path}' as an image or a video: {reason}", file=sys.stderr)
        return 2
    videos, audios = info.get_video_streams(), info.get_audio_streams()
    print(f"video={1 if videos else 0}")
    print(f"audio={1 if audios else 0}")
    if videos:
        video = videos[0]
        print(f"width={video.get_width()}")
        print(f"height={video.get_height()}")
        print(f"framerate={video.get_framerate_num()}/{video.get_framerate_denom()}")
    print(f"duration_ns={info.get_duration()}")
    for detail in missing:
        # gstreamer|1.0|APP|DESCRIPTION|decoder-CAPS (GStreamer's installer detail format)
        parts = detail.split("|", 4)
        if len(parts) < 5:
            continue
        description, request = parts[3], parts[4]
        kind_prefix, _, caps_text = request.partition("-")
        kind = "audio" if caps_text.startswith("audio/") else "video"
        packages = packages_decoding(caps_text) if kind_prefix == "decoder" else DECODER_FALLBACK
        print(f"missing={kind}\t{description} ({caps_text})\t{packages}")
    return 0


def main(argv):
    if len(argv) != 3 or argv[1] not in ("probe", "package"):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    Gst.init(None)
    if argv[1] == "probe":
        return probe(argv[2])
    print(packages_with_element(argv[2]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
