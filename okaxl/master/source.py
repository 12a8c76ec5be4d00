"""The reconciled seed data (YAML/CSV under workbooks/source/) as master tables.

`okaxl master build` writes these tables as the initial master; from then on the workbook is
the source of truth. FORMAT.md beside the data describes every file.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from okaxl import wareki
from okaxl.errors import OkaxlError
from okaxl.master import layout
from okaxl.master.tables import Tables, frame
from okaxl.numbers import format_number

SOURCE_000 = "平成29年度 進捗管理シート（第1期）"
SOURCE_002 = "第2期ビジョン別冊 令和6年3月改訂版"
SOURCE_003 = "第2期ビジョン別冊 令和8年3月改訂版"
SOURCE_004 = "変更連携協約書（平成30年3月28日）"
PERIOD1_START = dt.date(2016, 4, 1)
PERIOD1_END = dt.date(2022, 3, 31)
PERIOD1_YEAR = 2017
MARK_OF = {"■": "●", "★": "★"}

Record = dict[str, Any]


def _yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise OkaxlError(f"元データ {path} を読めません（{exc}）。") from exc


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _date(text: str) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _kpi_value(value: Mapping[str, Any] | None) -> Any:
    if not value:
        return None
    return value["value"] if value.get("value") is not None else value.get("text")


def _printed(value: Mapping[str, Any] | None, unit: object) -> str | None:
    """The value as the city printed it (▲862人, 6.0冊, 11,493人), where formatting the number
    with the KPI's unit would print something else; else None."""
    if not value or value.get("value") is None or not value.get("text"):
        return None
    text = str(value["text"]).strip()
    qualifier = value.get("qualifier")
    if qualifier:  # printed apart, after the value
        text = re.sub(rf"[(（]{re.escape(str(qualifier))}[)）]$", "", text)
    return None if text == f"{format_number(value['value'])}{unit or ''}" else text


def _kpi_record(kpi_id: str, project_id: str, order: int, kpi: Mapping[str, Any], source: str) -> Record:
    base, target = kpi.get("baseline") or {}, kpi.get("target") or {}
    units = {str(v["unit"]) for v in (base, target, kpi.get("current") or {}) if v.get("unit")}
    return {
        "KPI_ID": kpi_id,
        "事業ID": project_id,
        "順": order,
        "指標": kpi["indicator"],
        "単位": (target.get("unit") or base.get("unit")),
        "基準値": _kpi_value(base),
        "基準値の補足": base.get("qualifier"),
        "基準値の表記": _printed(base, target.get("unit") or base.get("unit")),
        "基準年度": base.get("year"),
        "基準時点": base.get("when"),
        "目標値": _kpi_value(target),
        "目標値の補足": target.get("qualifier"),
        "目標値の表記": _printed(target, target.get("unit") or base.get("unit")),
        "目標年度": target.get("year"),
        "目標年度（終了）": target.get("year_to"),
        "目標時点": target.get("when"),
        "出典": source,
        "備考": ("単位の表記が基準値と目標値で異なる：" + "、".join(sorted(units)))
        if len(units) > 1
        else None,
    }


def _join(lines: Iterable[str]) -> str | None:
    text = "\n".join(line for line in lines if line)
    return text or None


class _Builder:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.rows: dict[str, list[Record]] = {s.name: [] for s in layout.SHEETS}

    def add(self, sheet: str, **record: Any) -> None:
        self.rows[sheet].append(record)

    def tables(self) -> Tables:
        return Tables(frames={name: frame(name, rows) for name, rows in self.rows.items()})


UNKNOWN_CONTENT = "資料なし（別冊の詳細シートが資料にない）"


def editions(root: Path) -> dict[str, dt.date]:
    """The annex revisions the data can be built as of: "2024-03" → the last day of that month."""
    found = {}
    for revision in _yaml(Path(root) / "reference.yaml")["revisions"]:
        date = revision["改訂日"]
        found[f"{date:%Y-%m}"] = wareki.month_end(date)
    return found


