#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Assembles content images for `neuralstyle train` from Debian packages: photographic
# wallpapers, scikit-image's sample photographs, and opencv-doc's stills and clips (the
# trainer reads the clips' frames itself). Installs the packages that are missing (as
# root, or through sudo), copies one file per distinct picture (the largest where a
# package ships one picture at several sizes), skips pictures with a side under 256
# pixels, and writes DIR/MANIFEST.tsv: each file's package, version and licences (from
# the package's copyright file) and where it came from.
#
#   scripts/fetch_training_images.sh DIR
#
# Debian holds a few hundred such pictures, not the tens of thousands of COCO: train with
# random crops (the trainer's) and judge the network on held-out images (docs/training.md).
set -euo pipefail

if [[ $# -ne 1 || $1 == -* ]]; then
  echo "usage: $0 DIR" >&2
  exit 2
fi
out=$1

packages=(
  mate-backgrounds ukui-wallpapers lomiri-wallpapers lomiri-wallpapers-16.04
  lomiri-wallpapers-20.04 plasma-workspace-wallpapers gnome-backgrounds python3-skimage
  opencv-doc
)
# Pictures of these packages that are not photographs (charts, text, masks, test patterns).
not_photographs='(starry_night|logo|text|palette|chessboard|checker|calib|mask|digits|alphabet|graf|board|left[0-9]|right[0-9]|pic[0-9]|box|notes|ml\.png|gradient|cards|ellipses|opencv|detect_blob|imageText|phantom|foo3x5x4|green_palette|microaneurysms|cell|ihc|bw_text|block|page|horse|coins|hubble|moon|brick|grass|gravel|rough|clock_motion|lily|tree|left_intrinsics|aloeGT|mask|HappyFish|LinuxLogo|WindowsLogo|data01|sudoku|stuff|text_)'

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
  sudo=()
  [[ $(id -u) -ne 0 ]] && sudo=(sudo)
  echo "fetch_training_images: installing ${missing[*]}" >&2
  "${sudo[@]}" apt-get install -y --no-install-recommends "${missing[@]}" >&2
fi

mkdir -p "$out"
listing=$(mktemp)
trap 'rm -f "$listing"' EXIT
for package in "${packages[@]}"; do
  # opencv-doc: its sample stills and clips, not the manual's figures
  [[ $package == opencv-doc ]] && within='^/usr/share/doc/opencv-doc/examples/data/[^/]*$' || within='.'
  dpkg -L "$package" | grep -E "$within" | grep -iE '\.(jpe?g|png|webp|avi|mp4)$' |
    grep -vE "/(icons?|thumbnails?|screenshot)s?/" |
    grep -viE "/${not_photographs}[^/]*$" | sed "s|^|$package\t|" >>"$listing" || true
done

/usr/bin/python3 - "$out" "$listing" <<'PYTHON'
import collections, os, re, shutil, subprocess, sys
import cv2

out, listing = sys.argv[1], sys.argv[2]
MIN_SIDE = 256

def licences(package):
    path = f"/usr/share/doc/{package}/copyright"
    try:
        text = open(path, encoding="utf-8", errors="replace").read()
    except OSError:
        return "unknown (no copyright file)"
    names = sorted({m.strip() for m in re.findall(r"^License:\s*(\S[^\n]*)$", text, re.M)})
    return ", ".join(names) if names else "see " + path

def version(package):
    return subprocess.run(["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True).stdout

def picture_key(path):
    # Plasma ships each wallpaper as NAME/contents/images/WxH.jpg: one picture, many sizes.
    m = re.match(r"(.*)/contents/images(_dark)?/[^/]+$", path)
    return m.group(1) + (m.group(2) or "") if m else path

groups = collections.defaultdict(list)
for line in open(listing):
    package, path = line.rstrip("\n").split("\t")
    if os.path.isfile(path):
        groups[(package, picture_key(path))].append(path)

rows, counts = [], collections.Counter()
for (package, key), paths in sorted(groups.items()):
    path = max(paths, key=os.path.getsize)
    if not path.lower().endswith((".avi", ".mp4")):
        image = cv2.imread(path, cv2.IMREAD_UNCHANGED)
        if image is None or min(image.shape[:2]) < MIN_SIDE:
            continue
    # The picture's own name (a Plasma wallpaper's folder), its extension the file's.
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", os.path.basename(key))
    if os.path.splitext(name)[1].lower() != os.path.splitext(path)[1].lower():
        name += os.path.splitext(path)[1]
    while os.path.exists(os.path.join(out, package, name)):
        name = "_" + name
    target = os.path.join(out, package, name)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    shutil.copyfile(path, target)
    rows.append((os.path.relpath(target, out), package, version(package), licences(package), path))
    counts[package] += 1

with open(os.path.join(out, "MANIFEST.tsv"), "w") as manifest:
    manifest.write("file\tpackage\tversion\tlicences\tsource\n")
    for row in rows:
        manifest.write("\t".join(row) + "\n")
for package, count in sorted(counts.items()):
    print(f"{package}: {count}", file=sys.stderr)
print(f"fetch_training_images: {len(rows)} pictures and clips in {out} (MANIFEST.tsv)", file=sys.stderr)
PYTHON
