"""Helpers for the benchmark scripts: timing, and a master scaled up from the real one."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from okaxl.master.build import write_master
from okaxl.master.reader import read_master
from okaxl.master.tables import Tables

ROOT = Path(__file__).resolve().parents[1]
MASTER = ROOT / "workbooks" / "master.xlsx"
ID_COLUMNS = ("事業ID", "KPI_ID", "抜粋元")
NAMED = ("事業", "参加", "掲載")
SCALED = ("事業", "参加", "掲載", "工程", "役割", "KPI", "KPI実績", "実績")


def timed(func: Callable[[], object], repeat: int = 3) -> float:
    """Median wall time of `repeat` runs, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def scaled_master(factor: int, path: Path, source: Path = MASTER) -> Path:
    """The master `source` with every project (and its rows) copied `factor` times under new IDs."""
    tables = read_master(source)
    frames = dict(tables.frames)
    for sheet in SCALED:
        copies = []
        for k in range(factor):
            df = tables[sheet].copy()
            if k:
                for column in ID_COLUMNS:
                    if column in df:
                        df[column] = df[column].map(lambda v, k=k: f"{v}-c{k}" if v is not None else None)
                if sheet in NAMED:
                    df["事務事業名"] = df["事務事業名"].map(lambda v, k=k: f"{v}（複製{k}）")
            copies.append(df)
        frames[sheet] = pd.concat(copies, ignore_index=True)
        frames[sheet].index = pd.RangeIndex(2, 2 + len(frames[sheet]))
    write_master(Tables(frames=frames), path)
    return path
