#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Checks the property tables of docs/element.md and docs/feed-forward.md against the
core's option tables, as `neuralstyle --list-options` prints them: every option has a
row, and the row's default is the core's. The docs explain more than the one-line docs
of the tables, so they are written by hand; this keeps them from drifting.

  check_option_tables.py --cli build/tools/neuralstyle --source DIR
"""
import argparse
import re
import subprocess
import sys
from pathlib import Path

# One entry of --list-options: "name [PLACEHOLDER]\n  doc...\n ... Default: X. Set|May ..."
ENTRY = re.compile(r"^([a-z0-9-]+)(?: \S+)?\n(?:  .*\n)*?.*Default: (.*?)\. (?:Set before|May change)", re.M)
ROW = re.compile(r"^\| `([a-z0-9-]+)` \| ([^|]*) \|", re.M)
# How the docs write "no value": the core's unset text.
UNSET = ("unset", "—", "empty")


def listed_tables(cli):
    text = subprocess.run([cli, "--list-options"], check=True, capture_output=True, text=True).stdout
    optimisation, _, feed_forward = text.partition("The feed-forward networks' options")
    if not feed_forward:
        sys.exit("--list-options printed no feed-forward section")
    return dict(ENTRY.findall(optimisation)), dict(ENTRY.findall(feed_forward))


def problems(page, options):
    rows = {name: cell.strip() for name, cell in ROW.findall(page.read_text())}
    found = []
    for name, default in options.items():
        if name not in rows:
            found.append(f"{page.name}: no row for `{name}`")
            continue
        cell = rows[name].replace("`", "")
        if default == "unset":
            ok = cell.startswith(UNSET)
        else:
            ok = cell == default or cell.startswith(default + " ")
        if not ok:
            found.append(f"{page.name}: `{name}` says default {rows[name]!r}, the core's is {default!r}")
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cli", required=True)
    parser.add_argument("--source", required=True, type=Path)
    args = parser.parse_args()
    optimisation, feed_forward = listed_tables(args.cli)
    if len(optimisation) < 20 or len(feed_forward) < 5:
        sys.exit(f"parsed only {len(optimisation)} and {len(feed_forward)} options from --list-options")
    found = problems(args.source / "docs/element.md", optimisation)
    found += problems(args.source / "docs/feed-forward.md", feed_forward)
    for problem in found:
        print(problem)
    print(f"{len(optimisation)} + {len(feed_forward)} options checked, {len(found)} problem(s)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
