"""Tamper evidence for return forms: an HMAC-SHA256 over the form's metadata, its sheet names and
every locked cell, with a key kept outside the repository (created on first use).

Removing sheet protection needs no password, so protection only prevents accidents; the HMAC is
what shows that a locked cell or the metadata was changed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Iterable, Mapping
from pathlib import Path

from okaxl.errors import OkaxlError

# each sheet's name with (coordinate, value) of its cells, row by row: what a form is made of for
# its signature, whether openpyxl holds it (as it is written) or formbook read it (as it came back)
Sheets = Iterable[tuple[str, Iterable[tuple[str, object]]]]


def load_key(path: Path, *, create: bool) -> bytes:
    """The signing key; created (readable by this user only) when `create` and it does not exist."""
    if not path.exists():
        if not create:
            raise OkaxlError(
                f"改ざん検知の鍵 {path} がありません。様式を作った PC の鍵を同じ場所に置くか、config の [forms] key_file を確認してください。"
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(secrets.token_hex(32))
    text = path.read_text(encoding="ascii").strip()
    try:
        key = bytes.fromhex(text)
    except ValueError as exc:
        raise OkaxlError(f"改ざん検知の鍵 {path} が壊れています。") from exc
    if len(key) < 16:
        raise OkaxlError(f"改ざん検知の鍵 {path} が短すぎます。")
    return key


def canonical(value: object) -> object:
    """A cell value as it survives a save in Excel or LibreOffice: 3.0 and 3 are the same."""
    if isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def locked_cells(sheets: Sheets, skip: Mapping[str, set[str]], meta_sheet: str) -> list[list[object]]:
    """[sheet, cell, value] of every non-empty cell outside the input cells, in sheet order."""
    cells: list[list[object]] = []
    for title, values in sheets:
        if title == meta_sheet:
            continue
        inputs = skip.get(title, set())
        for coordinate, value in values:
            if value is None or value == "" or coordinate in inputs:
                continue
            cells.append([title, coordinate, canonical(value)])
    return cells


def form_digest(
    key: bytes, sheets: Sheets, metadata: Mapping[str, str], inputs: Mapping[str, set[str]], meta_sheet: str
) -> str:
    """The one definition of what a form's signature covers, for the form writer and the checker
    alike (so that the two cannot drift): the metadata without the signature, the names of the
    sheets other than the metadata sheet, and every non-empty cell outside the input cells."""
    unsigned = {k: v for k, v in metadata.items() if k != "hmac"}
    sheets = list(sheets)
    names = [title for title, _ in sheets if title != meta_sheet]
    return digest(key, unsigned, names, locked_cells(sheets, inputs, meta_sheet))


def key_id(key: bytes) -> str:
    """A short fingerprint of the key, written into each form, so that a signature made with
    another PC's key can be told from a changed form (it reveals nothing usable of the key)."""
    return hashlib.sha256(b"okaxl form key id\0" + key).hexdigest()[:12]


def digest(key: bytes, metadata: Mapping[str, str], sheets: Iterable[str], cells: list[list[object]]) -> str:
    message = json.dumps(
        {"metadata": dict(sorted(metadata.items())), "sheets": list(sheets), "cells": cells},
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    ).encode("utf-8")
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def matches(expected: str, actual: str) -> bool:
    return hmac.compare_digest(expected, actual)
