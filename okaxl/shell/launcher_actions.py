"""The actions of the Excel launcher: one list that the ribbon, the 操作 sheet, the VBA buttons
and okaxl.shell.excel.run all come from."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Action:
    name: str  # the tag passed to okaxl.shell.excel.run
    label: str  # the button's Japanese label
    explanation: str
    sub: str  # the VBA Sub a sheet button calls
    image: str  # the ribbon icon (imageMso)


ACTIONS = (
    Action(
        "validate",
        "検証",
        "マスターを検証し、問題の一覧（Excel）を開きます。",
        "OkaxlValidate",
        "AcceptInvitation",
    ),
    Action("matrix", "取組状況一覧", "基準日の取組状況一覧を作って開きます。", "OkaxlMatrix", "TableInsert"),
    Action(
        "town_view",
        "市町別一覧",
        "選んだ市町の取組一覧（基準日時点）を作って開きます。",
        "OkaxlTownView",
        "FilterBySelection",
    ),
    Action(
        "forms",
        "回答様式",
        "選んだ年度の回答様式を全市町分作り、フォルダーを開きます。",
        "OkaxlForms",
        "FileSaveAsExcelXlsx",
    ),
    Action(
        "check_inbox",
        "回答の確認",
        "受付フォルダーの回答を確認し、指摘ファイルと回収状況を作ります。",
        "OkaxlCheckInbox",
        "ReviewAcceptChange",
    ),
    Action(
        "merge_inbox",
        "回答の取り込み",
        "受付フォルダーの回答を確認し、受理できるものをマスターに取り込みます。",
        "OkaxlMergeInbox",
        "ImportExcel",
    ),
    Action(
        "progress",
        "進捗管理シート",
        "選んだ年度の進捗管理シートを作って開きます。",
        "OkaxlProgress",
        "ReportView",
    ),
    Action(
        "annex",
        "協約書別表",
        "選んだ市町の連携協約書 別表を作って開きます。",
        "OkaxlAnnex",
        "FileDocumentInspect",
    ),
    Action(
        "revision",
        "改訂案",
        "保存した直近の版と今のマスターから変更箇所の抜粋を作ります。",
        "OkaxlRevision",
        "ReviewCompareMenu",
    ),
)
BY_NAME = {a.name: a for a in ACTIONS}

# The 操作 sheet: where the launcher's parameters, status and result sit.
SHEET = "操作"
CELLS = {
    "年度": "C4",
    "基準日": "C5",
    "市町": "C6",
    "設定ファイル": "C7",
    "状態": "C9",
    "結果": "C10",
    "出力": "C11",
}
FIRST_BUTTON_ROW = 14
