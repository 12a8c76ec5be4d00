"""Checking a returned form: untrusted input that never crashes okaxl and never touches the master.

A return gets a status (valid / invalid; for staff 受理 / 要修正 / 却下), the problems found (with the
return's own sheet and cell), and, when it can be read, the answers to merge.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from okaxl import wareki
from okaxl.errors import OkaxlError
from okaxl.master.commit import sha256_of
from okaxl.numbers import Reading, format_number, parse_number
from okaxl.problems import Problem, Severity
from okaxl.returns import formbook, formlayout, signing
from okaxl.returns.formbook import FormBook, FormSheet
from okaxl.returns.precheck import precheck
from okaxl.rules import problem

REJECTING = {
    "RETURN_EMPTY",
    "RETURN_NOT_WORKBOOK",
    "RETURN_OLD_XLS",
    "RETURN_HTML_XLS",
    "RETURN_ENCRYPTED",
    "RETURN_XLSB",
    "RETURN_MACRO",
    "RETURN_STRICT",
    "RETURN_UNSAFE",
    "RETURN_TOO_LARGE",
    "RETURN_UNREADABLE",
    "RETURN_NOT_OKAXL",
    "RETURN_METADATA_EDITED",
    "RETURN_ARCHIVE",
}
LABELS = {
    "valid": "受理",
    "invalid": "要修正",
    "rejected": "却下",
    "conflict": "競合",
    "merged": "取込済",
    "unchanged": "取込済",
}
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|_x00[01][0-9A-Fa-f]_")
EXCEL_TEXT_LIMIT = 32767
ABSURD = 1e12
ARCHIVES = (".zip", ".7z", ".lzh", ".rar", ".tar", ".gz")
# what a return may hold instead of its own words (the master's DITTO marks, and references)
REFERENCE_ONLY = re.compile(
    r"^(同上|〃|″|上に同じ|前年度?と同じ|昨年度と同じ|別紙(の)?とおり|別紙参照|別添(の)?とおり|別添参照)[。.]?$"
)


@dataclass(frozen=True, slots=True)
class CheckContext:
    key: bytes
    issued: Path  # folder with the issued copy of each form, by form id
    cycle_year: int
    towns: tuple[str, ...]


@dataclass
class ReturnResult:
    file: Path
    sha256: str
    town: str | None = None
    year: int | None = None
    status: str = "invalid"
    problems: list[Problem] = field(default_factory=list)
    changes: list[dict[str, object]] = field(default_factory=list)
    metadata: dict[str, str] = field(default_factory=dict)
    answers: dict[str, dict[str, dict[str, object]]] = field(default_factory=dict)
    planned: list[Any] = field(default_factory=list)  # the master cells it sets (writer.CellChange)
    merged_before: bool = False  # unchanged because its content is already in the master
    same_as: Path | None = None  # the return of this batch it is identical to
    readable: bool = False  # opened as a workbook (feedback can be written into a copy)

    @property
    def rejected(self) -> bool:
        return any(p.code in REJECTING for p in self.problems)

    @property
    def label(self) -> str:
        """For staff and the collection round: 受理, 要修正, 却下, 取込済, 競合."""
        if self.rejected:
            return LABELS["rejected"]
        if self.status == "unchanged" and not self.merged_before:
            return LABELS["valid"]  # the same as another return of this batch, not yet merged
        return LABELS[self.status]

    def cells_row(self, sheet: str, item: str) -> int:
        """The row of the form that holds `item` (a project or KPI) on `sheet`."""
        return formlayout.FIRST_ROW + self._offsets.get(sheet, {}).get(item, 0)

    def cell_of(self, sheet: str, item: str, field_id: str) -> str | None:
        """The cell of the form that holds the answer to `field_id` for `item`: from the signed
        metadata and the form's layout, so that nothing is kept per cell (a dict of them held
        most of the 2.5 GB that 500 returns of the 100x master took)."""
        offset = self._offsets.get(sheet, {}).get(item)
        letter = formlayout.input_columns(sheet).get(field_id) if sheet in formlayout.ANSWER_SHEETS else None
        return None if offset is None or letter is None else f"{letter}{formlayout.FIRST_ROW + offset}"

    @functools.cached_property
    def _offsets(self) -> dict[str, dict[str, int]]:
        """Each item's place on its sheet, from the signed metadata, found once per return."""
        try:
            rows = json.loads(self.metadata.get("rows", "{}"))
            return {sheet: {key: k for k, key in reversed(list(enumerate(keys)))} for sheet, keys in rows.items()}
        except (ValueError, TypeError, AttributeError):  # metadata no form of okaxl's holds
            return {}

    @property
    def content_sha256(self) -> str:
        """The same for two files with the same answers (a re-save changes only docProps)."""
        document = {"town": self.town, "year": self.year, "answers": self.answers}
        text = json.dumps(document, ensure_ascii=False, sort_keys=True, default=str)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def to_json(self) -> dict[str, object]:
        return {
            "file": str(self.file),
            "sha256": self.sha256,
            "town": self.town,
            "year": self.year,
            "status": self.status,
            "label": self.label,
            "problems": [p.to_json() for p in self.problems],
            "changes": self.changes,
        }