def build_tables(root: Path, edition: str | None = None) -> Tables:
    """All master tables from the reconciled seed data in `root` (workbooks/source).

    With `edition` ("2024-03"), the master as it stood at that annex revision: later projects,
    pages and participation are left out, and content the seeds do not give for that time is left
    empty and marked unknown, never copied back from a later document.
    """
    root = Path(root)
    if not (root / "reference.yaml").is_file():
        raise OkaxlError(f"元データのフォルダ {root} に reference.yaml がありません。")
    cutoff = None
    if edition:
        known = editions(root)
        if edition not in known:
            raise OkaxlError(f"版「{edition}」の元データはありません（{'、'.join(known)} のいずれか）。")
        cutoff = known[edition]
    b = _Builder(root)
    reference = _yaml(root / "reference.yaml")
    for p in reference["periods"]:
        b.add("期", **p)
    for order, town in enumerate(reference["towns"]):
        b.add("市町", 順=order, **town)
    for pillar in reference["pillars"]:
        b.add("分野", **pillar)
    pillar_no = {p["分野名"]: p["番号"] for p in reference["pillars"]}
    _period1(b, pillar_no)
    _period2(b, reference, cutoff)
    _annex(b, root / "annex_bizen.yaml")
    _interregional(b, root / "period2" / "interregional_2024.yaml")
    _reporting(b, _yaml(root / "kpi_reporting.yaml"))
    forms = _yaml(root / "forms.yaml")
    for field_ in forms["fields"]:
        b.add("入力項目", **field_)
    for choice in forms["choices"]:
        b.add("選択肢", **choice)
    b.add("情報", 項目="スキーマ版", 値=layout.SCHEMA_VERSION)
    b.add("情報", 項目="版", 値=f"{edition}（{cutoff:%Y年%m月%d日}時点）" if edition and cutoff else "現行")
    b.add("情報", 項目="作成", 値="okaxl master build（workbooks/source の照合済みデータから作成）")
    b.add(
        "情報",
        項目="基準資料",
        値="、".join((SOURCE_000, "取組状況一覧（令和7年4月1日現在）", SOURCE_002, SOURCE_003, SOURCE_004)),
    )
    return b.tables()


def _reporting(b: _Builder, reporting: Mapping[str, Any]) -> None:
    """Who reports each KPI and which KPIs are answered in words (kpi_reporting.yaml: the seeds
    say neither, so the defaults and their reasons are written down there)."""
    hub_only = {str(k["KPI_ID"]) for k in reporting["hub_only"]}
    for kpi in b.rows["KPI"]:
        kpi["報告する市町"] = layout.HUB if kpi["KPI_ID"] in hub_only else layout.EACH_TOWN
        target = kpi.get("目標値")
        if isinstance(target, str) and target.strip() not in ("", layout.NOT_SET):
            kpi["選択肢名"] = reporting["words"]


def _period1(b: _Builder, pillar_no: Mapping[str, str]) -> None:
    sheets: list[Record] = []
    for part in sorted((b.root / "period1").glob("*.yaml")):
        sheets.extend(_yaml(part))
    sheets.sort(key=lambda s: s["seq"])
    if [s["seq"] for s in sheets] != list(range(1, len(sheets) + 1)):
        raise OkaxlError("第1期の元データ（period1/*.yaml）の seq が 1 から連続していません。")
    measures: list[tuple[str, str]] = []
    partners = [t for t in b.rows["市町"] if t["区分"] == "連携市町"]
    for s in sheets:
        pillar = pillar_no[s["pillar"]]
        if (pillar, s["measure"]) not in measures:
            measures.append((pillar, s["measure"]))
            b.add("施策", 期="第1期", 分野=pillar, 施策名=s["measure"])
        pid = f"1-{s['seq']:02d}"
        b.add(
            "事業",
            事業ID=pid,
            期="第1期",
            分野=pillar,
            施策=s["measure"],
            事務事業名=s["name"],
            開始日=PERIOD1_START,
            終了日=PERIOD1_END,
            内容の出典=SOURCE_000,
            備考=f"進捗管理シート {s['page']}ページ",
        )
        for town, mark in zip(partners, s["marks"], strict=True):
            if mark in MARK_OF:
                b.add(
                    "参加",
                    事業ID=pid,
                    事務事業名=s["name"],
                    市町=town["市町名"],
                    印=MARK_OF[mark],
                    開始日=PERIOD1_START,
                    終了日=PERIOD1_END,
                    根拠=SOURCE_000,
                )
        b.add("役割", 事業ID=pid, 主体="岡山市", 役割=s.get("role_hub") or None, 出典=SOURCE_000)
        b.add("役割", 事業ID=pid, 主体="連携市町", 役割=s.get("role_towns") or None, 出典=SOURCE_000)
        b.add(
            "実績",
            **{
                "事業ID": pid,
                "年度": PERIOD1_YEAR,
                "市町": layout.AREA,
                "事業計画": s.get("plan") or None,
                "取組実績": s.get("results") or None,
                "今後の課題・改善点": s.get("issues") or None,
                "出典": SOURCE_000,
            },
        )
        for order, kpi in enumerate(s.get("kpis") or [], start=1):
            kid = f"{pid}-K{order}"
            b.rows["KPI"].append(_kpi_record(kid, pid, order, kpi, SOURCE_000))
            current = kpi.get("current") or {}
            if current:
                b.add(
                    "KPI実績",
                    KPI_ID=kid,
                    年度=current.get("year") or PERIOD1_YEAR,
                    市町=layout.AREA,
                    現状値=_kpi_value(current),
                    補足=current.get("qualifier"),
                    現状値の表記=_printed(current, b.rows["KPI"][-1]["単位"]),
                    時点=current.get("when"),
                    出典=SOURCE_000,
                )


