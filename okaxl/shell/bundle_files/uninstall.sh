#!/bin/sh
# okaxl をこの PC から外します: 仮想環境だけを消し、設定・ランチャー・改ざん検知の鍵は残します。
set -eu
home=${OKAXL_HOME:-${XDG_DATA_HOME:-$HOME/.local/share}/okaxl}
rm -rf "$home/.venv"
echo "okaxl を外しました（$home/.venv を削除）。設定（${OKAXL_PROJECT:-$HOME/okaxl}）と鍵（~/.okaxl）は残しています。"
echo "夜間検証を crontab に登録していたら、crontab -e でその行を消してください。"
