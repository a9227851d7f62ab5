#!/usr/bin/env python3
"""Compares two CIN census XML files as returns: the header without its DateTime, and the
children sorted by LAchildID, each child's elements in file order. Prints the first differences
and exits 1 when the returns differ; prints the children compared and exits 0 when they agree.

  compare-cin-census.py A.xml B.xml
"""
import sys
import xml.etree.ElementTree as ET


def canon(element):
    """Element as nested tuples: (tag, text, children...)."""
    return (element.tag, (element.text or "").strip(), tuple(canon(c) for c in element))


def load(path):
    root = ET.parse(path).getroot()
    header = root.find("Header")
    source = header.find("Source")
    stamp = source.find("DateTime")
    if stamp is not None:
        source.remove(stamp)
    children = {}
    for child in root.iter("Child"):
        child_id = child.findtext("ChildIdentifiers/LAchildID")
        if child_id in children:
            sys.exit(f"{path}: LAchildID {child_id} twice")
        children[child_id] = canon(child)
    return canon(header), children


def show(t, depth=0):
    tag, text, kids = t
    lines = ["  " * depth + f"<{tag}>{text}"]
    for k in kids:
        lines += show(k, depth + 1)
    return lines


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    (ha, a), (hb, b) = load(sys.argv[1]), load(sys.argv[2])
    problems = []
    if ha != hb:
        problems.append("headers differ:\n" + "\n".join(show(ha)) + "\n---\n" + "\n".join(show(hb)))
    for child in sorted(a.keys() - b.keys())[:5]:
        problems.append(f"child {child} only in {sys.argv[1]}")
    for child in sorted(b.keys() - a.keys())[:5]:
        problems.append(f"child {child} only in {sys.argv[2]}")
    differ = sorted(c for c in a.keys() & b.keys() if a[c] != b[c])
    for child in differ[:5]:
        problems.append(f"child {child} differs:\n" + "\n".join(show(a[child])) + "\n---\n" +
                        "\n".join(show(b[child])))
    if problems or a.keys() != b.keys():
        print("\n\n".join(problems))
        print(f"\n{len(a.keys() ^ b.keys())} children in one file only, {len(differ)} differ, "
              f"of {len(a.keys() | b.keys())}")
        sys.exit(1)
    print(f"the returns agree: {len(a)} children")


if __name__ == "__main__":
    main()
