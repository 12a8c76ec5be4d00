"""Benchmark: how each command's cost grows with the master. Builds masters 1×, 10× and 100× the
real one (benchmarks/common.scaled_master: every project and its rows copied under new IDs), their
12 towns' forms and filled returns, once; then times each command as a whole process, median of
--repeat runs, beside a bare python-calamine read and a bare openpyxl load of the same master.

    python benchmarks/bench_scale.py [--factors 1,10,100] [--repeat 3] [--python OTHER_PYTHON]
                                     [--returns 500]

--python runs the commands with another installation of okaxl (an older checkout, for
before/after figures); masters, forms and returns are made once, by this one. --returns N also
merges N returns into the largest master (the 12 filled returns, each sent again and again, as
waves of resends come in) and prints the time of that one run.
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
from okaxl.config import Config
from okaxl.master.reader import read_master
from okaxl.publish.matrix import partner_towns
from tests.conftest import make_project
from tests.forms_helpers import fill, kpi_answer

V2024 = ROOT / "workbooks" / "versions" / "master_令和6年3月版.xlsx"
CALAMINE = (
    "from python_calamine import CalamineWorkbook as W; b = W.from_path({path!r}); "
    "[b.get_sheet_by_name(n).to_python() for n in b.sheet_names]"
)
OPENPYXL = "import openpyxl; openpyxl.load_workbook({path!r})"


def run(command: list[str], cwd: Path, prepare: Callable[[], None] | None = None) -> float:
    """Wall time of `command` as a whole process, in `cwd` (outside the checkout, so that
    `python -m okaxl` imports the installed okaxl); `prepare()` runs untimed before it."""
    if prepare:
        prepare()
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=cwd)
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 1):
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or [""]
        raise SystemExit(f"exit {done.returncode} from {' '.join(command[2:5])}: {tail[0][:200]}")
    return seconds


def median(command: list[str], cwd: Path, repeat: int, prepare: Callable[[], None] | None = None) -> float:
    return statistics.median(run(command, cwd, prepare) for _ in range(repeat))


class Scale:
    """One master size: its project folder, forms and returns, made once."""

    def __init__(self, factor: int, folder: Path) -> None:
        self.factor = factor
        master, old = MASTER, V2024
        if factor > 1:
            master = scaled_master(factor, folder / f"x{factor}.xlsx")
            old = scaled_master(factor, folder / f"x{factor}_2024.xlsx", source=V2024)
        self.old = old
        self.config: Config = make_project(folder / f"p{factor}", master, templates=True)
        self.pristine = self.config.master.read_bytes()
        self.towns = partner_towns(read_master(self.config.master))

    def okaxl(self, python: str, *args: object) -> list[str]:
        return [python, "-m", "okaxl", *map(str, args), "--config", str(self.config.path)]

    def reset(self) -> None:
        """The master as built, no ledger, backups or archive: each merge starts from the same state."""
        workbooks = self.config.master.parent
        self.config.master.write_bytes(self.pristine)
        for log in ("master.ledger.jsonl", "master.collection.jsonl"):
            (workbooks / log).unlink(missing_ok=True)
        shutil.rmtree(workbooks / "backups", ignore_errors=True)
        shutil.rmtree(self.config.archive, ignore_errors=True)

    def fill_returns(self) -> list[Path]:
        forms = sorted((self.config.output / "R7_回答様式").glob("*.xlsx"))
        assert len(forms) == len(self.towns), forms
        return [
            fill(form, self.config.inbox / form.name, results="説明会を開いた。", kpi=kpi_answer(form, 100))
            for form in forms
        ]


def measure(scale: Scale, python: str, repeat: int) -> dict[str, float]:
    cwd, path = scale.config.path.parent, str(scale.config.master)
    seconds = {
        "calamine": median([sys.executable, "-c", CALAMINE.format(path=path)], cwd, repeat),
        "openpyxl": median([sys.executable, "-c", OPENPYXL.format(path=path)], cwd, repeat),
        "validate": median(scale.okaxl(python, "validate"), cwd, repeat),
    }

    def no_forms() -> None:
        shutil.rmtree(scale.config.output / "R7_回答様式", ignore_errors=True)

    seconds["forms"] = median(scale.okaxl(python, "forms", "--year", "R7"), cwd, repeat, no_forms)
    scale.fill_returns()
    seconds["check"] = median(scale.okaxl(python, "check"), cwd, repeat)
    seconds["merge"] = median(scale.okaxl(python, "merge"), cwd, repeat, scale.reset)
    scale.reset()
    seconds["progress"] = median(scale.okaxl(python, "progress", "--year", "R7"), cwd, repeat)
    revision = ["revision", scale.old, scale.config.master, "--output", cwd / "revision.xlsx"]
    seconds["revision"] = median(scale.okaxl(python, *revision), cwd, repeat)
    return seconds


LABELS = {
    "calamine": "python-calamine read (floor)",
    "openpyxl": "bare openpyxl load",
    "validate": "validate",
    "forms": "forms, 12 towns",
    "check": "check, 12 returns",
    "merge": "merge, 12 returns",
    "progress": "progress, FY2025",
    "revision": "revision 2024-03 → master",
}


def table(figures: dict[int, dict[str, float]]) -> None:
    factors = sorted(figures)
    head = "".join(f"{f'{f}×':>18}" for f in factors)
    growth = len(factors) >= 2
    print(f"\n{'command':<30}{head}{'growth ' + f'{factors[-1]}×/{factors[-2]}×' if growth else '':>18}")
    for key, label in LABELS.items():
        cells = ""
        for f in factors:
            s = figures[f][key]
            ratio = f" ({s / figures[f]['openpyxl']:.1f}×)" if key not in ("calamine", "openpyxl") else ""
            cells += f"{f'{s:.2f} s{ratio}':>18}"
        if growth:
            cells += f"{figures[factors[-1]][key] / figures[factors[-2]][key]:>18.1f}"
        print(f"{label:<30}{cells}")
    print("(in brackets: the command's time ÷ a bare openpyxl load of the same master, same run)")


def many_returns(scale: Scale, python: str, count: int) -> None:
    """`count` returns in one merge: the 12 filled ones, each resent until there are `count`."""
    filled = sorted(scale.config.inbox.glob("*.xlsx"))
    for k in range(count - len(filled)):
        source = filled[k % len(filled)]
        shutil.copy2(source, source.with_name(f"{source.stem}_再送{k + 1}.xlsx"))
    took = run(scale.okaxl(python, "merge"), scale.config.path.parent, scale.reset)
    print(f"\nmerge of {count} returns into the {scale.factor}× master: {took:.1f} s (one run)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--factors", default="1,10,100")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--python", default=sys.executable, help="the Python whose okaxl runs the commands")
    parser.add_argument("--returns", type=int, default=0, help="also merge this many returns into the largest")
    args = parser.parse_args()
    figures: dict[int, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as name:
        scale = None
        for factor in map(int, args.factors.split(",")):
            start = time.perf_counter()
            scale = Scale(factor, Path(name))
            print(f"{factor}×: built in {time.perf_counter() - start:.0f} s", flush=True)
            figures[factor] = measure(scale, args.python, args.repeat)
            print(f"{factor}×: " + ", ".join(f"{k} {v:.2f} s" for k, v in figures[factor].items()), flush=True)
        table(figures)
        if args.returns and scale:
            many_returns(scale, args.python, args.returns)


if __name__ == "__main__":
    main()
