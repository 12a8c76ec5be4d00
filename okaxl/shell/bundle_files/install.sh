#!/bin/sh
# okaxl @VERSION@ をこの PC（Linux）に入れます。インターネットは使いません。
#   1. 持ち込んだファイルを SHA256SUMS と照合する
#   2. Python @PYTHON@ を確かめる（OKAXL_PYTHON で指定できます）
#   3. 仮想環境 ${OKAXL_HOME:-~/.local/share/okaxl}/.venv を作り、wheels/ だけから入れる（--no-index）
#   4. ランチャーと config.toml を ${OKAXL_PROJECT:-~/okaxl} に置く（config.toml とテンプレートは上書きしない）
#   5. okaxl doctor で設定を確かめる
set -eu
bundle=$(cd "$(dirname "$0")" && pwd)
home=${OKAXL_HOME:-${XDG_DATA_HOME:-$HOME/.local/share}/okaxl}
venv=$home/.venv
project=${OKAXL_PROJECT:-$HOME/okaxl}
python=${OKAXL_PYTHON:-python@PYTHON@}
cd "$bundle"

echo "[1/5] 持ち込んだファイルを SHA256SUMS と照合しています…"
if ! sha256sum --check --quiet --strict SHA256SUMS; then
    echo "エラー: 持ち込んだファイルが SHA256SUMS と合いません（上に名前があります）。配布元の zip を取り直してください。" >&2
    exit 1
fi

echo "[2/5] Python @PYTHON@ を確かめています（$python）…"
if ! "$python" -c 'import sys; sys.exit(sys.version_info[:2] != (@PYMAJOR@, @PYMINOR@))' 2>/dev/null; then
    echo "エラー: Python @PYTHON@ が見つかりません（$python）。この配布は Python @PYTHON@ 用です。OKAXL_PYTHON に python@PYTHON@ のパスを指定してください。" >&2
    exit 1
fi

echo "[3/5] 仮想環境 $venv を作り、wheels から入れています（インターネットは使いません）…"
rm -rf "$venv"
mkdir -p "$home"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-index \
    --find-links "$bundle/wheels" --require-hashes -r "$bundle/requirements.txt"

echo "[4/5] ランチャーと設定を $project に置いています…"
mkdir -p "$project/macros" "$project/templates"
cp "$bundle/project/macros/okaxl.xlsm" "$project/macros/okaxl.xlsm"
[ -e "$project/config.toml" ] || cp "$bundle/project/config.toml" "$project/config.toml"
[ -e "$project/templates/progress.xlsx" ] || cp "$bundle/project/templates/progress.xlsx" "$project/templates/progress.xlsx"

echo "[5/5] okaxl doctor で設定を確かめています…"
status=0
"$venv/bin/okaxl" doctor --config "$project/config.toml" || status=$?
echo
echo "okaxl @VERSION@ を入れました: $venv/bin/okaxl（設定: $project/config.toml）"
if [ "$status" -ne 0 ]; then
    echo "上の「要修正」の → の対処をしてから、もう一度 okaxl doctor を実行してください。"
fi
