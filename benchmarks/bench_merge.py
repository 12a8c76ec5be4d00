"""Benchmark: whole `okaxl merge` commands of 12 returns, each paired with a bare openpyxl
load + save of the same master as a whole process, measured in the same run.

    python benchmarks/bench_merge.py [--repeat 5] [--python PYTHON] [--before OLD_PYTHON] [--scaled 10]
                                     [--masters real,staff,blank] [--blank 3000]

Masters: the shipped one; the one staff have (re-saved by LibreOffice, then given printer
settings, a picture, Tables, x14 drop-down and data bar, comments, rich text, a formula column and
2,000 blank formatted rows: tests/excel_parts.py); the shipped one with --blank blank formatted
rows under 実績 and KPI実績. --python runs the merge with another installation of okaxl; --before
also runs an older checkout's, in turn with it (before/after figures in one run). The returns are
made once, by this one.

The commands take turns, so that a machine slowing down for a while slows them alike. Before
timing, that okaxl's modules are compiled to bytecode, as pip does when it installs a package: an
editable checkout run under PYTHONDONTWRITEBYTECODE would compile them again in every command.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from common import MASTER, ROOT, scaled_master

sys.path.insert(0, str(ROOT))
from okaxl.master.reader import read_master
from okaxl.publish.matrix import partner_towns
from okaxl.publish.office import convert
from tests.conftest import make_project
from tests.excel_parts import Editor, blank_formatted_rows, staff_master
from tests.forms_helpers import fill, kpi_answer, make_forms


def seconds(
    commands: dict[str, list[str]], repeat: int, cwd: Path, prepare: Callable[[], None]
) -> dict[str, float | None]:
    """Median wall time of each command as a whole process, the commands taking turns so that a
    machine that slows down for a while slows all of them; `prepare()` runs untimed before each.
    They run in `cwd`, outside the checkout, so that `python -m okaxl` imports the installed okaxl."""
    times: dict[str, list[float] | None] = {name: [] for name in commands}
    for _ in range(repeat):
        for name, command in commands.items():
            taken = times[name]
            if taken is None:
                continue
            prepare()
            start = time.perf_counter()
            done = subprocess.run(command, capture_output=True, text=True, cwd=cwd)
            taken.append(time.perf_counter() - start)
            if done.returncode not in (0, 1):
                print(
                    f"  {name}: exit {done.returncode}: {done.stderr.strip().splitlines()[-1][:150]}",
                    flush=True,
                )
                times[name] = None
    return {name: statistics.median(taken) if taken else None for name, taken in times.items()}


def with_blank_rows(folder: Path, rows: int) -> Path:
    path = folder / f"blank{rows}.xlsx"
    shutil.copy2(MASTER, path)
    book = Editor(path)
    for sheet in ("実績", "KPI実績"):
        blank_formatted_rows(book, sheet, rows, 8)
    book.save()
    return path


def measure(
    label: str, master: Path, folder: Path, pythons: dict[str, str], repeat: int
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
    commands = {"baseline": [sys.executable, "-c", save]}
    for which, python in pythons.items():
        if label == "real":  # okaxl check of the same 12 returns, the same way
            commands[f"check {which}"] = [python, "-m", "okaxl", "check", "--config", str(config.path)]
        commands[f"merge {which}"] = [python, "-m", "okaxl", "merge", "--config", str(config.path)]
    taken = seconds(commands, repeat, folder, reset)
    baseline = taken["baseline"]
    assert baseline is not None

    def figures(command: str) -> str:
        return "".join(
            f"{'refused':>10}{'':>9}" if t is None else f"{t:>10.2f}{t / baseline:>8.1f}×"
            for t in (taken[f"{command} {which}"] for which in pythons)
        )

    if label == "real":
        print(f"{'  okaxl check, 12 returns':<39}{baseline:>12.2f}{figures('check')}", flush=True)
    print(
        f"{label:<28}{master.stat().st_size / 1024:>8,.0f} KB{baseline:>12.2f}{figures('merge')}", flush=True
    )
    return baseline, taken[f"merge {next(iter(pythons))}"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--python", default=sys.executable, help="the Python whose okaxl runs the merge")
    parser.add_argument("--before", help="also, in turn with it, the merge of this Python's okaxl")
    parser.add_argument("--scaled", type=int, default=0, help="also a master this many times larger")
    parser.add_argument("--masters", default="real,staff,blank", help="which masters (real,staff,blank)")
    parser.add_argument("--blank", type=int, default=3000, help="blank formatted rows of the blank master")
    args = parser.parse_args()
    wanted = set(args.masters.split(","))
    pythons = {"now": args.python} | ({"before": args.before} if args.before else {})
    where = "import okaxl, pathlib; print(pathlib.Path(okaxl.__file__).parent)"
    for python in pythons.values():
        found = subprocess.run([python, "-c", where], capture_output=True, text=True, check=True)
        subprocess.run(
            [python, "-m", "compileall", "-q", found.stdout.strip()], check=True, stdout=subprocess.DEVNULL
        )
    heads = "".join(f"{'merge' if which == 'now' else which:>10}{'ratio':>9}" for which in pythons)
    print(f"{'master (12 returns)':<28}{'size':>11}{'load+save':>12}{heads}")
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        plain = blank = None
        if "real" in wanted:
            _, plain = measure("real", MASTER, folder, pythons, args.repeat)
        if "staff" in wanted:
            staff = folder / "staff.xlsx"
            staff_master(convert(MASTER, "xlsx", folder / "resaved"), staff)
            measure("staff (LibreOffice + Excel)", staff, folder, pythons, args.repeat)
        if "blank" in wanted:
            label = f"real + {args.blank:,} blank rows"
            _, blank = measure(label, with_blank_rows(folder, args.blank), folder, pythons, args.repeat)
        if blank and plain:
            print(f"{args.blank:,} blank formatted rows cost {blank / plain:.2f}× the merge without them")
        if args.scaled:
            big = scaled_master(args.scaled, folder / f"x{args.scaled}.xlsx")
            measure(f"x{args.scaled}", big, folder, pythons, args.repeat)


if __name__ == "__main__":
    main()