def find_returns(paths: Iterable[Path]) -> list[Path]:
    """Files named, and every file in folders named (not Excel's ~$ lock files, not hidden files):
    a file that is not a return (a .zip, a PDF) is listed too, and told why it cannot be read."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(
                p
                for p in path.rglob("*")
                if p.is_file() and not p.name.startswith(("~$", ".")) and p.name != "Thumbs.db"
            )
        elif path.is_file():
            found.append(path)
        else:
            raise OkaxlError(
                f"{path} が見つかりません。ファイル名とフォルダー（config.toml の [paths] inbox）を確かめてください。"
            )
    seen: set[Path] = set()  # a file named twice (a folder and a file in it, a link to it) is one return
    unique = []
    for path in found:
        if path.resolve() not in seen:
            seen.add(path.resolve())
            unique.append(path)
    return unique


_NOTE = re.compile(r"\([^()]*\)|\[[^\[\]]*\]|【[^【】]*】|「[^「」]*」")


def _town_in_name(name: str, towns: tuple[str, ...]) -> str | None:
    """The town a file name is for: the first named outside notes in brackets, so that
    「R7_玉野市_回答様式（津山市の様式を参考に記入）」 is 玉野市's."""
    text = _NOTE.sub("", unicodedata.normalize("NFKC", name))
    found = sorted((text.find(t), -len(t), t) for t in towns if t in text)
    return found[0][2] if found else None


def _metadata(book: FormBook) -> tuple[dict[str, str] | None, dict[str, str]]:
    sheet = None
    if formlayout.META in book.sheetnames:
        sheet = formlayout.metadata_from_cells(
            (str(name), "" if text is None else str(text))
            for name, text in book[formlayout.META].first_columns(2)
            if name is not None
        )
    props = {
        name.removeprefix("okaxl_"): value
        for name, value in book.custom_properties.items()
        if name.startswith("okaxl_")
    }
    return sheet, props


def check_return(path: Path, context: CheckContext) -> ReturnResult:
    """Check one returned file. Never raises for anything in the file; never writes anything."""
    path = Path(path)
    result = ReturnResult(file=path, sha256=sha256_of(path) if path.is_file() else "")
    if not path.is_file():
        result.problems.append(problem("RETURN_UNREADABLE", "", None, "ファイルが見つかりません"))
        return result
    result.town = _town_in_name(path.name, context.towns)  # until the form itself says
    if path.suffix.lower() in ARCHIVES:
        result.problems.append(problem("RETURN_ARCHIVE", "", None, path.name))
        return result
    pre = precheck(path)
    result.problems += pre.problems
    if not pre.readable:
        return result
    try:
        # read once, formulas as written: an input that holds a formula is refused, so no input's
        # value is a formula's cached result and a second reading of cached values would add nothing
        formulas = formbook.read(path)
    except formbook.FormRefused as refused:
        result.problems.append(problem(refused.code, "", None, refused.value))
        return result
    except Exception as exc:  # a file that got past the pre-check may still break a reader
        result.problems.append(problem("RETURN_UNREADABLE", "", None, type(exc).__name__))
        return result
    result.readable = True
    if pre.date1904 or formulas.date1904:
        result.problems.append(problem("RETURN_DATE_1904", "", None, None))
    if pre.external_links:
        result.problems.append(problem("RETURN_EXTERNAL_LINK", "", None, None))
    try:
        _check_form(result, formulas, context)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, RecursionError, OkaxlError):
        # metadata edited into a shape okaxl never writes (a docProp or the hidden sheet changed):
        # JSON nested past Python's limit, a year no calendar has
        result.answers = {}
        result.problems.append(
            problem("RETURN_METADATA_EDITED", formlayout.META, None, "識別情報が読めない形")
        )
    except ArithmeticError as exc:  # a value no number can hold, in an answer
        result.answers = {}
        result.problems.append(problem("RETURN_UNREADABLE", "", None, type(exc).__name__))
    result.status = "invalid" if any(p.severity is Severity.ERROR for p in result.problems) else "valid"
    return result


