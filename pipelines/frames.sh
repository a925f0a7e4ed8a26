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

Coherence between frames (properties of the element; unset ones keep its defaults):
      --init NAME             where a frame starts: content, noise, previous (the
                              previous result) or previous-warped (it moved onto the
                              frame by optical flow); the first frame and one after a
                              scene cut start from the content
      --temporal-weight X     weight of the term keeping a frame close to the previous
                              result moved onto it, >= 0 (0: none)
      --steps-per-frame N     steps of a frame that starts from the previous result
                              (0: --steps)
      --scene-cut-threshold X share of pixels the flow cannot place above which a frame
                              starts afresh, 0 < X <= 1 (1: never)

EOF
  ns_options_help
}

# coherence_property OPTION VALUE: the element property for one of the coherence
# options, its value checked here so that a bad one fails before GStreamer starts.
coherence_property() {
  local number='^([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$'
  case $1 in
    --init)
      [[ $2 =~ ^(content|noise|previous|previous-warped)$ ]] ||
        ns_die "--init must be content, noise, previous or previous-warped, got '$2'"
      NS_PROPERTIES+=("init=$2")
      ;;
    --temporal-weight)
      [[ $2 =~ $number ]] || ns_die "--temporal-weight must be a number >= 0, got '$2'"
      NS_PROPERTIES+=("temporal-weight=$2")
      ;;
    --steps-per-frame)
      [[ $2 =~ ^[0-9]+$ ]] || ns_die "--steps-per-frame must be an integer >= 0, got '$2'"
      NS_PROPERTIES+=("steps-per-frame=$2")
      ;;
    --scene-cut-threshold)
      if ! [[ $2 =~ $number ]] || ! awk -v x="$2" 'BEGIN { exit !(x > 0 && x <= 1) }'; then
        ns_die "--scene-cut-threshold must be a number in (0, 1], got '$2'"
      fi
      NS_PROPERTIES+=("scene-cut-threshold=$2")
      ;;
  esac
}

script_option() {
  local option=$1 value inline=0
  if [[ $option == --*=* ]]; then
    value=${option#*=}
    option=${option%%=*}
    inline=1
  fi
  case $option in
    --pattern | --start | --start-index | --framerate | --init | --temporal-weight | \
      --steps-per-frame | --scene-cut-threshold)
      if ((!inline)); then
        (($# >= 2)) || ns_die "$option needs a value (see --help)"
        value=$2
      fi
      [[ -n $value ]] || ns_die "$option needs a value (see --help)"
      case $option in
        --pattern) pattern=$value ;;
        --start | --start-index) start=$value ;;
        --framerate) framerate=$value ;;
        *) coherence_property "$option" "$value" ;;
      esac
      NS_SHIFT=$((inline ? 1 : 2))
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
