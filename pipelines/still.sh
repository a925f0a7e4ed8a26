#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Stylises one image file and writes the result as PNG or JPEG.
set -euo pipefail
# shellcheck source=common.sh
source "$(dirname "$(readlink -f "$0")")/common.sh"

usage() {
  cat <<EOF
Usage: $NS_SCRIPT [OPTIONS] --style STYLE INPUT OUTPUT
       $NS_SCRIPT [OPTIONS] --model MODEL INPUT OUTPUT

Stylises the image INPUT (any format GStreamer decodes) after STYLE and writes OUTPUT,
a .png or .jpg/.jpeg of the same size:

  filesrc ! decodebin ! videoconvert ! neuralstyle ! videoconvert ! pngenc ! filesink

Example:
  $NS_SCRIPT --style wave.jpg --steps 500 cat.jpg cat-wave.png

EOF
  ns_options_help
}

ns_parse_arguments "INPUT and OUTPUT" "$@"
input=${NS_POSITIONAL[0]}
output=${NS_POSITIONAL[1]}

ns_check_setup
[[ -f $input ]] || ns_die "input image '$input' does not exist"
ns_probe_input "$input"
[[ -z $NS_MISSING_VIDEO ]] ||
  ns_die "cannot decode '$input': GStreamer lacks $(ns_missing_decoders_text "$NS_MISSING_VIDEO")"
encoder=$(ns_still_encoder "$output")
ns_element

# shellcheck disable=SC2086  # $encoder is an element with its properties
ns_launch filesrc location="$input" ! decodebin ! videoconvert ! "${NS_ELEMENT[@]}" \
  ! videoconvert ! $encoder ! filesink location="$output"
((NS_QUIET)) || echo "wrote $output"
