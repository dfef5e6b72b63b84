"""Run the benchmarks and print one JSON object per benchmark."""

from __future__ import annotations

import asyncio
import importlib
import json
import sys

BENCHMARKS = ("roundtrip", "roster_import", "ballots", "broadcast", "exports")


def main(argv: list[str]) -> int:
    names = argv or list(BENCHMARKS)
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        figures = asyncio.run(module.run())
        print(json.dumps({"benchmark": name, **figures}, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
