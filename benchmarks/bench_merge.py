"""Benchmark: whole `okaxl merge` commands of 12 returns, each paired with a bare openpyxl
load + save of the same master as a whole process, measured in the same run.

    python benchmarks/bench_merge.py [--repeat 5] [--python OTHER_PYTHON] [--scaled 10]
                                     [--masters real,staff,blank] [--blank 3000]

Masters: the shipped one; the one staff have (re-saved by LibreOffice, then given printer
settings, a picture, Tables, x14 drop-down and data bar, comments, rich text, a formula column and
2,000 blank formatted rows: tests/excel_parts.py); the shipped one with --blank blank formatted
rows under 実績 and KPI実績. --python runs the merge with another installation of okaxl (an older
checkout, for before/after figures); the returns are made once, by this one.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import MASTER, ROOT, scaled_master

sys.path.insert(0, str(ROOT))
from okaxl.master.reader import read_master
from okaxl.publish.matrix import partner_towns
from okaxl.publish.office import convert
from tests.conftest import make_project
from tests.excel_parts import Editor, blank_formatted_rows, staff_master
from tests.forms_helpers import fill, kpi_answer, make_forms


def seconds(command: list[str], repeat: int, cwd: Path, prepare: object = None) -> float | None:
    """Median wall time of `command` as a whole process; `prepare()` runs untimed before each.
    It runs in `cwd`, outside the checkout, so that `python -m okaxl` imports the installed okaxl."""
    times = []
    for _ in range(repeat):
        if callable(prepare):
            prepare()
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, cwd=cwd)
        times.append(time.perf_counter() - start)
        if done.returncode not in (0, 1):
            print(f"  exit {done.returncode}: {done.stderr.strip().splitlines()[-1][:150]}", flush=True)
            return None
    return statistics.median(times)


def with_blank_rows(folder: Path, rows: int) -> Path:
    path = folder / f"blank{rows}.xlsx"
    shutil.copy2(MASTER, path)
    book = Editor(path)
    for sheet in ("実績", "KPI実績"):
        blank_formatted_rows(book, sheet, rows, 8)
    book.save()
    return path


def measure(
    label: str, master: Path, folder: Path, python: str, repeat: int
) -> tuple[float | None, float | None]:
    config = make_project(folder / label, master)
    towns = tuple(partner_towns(read_master(config.master)))
    forms = make_forms(config, towns=towns)
    for town, form in forms.items():
        kpi = kpi_answer(form, 100)  # a KPI answered in words takes a word (100 was sent back)
        fill(form, config.inbox / form.name, results=f"{town}で説明会を開いた。", kpi=kpi)
    pristine = config.master.read_bytes()
    workbooks = config.master.parent

    def reset() -> None:
        config.master.write_bytes(pristine)
        for name in ("master.ledger.jsonl", "master.collection.jsonl"):
            (workbooks / name).unlink(missing_ok=True)
        shutil.rmtree(workbooks / "backups", ignore_errors=True)
        shutil.rmtree(config.archive, ignore_errors=True)

    save = f"import openpyxl; openpyxl.load_workbook({str(master)!r}).save({str(folder / 'copy.xlsx')!r})"
    baseline = seconds([sys.executable, "-c", save], repeat, folder)
    if label == "real":  # okaxl check of the same 12 returns, the same way
        check = seconds([python, "-m", "okaxl", "check", "--config", str(config.path)], repeat, folder, reset)
        if check is not None:
            print(
                f"{'  okaxl check, 12 returns':<39}{baseline:>12.2f}{check:>10.2f}{check / baseline:>8.1f}×",
                flush=True,
            )
    merge = seconds([python, "-m", "okaxl", "merge", "--config", str(config.path)], repeat, folder, reset)
    assert baseline is not None
    figures = f"{merge:>10.2f}{merge / baseline:>8.1f}×" if merge is not None else f"{'refused':>10}"
    print(f"{label:<28}{master.stat().st_size / 1024:>8,.0f} KB{baseline:>12.2f}{figures}", flush=True)
    return baseline, merge


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--python", default=sys.executable, help="the Python whose okaxl runs the merge")
    parser.add_argument("--scaled", type=int, default=0, help="also a master this many times larger")
    parser.add_argument("--masters", default="real,staff,blank", help="which masters (real,staff,blank)")
    parser.add_argument("--blank", type=int, default=3000, help="blank formatted rows of the blank master")
    args = parser.parse_args()
    wanted = set(args.masters.split(","))
    print(f"{'master (12 returns)':<28}{'size':>11}{'load+save':>12}{'merge':>10}{'ratio':>9}")
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        plain = blank = None
        if "real" in wanted:
            _, plain = measure("real", MASTER, folder, args.python, args.repeat)
        if "staff" in wanted:
            staff = folder / "staff.xlsx"
            staff_master(convert(MASTER, "xlsx", folder / "resaved"), staff)
            measure("staff (LibreOffice + Excel)", staff, folder, args.python, args.repeat)
        if "blank" in wanted:
            label = f"real + {args.blank:,} blank rows"
            _, blank = measure(label, with_blank_rows(folder, args.blank), folder, args.python, args.repeat)
        if blank and plain:
            print(f"{args.blank:,} blank formatted rows cost {blank / plain:.2f}× the merge without them")
        if args.scaled:
            big = scaled_master(args.scaled, folder / f"x{args.scaled}.xlsx")
            measure(f"x{args.scaled}", big, folder, args.python, args.repeat)


if __name__ == "__main__":
    main()
