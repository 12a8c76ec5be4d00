"""Benchmark: `okaxl merge` of 12 returns into the real master, and of many returns into a master
100 times larger, as ratios to a bare openpyxl load + save of the same master in the same run.

    python benchmarks/bench_merge.py [--factor 100] [--returns 500]

The large batch holds one return per town and fiscal year of the second period (12 × 5 = 60)
plus re-saved copies of them up to --returns (a re-save has the same content: status unchanged).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import openpyxl
from common import MASTER, ROOT, scaled_master, timed

sys.path.insert(0, str(ROOT))
from okaxl.commit import sha256_of
from okaxl.config import load_config
from okaxl.forms import write_forms
from okaxl.master import read_master
from okaxl.merge import merge
from okaxl.returns import check_return
from tests.forms_helpers import context, fill


def project(folder: Path, master: Path) -> Path:
    (folder / "workbooks").mkdir(parents=True)
    shutil.copy2(master, folder / "workbooks" / "master.xlsx")
    text = (ROOT / "config.toml").read_text(encoding="utf-8").replace("~/.okaxl/form_key", "secret/form_key")
    (folder / "config.toml").write_text(text, encoding="utf-8")
    return folder / "config.toml"


def returns_for(config_path: Path, years: list[int], total: int) -> list[Path]:
    config = load_config(config_path)
    tables = read_master(config.master)
    files = []
    for year in years:
        forms = write_forms(tables, config, year, [], config.output / str(year), sha256_of(config.master))
        for form in forms:
            files.append(fill(form, config.inbox / f"{year}" / form.name, kpi=100))
    copies = 0
    while len(files) < total:
        source = files[copies % len(files)]
        book = openpyxl.load_workbook(source)
        book.properties.creator = f"copy {copies}"
        target = source.with_name(f"{source.stem}_{copies}.xlsx")
        book.save(target)
        files.append(target)
        copies += 1
    return files[:total]


def measure(label: str, master: Path, years: list[int], total: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        config_path = project(Path(folder), master)
        config = load_config(config_path)
        baseline = timed(
            lambda: openpyxl.load_workbook(config.master).save(Path(folder) / "copy.xlsx"), repeat=1
        )
        files = returns_for(config_path, years, total)
        by_year: dict[int, list[Path]] = {}
        for f in files:
            by_year.setdefault(int(f.parent.name), []).append(f)
        start = time.perf_counter()
        merged = unchanged = 0
        for year, batch in sorted(by_year.items()):
            ctx = context(config, year)
            results = [check_return(f, ctx) for f in batch]
            outcome = merge(results, config, dry_run=False, replace=False)
            merged += sum(s == "merged" for s in outcome.statuses.values())
            unchanged += sum(s == "unchanged" for s in outcome.statuses.values())
        elapsed = time.perf_counter() - start
        print(
            f"{label:<10}{master.stat().st_size / 1024:>9,.0f} KB{total:>8}{merged:>8}{unchanged:>10}"
            f"{baseline:>12.2f}{elapsed:>12.2f}{elapsed / baseline:>9.1f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--factor", type=int, default=100)
    parser.add_argument("--returns", type=int, default=500)
    args = parser.parse_args()
    print(
        f"{'master':<10}{'size':>12}{'returns':>8}{'merged':>8}{'unchanged':>10}{'load+save':>12}{'merge (s)':>12}{'ratio':>9}"
    )
    measure("real", MASTER, [2025], 12)
    with tempfile.TemporaryDirectory() as folder:
        big = scaled_master(args.factor, Path(folder) / "master_x.xlsx")
        measure(f"x{args.factor}", big, [2022, 2023, 2024, 2025, 2026], args.returns)


if __name__ == "__main__":
    main()
