# SPDX-License-Identifier: LGPL-2.1-or-later
# Shared by the pipeline scripts (sourced, not run): the stylisation options, which map
# one to one onto properties of the neuralstyle element, and running gst-launch-1.0 with
# readable progress.
#
# The element is found like any GStreamer plugin: installed in GStreamer's plugin folder,
# or in a folder named by GST_PLUGIN_PATH (e.g. the build tree's plugin/ folder).
# shellcheck shell=bash disable=SC2034  # NS_* variables are read by the sourcing scripts

NS_SCRIPT=$(basename "$0")
NS_PIPELINES_DIR=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")
NS_STYLE=""
NS_MODEL=""       # --model: the fastneuralstyle element instead of neuralstyle
NS_PROPERTIES=()  # element properties given on the command line, as name=value
NS_VERBOSE=0
NS_QUIET=0

ns_die() {
  echo "$NS_SCRIPT: error: $*" >&2
  exit 1
}

ns_options_help() {
  cat <<'EOF'
Stylisation options: each sets the neuralstyle element's property named after it;
unset ones keep the element's defaults. Their values, defaults and meaning are the
element's, listed once by `neuralstyle --list-options` (or `gst-inspect-1.0 neuralstyle`):
  -s, --style FILE            style-location (required, unless --model)
  -w, --weights LOCATION      weights-location (a .safetensors, .onnx or .caffemodel
                              file, or random[:SEED]; default: $NEURALSTYLE_WEIGHTS,
                              then the neuralstyle data folders)
      --network NAME          network
  -n, --steps N               steps
  -m, --max-size N            max-size
  -d, --device DEVICE         device
      --precision NAME        precision
      --convolution NAME      convolution
      --learning-rate X       learning-rate
      --optimizer NAME        optimizer
      --content-weight X      content-weight
      --style-weight X        style-weight
      --style-layers SPEC     style-layer-weights (e.g. conv1_1=1,conv2_1=0.75)
      --content-layer NAME    content-layer
      --pooling NAME          pooling
      --threads N             threads
      --seed N                seed
      --progress-interval N   progress-interval

Feed-forward networks: with --model the fastneuralstyle element runs instead (one pass
a frame, the style built into the model; `gst-inspect-1.0 fastneuralstyle`), and of
the options above only --max-size, --device and --threads apply:
      --model FILE            model-location (.onnx or .safetensors)
      --engine NAME           engine
      --strength X            strength
      --preserve-colors       preserve-colors=true
      --temporal-blend X      temporal-blend

  -v, --verbose               print every progress report
  -q, --quiet                 print errors only
  -h, --help                  this text

Environment:
  GST_PLUGIN_PATH             folder(s) holding libgstneuralstyle.so, if it is not
                              installed in GStreamer's plugin folder
  NEURALSTYLE_WEIGHTS         default VGG19 weights when --weights is not given
EOF
}

# ns_video_options_help: the video options, then the stylisation options (for the
# scripts that stream video).
ns_video_options_help() {
  cat <<'EOF'
Video options (properties of the neuralstyle element, as below):
      --init NAME             init (previous-warped: the previous result moved by
                              optical flow)
      --temporal-weight X     temporal-weight
      --steps-per-frame N     steps-per-frame
      --scene-cut-threshold X scene-cut-threshold
      --mode NAME             mode (every-frame, interval, keyframes or live)
      --interval N            interval (with --mode interval)

EOF
  ns_options_help
}