def _check_form(result: ReturnResult, formulas: FormBook, context: CheckContext) -> None:
    sheet_meta, props = _metadata(formulas)
    result.town = None if sheet_meta is None and not props else result.town
    if sheet_meta is None and not props:
        result.problems.append(
            problem("RETURN_NOT_OKAXL", "", None, None, town_hint="R7_津山市_回答様式.xlsx など")
        )
        return
    if sheet_meta is None:
        result.problems.append(
            problem("RETURN_METADATA_EDITED", "", None, "識別情報のシートが削除されている")
        )
        return
    mirrored = {k: v for k, v in props.items() if k in sheet_meta and len(sheet_meta[k]) <= 255}
    needed = {"form_id", "town", "fiscal_year", "rows", "fields", "hmac"}
    if needed - set(sheet_meta) or any(sheet_meta[k] != v for k, v in mirrored.items()):
        result.problems.append(
            problem("RETURN_METADATA_EDITED", formlayout.META, None, "識別情報が文書プロパティと違う")
        )
        return
    result.metadata = sheet_meta
    try:
        rows = json.loads(sheet_meta["rows"])
        fields = json.loads(sheet_meta["fields"])
        worded = json.loads(sheet_meta.get("kpi_choices", "{}"))
        if not isinstance(worded, dict):
            raise TypeError(worded)
        result.year = int(sheet_meta["fiscal_year"])
        if not isinstance(rows, dict) or any(len(keys) > formbook.MAX_ROW for keys in rows.values()):
            raise ValueError("rows")  # more rows than a sheet of a form can hold: not what okaxl wrote
    except (ValueError, TypeError):
        result.problems.append(problem("RETURN_METADATA_EDITED", formlayout.META, None, "識別情報が読めない"))
        return
    result.town = sheet_meta["town"]
    named = _town_in_name(result.file.name, context.towns)
    if named and named != result.town:
        result.problems.append(
            problem("RETURN_WRONG_TOWN", "", None, result.file.name, named=named, town=result.town)
        )
    if result.year != context.cycle_year:
        result.problems.append(
            problem(
                "RETURN_WRONG_YEAR",
                "",
                None,
                result.year,
                form_year=wareki.format_fiscal_year(result.year),
                cycle_year=wareki.format_fiscal_year(context.cycle_year),
            )
        )
    expected_sheets = [formlayout.COVER, formlayout.PROJECTS, formlayout.KPIS, formlayout.META]
    structure_ok = formulas.sheetnames == expected_sheets
    if not structure_ok:
        result.problems.append(problem("RETURN_SHEETS_CHANGED", "", None, "、".join(formulas.sheetnames)))
    rows_ok = structure_ok and _check_rows(result, formulas, rows)
    _check_signature(result, formulas, sheet_meta, context, compare_cells=rows_ok)
    if rows_ok:
        threshold = float(sheet_meta.get("change_threshold", "0.5"))
        _check_inputs(result, formulas, rows, fields, threshold, worded)


