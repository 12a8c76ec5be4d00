@echo off
setlocal EnableExtensions
rem okaxl をこの PC から外します: 仮想環境と夜間検証のタスクを消し、設定・ランチャー・改ざん検知の鍵は残します。
set "VENV=%LOCALAPPDATA%\okaxl\.venv"
if not defined OKAXL_PROJECT set "OKAXL_PROJECT=%USERPROFILE%\okaxl"
echo okaxl をこの PC から外します（%VENV% を削除します）。
echo 設定とランチャー（%OKAXL_PROJECT%）、改ざん検知の鍵（%USERPROFILE%\.okaxl）は残します。
echo やめるときは、このウィンドウを閉じてください。
if not defined OKAXL_NO_PAUSE pause
schtasks /Query /TN "okaxl\validate" >nul 2>&1 && schtasks /Delete /TN "okaxl\validate" /F
if exist "%VENV%" rmdir /s /q "%VENV%"
if exist "%VENV%" goto :busy
echo okaxl を外しました。
if not defined OKAXL_NO_PAUSE pause
exit /b 0
:busy
echo エラー: %VENV% を消せません。Excel を閉じてから、もう一度実行してください。
if not defined OKAXL_NO_PAUSE pause
exit /b 1
