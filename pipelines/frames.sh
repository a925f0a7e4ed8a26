#!/usr/bin/env bash
# Stylises a numbered sequence of PNG frames into another folder.
set -euo pipefail
# shellcheck source=common.sh
source "$(dirname "$(readlink -f "$0")")/common.sh"

pattern=%05d.png
start=0
framerate=25/1

usage() {
  cat <<EOF
Usage: $NS_SCRIPT [OPTIONS] --style STYLE INPUT_DIR OUTPUT_DIR

Stylises the PNG frames INPUT_DIR/$pattern (from index $start on, until the first
missing number) after STYLE and writes them as OUTPUT_DIR/$pattern with the same
numbers, sizes and count. OUTPUT_DIR is created if needed.

  multifilesrc location=IN/$pattern index=0 caps=image/png,framerate=$framerate ! pngdec
    ! videoconvert ! neuralstyle ! videoconvert ! pngenc ! multifilesink location=OUT/$pattern

Sequence options:
      --pattern PATTERN       printf pattern of the file names (default $pattern)
      --start N               first index (default $start)
      --framerate N/D         frame rate given to the stream (default $framerate)

EOF
  ns_options_help
}

script_option() {
  case $1 in
    --pattern | --start | --framerate)
      (($# >= 2)) || ns_die "$1 needs a value (see --help)"
      case $1 in
        --pattern) pattern=$2 ;;
        --start) start=$2 ;;
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
[[ $start =~ ^[0-9]+$ ]] || ns_die "--start needs a number, got '$start'"
[[ $framerate =~ ^[0-9]+/[1-9][0-9]*$ ]] || ns_die "--framerate needs N/D, got '$framerate'"

ns_check_setup
# shellcheck disable=SC2059  # the pattern is the user's printf format
first=$(printf "$input_dir/$pattern" "$start")
[[ -f $first ]] || ns_die "no first frame '$first' (check INPUT_DIR, --pattern and --start)"
mkdir -p "$output_dir"
ns_element

ns_launch multifilesrc location="$input_dir/$pattern" index="$start" \
  caps="image/png,framerate=(fraction)$framerate" ! pngdec ! videoconvert \
  ! "${NS_ELEMENT[@]}" ! videoconvert ! pngenc \
  ! multifilesink location="$output_dir/$pattern" index="$start"
((NS_QUIET)) || echo "wrote $output_dir/$pattern"