def _check_rows(result: ReturnResult, book: FormBook, rows: dict[str, list[str]]) -> bool:
    ok = True
    for sheet, keys in rows.items():
        ws = book[sheet]
        found = [ws[f"{formlayout.KEY_COLUMN}{formlayout.FIRST_ROW + i}"].value for i in range(len(keys))]
        after = ws[f"{formlayout.KEY_COLUMN}{formlayout.FIRST_ROW + len(keys)}"].value
        if [str(v) if v is not None else None for v in found] != keys or after is not None:
            ok = False
            first = next((i for i, (a, b) in enumerate(zip(found, keys, strict=True)) if a != b), len(keys))
            cell = f"{formlayout.KEY_COLUMN}{formlayout.FIRST_ROW + first}"
            result.problems.append(
                problem("RETURN_ROWS_CHANGED", sheet, cell, f"{formlayout.FIRST_ROW + first}行目付近")
            )
        merged = [reference for reference, last in ws.merged if last >= formlayout.FIRST_ROW]
        if merged:
            result.problems.append(
                problem("RETURN_MERGED_INPUT", sheet, merged[0].split(":")[0], "、".join(merged))
            )
            ok = False
    return ok


def _check_signature(
    result: ReturnResult, book: FormBook, meta: dict[str, str], context: CheckContext, *, compare_cells: bool
) -> None:
    """The signature decides; the issued copy is opened only to name what changed when it fails."""
    inputs = formlayout.input_cells(meta)
    if signing.matches(
        meta["hmac"], signing.form_digest(context.key, book.sheet_values(), meta, inputs, formlayout.META)
    ):
        return
    if not compare_cells:
        return  # the structure problems already say why nothing matches
    ours = signing.key_id(context.key)
    other_key = meta.get("key_id", ours) != ours
    issued = context.issued / f"{meta['form_id']}.xlsx"
    if issued.is_file():
        original = formbook.read(issued)
        original_meta, _ = _metadata(original)
        if original_meta != meta:
            result.problems.append(
                problem("RETURN_METADATA_EDITED", formlayout.META, None, "配布時の識別情報と違う")
            )
            return
        sheets = [ws.title for ws in book.worksheets if ws.title != formlayout.META]
        before = {
            (s, c): v for s, c, v in signing.locked_cells(original.sheet_values(), inputs, formlayout.META)
        }
        after = {(s, c): v for s, c, v in signing.locked_cells(book.sheet_values(), inputs, formlayout.META)}
        changed = sorted(
            (k for k in before.keys() | after.keys() if before.get(k) != after.get(k)),
            key=lambda k: (sheets.index(k[0]) if k[0] in sheets else 0, k[1]),
        )
        for sheet, cell in changed:
            result.problems.append(
                problem(
                    "RETURN_LOCKED_EDITED",
                    str(sheet),
                    str(cell),
                    after.get((sheet, cell)),
                    expected=before.get((sheet, cell), "（空欄）"),
                )
            )
        if changed:
            return
    if other_key:
        result.problems.append(problem("RETURN_KEY_DIFFERS", "", None, meta.get("key_id"), ours=ours))
    else:
        result.problems.append(problem("RETURN_SIGNATURE_MISMATCH", "", None, None))


def _heading(book: FormBook, sheet: str, letter: str) -> str:
    return str(book[sheet][f"{letter}{formlayout.HEADER_ROW}"].value or letter)


