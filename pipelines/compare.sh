#!/usr/bin/env bash
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

positional=()
while (($#)); do
  if ns_take_option "$@"; then
    shift "$NS_SHIFT"
    continue
  fi
  case $1 in
    -h | --help) usage; exit 0 ;;
    --gap)
      (($# >= 2)) || ns_die "$1 needs a value (see --help)"
      gap=$2
      shift 2
      ;;
    --result)
      (($# >= 2)) || ns_die "$1 needs a value (see --help)"
      result=$2
      shift 2
      ;;
    -*) ns_die "unknown option '$1' (see --help)" ;;
    *) positional+=("$1"); shift ;;
  esac
done
((${#positional[@]} == 2)) || ns_die "expected CONTENT and OUTPUT.png (see --help)"
content=${positional[0]}
output=${positional[1]}
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
