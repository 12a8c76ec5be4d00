"""Benchmark: a button click starts a fresh Python process. Time from process start to the first
line of work (okaxl.shell.excel.run starting the action), and for the whole click, against a bare
`python -c pass` measured in the same run.

    python benchmarks/bench_latency.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT


def _time(command: list[str], env: dict[str, str]) -> tuple[float, float | None]:
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    total = time.perf_counter() - start
    found = re.search(r"\[trace\] first work after ([\d.]+) s", result.stderr)
    return total, float(found.group(1)) if found else None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        for part in ("macros", "workbooks", "templates"):
            shutil.copytree(ROOT / part, base / part)
        text = (
            (ROOT / "config.toml").read_text(encoding="utf-8").replace("~/.okaxl/form_key", "secret/form_key")
        )
        (base / "config.toml").write_text(text, encoding="utf-8")
        launcher = base / "macros" / "okaxl.xlsm"
        env = {**os.environ, "OKAXL_EXCEL_BOOK": str(launcher), "OKAXL_TRACE": "1"}
        click = [
            sys.executable,
            "-B",
            "-c",
            "import okaxl.excel as e; e.run('{}')",
            f"--wb={launcher.name}",
            "--from_xl=1",
        ]
        rows = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "import okaxl.excel": [sys.executable, "-B", "-c", "import okaxl.excel"],
        }
        for action in ("validate", "matrix"):
            rows[f"click: {action}"] = [*click[:3], click[3].format(action), *click[4:]]
        results = {}
        for label, command in rows.items():
            runs = [_time(command, env) for _ in range(args.repeat)]
            totals = [t for t, _ in runs]
            firsts = [f for _, f in runs if f is not None]
            results[label] = (statistics.median(totals), statistics.median(firsts) if firsts else None)
        baseline = results["python -c pass"][0]
        print(f"{'what':<22}{'total (s)':>11}{'ratio':>8}{'first work (s)':>16}")
        for label, (total, first) in results.items():
            shown = f"{first:.3f}" if first is not None else "-"
            print(f"{label:<22}{total:>11.3f}{total / baseline:>8.1f}{shown:>16}")


if __name__ == "__main__":
    main()
