"""`python -m bench`: issue 16's figures into bench/results/latest.json, and a table.

python -m bench                 the issue's sizes (several minutes)
python -m bench --quick         50 people, fewer rounds: for development
python -m bench --out FILE      also write the figures to FILE
python -m bench roundtrip ...   the older single benchmarks, one JSON line each
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import os
import sys
from pathlib import Path

OLDER = ("roundtrip", "roster_import", "ballots", "broadcast", "exports")
RESULTS = Path(__file__).resolve().parent / "results"


def main(argv: list[str]) -> int:
    if argv and argv[0] in OLDER:
        for name in argv:
            module = importlib.import_module(f"bench.{name}")
            figures = asyncio.run(module.run())
            print(json.dumps({"benchmark": name, **figures}, ensure_ascii=False), flush=True)
        return 0
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--quick", action="store_true", help="small sizes, for development")
    parser.add_argument("--out", type=Path, help="also write the figures here")
    parser.add_argument("--compare", type=Path, help="print these earlier figures beside the new ones")
    args = parser.parse_args(argv)
    from bench import suite

    if args.quick:
        for name, value in suite.QUICK.items():
            os.environ.setdefault(name, value)
    results = asyncio.run(suite.run())
    RESULTS.mkdir(exist_ok=True)
    text = json.dumps(results, ensure_ascii=False, indent=2) + "\n"
    (RESULTS / "latest.json").write_text(text, encoding="utf-8")
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    before = json.loads(args.compare.read_text(encoding="utf-8")) if args.compare else None
    print(suite.table(results, before))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
