"""What a workbook package holds beyond cell values, counted part by part, so that a master
rewritten by openpyxl can be compared with the original before it replaces it.

openpyxl silently drops some parts on save (every extLst extension: x14 data validations,
sparklines, slicers; images without Pillow; shapes; cached formula values).
"""

from __future__ import annotations

import re
import zipfile
from collections import Counter
from pathlib import Path

from defusedxml import ElementTree as DefusedET

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
FEATURES = {
    "dataValidation": "入力規則（ドロップダウン）",
    "conditionalFormatting": "条件付き書式",
    "drawing": "図形・画像",
    "legacyDrawing": "コメント",
    "extLst": "拡張機能（スパークライン・スライサーなど）",
    "hyperlink": "ハイパーリンク",
    "tablePart": "テーブル",
}


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    book = DefusedET.fromstring(archive.read("xl/workbook.xml"))
    rels = DefusedET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    parts = {}
    for sheet in book.iter(f"{MAIN}sheet"):
        target = targets.get(sheet.get(f"{REL}id"), "").lstrip("/")
        parts[sheet.get("name", "")] = target if target.startswith("xl/") else f"xl/{target}"
    return parts


def inventory(path: Path) -> Counter[str]:
    """(sheet, feature) counts, defined names, and comment/media/chart parts of a workbook."""
    counts: Counter[str] = Counter()
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        for sheet, part in _sheet_parts(archive).items():
            with archive.open(part) as stream:
                for _, element in DefusedET.iterparse(stream, events=("end",)):
                    tag = element.tag.removeprefix(MAIN)
                    if tag in FEATURES:
                        counts[f"{sheet}\t{tag}"] += 1
                    if tag in ("c", "row"):
                        element.clear()
        book = archive.read("xl/workbook.xml")
        counts["\tdefinedName"] = len(re.findall(rb"<(?:\w+:)?definedName\b", book))
        for name in names:
            for kind in ("comments", "media/", "charts/", "pivotTables/", "slicers/", "vbaProject"):
                if kind in name:
                    counts[f"\t{kind}"] += 1
    return counts


# Parts that are caches the application rebuilds on open, not content: losing them loses nothing.
REBUILT = frozenset({"xl/calcChain.xml"})


def parts(path: Path) -> set[str]:
    with zipfile.ZipFile(path) as archive:
        return set(archive.namelist())


def losses(before: Path, after: Path) -> list[str]:
    """What `after` lacks of `before`, in Japanese, one line per feature or package part."""
    old, new = inventory(before), inventory(after)
    lost = [f"部品 {name}" for name in sorted(parts(before) - parts(after) - REBUILT)]
    for key, count in sorted(old.items()):
        if new.get(key, 0) < count:
            sheet, feature = key.split("\t")
            label = FEATURES.get(feature, feature.rstrip("/"))
            where = f"シート「{sheet}」の" if sheet else ""
            lost.append(f"{where}{label}（{count} → {new.get(key, 0)}）")
    return lost
