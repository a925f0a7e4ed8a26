#!/usr/bin/env bash
# Stylises one image file and writes the result as PNG or JPEG.
set -euo pipefail
# shellcheck source=common.sh
source "$(dirname "$(readlink -f "$0")")/common.sh"

usage() {
  cat <<EOF
Usage: $NS_SCRIPT [OPTIONS] --style STYLE INPUT OUTPUT

Stylises the image INPUT (any format GStreamer decodes) after STYLE and writes OUTPUT,
a .png or .jpg/.jpeg of the same size:

  filesrc ! decodebin ! videoconvert ! neuralstyle ! videoconvert ! pngenc ! filesink

Example:
  $NS_SCRIPT --style wave.jpg --steps 500 cat.jpg cat-wave.png

EOF
  ns_options_help
}

positional=()
while (($#)); do
  if ns_take_option "$@"; then
    shift "$NS_SHIFT"
    continue
  fi
  case $1 in
    -h | --help) usage; exit 0 ;;
    -*) ns_die "unknown option '$1' (see --help)" ;;
    *) positional+=("$1"); shift ;;
  esac
done
((${#positional[@]} == 2)) || ns_die "expected INPUT and OUTPUT (see --help)"
input=${positional[0]}
output=${positional[1]}

ns_check_setup
[[ -f $input ]] || ns_die "input image '$input' does not exist"
encoder=$(ns_still_encoder "$output")
ns_element

# shellcheck disable=SC2086  # $encoder is an element with its properties
ns_launch filesrc location="$input" ! decodebin ! videoconvert ! "${NS_ELEMENT[@]}" \
  ! videoconvert ! $encoder ! filesink location="$output"
((NS_QUIET)) || echo "wrote $output"
