"""Files the repository keeps that are generated from its code (the AsyncAPI document, the NATS users of
deploy/k8s): one command line for each, which writes the file, or with --check fails when it is stale."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path


def write_or_check(output: Path, render: Callable[[], str], command: str, argv: list[str] | None = None) -> int:
    """`command` is how to regenerate it, named in the message when --check finds the file stale."""
    parser = argparse.ArgumentParser(prog=command)
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed file is out of date")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        if not output.exists() or output.read_text() != text:
            print(f"{output} is stale: run {command}", file=sys.stderr)
            return 1
        return 0
    output.write_text(text)
    print(f"wrote {output}")
    return 0
