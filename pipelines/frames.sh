#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Stylises a numbered sequence of PNG frames into another folder.
set -euo pipefail
# shellcheck source=common.sh
source "$(dirname "$(readlink -f "$0")")/common.sh"

pattern=%05d.png
start=  # unset: the first of 0..4 that exists, as ffmpeg's image2 reader probes
framerate=25/1

usage() {
  cat <<EOF
Usage: $NS_SCRIPT [OPTIONS] --style STYLE INPUT_DIR OUTPUT_DIR
       $NS_SCRIPT [OPTIONS] --model MODEL INPUT_DIR OUTPUT_DIR

Stylises the PNG frames INPUT_DIR/$pattern (from the first index on, until the first
missing number) after STYLE and writes them as OUTPUT_DIR/$pattern with the same
numbers, sizes and count. OUTPUT_DIR is created if needed. The first index is the
first of 0 to 4 that exists, as ffmpeg reads a sequence (ffmpeg writes from 1).

  multifilesrc location=IN/$pattern start-index=N index=N caps=image/png,framerate=$framerate
    ! pngdec ! videoconvert ! neuralstyle ! videoconvert ! pngenc
    ! multifilesink location=OUT/$pattern index=N

Sequence options:
      --pattern PATTERN       printf pattern of the file names (default $pattern)
      --start-index N         first index (default: the first of 0..4 that exists);
                              --start is the same option
      --framerate N/D         frame rate given to the stream (default $framerate)

EOF
  ns_video_options_help
}

script_option() {
  ns_take_video_option "$@" && return 0
  case $1 in
    --pattern | --start | --start-index | --framerate)
      (($# >= 2)) || ns_die "$1 needs a value (see --help)"
      case $1 in
        --pattern) pattern=$2 ;;
        --start | --start-index) start=$2 ;;
        --framerate) framerate=$2 ;;
      esac
      NS_SHIFT=2
      ;;
    *) return 1 ;;
  esac
}

ns_parse_arguments "INPUT_DIR and OUTPUT_DIR" "$@"
input_dir=${NS_POSITIONAL[0]}
output_dir=${NS_POSITIONAL[1]}
[[ -z $start || $start =~ ^[0-9]+$ ]] || ns_die "--start-index needs a number, got '$start'"
[[ $framerate =~ ^[0-9]+/[1-9][0-9]*$ ]] || ns_die "--framerate needs N/D, got '$framerate'"

ns_check_setup
# shellcheck disable=SC2059  # the pattern is the user's printf format
frame_path() { printf "$input_dir/$pattern" "$1"; }
if [[ -z $start ]]; then
  for index in 0 1 2 3 4; do
    [[ -f $(frame_path "$index") ]] && { start=$index; break; }
  done
  [[ -n $start ]] || ns_die "no first frame: none of '$(frame_path 0)' to '$(frame_path 4)'" \
    "exists (check INPUT_DIR and --pattern, or give --start-index)"
fi
first=$(frame_path "$start")
[[ -f $first ]] || ns_die "no first frame '$first' (check INPUT_DIR, --pattern and --start-index)"
mkdir -p "$output_dir"
ns_element

ns_launch multifilesrc location="$input_dir/$pattern" start-index="$start" index="$start" \
  caps="image/png,framerate=(fraction)$framerate" ! pngdec ! videoconvert \
  ! "${NS_ELEMENT[@]}" ! videoconvert ! pngenc \
  ! multifilesink location="$output_dir/$pattern" index="$start"
((NS_QUIET)) || echo "wrote $output_dir/$pattern"
