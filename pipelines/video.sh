#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Stylises every frame of a video file and encodes the result, with the input's audio.
set -euo pipefail
# shellcheck source=common.sh
source "$(dirname "$(readlink -f "$0")")/common.sh"

usage() {
  cat <<EOF
Usage: $NS_SCRIPT [OPTIONS] --style STYLE INPUT OUTPUT
       $NS_SCRIPT [OPTIONS] --model MODEL INPUT OUTPUT

Decodes the video INPUT (any container and codec GStreamer plays), stylises every
frame after STYLE and writes OUTPUT with the same size, frame rate, frame count and
timestamps. The input's audio is re-encoded into OUTPUT's container unchanged in time,
so picture and sound stay in sync. The codecs follow OUTPUT's extension:

  .avi    Motion JPEG (jpegenc, quality 95); MP3 audio (lamemp3enc), else PCM
  .mkv    Motion JPEG (jpegenc, quality 95); Vorbis audio (vorbisenc)
  .webm   VP8 (vp8enc); Vorbis audio (vorbisenc)
  .mp4    H.264 (x264enc without B-frames, else openh264enc); AAC audio
          (avenc_aac, else fdkaacenc or voaacenc), else MP3 (lamemp3enc)

  filesrc ! decodebin name=in
    in. ! videoconvert ! queue ! videoconvert ! neuralstyle ! videoconvert ! jpegenc ! avimux name=out ! filesink
    in. ! audioconvert ! audioresample ! lamemp3enc ! queue ! out.

Before anything runs, the input is probed: a codec GStreamer cannot decode, or an
encoder it lacks, is named with the Debian package that provides it. By default each
frame starts from the previous result moved onto it by optical flow, with a temporal
term, so the style does not flicker (--init content --temporal-weight 0: each frame
on its own, from scratch); --mode interval or keyframes optimises some frames only
and warps the others.

Options of this script:
      --frames N              stylise only the start of INPUT, N frames long (N
                              divided by the frame rate; with the audio under
                              them): try settings on the start of a long file
      --duration SECONDS      the same in seconds
      --no-audio              leave the audio out

Example:
  $NS_SCRIPT --style wave.jpg --steps 300 --max-size 256 clip.mp4 clip-wave.mkv

EOF
  ns_video_options_help
}

frames=""
duration=""
keep_audio=1
script_option() {
  ns_take_video_option "$@" && return 0
  case $1 in
    --frames)
      (($# >= 2)) || ns_die "--frames needs a value (see --help)"
      [[ $2 =~ ^[1-9][0-9]*$ ]] || ns_die "--frames must be a positive whole number, not '$2'"
      frames=$2
      NS_SHIFT=2
      ;;
    --duration)
      (($# >= 2)) || ns_die "--duration needs a value (see --help)"
      [[ $2 =~ ^([0-9]+\.?[0-9]*|\.[0-9]+)$ && ! $2 =~ ^0*\.?0*$ ]] ||
        ns_die "--duration must be a positive number of seconds, not '$2'"
      duration=$2
      NS_SHIFT=2
      ;;
    --no-audio)
      keep_audio=0
      NS_SHIFT=1
      ;;
    *) return 1 ;;
  esac
}

# video_encoder OUTPUT: the video encoder for OUTPUT's extension, as a gst-launch fragment
# ending where the muxer's input is.
video_encoder() {
  case ${1,,} in
    *.avi | *.mkv) echo "jpegenc quality=95" ;;
    *.webm) echo "vp8enc deadline=1" ;;
    *.mp4)
      if gst-inspect-1.0 x264enc >/dev/null 2>&1; then
        # No B-frames: with them, mp4mux starts the video at the encoder's reordering
        # delay (0.2 s at 10 frames a second, measured) while the audio starts at 0.
        echo "x264enc bframes=0 ! video/x-h264,profile=high ! h264parse"
      elif gst-inspect-1.0 openh264enc >/dev/null 2>&1; then
        echo "openh264enc ! h264parse"
      else
        echo "x264enc"  # missing: ns_require_elements names it and its package
      fi
      ;;
    *) ns_die "cannot write '$1': use a .avi, .mkv, .webm or .mp4 name" ;;
  esac
}

