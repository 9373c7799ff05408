"""Pre-commit hook: every given file parses as JSON (reads only; writes nothing)."""

from __future__ import annotations

import json
import sys


def main(paths: list[str]) -> int:
    failed = 0
    for path in paths:
        try:
            with open(path, encoding="utf-8") as handle:
                json.load(handle)
        except (OSError, ValueError) as error:
            sys.stderr.write(f"{path}: {error}\n")
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
