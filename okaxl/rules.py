"""Every rule okaxl checks, in one table: code, severity, message and hint (Japanese).

Messages and hints are templates filled with the offending value and its context, so that a
reader sees all rules at once here, and the README's rule list is generated from this table.
"""

from __future__ import annotations

from dataclasses import dataclass

from okaxl.problems import Problem, Severity

E, W = Severity.ERROR, Severity.WARNING


@dataclass(frozen=True, slots=True)
class Rule:
    severity: Severity
    group: str
    message: str
    hint: str


RULES: dict[str, Rule] = {
    # ブックの形
    "SHEET_MISSING": Rule(
        E,
        "ブック",
        "シート「{sheet}」がありません。",
        "シート名を変えた場合は元の名前に戻してください。削除した場合はバックアップから復元してください。",
    ),
    "SHEET_UNEXPECTED": Rule(
        W,
        "ブック",
        "想定していないシート「{value}」があります。",
        "okaxl はこのシートを読みません。作業用であればそのままで構いません。",
    ),
    "COLUMN_MISSING": Rule(
        E,
        "ブック",
        "シート「{sheet}」に列「{column}」がありません。",
        "1行目の見出しに「{column}」を戻してください（列名を変えた場合は元の名前に）。",
    ),
    "COLUMN_UNEXPECTED": Rule(
        W,
        "ブック",
        "シート「{sheet}」に想定していない列「{value}」があります。",
        "okaxl はこの列を読みません。メモ用の列であればそのままで構いません。",
    ),
    "HEADER_MOVED": Rule(
        E,
        "ブック",
        "シート「{sheet}」の見出しが1行目にありません（{row}行目にあります）。",
        "見出しの上に挿入した行を削除し、見出しを1行目に戻してください。",
    ),
    "FORMULA_IN_VALUE": Rule(
        E,
        "ブック",
        "数式「{value}」が入っています。",
        "マスターには値を入力してください（数式をコピーし、「値として貼り付け」）。",
    ),
    "ERROR_VALUE": Rule(
        E, "ブック", "エラー値「{value}」が入っています。", "正しい値を入力し直してください。"
    ),
    "MERGED_CELLS": Rule(
        E,
        "機械判読",
        "データ範囲に結合セル（{value}）があります。",
        "セルの結合を解除し、各セルに値を入れてください（1セル1データ）。",
    ),
    "MASTER_OPEN": Rule(
        W,
        "ブック",
        "マスターブックが Excel で開かれています（{value} があります）。保存していない編集は検証されていません。",
        "編集を保存してから検証し直してください。",
    ),
    # マスターへの書き込み（okaxl merge）
    "MASTER_MERGED_TARGET": Rule(
        E,
        "書き込み",
        "取り込む値を書くセルが、結合したセル（{value}）の中にあります。",
        "セルの結合を解除してから、もう一度 okaxl merge を実行してください（マスターは変更していません）。",
    ),
    "MASTER_FORMULA_TARGET": Rule(
        E,
        "書き込み",
        "取り込む値を書くセルに数式「{value}」があります。okaxl は数式を上書きしません。",
        "このセルの数式を削除するか値に置き換えてから、もう一度 okaxl merge を実行してください。",
    ),
    "MASTER_FORMULA_NOT_COPIED": Rule(
        E,
        "書き込み",
        "新しい行の見本にする上の行の数式「{value}」（配列数式など）を、新しい行に写せません。",
        "その数式を通常の数式に直すか、データの表の外（別のシートなど）に移してから、もう一度実行してください。",
    ),
    "MASTER_TABLE_TOTALS": Rule(
        E,
        "書き込み",
        "テーブル「{table}」（{value}）に集計行があるため、テーブルの下に行を追加できません。",
        "テーブルを選び「テーブル デザイン」タブで「集計行」をオフにしてから、もう一度実行してください。",
    ),
    "MASTER_STRICT": Rule(
        E,
        "書き込み",
        "マスター {value} が「Strict Open XML スプレッドシート」形式で保存されています。",
        "Excel で開き「名前を付けて保存」で「Excel ブック (*.xlsx)」を選んで保存し直してください。",
    ),
    "MASTER_UNREADABLE": Rule(
        E,
        "書き込み",
        "マスター {value} の中身を書き換えのために読めません（{why}）。",
        "Excel で開いて保存し直してから、もう一度実行してください。直らない場合は担当者に連絡してください。",
    ),
    # 値の型
    "VALUE_REQUIRED": Rule(E, "入力", "「{column}」が空欄です。", "「{column}」を入力してください。"),
    "NOT_A_NUMBER": Rule(
        E,
        "機械判読",
        "「{column}」が数値ではありません：「{value}」。",
        "半角の数字だけを入力してください（単位・桁区切り・▲は入れない）。{suggestion}",
    ),
    "NUMBER_WITH_UNIT": Rule(
        E,
        "機械判読",
        "「{column}」に単位や記号が付いています：「{value}」。",
        "数値だけを入力してください（{suggestion}）。単位は「単位」列に書きます。",
    ),
    "NUMBER_FULL_WIDTH": Rule(
        E,
        "機械判読",
        "「{column}」が全角の数字で文字として入力されています：「{value}」。",
        "半角の数値 {suggestion} として入力し直してください。",
    ),
    "NOT_A_DATE": Rule(
        E,
        "入力",
        "「{column}」が日付ではありません：「{value}」。",
        "日付として入力してください（例 2025/4/1）。{suggestion}",
    ),
    "NOT_A_YEAR": Rule(
        E, "入力", "「{column}」は西暦の年度（例 2025）で入力してください：「{value}」。", "{suggestion}"
    ),
    "COST_INVALID": Rule(
        E,
        "工程・事業費",
        "事業費「{value}」は千円単位の0以上の整数でも「—」でもありません。",
        "千円単位の整数を入力してください。未定は「—」です。",
    ),
    # 名称
    "TOWN_UNKNOWN": Rule(E, "名称", "市町「{value}」は「市町」シートにありません。", "{suggestion}"),
    "PILLAR_UNKNOWN": Rule(
        E, "名称", "分野「{value}」は「分野」シートにありません。", "Ⅰ・Ⅱ・Ⅲ のいずれかを選んでください。"
    ),
    "PERIOD_UNKNOWN": Rule(
        E, "名称", "期「{value}」は「期」シートにありません。", "第1期・第2期 のいずれかを選んでください。"
    ),
    "MEASURE_UNKNOWN": Rule(
        E,
        "名称",
        "施策「{value}」は「施策」シートの{period}にありません。",
        "「施策」シートの名前と同じにしてください。{suggestion}",
    ),
    "MEASURE_PILLAR_MISMATCH": Rule(
        E,
        "名称",
        "施策「{value}」は分野 {expected} の施策ですが、分野が {actual} になっています。",
        "分野を {expected} にするか、施策を選び直してください。",
    ),
    "PROJECT_NAME_DUPLICATE": Rule(
        E,
        "名称",
        "{period}に同じ事務事業名「{value}」が複数あります（{other}）。",
        "事業名を区別するか、重複した行を削除してください。",
    ),
    "ID_DUPLICATE": Rule(
        E,
        "名称",
        "ID「{value}」が重複しています（{other}）。",
        "ID は一意にしてください。新しい行には新しい ID を付けます（使い終えた ID も再利用しない）。",
    ),
    "ID_REUSED": Rule(
        E,
        "名称",
        "ID「{value}」は保存した版（{version}）で別の事業「{earlier}」に使われていました。",
        "使い終えた ID は再利用しません。この事業には新しい ID を付けてください（同じ事業の名前を変えただけなら、施策は元のままにします）。",
    ),
    "ID_UNKNOWN": Rule(
        E,
        "名称",
        "{column}「{value}」は「{target}」シートにありません。",
        "「{target}」シートにある ID を入力してください。",
    ),
    "PROJECT_NAME_MISMATCH": Rule(
        W,
        "名称",
        "事務事業名「{value}」が「事業」シートの名前「{expected}」と違います。",
        "「事業」シートの名前に合わせてください（この列は確認用で、ID が優先されます）。",
    ),
    "CHOICE_INVALID": Rule(
        E,
        "名称",
        "「{column}」の値「{value}」は選択肢にありません。",
        "{choices} のいずれかを選んでください。",
    ),
    "KEY_DUPLICATE": Rule(
        E, "名称", "同じ {key} の行が複数あります（{other}）。", "重複した行をまとめるか削除してください。"
    ),
    # 印
    "MARK_INVALID": Rule(
        E,
        "印",
        "印「{value}」は使えません。",
        "参加は「●」、提案市町は「★」にしてください（○・◯・〇・■・✓・1 などは使いません）。",
    ),
    # 参加
    "PARTICIPATION_END_BEFORE_START": Rule(
        E,
        "参加",
        "{town}の参加の終了日 {end} が開始日 {start} より前です。",
        "開始日と終了日を確認してください。",
    ),
    "PARTICIPATION_OVERLAP": Rule(
        E,
        "参加",
        "{town}の参加期間が {other} の行と重なっています。",
        "同じ市町・事業の期間が重ならないよう、終了日か開始日を直してください。",
    ),
    "PARTICIPATION_OUTSIDE_PROJECT": Rule(
        E,
        "参加",
        "{town}の参加期間（{start}〜{end}）が事業の期間（{project_start}〜{project_end}）の外にあります。",
        "参加の開始日・終了日を事業の期間内にしてください（事業を終えた場合は参加も終えます）。",
    ),
    "PROJECT_NO_TOWNS": Rule(
        E,
        "参加",
        "事業「{value}」に参加する市町が1つもありません。",
        "「参加」シートに参加市町の行を追加してください（抜粋行を除く）。",
    ),
    "PROPOSER_NOT_TAKING_PART": Rule(
        W,
        "参加",
        "提案市町（★）{town}が事業の開始日 {project_start} に参加していません。",
        "★ の行の開始日を事業の開始日にするか、印を ● にしてください。",
    ),
    # 工程・事業費
    "STAGE_INVALID": Rule(
        E,
        "工程・事業費",
        "工程「{value}」は使えません。",
        "協議・方針の決定・実施・→ のいずれかを選んでください。{suggestion}",
    ),
    "STAGE_ARROW_FIRST": Rule(
        E,
        "工程・事業費",
        "「→」の前の年度に工程がありません。",
        "「→」は前の年度の工程が続くことを表します。最初の年度には 協議・方針の決定・実施 を入れてください。",
    ),
    "COST_TOTAL_MISMATCH": Rule(
        E,
        "工程・事業費",
        "事業費計 {value:,} 千円が各年度の合計 {expected:,} 千円と合いません。",
        "各年度の事業費か事業費計を直してください。",
    ),
    "YEAR_OUTSIDE_PERIOD": Rule(
        E,
        "年度",
        "年度 {value} が{period}（{first}〜{last}年度）の外です。",
        "{period}の年度を入力してください。",
    ),
    # KPI
    "KPI_BASELINE_INCOMPLETE": Rule(
        E,
        "KPI",
        "基準値と基準年度の一方だけが入っています（基準値「{value}」、基準年度「{year}」）。",
        "両方を入れるか、どちらも「－」（空欄）にしてください。",
    ),
    "KPI_TARGET_YEAR_OUTSIDE": Rule(
        W,
        "KPI",
        "目標年度 {value} が{period}（{first}〜{last}年度）の外です。",
        "目標年度を確認してください（期の終わりを超える長期目標なら、このままで構いません）。",
    ),
    "KPI_TARGET_NO_UNIT": Rule(
        E,
        "KPI",
        "数値の目標値 {value} に単位がありません。",
        "「単位」列に単位（人、件、% など）を入力してください。",
    ),
    "KPI_VALUE_NOT_NUMERIC": Rule(
        E,
        "KPI",
        "数値の指標の現状値が数値ではありません：「{value}」。",
        "数値だけを入力してください。{suggestion}",
    ),
    "KPI_VALUE_BEFORE_BASELINE": Rule(
        W, "KPI", "現状値の年度 {value} が基準年度 {expected} より前です。", "年度を確認してください。"
    ),
    # 実績
    "RESULT_TOWN_NOT_TAKING_PART": Rule(
        E,
        "実績",
        "{town}は{fy}に事業「{project}」に参加していません。",
        "市町・年度・事業ID を確認してください。参加している場合は「参加」シートを直します。",
    ),
    # 年・日付
    "ERA_YEAR_MISMATCH": Rule(
        E,
        "年度",
        "和暦の表記「{value}」（{era_year}年度）と西暦の年度 {year} が合いません。",
        "どちらかを直してください。",
    ),
    "ERA_OUT_OF_RANGE": Rule(
        W,
        "年度",
        "「{value}」は元号が変わった後の年です。",
        "資料の表記のままで構いませんが、今は「{suggestion}」と書きます。",
    ),
    "DATE_IN_FUTURE": Rule(
        E,
        "年度",
        "{column} {value} が基準日 {as_of} より後です。",
        "まだ来ていない年度・日付の実績は入力できません。年度を確認してください。",
    ),
    # 文字
    "TEXT_SPACES": Rule(
        E, "文字", "前後に空白があります：「{value}」。", "前後の空白（全角・半角）を削除してください。"
    ),
    "TEXT_INNER_SPACES": Rule(
        E,
        "機械判読",
        "位置合わせの空白が入っています：「{value}」。",
        "名前の中の空白を削除してください（{suggestion}）。",
    ),
    "TEXT_LINE_BREAK": Rule(
        E,
        "文字",
        "「{column}」に改行が入っています。",
        "改行を削除してください。この列の改行は公表資料の体裁を崩します。",
    ),
    "TEXT_TOO_LONG": Rule(
        W,
        "文字",
        "「{column}」が {length} 文字あり、公表資料の欄（{limit} 文字）に収まりません。",
        "{limit} 文字以内に要約してください。",
    ),
    "TEXT_FORMULA_LIKE": Rule(
        E,
        "文字",
        "文字の先頭が「{first}」です：「{value}」。",
        "Excel で数式として扱われるおそれがあります（全角の「＝」も同じです）。先頭の記号を削除してください。",
    ),
    "MACHINE_DEPENDENT_CHAR": Rule(
        W,
        "機械判読",
        "機種依存文字「{chars}」が入っています。",
        "{suggestion} のように書き換えてください（丸数字・半角カナ・㈱ などは使わない）。",
    ),
    "DITTO": Rule(
        E,
        "機械判読",
        "「{value}」が値の代わりに入っています。",
        "上の行と同じ値を入力してください（同上・〃 は使わない）。",
    ),
    # 返ってきた回答（市町の様式）: 開けないもの
    "RETURN_EMPTY": Rule(
        E, "回答", "ファイルが空です（0バイト）。", "保存し直したファイルを送ってください。"
    ),
    "RETURN_NOT_WORKBOOK": Rule(
        E,
        "回答",
        "Excel ブックではありません（{value}）。",
        "お送りした回答様式（.xlsx）に入力して、そのまま保存したファイルを送ってください。",
    ),
    "RETURN_OLD_XLS": Rule(
        E,
        "回答",
        "古い形式（Excel 97-2003 ブック .xls）で保存されています。",
        "Excel で開き、「名前を付けて保存」で「Excel ブック (*.xlsx)」を選んで保存し直してください。",
    ),
    "RETURN_HTML_XLS": Rule(
        E,
        "回答",
        "Web ページ（HTML）形式のファイルです。",
        "Excel で開き、「名前を付けて保存」で「Excel ブック (*.xlsx)」を選んで保存し直してください。",
    ),
    "RETURN_ENCRYPTED": Rule(
        E,
        "回答",
        "パスワードで暗号化されています。",
        "「ファイル」→「情報」→「ブックの保護」→「パスワードを使用して暗号化」でパスワードを消してから保存し、送ってください。",
    ),
    "RETURN_XLSB": Rule(
        E,
        "回答",
        "Excel バイナリ ブック（.xlsb）で保存されています。",
        "「名前を付けて保存」で「Excel ブック (*.xlsx)」を選んで保存し直してください。",
    ),
    "RETURN_MACRO": Rule(
        E,
        "回答",
        "マクロが含まれています（{value}）。マクロは実行せず、受け付けません。",
        "「名前を付けて保存」で「Excel ブック (*.xlsx)」（マクロなし）を選んで保存し直してください。",
    ),
    "RETURN_STRICT": Rule(
        E,
        "回答",
        "「Strict Open XML スプレッドシート」形式で保存されています。",
        "「名前を付けて保存」で「Excel ブック (*.xlsx)」を選んで保存し直してください。",
    ),
    "RETURN_UNSAFE": Rule(
        E,
        "回答",
        "ファイルの中身が安全に読めない構造です（{value}）。",
        "お送りした様式に入力し直して保存したファイルを送ってください。",
    ),
    "RETURN_TOO_LARGE": Rule(
        E,
        "回答",
        "ファイルが大きすぎるか、想定外の範囲にデータがあります（{value}）。",
        "お送りした様式の黄色のセルだけに入力し、他の場所の入力を削除して保存し直してください。",
    ),
    "RETURN_UNREADABLE": Rule(
        E, "回答", "ファイルを読めません（{value}）。", "Excel で開けるか確かめ、保存し直して送ってください。"
    ),
    "RETURN_NOT_OKAXL": Rule(
        E,
        "回答",
        "この回答様式は okaxl で作った様式ではありません。",
        "お送りした回答様式（{town_hint}）に入力して送ってください。",
    ),
    "RETURN_METADATA_EDITED": Rule(
        E,
        "回答",
        "様式の識別情報が変更または削除されています（{value}）。",
        "お送りした元の回答様式に入力し直してください。",
    ),
    # 返ってきた回答: 様式の形
    "RETURN_WRONG_TOWN": Rule(
        E,
        "回答",
        "ファイル名は{named}ですが、様式は{town}のものです。",
        "{town}の様式に入力したか確かめ、ファイル名を変えずに送ってください。",
    ),
    "RETURN_WRONG_YEAR": Rule(
        E,
        "回答",
        "{form_year}の様式です（今回の回収は{cycle_year}）。",
        "{cycle_year}の回答様式に入力して送ってください。",
    ),
    "RETURN_LOCKED_EDITED": Rule(
        E,
        "回答",
        "変更できないセルが変更されています（元の値「{expected}」）。",
        "このセルを元の値に戻してください。必要な説明は黄色のセルに書きます。",
    ),
    "RETURN_KEY_DIFFERS": Rule(
        E,
        "回答",
        "この様式は別の PC の鍵で署名されています（様式の鍵 {value}、この PC の鍵 {ours}）。様式が変更されたかどうかを確かめられません。",
        "様式を作った PC の鍵ファイル（config.toml の [forms] key_file）をこの PC の同じ場所に写してから、もう一度確認してください。市町に直してもらう必要はありません。",
    ),
    "RETURN_SIGNATURE_MISMATCH": Rule(
        E,
        "回答",
        "様式の署名が一致しません。保護されたセルか識別情報が変更されています（配布した様式の控えがないため、どのセルかは示せません）。",
        "配布した様式の控え（config.toml の [forms] issued のフォルダ）を戻して確認し直すと、変わったセルを示せます。控えがなければ、新しい様式を送り直してください。",
    ),
    "RETURN_SHEETS_CHANGED": Rule(
        E,
        "回答",
        "シートの構成が変わっています（{value}）。",
        "シートの名前・順番を元に戻し、追加したシートは削除してください。",
    ),
    "RETURN_ROWS_CHANGED": Rule(
        E,
        "回答",
        "回答欄の行が挿入・削除・並べ替えされています（{value}）。",
        "行を元に戻してください（お送りした様式に入力し直すのが確実です）。",
    ),
    "RETURN_MERGED_INPUT": Rule(
        E,
        "回答",
        "入力セルが結合されています（{value}）。",
        "セルの結合を解除し、1セルに1つの値を入力してください。",
    ),
    "RETURN_EXTERNAL_LINK": Rule(
        E,
        "回答",
        "他のファイルへのリンク（外部参照）が含まれています。",
        "「データ」→「リンクの編集」→「リンクの解除」で値にしてから保存してください。",
    ),
    "RETURN_DATE_1904": Rule(
        W,
        "回答",
        "ブックが 1904 年からの日付システムを使っています。",
        "Excel の「オプション」→「詳細設定」→「1904 年から計算する」のチェックを外してください。",
    ),
    "RETURN_DUPLICATE": Rule(
        W,
        "回答",
        "同じ内容の回答 {other} と重複しています。取り込みは一度だけ行います。",
        "同じ回答を何度も送る必要はありません。",
    ),
    "RETURN_ARCHIVE": Rule(
        E,
        "回答",
        "圧縮ファイル（{value}）です。中の回答は確認できません。",
        "ファイルを展開し、中の回答様式（.xlsx）を受信箱に置き直してください。",
    ),
    # 返ってきた回答: マスターと突き合わせて分かること
    "RETURN_CONFLICT": Rule(
        E,
        "回答",
        "既に取り込んだ回答（{file}）では「{old}」でしたが、この回答では「{value}」です。",
        "どちらが正しいかを確かめてください。この回答が正しければ、担当者が okaxl merge --replace で置き換えます。",
    ),
    "RETURN_CONFLICT_BATCH": Rule(
        E,
        "回答",
        "同じ市町・年度の別の回答（{file}）では「{old}」ですが、この回答では「{value}」です。",
        "どちらが正しい回答かを確かめ、正しい方を1つだけ送ってください。",
    ),
    "RETURN_PROJECT_LEFT": Rule(
        W,
        "回答",
        "様式を作った後にマスターが変わり、{town}は{fy}の「{project}」に参加していないことになりました。この行の回答は取り込みません。",
        "参加しているはずであれば、担当者に連絡してください（マスターの「参加」シートを確かめます）。",
    ),
    "RETURN_KPI_REMOVED": Rule(
        W,
        "回答",
        "様式を作った後にマスターから指標「{kpi}」（{value}）がなくなりました。この行の回答は取り込みません。",
        "指標が必要であれば、担当者に連絡してください。",
    ),
    "RETURN_MASTER_BLOCKED": Rule(
        E,
        "回答",
        "この値を書くマスターのセル（{where}）に問題があり、書き込めません：{rule}",
        "担当者がマスターを直してから取り込み直します。市町で直していただくことはありません。",
    ),
    "RETURN_MASTER_RULE": Rule(
        E,
        "回答",
        "この値はマスターの決まりに合いません：{rule}",
        "{hint}",
    ),
    # 返ってきた回答: 入力された値
    "RETURN_FORMULA": Rule(
        E,
        "回答",
        "入力セルに数式「{value}」があります。",
        "数式ではなく値を入力してください（コピーして「値として貼り付け」）。",
    ),
    "RETURN_ERROR_VALUE": Rule(
        E, "回答", "エラー値「{value}」が入っています。", "正しい値を入力してください。"
    ),
    "RETURN_NUMBER_CONVERTED": Rule(
        W,
        "回答",
        "「{value}」を数値 {number} として受け付けました（{how}）。",
        "次回からは半角の数字だけを入力してください。",
    ),
    "RETURN_NUMBER_INVALID": Rule(
        E,
        "回答",
        "「{heading}」が数値として読めません：「{value}」。",
        "半角の数字だけを入力してください{unit_hint}。",
    ),
    "RETURN_NUMBER_RANGE": Rule(
        E,
        "回答",
        "「{heading}」の値 {value} は範囲外です（{why}）。",
        "0 以上の正しい数値を入力してください。",
    ),
    "RETURN_REQUIRED_EMPTY": Rule(
        E, "回答", "必須の「{heading}」が空欄です。", "「{heading}」を入力してください。"
    ),
    "RETURN_REASON_MISSING": Rule(
        E,
        "回答",
        "現状値が直近の現状値（{previous}）から {change} 変わっていますが、変動理由が空欄です。",
        "「変動理由」に理由を入力してください。",
    ),
    "RETURN_CHOICE_INVALID": Rule(
        E,
        "回答",
        "「{heading}」の「{value}」は選択肢にありません。",
        "{choices} のいずれかを選んでください。",
    ),
    "RETURN_TEXT_TOO_LONG": Rule(
        E,
        "回答",
        "「{heading}」が {length} 字あり、上限（{limit} 字）を超えています。",
        "{limit} 字以内にまとめてください。",
    ),
    "RETURN_TEXT_FORMULA_LIKE": Rule(
        E,
        "回答",
        "文字の先頭が「{first}」です。マスターでは、数式と紛らわしい「＝」で始まる文字は受け付けません。",
        "先頭の「＝」を削除するか、言葉で書き直してください。",
    ),
    "RETURN_TEXT_TRIMMED": Rule(
        W,
        "回答",
        "前後の空白を取り除いて受け付けました：「{value}」。",
        "次回からは前後に空白を入れないでください。",
    ),
    "RETURN_TEXT_IS_DATE": Rule(
        E,
        "回答",
        "「{value}」が日付として保存されていて、文章として受け付けられません。",
        "セルの表示形式を「文字列」にしてから入力し直すか、先頭に ' を付けて入力してください。",
    ),
    "RETURN_REFERENCE_ONLY": Rule(
        E,
        "回答",
        "「{value}」だけでは内容が分かりません。",
        "同上・別紙などで済ませず、{heading}の内容そのものを書いてください。",
    ),
    "RETURN_CONTROL_CHARS": Rule(
        E,
        "回答",
        "表示できない制御文字（{value}）が含まれています。",
        "他のソフトから貼り付けた文字を確かめ、入力し直してください。",
    ),
}


