"""Where everything sits in the master workbook: sheet names, header row, columns.

This is the one module that knows the master's layout. The rest of okaxl works on tables whose
columns are the Japanese header names below, indexed by Excel row number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

SCHEMA_VERSION = "1"
HEADER_ROW = 1
FIRST_DATA_ROW = HEADER_ROW + 1


class Kind(StrEnum):
    TEXT = "text"  # free text, may hold line breaks
    NAME = "name"  # a short name or code: no line breaks
    INT = "int"
    DATE = "date"
    YEAR = "year"  # fiscal year in 西暦 (2025)
    AMOUNT = "amount"  # 千円, whole number, or "—" for undecided
    VALUE = "value"  # a KPI value: a number, or text such as 方針の決定 / －


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    kind: Kind = Kind.NAME
    width: float = 14
    required: bool = False
    choices: str | None = None  # a list for a drop-down: "@市町" refers to a list sheet
    note: str = ""
    written: bool = False  # okaxl merge writes it: the column must be there even when it is empty


@dataclass(frozen=True, slots=True)
class Sheet:
    name: str
    purpose: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    frozen_columns: int = 0
    extras: dict[str, str] = field(default_factory=dict)
    # a record about the master (the merge log, confirmed warnings): its text is not held to the
    # text rules of staff data
    log: bool = False
    optional: bool = False  # a master made before the sheet existed lacks it, and that is fine

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


# The partner towns in the fixed order of every published table (the master's 市町 sheet holds them
# too; this copy is for what is built before a master is read: the template and the launcher).
PARTNER_TOWNS = (
    "津山市",
    "玉野市",
    "総社市",
    "備前市",
    "瀬戸内市",
    "赤磐市",
    "真庭市",
    "和気町",
    "早島町",
    "久米南町",
    "美咲町",
    "吉備中央町",
)
MARKS = ("●", "★")
STAGES = ("協議", "方針の決定", "実施", "→")
ACTORS = ("岡山市", "連携市町")
AREA = "圏域全体"  # the whole area, for results and KPI values not reported by one town
HUB = "岡山市"
UNDECIDED = "—"  # 事業費 not yet decided
NOT_SET = "－"  # KPI value not set
EACH_TOWN = "各市町"  # 報告する市町: every town taking part reports its own value

C = Column
K = Kind

SHEETS: tuple[Sheet, ...] = (
    Sheet(
        "期",
        "ビジョンの計画期間",
        (
            C("期", required=True, width=8, note="期の名前（第1期、第2期 …）。新しい期は行を足して書きます"),
            C("名称", K.TEXT, 40, required=True),
            C("開始年度", K.YEAR, 10, required=True),
            C("終了年度", K.YEAR, 10, required=True),
            C("備考", K.TEXT, 60),
        ),
        key=("期",),
    ),
    Sheet(
        "市町",
        "連携中枢都市（岡山市）と連携市町。順は全ての表で使う固定の並び",
        (
            C("順", K.INT, 6, required=True),
            C("市町名", required=True, width=14),
            C("区分", required=True, width=14, choices="連携中枢都市,連携市町"),
            C("団体コード", required=True, width=12, note="全国地方公共団体コード（6桁、検査数字付き）"),
        ),
        key=("市町名",),
    ),
    Sheet(
        "分野",
        "連携分野（役割）",
        (
            C("番号", required=True, width=8),
            C("分野名", required=True, width=40),
        ),
        key=("番号",),
    ),
    Sheet(
        "施策",
        "連携取組・連携協約の取組（施策）。期ごとに分野に属する",
        (
            C("期", required=True, width=8, choices="@期"),
            C("分野", required=True, width=8, choices="@分野"),
            C("施策名", K.NAME, 44, required=True),
            C("説明", K.TEXT, 60, note="別冊の【連携協約の取組】の説明文"),
            C("備考", K.TEXT, 40),
        ),
        key=("期", "施策名"),
    ),
    Sheet(
        "事業",
        "事務事業。両期の全事業。開始日・終了日でビジョンへの掲載期間を表す",
        (
            C("事業ID", required=True, width=9),
            C("期", required=True, width=8, choices="@期"),
            C("分野", required=True, width=8, choices="@分野"),
            C("施策", K.NAME, 36, required=True),
            C("事務事業名", K.NAME, 40, required=True),
            C("抜粋元", width=9, note="他の事業の一部抜粋として別行で載る場合、その事業ID"),
            C("開始日", K.DATE, 12, required=True),
            C("終了日", K.DATE, 12),
            C("事業目的", K.TEXT, 50),
            C("事業内容", K.TEXT, 50),
            C("事業費計", K.AMOUNT, 14, note="千円。未定は —"),
            C("事業費の注記", K.TEXT, 30),
            C("内容の出典", K.TEXT, 30),
            C("備考", K.TEXT, 60),
        ),
        key=("事業ID",),
        frozen_columns=1,
    ),
    Sheet(
        "掲載",
        "ビジョン別冊（改訂版）での掲載ページ",
        (
            C("事業ID", required=True, width=9),
            C("事務事業名", K.NAME, 40),
            C("改訂日", K.DATE, 12, required=True),
            C("掲載ページ", K.INT, 10, required=True),
        ),
        key=("事業ID", "改訂日"),
        frozen_columns=1,
    ),
    Sheet(
        "参加",
        "事業への市町の参加。参加した日と終えた日で期間を表す（●参加、★提案市町）",
        (
            C("事業ID", required=True, width=9),
            C("事務事業名", K.NAME, 40),
            C("市町", required=True, width=12, choices="@連携市町"),
            C("印", required=True, width=6, choices="●,★"),
            C("開始日", K.DATE, 12, required=True),
            C("終了日", K.DATE, 12),
            C("根拠", K.TEXT, 28),
            C("備考", K.TEXT, 60),
        ),
        key=("事業ID", "市町", "開始日"),
        frozen_columns=1,
    ),
    Sheet(
        "工程",
        "工程及び事業費（見込額）。年度ごとの工程と事業費（千円）",
        (
            C("事業ID", required=True, width=9),
            C("年度", K.YEAR, 8, required=True),
            C("工程", width=12, choices="協議,方針の決定,実施,→"),
            C("事業費", K.AMOUNT, 14, note="千円。未定は —、空欄は記載なし"),
        ),
        key=("事業ID", "年度"),
        frozen_columns=1,
    ),
    Sheet(
        "役割",
        "役割・費用負担（岡山市、連携市町）",
        (
            C("事業ID", required=True, width=9),
            C("主体", required=True, width=10, choices="岡山市,連携市町"),
            C("役割", K.TEXT, 70, required=True),
            C("出典", K.TEXT, 30),
        ),
        key=("事業ID", "主体"),
        frozen_columns=1,
    ),
    Sheet(
        "KPI",
        "重要業績評価指標。基準値・目標値とその年度",
        (
            C("KPI_ID", required=True, width=10),
            C("事業ID", required=True, width=9),
            C("順", K.INT, 5, required=True),
            C("指標", K.NAME, 40, required=True),
            C("単位", width=10),
            C("基準値", K.VALUE, 12),
            C("基準値の補足", width=10),
            C(
                "基準値の表記",
                width=12,
                note="公表資料の表記（▲862人、6.0冊 など）。数値の書式で同じに書けないときだけ入れる",
            ),
            C("基準年度", K.YEAR, 9),
            C("基準時点", width=20, note="資料の表記（平成28年度、平成29年7月13日現在 など）"),
            C("目標値", K.VALUE, 12),
            C("目標値の補足", width=10),
            C(
                "目標値の表記",
                width=12,
                note="公表資料の表記（▲862人、6.0冊 など）。数値の書式で同じに書けないときだけ入れる",
            ),
            C("目標年度", K.YEAR, 9),
            C("目標年度（終了）", K.YEAR, 9, note="令和6～8年度 のような範囲の終わり"),
            C("目標時点", width=20),
            C(
                "報告する市町",
                width=14,
                note="様式でこの指標の値を尋ねる市町：各市町（参加する市町がそれぞれ報告。空欄も同じ）、"
                "岡山市（岡山市だけが測る。連携市町には尋ねない）、または市町名を「、」で区切って",
            ),
            C(
                "選択肢名",
                width=12,
                note="言葉で答える指標（方針の決定・完工など）の答えの一覧。「選択肢」シートの選択肢名",
            ),
            C("出典", K.TEXT, 30),
            C("備考", K.TEXT, 40),
        ),
        key=("KPI_ID",),
        frozen_columns=1,
    ),
    Sheet(
        "KPI実績",
        "KPI の現状値。年度・市町ごと（圏域全体の値は 圏域全体）",
        (
            C("KPI_ID", required=True, width=10, written=True),
            C("年度", K.YEAR, 8, required=True, written=True),
            C("市町", required=True, width=12, choices="@報告主体", written=True),
            C("現状値", K.VALUE, 12, required=True, written=True),
            C("補足", width=10),
            C(
                "現状値の表記",
                width=12,
                note="公表資料の表記（▲862人、6.0冊 など）。数値の書式で同じに書けないときだけ入れる",
            ),
            C("時点", width=20),
            C("変動理由", K.TEXT, 40, written=True),
            C("出典", K.TEXT, 30),
        ),
        key=("KPI_ID", "年度", "市町"),
        frozen_columns=1,
    ),
    Sheet(
        "実績",
        "年度ごとの事業計画・取組実績・今後の課題（市町ごと。全体は 圏域全体）",
        (
            C("事業ID", required=True, width=9, written=True),
            C("年度", K.YEAR, 8, required=True, written=True),
            C("市町", required=True, width=12, choices="@報告主体", written=True),
            C("事業計画", K.TEXT, 50),
            C("取組実績", K.TEXT, 50, written=True),
            C("今後の課題・改善点", K.TEXT, 50, written=True),
            C("次年度の意向", width=12, written=True),
            C("出典", K.TEXT, 30),
        ),
        key=("事業ID", "年度", "市町"),
        frozen_columns=1,
    ),
    Sheet(
        "協約書",
        "連携協約書（市町ごと）",
        (
            C("市町", required=True, width=12, choices="@連携市町"),
            C("協約書名", K.NAME, 40, required=True),
            C("締結日", K.DATE, 12, required=True),
            C("備考", K.TEXT, 60),
        ),
        key=("市町",),
    ),
    Sheet(
        "協約",
        "連携協約書 別表：取組ごとの取組内容、甲（岡山市）と乙（市町）の役割",
        (
            C("市町", required=True, width=12, choices="@連携市町"),
            C("分野", required=True, width=8, choices="@分野"),
            C("順", K.INT, 5, required=True),
            C("取組", K.NAME, 36, required=True),
            C("取組内容", K.TEXT, 60, required=True),
            C("甲の役割", K.TEXT, 40, required=True),
            C("乙の役割", K.TEXT, 40, required=True),
        ),
        key=("市町", "分野", "順"),
    ),
    Sheet(
        "圏域間連携",
        "【参考】圏域間連携事業",
        (
            C("連携先", K.NAME, 28, required=True),
            C("事務事業名", K.NAME, 36, required=True),
            C("事業目的", K.TEXT, 60),
            C("事業内容", K.TEXT, 50),
            C("出典", K.TEXT, 30),
        ),
        key=("連携先", "事務事業名"),
    ),
    Sheet(
        "入力項目",
        "市町への回答様式で尋ねる項目（XLSForm の survey にあたる）。見出し・必須・文字数・入力メッセージを変えられる",
        (
            C(
                "項目ID",
                required=True,
                width=14,
                note="okaxl が取り込み先を知るための名前。変えないでください",
            ),
            C("対象", required=True, width=8, choices="事業,KPI"),
            C("見出し", K.NAME, 24, required=True),
            C("種類", required=True, width=12, choices="文字,数値,選択"),
            C("選択肢名", width=12, note="種類が 選択 のとき、「選択肢」シートの選択肢名"),
            C("必須", required=True, width=8, choices="必須,任意,条件付き"),
            C("文字数上限", K.INT, 10),
            C("入力メッセージ", K.TEXT, 50),
        ),
        key=("項目ID",),
    ),
    Sheet(
        "選択肢",
        "回答様式のドロップダウンの選択肢（XLSForm の choices にあたる）",
        (
            C("選択肢名", required=True, width=12),
            C("値", K.NAME, 16, required=True),
            C("順", K.INT, 6, required=True),
        ),
        key=("選択肢名", "値"),
    ),
    Sheet(
        "マージ履歴",
        "回答の取り込み履歴（okaxl merge が追記する）",
        (
            C("日時", width=20, written=True),
            C("担当者", width=12, written=True),
            C("ファイル", K.NAME, 36, written=True),
            C("SHA-256", width=20, written=True),
            C("市町", width=12, written=True),
            C("年度", K.YEAR, 8, written=True),
            C("状態", width=10, written=True),
            C("変更件数", K.INT, 9, written=True),
            C("備考", K.TEXT, 50, written=True),
        ),
        log=True,
    ),
    Sheet(
        "確認済み警告",
        "確認して「このままでよい」とした警告。コード・シート・セル・値が同じ警告は検証で数えない（値が変われば戻る）",
        (
            C("コード", required=True, width=24, note="検証結果のコード（TEXT_SPACES など）"),
            C("シート", width=12),
            C("セル", width=8),
            C("値", K.TEXT, 40, note="確認したときの値。値が変わると警告に戻る"),
            C("確認者", width=14),
            C("確認日", K.DATE, 12),
            C("理由", K.TEXT, 50),
        ),
        key=("コード", "シート", "セル"),
        log=True,
        optional=True,
    ),
    Sheet(
        "情報",
        "このブックについて",
        (
            C("項目", width=20, required=True),
            C("値", K.TEXT, 60),
        ),
        key=("項目",),
    ),
)

BY_NAME = {s.name: s for s in SHEETS}

# A hidden sheet that holds the lists behind the drop-downs ("@連携市町" above); the writer
# fills it from the tables each time it writes, so it never holds data of its own.
LIST_SHEET = "リスト"
README_SHEET = "説明"  # what each sheet holds, written by okaxl master build
DERIVED_SHEETS = (README_SHEET, LIST_SHEET)


def sheet(name: str) -> Sheet:
    return BY_NAME[name]


def column_letter(index: int) -> str:
    """1 → A, 27 → AA."""
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