def _check_inputs(
    result: ReturnResult,
    formulas: FormBook,
    rows: dict[str, list[str]],
    fields: dict[str, list[Any]],
    threshold: float,
    worded: dict[str, list[str]],
) -> None:
    """Each answer read as its question asks; a KPI answered in words (`worded`, from the signed
    metadata) takes one of its choices instead of a number."""
    for sheet, keys in rows.items():
        ws = formulas[sheet]
        columns = formlayout.input_columns(sheet)
        headings = {letter: _heading(formulas, sheet, letter) for letter in columns.values()}
        answers = result.answers.setdefault(sheet, {})
        for offset, key in enumerate(keys):
            number = formlayout.FIRST_ROW + offset
            answer: dict[str, object] = {}
            for field_id, letter in columns.items():
                kind, required, limit, choices = fields.get(field_id, ["文字", "任意", None, []])
                if kind == "数値" and sheet == formlayout.KPIS and str(key) in worded:
                    kind, choices = "選択", worded[str(key)]
                coordinate = f"{letter}{number}"
                heading = headings[letter]
                raw = ws[coordinate]
                value = raw.value
                context = {"sheet": sheet, "cell": coordinate, "heading": heading}
                if raw.data_type == "f" or (
                    isinstance(raw.value, str) and raw.value.startswith("=") and raw.data_type != "s"
                ):
                    result.problems.append(problem("RETURN_FORMULA", sheet, coordinate, raw.value))
                    continue
                if raw.data_type == "e" or (
                    isinstance(value, str)
                    and value in ("#N/A", "#DIV/0!", "#REF!", "#VALUE!", "#NAME?", "#NUM!", "#NULL!")
                ):
                    result.problems.append(problem("RETURN_ERROR_VALUE", sheet, coordinate, value))
                    continue
                if value is None or (isinstance(value, str) and not value.strip()):
                    if required == "必須":
                        result.problems.append(
                            problem("RETURN_REQUIRED_EMPTY", sheet, coordinate, None, heading=heading)
                        )
                    answer[field_id] = None
                    continue
                if kind == "数値":
                    unit = ws[f"{formlayout.UNIT_COLUMN}{number}"].value
                    answer[field_id] = _number(
                        result, _as_shown(value, raw.number_format, unit), unit, context
                    )
                elif kind == "選択":
                    # the choice as the master spells it (（一部）, full-width letters), found without
                    # regard to width, so that what the drop-down offered is what is stored
                    typed = unicodedata.normalize("NFKC", str(value)).strip()
                    text = next((c for c in choices if unicodedata.normalize("NFKC", str(c)) == typed), typed)
                    if text not in choices:
                        result.problems.append(
                            problem(
                                "RETURN_CHOICE_INVALID",
                                sheet,
                                coordinate,
                                value,
                                heading=heading,
                                choices="・".join(choices),
                            )
                        )
                    answer[field_id] = text
                elif isinstance(value, dt.date | dt.time) or (isinstance(value, int | float) and raw.is_date):
                    shown = _date_as_typed(value, raw.number_format)
                    result.problems.append(problem("RETURN_TEXT_IS_DATE", sheet, coordinate, shown))
                    answer[field_id] = None
                else:
                    answer[field_id] = _text(result, value, limit, context)
            if sheet == formlayout.KPIS:
                _reason(result, ws, number, answer, threshold)
            answers[key] = answer


def _as_shown(value: object, number_format: str, unit: object) -> object:
    """A number as the town saw it: 0.85 shown as 85% in a KPI whose unit is % is 85."""
    percent = unicodedata.normalize("NFKC", str(unit or "")).strip() == "%"
    if (
        percent
        and "%" in (number_format or "")
        and isinstance(value, int | float)
        and not isinstance(value, bool)
    ):
        return f"{round(value * 100, 10):g}%"  # read on as "85%", a number with its unit, and noted
    return value


def _date_as_typed(value: object, number_format: str) -> str:
    """What the town typed that Excel or LibreOffice turned into a date: 4/1, 4月1日, 2025/4/1."""
    if isinstance(value, int | float):
        value = formbook.from_excel(value)
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    assert isinstance(value, dt.date)
    fmt = (number_format or "").lower()
    if "月" in fmt:
        return f"{value.month}月{value.day}日"
    if "y" in fmt or "e" in fmt:
        return f"{value.year}/{value.month}/{value.day}"
    return f"{value.month}/{value.day}"


