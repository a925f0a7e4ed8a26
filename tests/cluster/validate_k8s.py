#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Dry validation of cluster/k8s/*.yaml without a cluster (Debian has no kubeconform and
its kubectl 1.20 predates Indexed Jobs): each file parses as one YAML document, is a
batch/v1 Job with the fields Kubernetes requires, every volume mount names a declared
volume, and the Indexed Job's arguments are run_slice.sh's with a FRAMES_PER_TASK that
covers `completions` tasks. Not checked: the API server's full OpenAPI schema.
Usage: validate_k8s.py K8S_DIR"""
import pathlib
import sys

import yaml


def fail(path, message):
    sys.exit(f"{path}: {message}")


def check_job(path, job):
    if job.get("apiVersion") != "batch/v1" or job.get("kind") != "Job":
        fail(path, "not a batch/v1 Job")
    name = job.get("metadata", {}).get("name", "")
    if not name or len(name) > 63 or not all(c.islower() or c.isdigit() or c == "-" for c in name):
        fail(path, f"metadata.name {name!r} is not a DNS label")
    spec = job.get("spec") or fail(path, "no spec")
    pod = spec.get("template", {}).get("spec") or fail(path, "no spec.template.spec")
    if pod.get("restartPolicy") not in ("Never", "OnFailure"):
        fail(path, "a Job's restartPolicy must be Never or OnFailure")
    volumes = {v["name"] for v in pod.get("volumes", [])}
    containers = pod.get("containers") or fail(path, "no containers")
    for container in containers:
        if not container.get("name") or not container.get("image"):
            fail(path, "a container without name or image")
        for key in ("command", "args"):
            if not all(isinstance(a, str) for a in container.get(key, [])):
                fail(path, f"{key} must be strings (quote numbers)")
        for mount in container.get("volumeMounts", []):
            if mount["name"] not in volumes:
                fail(path, f"volumeMount {mount['name']!r} names no volume")
        for variable in container.get("env", []):
            if not isinstance(variable.get("value", ""), str):
                fail(path, f"env {variable['name']} must be a string")
    if spec.get("completionMode") == "Indexed":
        completions = spec.get("completions")
        if not isinstance(completions, int) or completions < 1:
            fail(path, "an Indexed Job needs completions >= 1")
        args = containers[0].get("args", [])
        if len(args) < 4 or not args[3].isdigit() or int(args[3]) < 1:
            fail(path, "args must be run_slice.sh's: CONTENT STYLE OUTPUT FRAMES_PER_TASK ...")
        if "%" not in args[0] or "%" not in args[2]:
            fail(path, "CONTENT and OUTPUT must be frame patterns")
    return spec.get("completionMode")


def main():
    folder = pathlib.Path(sys.argv[1])
    modes = []
    for path in sorted(folder.glob("*.yaml")):
        documents = list(yaml.safe_load_all(path.read_text()))
        if len(documents) != 1:
            fail(path, f"{len(documents)} documents, expected 1")
        modes.append(check_job(path, documents[0]))
        print(f"{path.name}: valid Job")
    if "Indexed" not in modes:
        sys.exit("no Indexed Job")
    print("k8s manifests: valid")


main()
