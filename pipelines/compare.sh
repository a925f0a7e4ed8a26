#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Writes a side-by-side comparison sheet: content | style | result.
set -euo pipefail
# shellcheck source=common.sh
source "$(dirname "$(readlink -f "$0")")/common.sh"

gap=8
result=""

usage() {
  cat <<EOF
Usage: $NS_SCRIPT [OPTIONS] --style STYLE CONTENT OUTPUT.png

Stylises the image CONTENT after STYLE and writes OUTPUT.png, a sheet with three tiles
of CONTENT's size side by side: CONTENT, STYLE (scaled to fit, letterboxed) and the
result, separated by black gaps. The tiles are put together by GStreamer's compositor:

  content ! tee ! compositor.sink_0
           tee ! neuralstyle ! compositor.sink_2
  style ! videoscale ! compositor.sink_1
  compositor ! pngenc ! filesink

Sheet options:
      --gap N                 pixels between the tiles (default $gap)
      --result FILE           an already stylised image (e.g. from still.sh) to show as
                              the third tile instead of stylising CONTENT again

EOF
  ns_options_help
}

# The size of a decoded image as "WIDTH HEIGHT".
image_size() {
  gst-launch-1.0 -v filesrc location="$1" ! decodebin ! videoconvert ! video/x-raw,format=RGB \
    ! fakesink name=probe 2>/dev/null |
    sed -n 's/.*probe\.GstPad:sink: caps = .*width=(int)\([0-9]*\), height=(int)\([0-9]*\).*/\1 \2/p' |
    head -n 1
}

script_option() {
  case $1 in
    --gap | --result)
      (($# >= 2)) || ns_die "$1 needs a value (see --help)"
      case $1 in
        --gap) gap=$2 ;;
        --result) result=$2 ;;
      esac
      NS_SHIFT=2
      ;;
    *) return 1 ;;
  esac
}

ns_parse_arguments "CONTENT and OUTPUT.png" "$@"
content=${NS_POSITIONAL[0]}
output=${NS_POSITIONAL[1]}
[[ $gap =~ ^[0-9]+$ ]] || ns_die "--gap needs a number of pixels, got '$gap'"
[[ ${output,,} == *.png ]] || ns_die "the sheet is written as PNG: name it *.png"

ns_check_setup
[[ -f $content ]] || ns_die "content image '$content' does not exist"
read -r width height < <(image_size "$content") || true
[[ -n ${width:-} && -n ${height:-} ]] || ns_die "cannot decode the content image '$content'"
[[ -z $result || -f $result ]] || ns_die "result image '$result' does not exist"
ns_element

tile="video/x-raw,width=$width,height=$height,pixel-aspect-ratio=1/1"
if [[ -n $result ]]; then
  result_tile=(filesrc location="$result" ! decodebin ! videoconvert ! videoscale add-borders=true
               ! "$tile" ! imagefreeze num-buffers=1 ! videoconvert ! sheet.sink_2
               content. ! queue ! fakesink)
else
  result_tile=(content. ! queue ! "${NS_ELEMENT[@]}" ! videoconvert ! sheet.sink_2)
fi
ns_launch \
  compositor name=sheet background=black \
  sink_0::xpos=0 sink_1::xpos=$((width + gap)) sink_2::xpos=$((2 * (width + gap))) \
  ! "video/x-raw,width=$((3 * width + 2 * gap)),height=$height" ! videoconvert ! pngenc \
  ! filesink location="$output" \
  filesrc location="$content" ! decodebin ! videoconvert ! imagefreeze num-buffers=1 ! tee name=content \
  content. ! queue ! videoconvert ! sheet.sink_0 \
  "${result_tile[@]}" \
  filesrc location="$NS_STYLE" ! decodebin ! videoconvert ! videoscale add-borders=true \
  ! "$tile" ! imagefreeze num-buffers=1 ! videoconvert ! sheet.sink_1
((NS_QUIET)) || echo "wrote $output"