# ns_take_video_option ARGS...: like ns_take_option, for the video options (the scripts
# that stream video call it from their script_option).
ns_take_video_option() {
  local option=$1 value="" property
  if [[ $option == --*=* ]]; then
    value=${option#*=}
    option=${option%%=*}
    NS_SHIFT=1
  else
    NS_SHIFT=2
  fi
  case $option in
    --init) property=init ;;
    --temporal-weight) property=temporal-weight ;;
    --steps-per-frame) property=steps-per-frame ;;
    --scene-cut-threshold) property=scene-cut-threshold ;;
    --mode) property=mode ;;
    --interval) property=interval ;;
    *) return 1 ;;
  esac
  if ((NS_SHIFT == 2)); then
    (($# >= 2)) || ns_die "$option needs a value (see --help)"
    value=$2
  fi
  [[ -n $value ]] || ns_die "$option needs a value (see --help)"
  NS_PROPERTIES+=("$property=$value")
}

# ns_take_option ARGS...: consumes one stylisation option from the front of ARGS.
# Returns 1 if ARGS does not start with one; otherwise sets NS_SHIFT to the number of
# arguments used. Accepts both "--steps 10" and "--steps=10".
ns_take_option() {
  local option=$1 value="" inline=0
  if [[ $option == --*=* ]]; then
    value=${option#*=}
    option=${option%%=*}
    inline=1
  fi
  local property
  case $option in
    -s | --style) property=style-location ;;
    -w | --weights) property=weights-location ;;
    --network) property=network ;;
    -n | --steps) property=steps ;;
    -m | --max-size) property=max-size ;;
    -d | --device) property=device ;;
    --precision) property=precision ;;
    --convolution) property=convolution ;;
    --learning-rate) property=learning-rate ;;
    --optimizer) property=optimizer ;;
    --content-weight) property=content-weight ;;
    --style-weight) property=style-weight ;;
    --style-layers) property=style-layer-weights ;;
    --content-layer) property=content-layer ;;
    --pooling) property=pooling ;;
    --threads) property=threads ;;
    --seed) property=seed ;;
    --progress-interval) property=progress-interval ;;
    --model) property=model-location ;;
    --engine) property=engine ;;
    --strength) property=strength ;;
    --temporal-blend) property=temporal-blend ;;
    --preserve-colors)
      NS_PROPERTIES+=(preserve-colors=true)
      NS_SHIFT=1
      return 0
      ;;
    -v | --verbose)
      NS_VERBOSE=1
      NS_SHIFT=1
      return 0
      ;;
    -q | --quiet)
      NS_QUIET=1
      NS_SHIFT=1
      return 0
      ;;
    *) return 1 ;;
  esac
  if ((inline)); then
    NS_SHIFT=1
  else
    (($# >= 2)) || ns_die "$option needs a value (see --help)"
    value=$2
    NS_SHIFT=2
  fi
  [[ -n $value ]] || ns_die "$option needs a value (see --help)"
  if [[ $property == style-location ]]; then
    NS_STYLE=$value
  elif [[ $property == model-location ]]; then
    NS_MODEL=$value
  else
    NS_PROPERTIES+=("$property=$value")
  fi
}

# ns_parse_arguments WHAT ARGS...: parses a script's whole command line: stylisation
# options (ns_take_option), the script's own options (its function script_option, if it
# defines one: like ns_take_option, it returns 1 when ARGS does not start with one of
# them, else sets NS_SHIFT), -h/--help (the script's usage), and exactly two positional
# arguments (NS_POSITIONAL_COUNT if the script sets it), left in NS_POSITIONAL. WHAT
# names them in the error, e.g. "INPUT and OUTPUT".
ns_parse_arguments() {
  local what=$1 expected=${NS_POSITIONAL_COUNT:-2}
  shift
  NS_POSITIONAL=()
  while (($#)); do
    if ns_take_option "$@" || { declare -F script_option >/dev/null && script_option "$@"; }; then
      shift "$NS_SHIFT"
      continue
    fi
    case $1 in
      -h | --help) usage; exit 0 ;;
      -*) ns_die "unknown option '$1' (see --help)" ;;
      *) NS_POSITIONAL+=("$1"); shift ;;
    esac
  done
  ((${#NS_POSITIONAL[@]} == expected)) || ns_die "expected $what (see --help)"
}

# The properties fastneuralstyle has, of those the options set.
NS_FAST_PROPERTIES=" max-size device threads engine strength preserve-colors temporal-blend "

# ns_check_setup: the element is available and the style image (or the model) exists.
ns_check_setup() {
  command -v gst-launch-1.0 >/dev/null ||
    ns_die "gst-launch-1.0 not found (install gstreamer1.0-tools)"
  if [[ -n $NS_MODEL ]]; then
    ns_check_fast_setup
    return
  fi
  local property
  for property in "${NS_PROPERTIES[@]}"; do
    case ${property%%=*} in
      engine | strength | temporal-blend) ns_die "--${property%%=*} applies only with --model" ;;
    esac
  done
  gst-inspect-1.0 neuralstyle >/dev/null 2>&1 ||
    ns_die "GStreamer has no neuralstyle element: install the plugin or set GST_PLUGIN_PATH to the folder holding libgstneuralstyle.so (GST_PLUGIN_PATH=${GST_PLUGIN_PATH:-unset})"
  [[ -n $NS_STYLE ]] || ns_die "no style image: give --style FILE"
  [[ -f $NS_STYLE ]] || ns_die "style image '$NS_STYLE' does not exist"
}

# ns_check_fast_setup: with --model, the fastneuralstyle element is there, the model
# exists, and no option of the optimisation was given.
ns_check_fast_setup() {
  gst-inspect-1.0 fastneuralstyle >/dev/null 2>&1 ||
    ns_die "GStreamer has no fastneuralstyle element: install the plugin or set GST_PLUGIN_PATH to the folder holding libgstneuralstyle.so (GST_PLUGIN_PATH=${GST_PLUGIN_PATH:-unset})"
  [[ -z $NS_STYLE ]] || ns_die "--style does not apply with --model (the model's style is built in)"
  [[ -f $NS_MODEL ]] || ns_die "model '$NS_MODEL' does not exist"
  local property
  for property in "${NS_PROPERTIES[@]}"; do
    [[ $NS_FAST_PROPERTIES == *" ${property%%=*} "* ]] ||
      ns_die "the neuralstyle property '${property%%=*}' (an optimisation option) does not apply with --model"
  done
}

# ns_media_python ARGS...: runs Python with ARGS, a Python that has GStreamer's
# introspection (python3-gi): Debian's /usr/bin/python3 first, then the one on PATH.
ns_media_python() {
  local python
  for python in /usr/bin/python3 python3; do
    if "$python" -c 'import gi; gi.require_version("GstPbutils", "1.0")' 2>/dev/null; then
      "$python" "$@"
      return
    fi
  done
  ns_die "the video scripts need GStreamer's Python bindings: install python3-gi and gir1.2-gst-plugins-base-1.0 (scripts/setup.sh does)"
}

# ns_media_probe ARGS...: pipelines/media_probe.py (see there).
ns_media_probe() {
  ns_media_python "$NS_PIPELINES_DIR/media_probe.py" "$@"
}

# ns_require_elements ELEMENT...: fails before anything runs when GStreamer lacks one of
# the ELEMENTs, naming each with the Debian package that provides it.
ns_require_elements() {
  local element missing=() packages=()
  for element in "$@"; do
    gst-inspect-1.0 "$element" >/dev/null 2>&1 && continue
    local package
    package=$(ns_media_probe package "$element" 2>/dev/null || true)
    missing+=("$element${package:+ (Debian package: $package)}")
    [[ -n $package ]] && packages+=("${package%% *}")
  done
  ((${#missing[@]} == 0)) && return 0
  local install=""
  ((${#packages[@]})) && install="; install with: sudo apt-get install ${packages[*]}"
  ns_die "GStreamer has no ${missing[*]}$install"
}

# ns_probe_input FILE: what FILE holds, from GStreamer's discoverer (media_probe.py): sets
# NS_INPUT_VIDEO, NS_INPUT_AUDIO (0/1), NS_INPUT_FRAMERATE (N/D), NS_INPUT_SIZE (WxH),
# and NS_MISSING_VIDEO / NS_MISSING_AUDIO: one "description<TAB>packages" line per
# decoder GStreamer lacks for the file's video (or container) and audio.
ns_probe_input() {
  local report key value width="" height=""
  report=$(ns_media_probe probe "$1") || ns_die "'$1' is not an image or a video GStreamer can read (see above)"
  NS_INPUT_VIDEO=0 NS_INPUT_AUDIO=0 NS_INPUT_FRAMERATE=0/1 NS_MISSING_VIDEO="" NS_MISSING_AUDIO=""
  while IFS='=' read -r key value; do
    case $key in
      video) NS_INPUT_VIDEO=$value ;;
      audio) NS_INPUT_AUDIO=$value ;;
      framerate) NS_INPUT_FRAMERATE=$value ;;
      width) width=$value ;;
      height) height=$value ;;
      missing)
        case ${value%%$'\t'*} in
          audio) NS_MISSING_AUDIO+="${value#*$'\t'}"$'\n' ;;
          *) NS_MISSING_VIDEO+="${value#*$'\t'}"$'\n' ;;
        esac
        ;;
    esac
  done <<<"$report"
  NS_INPUT_SIZE="${width}x$height"
}

