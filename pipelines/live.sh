#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Stylises a live source (a camera, else a test pattern) in mode=live onto a display.
set -euo pipefail
# shellcheck source=common.sh
source "$(dirname "$(readlink -f "$0")")/common.sh"

camera=""
sink=${NS_LIVE_SINK:-autovideosink}
size=320x240
framerate=15/1
num_buffers=-1

usage() {
  cat <<EOF
Usage: $NS_SCRIPT [OPTIONS] --style STYLE
       $NS_SCRIPT [OPTIONS] --model MODEL

Shows a live source stylised after STYLE with the element's live mode: every frame
goes out at once, at the source's rate, warped by optical flow from the newest
stylised frame, while a worker thread stylises the newest frame (until the first
one is ready the frames go out unchanged):

  v4l2src device=CAMERA (or videotestsrc is-live=true) ! videoconvert ! videoscale
    ! video/x-raw,width=W,height=H ! neuralstyle mode=live ! videoconvert ! SINK

Few steps and a small processing size make the stylised frames come often, e.g.
  $NS_SCRIPT --style wave.jpg --steps 50 --max-size 128 --camera /dev/video0

Live options:
      --camera DEVICE         a V4L2 camera (e.g. /dev/video0); when it is not given
                              or does not exist, videotestsrc is-live=true
      --sink ELEMENT          where the frames go (default autovideosink, or
                              \$NS_LIVE_SINK), e.g. "fakesink sync=true"
      --size WxH              frame size (default $size)
      --framerate N/D         the test source's frame rate (default $framerate)
      --num-buffers N         stop after N frames (default: run until Ctrl-C)

EOF
  ns_video_options_help
}

script_option() {
  ns_take_video_option "$@" && return 0
  case $1 in
    --camera | --sink | --size | --framerate | --num-buffers)
      (($# >= 2)) || ns_die "$1 needs a value (see --help)"
      case $1 in
        --camera) camera=$2 ;;
        --sink) sink=$2 ;;
        --size) size=$2 ;;
        --framerate) framerate=$2 ;;
        --num-buffers) num_buffers=$2 ;;
      esac
      NS_SHIFT=2
      ;;
    *) return 1 ;;
  esac
}

NS_POSITIONAL_COUNT=0
ns_parse_arguments "no positional arguments" "$@"
[[ $size =~ ^([1-9][0-9]*)x([1-9][0-9]*)$ ]] || ns_die "--size needs WxH, got '$size'"
width=${BASH_REMATCH[1]}
height=${BASH_REMATCH[2]}
[[ $framerate =~ ^[1-9][0-9]*/[1-9][0-9]*$ ]] || ns_die "--framerate needs N/D, got '$framerate'"
[[ $num_buffers =~ ^(-1|[1-9][0-9]*)$ ]] || ns_die "--num-buffers needs a positive number, got '$num_buffers'"
[[ -n $sink ]] || ns_die "--sink needs an element"

ns_check_setup
if [[ -n $camera && -e $camera ]]; then
  source_element=(v4l2src device="$camera" num-buffers="$num_buffers")
  caps="video/x-raw,width=$width,height=$height"
  ns_require_elements v4l2src
else
  [[ -z $camera ]] || echo "$NS_SCRIPT: camera '$camera' does not exist: showing videotestsrc instead" >&2
  source_element=(videotestsrc is-live=true pattern=ball num-buffers="$num_buffers")
  caps="video/x-raw,width=$width,height=$height,framerate=$framerate"
fi
ns_require_elements "${sink%% *}"
# The last mode= wins: live whatever --mode said. fastneuralstyle has no modes: it keeps
# up with the source or QoS drops the frames it cannot.
[[ -n $NS_MODEL ]] || NS_PROPERTIES+=(mode=live)
ns_element

# shellcheck disable=SC2086  # $sink is an element with its properties
ns_launch "${source_element[@]}" ! videoconvert ! videoscale ! "$caps" \
  ! "${NS_ELEMENT[@]}" ! videoconvert ! $sink