def _period2(b: _Builder, reference: Mapping[str, Any], cutoff: dt.date | None) -> None:
    folder = b.root / "period2"
    projects = _csv(folder / "projects.csv")
    details24 = {d["name"]: d for d in _yaml(folder / "details_2024.yaml")}
    details26 = {} if cutoff else {d["name"]: d for d in _yaml(folder / "details_2026.yaml")}
    names = {p["事務事業名"] for p in projects}
    for name in [*details24, *details26]:
        if name not in names:
            raise OkaxlError(f"詳細シート「{name}」に対応する事業が projects.csv にありません。")
    headings = {
        d["heading"]: d.get("heading_text")
        for d in [*details24.values(), *details26.values()]
        if d.get("heading")
    }
    seen: list[str] = []
    rev24, rev26 = (r["改訂日"] for r in reference["revisions"])
    for p in projects:
        if cutoff and _date(p["開始日"]) > cutoff:  # type: ignore[operator]
            continue
        if p["施策"] not in seen:
            seen.append(p["施策"])
            b.add("施策", 期="第2期", 分野=p["分野"], 施策名=p["施策"], 説明=headings.get(p["施策"]))
        pid, name = p["事業ID"], p["事務事業名"]
        detail, source = None, None
        if name in details26:
            detail, source = details26[name], SOURCE_003
        elif name in details24:
            detail, source = (
                details24[name],
                SOURCE_002 if cutoff else f"{SOURCE_002}（令和8年3月改訂で変更なし）",
            )
        record: Record = {
            "事業ID": pid,
            "期": p["期"],
            "分野": p["分野"],
            "施策": p["施策"],
            "事務事業名": name,
            "抜粋元": p["抜粋元"] or None,
            "開始日": _date(p["開始日"]),
            "終了日": _date(p["終了日"]),
            "内容の出典": source or UNKNOWN_CONTENT,
            "備考": p["備考"] or None,
        }
        if detail:
            record |= {
                "事業目的": detail.get("purpose"),
                "事業内容": detail.get("content"),
                "事業費計": detail.get("total"),
                "事業費の注記": _join(detail.get("cost_notes") or []),
            }
            _detail_rows(b, pid, detail, str(source))
        b.add("事業", **record)
        for revision, column in ((rev24, "掲載ページ_2024"), (rev26, "掲載ページ_2026")):
            if p[column] and (cutoff is None or revision <= cutoff):
                b.add("掲載", 事業ID=pid, 事務事業名=name, 改訂日=revision, 掲載ページ=int(p[column]))
    for row in _csv(folder / "participation.csv"):
        start, end = _date(row["開始日"]), _date(row["終了日"])
        if cutoff and start and start > cutoff:
            continue
        if cutoff and end and end > cutoff:
            end = None  # how it ends was not known at that time
        b.add(
            "参加",
            事業ID=row["事業ID"],
            事務事業名=row["事務事業名"],
            市町=row["市町"],
            印=row["印"],
            開始日=start,
            終了日=end,
            根拠=row["根拠"] or None,
            備考=row["備考"] or None,
        )


def _detail_rows(b: _Builder, pid: str, detail: Mapping[str, Any], source: str) -> None:
    for step in detail.get("plan") or []:
        if step.get("stage") is not None or step.get("cost") is not None:
            b.add("工程", 事業ID=pid, 年度=step["fy"], 工程=step.get("stage"), 事業費=step.get("cost"))
    b.add("役割", 事業ID=pid, 主体="岡山市", 役割=detail.get("role_hub") or None, 出典=source)
    b.add("役割", 事業ID=pid, 主体="連携市町", 役割=detail.get("role_towns") or None, 出典=source)
    for order, kpi in enumerate(detail.get("kpis") or [], start=1):
        b.rows["KPI"].append(_kpi_record(f"{pid}-K{order}", pid, order, kpi, source))


def _annex(b: _Builder, path: Path) -> None:
    annex = _yaml(path)
    b.add(
        "協約書",
        市町=annex["town"],
        協約書名=annex["title"],
        締結日=annex["date"],
        備考="別表の並びは照合して復元（workbooks/source/annex_bizen.yaml の decisions）",
    )
    for pillar in annex["pillars"]:
        for order, item in enumerate(pillar["items"], start=1):
            b.add(
                "協約",
                市町=annex["town"],
                分野=pillar["number"],
                順=order,
                取組=item["title"],
                取組内容=item["content"],
                甲の役割=item["role_hub"],
                乙の役割=item["role_town"],
            )


def _interregional(b: _Builder, path: Path) -> None:
    data = _yaml(path)
    for project in data["projects"]:
        b.add(
            "圏域間連携",
            連携先=data["partner"],
            事務事業名=project["name"],
            事業目的=project.get("purpose"),
            事業内容=project.get("content"),
            出典=SOURCE_002,
        )