# ns_missing_decoders_text LINES: "DESCRIPTION, in Debian's P1 or P2" for each
# "description<TAB>packages" line, joined by "; ".
ns_missing_decoders_text() {
  local line packages text=""
  while IFS= read -r line; do
    [[ -n $line ]] || continue
    packages=${line#*$'\t'}
    text+="${text:+; }the ${line%%$'\t'*}, in Debian's ${packages// / or }"
  done <<<"$1"
  echo "$text"
}

# ns_element: the neuralstyle element (fastneuralstyle with --model) with the chosen
# properties, as gst-launch arguments, in the array NS_ELEMENT.
ns_element() {
  if [[ -n $NS_MODEL ]]; then
    NS_ELEMENT=(fastneuralstyle "model-location=$NS_MODEL" "${NS_PROPERTIES[@]}")
  else
    NS_ELEMENT=(neuralstyle "style-location=$NS_STYLE" "${NS_PROPERTIES[@]}")
  fi
}

# Turns gst-launch's -m output into one line per finished frame (and per progress
# report with --verbose).
ns_show_progress() {
  awk -v verbose="$NS_VERBOSE" '
    function field(name,   text) {
      if (!match($0, "[ ,]" name "=\\([a-z0-9]+\\)[^,;]+")) return ""
      text = substr($0, RSTART + 1, RLENGTH - 1)
      sub(/^[^)]*\)/, "", text)
      return text
    }
    /neuralstyle-progress/ && verbose {
      printf "frame %s, step %s/%s: loss %.6g (content %.6g, style %.6g), %.1f s\n",
        field("frame"), field("step"), field("steps"), field("total-loss"),
        field("content-loss"), field("style-loss"), field("elapsed")
      fflush()
    }
    /neuralstyle-frame-done/ {
      printf "frame %s done: %s steps, loss %.6g, %.1f s\n",
        field("frame"), field("steps"), field("total-loss"), field("elapsed")
      fflush()
    }
    /fastneuralstyle-frame/ {
      printf "frame %s done: %.1f ms\n", field("frame"), 1000 * field("inference-time")
      fflush()
    }
    /neuralstyle-scene-cut/ {
      printf "frame %s: scene cut\n", field("frame")
      fflush()
    }
    /neuralstyle-frame-warped/ && verbose {
      printf "frame %s warped from frame %s, %.3f s\n",
        field("frame"), field("from-frame"), field("flow-seconds")
      fflush()
    }'
}

