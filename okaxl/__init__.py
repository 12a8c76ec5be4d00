"""okaxl: 岡山連携中枢都市圏のマスターブックを検証し、公表資料を作り、市町の回答を取りまとめる。"""

from okaxl import moved

__version__ = "0.1.0"
moved.install()