def problem(code: str, sheet: str, cell: str | None, value: object, **context: object) -> Problem:
    """A problem of rule `code`, its message and hint filled from the value and context."""
    rule = RULES[code]
    fields = {"sheet": sheet, "value": value, "suggestion": "", **context}
    return Problem(
        rule.severity, code, sheet, cell, value, rule.message.format(**fields), rule.hint.format(**fields)
    )


def rules_markdown() -> str:
    """The table of all rules, for docs/rules.md (a test keeps the page equal to this)."""
    lines = [
        "# 検証ルール一覧 / Validation rules",
        "",
        "`okaxl validate` が確かめるすべてのルール（`okaxl/rules.py` から生成: `python -m okaxl.rules > docs/rules.md`）。",
        "エラーが1件でもあれば終了コードは 1、警告だけなら 0 です。",
        "",
        "| コード | 重要度 | 分類 | 内容 | 直し方 |",
        "| --- | --- | --- | --- | --- |",
    ]
    label = {E: "エラー", W: "警告"}
    for code, rule in RULES.items():
        message = rule.message.replace("|", "｜")
        hint = rule.hint.replace("|", "｜")
        lines.append(f"| `{code}` | {label[rule.severity]} | {rule.group} | {message} | {hint} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(rules_markdown(), end="")
