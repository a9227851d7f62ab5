#!/usr/bin/env python3
"""Checks that docs/api/openapi.yaml loads as YAML without the flow-mapping trap: an unquoted
comma inside `{description: a, b}` silently makes "b" a key with a null value. Prints each such
place and exits 1. (A full OpenAPI validation with schemathesis comes with issue 12.)"""
import os
import sys

import yaml

PATH = "docs/api/openapi.yaml"


def walk(node, path, bad):
    if isinstance(node, dict):
        for key, value in node.items():
            if not isinstance(key, str):
                bad.append(f"{path}: key {key!r} is not a string")
            elif value is None:
                bad.append(f"{path}/{key}: null value (an unquoted comma in a flow mapping?)")
            walk(value, f"{path}/{key}", bad)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            walk(value, f"{path}[{i}]", bad)


def main():
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    with open(PATH, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    bad = []
    walk(doc, "", bad)
    for line in bad:
        print(f"{PATH}{line}")
    if bad:
        return 1
    print(f"openapi: {PATH} has no null values or odd keys")
    return 0


if __name__ == "__main__":
    sys.exit(main())
