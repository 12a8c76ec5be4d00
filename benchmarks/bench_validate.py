"""Benchmark: `okaxl validate` on the real master and on one 100 times larger, as ratios to a bare
openpyxl.load_workbook of the same file measured in the same run.

    python benchmarks/bench_validate.py [--factor 100]
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
from pathlib import Path

import openpyxl
from common import MASTER, scaled_master, timed

from okaxl.validate.run import validate


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--factor", type=int, default=100)
    args = parser.parse_args()
    today = dt.date(2026, 11, 26)
    with tempfile.TemporaryDirectory() as folder:
        big = scaled_master(args.factor, Path(folder) / "master_x.xlsx")
        print(f"{'master':<24}{'size':>10}{'load (s)':>10}{'validate (s)':>14}{'ratio':>8}{'errors':>8}")
        for label, path in (("real", MASTER), (f"x{args.factor}", big)):
            load = timed(lambda p=path: openpyxl.load_workbook(p))
            report = validate(path, today=today)
            run = timed(lambda p=path: validate(p, today=today))
            size = f"{path.stat().st_size / 1024:,.0f} KB"
            print(f"{label:<24}{size:>10}{load:>10.2f}{run:>14.2f}{run / load:>8.2f}{report.errors:>8}")


if __name__ == "__main__":
    main()