# audio_encoder OUTPUT: the audio encoder for OUTPUT's container, as a gst-launch fragment.
audio_encoder() {
  case ${1,,} in
    *.avi)
      if gst-inspect-1.0 lamemp3enc >/dev/null 2>&1; then
        echo "lamemp3enc"
      else
        echo "audio/x-raw,format=S16LE"  # AVI carries PCM as it is
      fi
      ;;
    *.mkv | *.webm) echo "vorbisenc" ;;
    *.mp4)
      local encoder
      for encoder in avenc_aac fdkaacenc voaacenc lamemp3enc; do
        if gst-inspect-1.0 "$encoder" >/dev/null 2>&1; then
          echo "$encoder"
          return
        fi
      done
      echo "avenc_aac"  # missing: ns_require_elements names it and its package
      ;;
  esac
}

muxer() {
  case ${1,,} in
    *.avi) echo "avimux" ;;
    *.mkv) echo "matroskamux" ;;
    *.webm) echo "webmmux" ;;
    *.mp4) echo "mp4mux" ;;
  esac
}

# The element names in a gst-launch fragment (the words before each property or caps).
elements_of() {
  local word
  for word in $1; do
    [[ $word == '!' || $word == *=* || $word == */* ]] || echo "$word"
  done
}

ns_parse_arguments "INPUT and OUTPUT" "$@"
input=${NS_POSITIONAL[0]}
output=${NS_POSITIONAL[1]}

ns_check_setup
[[ -f $input ]] || ns_die "input video '$input' does not exist"
video_encoding=$(video_encoder "$output")
mux=$(muxer "$output")

ns_probe_input "$input"
[[ -z $NS_MISSING_VIDEO ]] ||
  ns_die "cannot decode '$input': GStreamer lacks $(ns_missing_decoders_text "$NS_MISSING_VIDEO")"
((NS_INPUT_VIDEO)) || ns_die "'$input' has no video stream"
if ((keep_audio && NS_INPUT_AUDIO)) && [[ -n $NS_MISSING_AUDIO ]]; then
  ns_die "cannot decode the audio of '$input': GStreamer lacks $(ns_missing_decoders_text "$NS_MISSING_AUDIO"); or pass --no-audio to leave it out"
fi
with_audio=$((keep_audio && NS_INPUT_AUDIO))

# --frames N / --duration S: the pipeline runs through a seek with that stop position
# (gst_run.py), which ends video and audio at the same time.
stop_ns=""
if [[ -n $frames ]]; then
  [[ $NS_INPUT_FRAMERATE != 0/* ]] ||
    ns_die "'$input' has no constant frame rate to count --frames in: use --duration SECONDS"
  stop_ns=$((frames * 1000000000 * ${NS_INPUT_FRAMERATE#*/} / ${NS_INPUT_FRAMERATE%/*}))
elif [[ -n $duration ]]; then
  stop_ns=$(awk -v s="$duration" 'BEGIN { printf "%.0f", s * 1e9 }')
fi

audio_encoding=""
((with_audio)) && audio_encoding=$(audio_encoder "$output")
# shellcheck disable=SC2046  # one element name per word
ns_require_elements $(elements_of "$video_encoding $mux $audio_encoding")
ns_element

# The audio branch ends in an unbounded queue: while the slow video branch stylises a
# frame, the demuxer must go on pushing audio (a bounded queue would stall it, and with
# it the video), and the muxer interleaves both by their timestamps.
audio_branch=()
if ((with_audio)); then
  # shellcheck disable=SC2206  # $audio_encoding is an element with its properties
  audio_branch=(in. ! audioconvert ! audioresample ! $audio_encoding
    ! queue max-size-buffers=0 max-size-bytes=0 max-size-time=0 ! out.)
elif ((NS_INPUT_AUDIO)) && [[ -z $NS_MISSING_AUDIO ]]; then
  # --no-audio: the audio stream is decoded into a sink that discards it, as a stream
  # left unlinked would stop the demuxer ("not-linked") once the video ends. (Audio that
  # GStreamer cannot decode is never exposed by decodebin, so there is nothing to link.)
  audio_branch=(in. ! fakesink sync=false async=false)
fi

# shellcheck disable=SC2086  # the fragments are chains of elements with their properties
NS_STOP_NS=$stop_ns ns_launch filesrc location="$input" ! decodebin name=in \
  in. ! videoconvert ! queue ! "${NS_ELEMENT[@]}" ! videoconvert \
  ! $video_encoding ! $mux name=out ! filesink location="$output" "${audio_branch[@]}"
((NS_QUIET)) || echo "wrote $output"
