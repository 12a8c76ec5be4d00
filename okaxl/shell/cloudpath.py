"""OneDrive and SharePoint: where a workbook really is when Excel reports its path as an https://
URL (AutoSave on, or opened from 最近使ったファイル), and whether a folder is one that OneDrive syncs.

The mapping itself is xlwings' (xlwings.utils.fullname_url_to_local_path: the OneDrive and
OneDriveCommercial variables, the xlwings.conf settings, the registry's SharePoint mounts). This
module adds what staff need around it: one Japanese message that names the URL and says what to do,
and one fallback written by hand because xlwings' pattern for OneDrive for Business rejects a
tenant name with a hyphen (https://okayama-city-my.sharepoint.com/...), which city tenants have.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path, PureWindowsPath
from urllib.parse import unquote

from okaxl.errors import OkaxlError

URL = re.compile(r"^https?://", re.I)
PERSONAL = re.compile(r"^https://d\.docs\.live\.net/[^/]+/(.*)$", re.I)
BUSINESS = re.compile(r"^https://[^/]+-my\.sharepoint\.[^/]+/personal/[^/]+/Documents/(.*)$", re.I)
SHAREPOINT = re.compile(r"^https?://[^/]+/sites/", re.I)
# the variables the OneDrive client sets for the folders it syncs
SYNC_VARIABLES = ("OneDrive", "OneDriveCommercial", "OneDriveConsumer")


def is_url(text: str) -> bool:
    return bool(URL.match(text.strip()))


def kind(url: str) -> str:
    """What a URL is, as staff call it."""
    if PERSONAL.match(url):
        return "OneDrive（個人用）"
    if BUSINESS.match(url):
        return "OneDrive for Business"
    if SHAREPOINT.match(url) or ".sharepoint." in url.lower():
        return "SharePoint"
    return "Web 上の場所"


def _business_fallback(url: str, environ: Mapping[str, str]) -> Path | None:
    match = BUSINESS.match(url)
    root = environ.get("OneDriveCommercial") or environ.get("OneDrive")
    if not match or not root:
        return None
    for rest in (match.group(1), unquote(match.group(1))):
        candidate = Path(root, *rest.split("/"))
        if candidate.is_file():
            return candidate
    return None


def unmapped_hint(url: str) -> str:
    """What to do when a URL has no synced local copy on this PC."""
    setting = "ONEDRIVE_CONSUMER_WIN" if PERSONAL.match(url) else "ONEDRIVE_COMMERCIAL_WIN"
    if SHAREPOINT.match(url):
        setting = "SHAREPOINT_WIN"
    return (
        "エクスプローラーで同期フォルダー（例 C:\\Users\\<ユーザー>\\OneDrive - <組織名>）を開き、"
        "そこからファイルを開き直してください。同期していない場所なら、PC のフォルダーか共有フォルダー"
        "（\\\\サーバー\\共有\\…）にコピーして使ってください。同期フォルダーが既定と違う場所にあるときは、"
        f"ランチャーの非表示シート xlwings.conf に {setting} とそのフォルダーのパスを書いてください。"
    )


def local_path(fullname: str, sheet_config: Mapping[str, str] | None = None) -> Path:
    """The file on this PC for what Excel reports as a workbook's FullName: a path as it is; an
    OneDrive/SharePoint URL mapped to the synced folder, or OkaxlError saying what to do."""
    if not is_url(fullname):
        return Path(fullname)
    import xlwings
    from xlwings.utils import fullname_url_to_local_path

    config = dict(sheet_config or {})
    try:
        return Path(
            fullname_url_to_local_path(
                url=fullname,
                sheet_onedrive_consumer_config=config.get("ONEDRIVE_CONSUMER_WIN"),
                sheet_onedrive_commercial_config=config.get("ONEDRIVE_COMMERCIAL_WIN"),
                sheet_sharepoint_config=config.get("SHAREPOINT_WIN"),
            )
        )
    except (xlwings.XlwingsError, OSError) as exc:
        found = _business_fallback(fullname, os.environ)
        if found is not None:
            return found
        raise OkaxlError(
            f"Excel がこのブックの場所を {kind(fullname)} の URL（{fullname}）として伝えてきましたが、"
            f"この PC の同期フォルダーに同じファイルが見つかりません。{unmapped_hint(fullname)}"
        ) from exc


def sync_roots(environ: Mapping[str, str]) -> list[Path]:
    """The folders the OneDrive client syncs on this PC (from its environment variables)."""
    return [Path(environ[name]) for name in SYNC_VARIABLES if environ.get(name)]


def in_synced_folder(path: Path | str, environ: Mapping[str, str]) -> str | None:
    """The synced OneDrive folder that holds `path`, if any: under a folder the OneDrive client
    names in its variables, or under a folder named like one (OneDrive, OneDrive - 組織名)."""
    for root in sync_roots(environ):
        if Path(path) == root or root in Path(path).parents:
            return str(root)
    parts = PureWindowsPath(path).parts if "\\" in str(path) else Path(path).parts
    for index, part in enumerate(parts):
        if part == "OneDrive" or part.startswith("OneDrive - "):
            return str(PureWindowsPath(*parts[: index + 1]) if "\\" in str(path) else Path(*parts[: index + 1]))
    return None