# ns_launch PIPELINE...: runs gst-launch-1.0 on the pipeline (given as arguments); its
# errors go to stderr unchanged. Fails with gst-launch's status. With NS_STOP_NS set (in
# the environment of the call), the pipeline runs through gst_run.py instead: up to that
# stream time, every stream ending there; the pipeline's decodebin must be named `in`.
ns_launch() {
  local launch=(gst-launch-1.0 -e)
  if [[ -n ${NS_STOP_NS:-} ]]; then
    launch=(ns_media_python "$NS_PIPELINES_DIR/gst_run.py" "$NS_STOP_NS" in)
  elif ! ((NS_QUIET)); then
    launch+=(-m)
  fi
  if ((NS_QUIET)); then
    "${launch[@]}" "$@" >/dev/null || ns_die "the pipeline failed (see the error above)"
  else
    "${launch[@]}" "$@" | ns_show_progress || ns_die "the pipeline failed (see the error above)"
  fi
}

# ns_still_encoder FILE: the gst-launch encoder for a still image named FILE.
ns_still_encoder() {
  case ${1,,} in
    *.png) echo "pngenc" ;;
    *.jpg | *.jpeg) echo "jpegenc quality=95" ;;
    *) ns_die "cannot write '$1': use a .png, .jpg or .jpeg name" ;;
  esac
}
