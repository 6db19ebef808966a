#!/usr/bin/env python3
"""Parses every .eml file in a directory with Python's standard `email`
package (policy=default) and fails if any message, part or header has a
defect, or lacks a valid Message-ID, From, To, Subject or Date.

Usage: check_mail.py DIR   (prints one line per problem; exit 1 if any)
"""
import email
import email.policy
import pathlib
import sys


def problems(path):
    msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    for name in ("Message-ID", "From", "To", "Subject", "Date"):
        if msg[name] is None:
            yield f"no {name} header"
    for name, value in msg.items():
        for d in getattr(value, "defects", ()):
            yield f"header {name}: {type(d).__name__}: {d}"
    mid = msg["Message-ID"]
    if mid is not None and not (str(mid).startswith("<") and "@" in str(mid)):
        yield f"Message-ID {mid!r} is not <local@domain>"
    for part in msg.walk():
        for d in part.defects:
            yield f"part {part.get_content_type()}: {type(d).__name__}: {d}"
        if not part.is_multipart():
            part.get_content()  # decodes the body; raises on a broken one
    if msg.get_body(preferencelist=("plain",)) is None:
        yield "no text/plain body"
    if msg.get_body(preferencelist=("html",)) is None:
        yield "no text/html body"


def main():
    root = pathlib.Path(sys.argv[1])
    files = sorted(root.glob("*.eml"))
    if not files:
        print(f"check_mail: no .eml files in {root}")
        return 1
    bad = 0
    for f in files:
        for p in problems(f):
            bad += 1
            print(f"{f.name}: {p}")
    print(f"check_mail: {len(files)} messages, {bad} problems")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
