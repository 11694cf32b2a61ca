"""`python -m sources.generator` / `ascw-generate`: write a demo council's landing directory."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .landing import (DEFAULT_COUNCIL, DEFAULT_END_MONTH, DEFAULT_MONTHS, DEFAULT_SEED, GeneratorConfig,
                      generate)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="ascw-generate", description=__doc__)
    p.add_argument("--out", "-o", type=Path, required=True, help="landing directory to write")
    p.add_argument("--council", default=DEFAULT_COUNCIL, help="ONS code of the council (default: Bristol)")
    p.add_argument("--months", type=int, default=DEFAULT_MONTHS, help="number of monthly partitions (default 36)")
    p.add_argument("--end-month", default=DEFAULT_END_MONTH, help="last month, YYYY-MM (default 2024-03)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed (default 20240331; same seed, same bytes)")
    p.add_argument("--councils", type=int, default=1,
                   help="generate N councils into OUT/<ons_code>/ (scale tests); 1 writes into OUT")
    p.add_argument("--reference", type=Path, default=None,
                   help="folder of the published reference CSVs (default: the package's copy, sources/generator/data)")
    p.add_argument("--workers", type=int, default=0,
                   help="processes writing months in parallel (default: min(2, CPUs); output is identical)")
    p.add_argument("--bom", action="store_true", help="write a UTF-8 byte-order mark")
    p.add_argument("--quiet", "-q", action="store_true")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    cfg = GeneratorConfig(out=args.out, council=args.council, months=args.months, end_month=args.end_month,
                          seed=args.seed, councils=args.councils, reference=args.reference, bom=args.bom,
                          workers=args.workers)
    t0 = time.perf_counter()
    try:
        summaries = generate(cfg)
    except ValueError as exc:
        print(f"ascw-generate: {exc}", file=sys.stderr)
        return 2
    if not args.quiet:
        for s in summaries:
            rows = ", ".join(f"{k} {v:,}" for k, v in s.rows.items())
            print(f"{s.council}: {s.files} files, {s.months[0]}..{s.months[-1]} -> {s.landing} "
                  f"({s.seconds:.1f}s; rows: {rows})")
        print(f"done in {time.perf_counter() - t0:.1f}s")
    return 0
