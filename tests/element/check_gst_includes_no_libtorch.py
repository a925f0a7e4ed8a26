#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""No translation unit of gst/ pulls in a LibTorch header: the element is glue over the
core's torch-free headers. Reads the compiler's dependency files of the element library
(every header each object was built from) and names each LibTorch header found, with the
first of our own headers on the way that is to blame."""
import argparse
import pathlib
import re
import sys

# LibTorch's installed trees: torch/, ATen/, c10/, caffe2/ (the include folders' names).
LIBTORCH = re.compile(r"/(torch|ATen|c10|caffe2)/")


def dependencies(depfile: pathlib.Path) -> list[str]:
    """The prerequisites of a Makefile-style dependency file, in order."""
    text = depfile.read_text().replace("\\\n", " ")
    _, _, prerequisites = text.partition(":")
    return prerequisites.split()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--objects", required=True, type=pathlib.Path,
                        help="the element library's object folder (CMakeFiles/<target>.dir)")
    parser.add_argument("--sources", required=True, type=pathlib.Path, help="gst/ in the source tree")
    args = parser.parse_args()

    sources = sorted(args.sources.glob("*.cpp"))
    depfiles = {path.name.removesuffix(".o.d"): path for path in args.objects.glob("*.o.d")}
    failures = []
    for source in sources:
        depfile = depfiles.get(source.name)
        if depfile is None:
            failures.append(f"{source.name}: no dependency file in {args.objects} (build the element first)")
            continue
        deps = dependencies(depfile)
        ours = [d for d in deps if "/include/neuralstyle/" in d or "/gst/" in d]
        torch_headers = [d for d in deps if LIBTORCH.search(d)]
        if torch_headers:
            first = deps.index(torch_headers[0])
            via = [d for d in deps[:first] if d in ours]
            failures.append(f"{source.name}: {len(torch_headers)} LibTorch headers, first {torch_headers[0]}"
                            f" (after {via[-1] if via else 'the source itself'})")
        else:
            print(f"{source.name}: {len(deps)} headers, none of LibTorch")
    for failure in failures:
        print("FAIL " + failure, file=sys.stderr)
    return 1 if failures or not sources else 0


if __name__ == "__main__":
    sys.exit(main())
