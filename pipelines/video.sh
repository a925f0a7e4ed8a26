#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Stylises every frame of a video file and encodes the result.
set -euo pipefail
# shellcheck source=common.sh
source "$(dirname "$(readlink -f "$0")")/common.sh"

usage() {
  cat <<EOF
Usage: $NS_SCRIPT [OPTIONS] --style STYLE INPUT OUTPUT

Decodes the video INPUT (any container and codec GStreamer plays), stylises every
frame after STYLE and writes OUTPUT with the same size, frame count and timestamps.
The container and codec follow OUTPUT's extension:

  .avi, .mkv   Motion JPEG (jpegenc, quality 95) in AVI / Matroska
  .webm        VP8 (vp8enc) in WebM
  .mp4         H.264 (x264enc, else openh264enc) in MP4

  filesrc ! decodebin ! videoconvert ! neuralstyle ! videoconvert ! jpegenc ! avimux ! filesink

Audio is not copied. Each frame is optimised on its own, from scratch.

Example:
  $NS_SCRIPT --style wave.jpg --steps 300 --max-size 256 clip.mp4 clip-wave.mkv

EOF
  ns_options_help
}

# The encoder and muxer for OUTPUT's extension, as a gst-launch fragment.
video_encoder() {
  case ${1,,} in
    *.avi) echo "jpegenc quality=95 ! avimux" ;;
    *.mkv) echo "jpegenc quality=95 ! matroskamux" ;;
    *.webm) echo "vp8enc deadline=1 ! webmmux" ;;
    *.mp4)
      if gst-inspect-1.0 x264enc >/dev/null 2>&1; then
        echo "x264enc ! video/x-h264,profile=high ! h264parse ! mp4mux"
      elif gst-inspect-1.0 openh264enc >/dev/null 2>&1; then
        echo "openh264enc ! h264parse ! mp4mux"
      else
        ns_die "no H.264 encoder (x264enc or openh264enc) is installed: write .mkv or .avi instead"
      fi
      ;;
    *) ns_die "cannot write '$1': use a .avi, .mkv, .webm or .mp4 name" ;;
  esac
}

ns_parse_arguments "INPUT and OUTPUT" "$@"
input=${NS_POSITIONAL[0]}
output=${NS_POSITIONAL[1]}

ns_check_setup
[[ -f $input ]] || ns_die "input video '$input' does not exist"
encoder=$(video_encoder "$output")
ns_element

# shellcheck disable=SC2086  # $encoder is a chain of elements with their properties
ns_launch filesrc location="$input" ! decodebin ! queue ! videoconvert ! "${NS_ELEMENT[@]}" \
  ! videoconvert ! $encoder ! filesink location="$output"
((NS_QUIET)) || echo "wrote $output"