def _number(result: ReturnResult, value: object, unit: object, context: dict[str, str]) -> float | int | None:
    sheet, cell, heading = context["sheet"], context["cell"], context["heading"]
    if isinstance(value, dt.datetime | dt.date | dt.time):
        result.problems.append(
            problem(
                "RETURN_NUMBER_INVALID",
                sheet,
                cell,
                str(value),
                heading=heading,
                unit_hint="（日付として入力されています。セルの書式を「標準」にして数値を入力）",
            )
        )
        return None
    parsed = parse_number(value)
    unit_text = unicodedata.normalize("NFKC", str(unit or "")).strip()
    if parsed.reading is Reading.NOT_FINITE:
        result.problems.append(
            problem("RETURN_NUMBER_RANGE", sheet, cell, value, heading=heading, why="数値ではない値")
        )
        return None
    if parsed.value is None or (
        parsed.reading is Reading.UNIT and unicodedata.normalize("NFKC", parsed.unit or "") != unit_text
    ):
        hint = f"（単位「{unit_text}」は付けない）" if unit_text else ""
        result.problems.append(
            problem("RETURN_NUMBER_INVALID", sheet, cell, value, heading=heading, unit_hint=hint)
        )
        return None
    number = parsed.value
    if number < 0 or parsed.reading is Reading.TRIANGLE:
        result.problems.append(
            problem("RETURN_NUMBER_RANGE", sheet, cell, value, heading=heading, why="負の数")
        )
        return None
    if number > ABSURD:
        result.problems.append(
            problem("RETURN_NUMBER_RANGE", sheet, cell, value, heading=heading, why="桁が多すぎる")
        )
        return None
    how = {
        Reading.FULL_WIDTH: "全角の数字",
        Reading.SEPARATOR: "桁区切り付き",
        Reading.UNIT: f"単位「{parsed.unit}」付き",
        Reading.TEXT_NUMBER: "文字として入力された数字",
    }.get(parsed.reading)
    if how:
        result.problems.append(
            problem("RETURN_NUMBER_CONVERTED", sheet, cell, value, number=format_number(number), how=how)
        )
    return number


def _text(result: ReturnResult, value: object, limit: int | None, context: dict[str, str]) -> str | None:
    sheet, cell, heading = context["sheet"], context["cell"], context["heading"]
    text = value if isinstance(value, str) else str(value)
    controls = CONTROL.findall(text)
    if controls:
        shown = "、".join(sorted({repr(c)[1:-1] for c in controls}))
        result.problems.append(problem("RETURN_CONTROL_CHARS", sheet, cell, shown))
        return None
    limit_ = min(limit or EXCEL_TEXT_LIMIT, EXCEL_TEXT_LIMIT)
    if len(text) > limit_:
        result.problems.append(
            problem(
                "RETURN_TEXT_TOO_LONG",
                sheet,
                cell,
                text[:50] + "…",
                heading=heading,
                length=len(text),
                limit=limit_,
            )
        )
        return None
    # the master's own rules, met here so that check and merge give one answer: spaces at the
    # ends are taken off (a leading full-width space is the paragraph indent), and the town told
    trimmed = text.rstrip(" \u3000\t\r\n").lstrip(" \t\r\n")
    if trimmed != text:
        result.problems.append(problem("RETURN_TEXT_TRIMMED", sheet, cell, text[:50]))
        text = trimmed
    if not text.strip():
        return None
    if REFERENCE_ONLY.match(unicodedata.normalize("NFKC", text).strip()):
        result.problems.append(problem("RETURN_REFERENCE_ONLY", sheet, cell, text, heading=heading))
        return None
    first = unicodedata.normalize("NFKC", text).lstrip(" ")[:1]
    if first == "=":
        result.problems.append(problem("RETURN_TEXT_FORMULA_LIKE", sheet, cell, text[:50], first=first))
        return None
    return text


def _reason(
    result: ReturnResult, ws: FormSheet, number: int, answer: dict[str, object], threshold: float
) -> None:
    value, reason = answer.get("kpi_value"), answer.get("kpi_reason")
    previous = ws[f"{formlayout.PREVIOUS_KPI_COLUMN}{number}"].value
    if not isinstance(value, int | float) or not isinstance(previous, int | float) or previous == 0 or reason:
        return
    change = (value - previous) / abs(previous)
    if abs(change) > threshold:
        cell = f"{formlayout.input_columns(formlayout.KPIS)['kpi_reason']}{number}"
        result.problems.append(
            problem(
                "RETURN_REASON_MISSING",
                formlayout.KPIS,
                cell,
                None,
                previous=format_number(previous),
                change=f"{change:+.0%}",
            )
        )
