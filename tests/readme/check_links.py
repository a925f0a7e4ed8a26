#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Checks the links of the README and docs/: every relative link names a file of the
checkout, and every #anchor a heading of the page it points to (GitHub's anchors:
lower case, punctuation dropped, spaces as hyphens). The README must stay a front door
of at most --max-readme-lines lines.

  check_links.py --source DIR [--max-readme-lines 250]
"""
import argparse
import re
import sys
from pathlib import Path

LINK = re.compile(r"\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.M | re.S)
HEADING = re.compile(r"^#{1,6} (.+)$", re.M)


def anchor(heading):
    text = heading.strip().lower().replace("`", "")
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(page):
    return {anchor(h) for h in HEADING.findall(FENCE.sub("", page.read_text()))}


def problems(page, source):
    found = []
    for url in LINK.findall(FENCE.sub("", page.read_text())):
        if re.match(r"^[a-z]+:", url):
            continue  # http(s), mailto: not checked here (no network)
        path, _, fragment = url.partition("#")
        target = (page.parent / path).resolve() if path else page
        if not target.exists():
            found.append(f"{page.relative_to(source)}: '{url}': no such file")
        elif fragment and target.suffix == ".md" and fragment not in anchors(target):
            found.append(f"{page.relative_to(source)}: '{url}': no heading '#{fragment}' in {target.name}")
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", type=Path, required=True)
    parser.add_argument("--max-readme-lines", type=int, default=250)
    args = parser.parse_args()
    source = args.source.resolve()
    pages = [source / "README.md"] + sorted((source / "docs").glob("*.md"))
    found = [problem for page in pages for problem in problems(page, source)]
    readme_lines = len((source / "README.md").read_text().splitlines())
    if readme_lines > args.max_readme_lines:
        found.append(f"README.md has {readme_lines} lines; a front door has at most {args.max_readme_lines}: "
                     "move the reference to docs/")
    for problem in found:
        print("FAIL:", problem)
    print(f"{len(pages)} pages checked; README.md {readme_lines} lines")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
