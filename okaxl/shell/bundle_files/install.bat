@echo off
setlocal EnableExtensions DisableDelayedExpansion
rem okaxl @VERSION@ をこの PC に入れます。インターネットは使いません。
rem   1. 持ち込んだファイルを SHA256SUMS と照合する（1つでも違えば何もしない）
rem   2. Python @PYTHON@ を探す（py -@PYTHON@、または OKAXL_PYTHON に python.exe のパス）
rem   3. 仮想環境 %LOCALAPPDATA%\okaxl\.venv を作り直し、wheels フォルダーだけから入れる（--no-index）
rem      ランチャー okaxl.xlsm の Python の設定は %LOCALAPPDATA%\okaxl\.venv\Scripts\pythonw.exe
rem   4. ランチャーと config.toml を %USERPROFILE%\okaxl（OKAXL_PROJECT で変更可）に置く
rem      （config.toml とテンプレートは、既にあれば上書きしない）
rem   5. okaxl doctor で設定を確かめる
set "BUNDLE=%~dp0"
set "VENV=%LOCALAPPDATA%\okaxl\.venv"
if not defined OKAXL_PROJECT set "OKAXL_PROJECT=%USERPROFILE%\okaxl"
pushd "%BUNDLE%" || goto :no_bundle

echo [1/5] 持ち込んだファイルを SHA256SUMS と照合しています…
if not exist "SHA256SUMS" goto :no_sums
set "BAD="
for /f "usebackq tokens=1,* delims= " %%a in ("SHA256SUMS") do call :verify %%a "%%b"
if defined BAD goto :bad_files

echo [2/5] Python @PYTHON@ を探しています…
if defined OKAXL_PYTHON goto :have_python
for /f "delims=" %%p in ('py -@PYTHON@ -c "import sys; print(sys.executable)" 2^>nul') do set "OKAXL_PYTHON=%%p"
if not defined OKAXL_PYTHON goto :no_python
:have_python
"%OKAXL_PYTHON%" -c "import sys; sys.exit(sys.version_info[:2] != (@PYMAJOR@, @PYMINOR@))" >nul 2>&1 || goto :wrong_python
echo       %OKAXL_PYTHON%

echo [3/5] 仮想環境 %VENV% を作り、wheels フォルダーから入れています（インターネットは使いません）…
if exist "%VENV%" rmdir /s /q "%VENV%"
if exist "%VENV%" goto :venv_busy
"%OKAXL_PYTHON%" -m venv "%VENV%" || goto :venv_failed
"%VENV%\Scripts\python.exe" -m pip install --quiet --disable-pip-version-check --no-index --find-links "%BUNDLE%wheels" --require-hashes -r "%BUNDLE%requirements.txt" || goto :pip_failed
if not exist "%VENV%\Scripts\pythonw.exe" goto :venv_failed

echo [4/5] ランチャーと設定を %OKAXL_PROJECT% に置いています…
if not exist "%OKAXL_PROJECT%\macros" mkdir "%OKAXL_PROJECT%\macros" || goto :copy_failed
copy /y "%BUNDLE%project\macros\okaxl.xlsm" "%OKAXL_PROJECT%\macros\okaxl.xlsm" >nul || goto :launcher_busy
if not exist "%OKAXL_PROJECT%\config.toml" copy "%BUNDLE%project\config.toml" "%OKAXL_PROJECT%\config.toml" >nul || goto :copy_failed
if not exist "%OKAXL_PROJECT%\templates" mkdir "%OKAXL_PROJECT%\templates" || goto :copy_failed
if not exist "%OKAXL_PROJECT%\templates\progress.xlsx" copy "%BUNDLE%project\templates\progress.xlsx" "%OKAXL_PROJECT%\templates\progress.xlsx" >nul || goto :copy_failed
rem zip から出したファイルの「インターネットから来た」印（Mark of the Web）を外す。マクロが止められないように
powershell -NoProfile -NonInteractive -Command "Get-ChildItem -LiteralPath $env:OKAXL_PROJECT -Recurse -File | Unblock-File" >nul 2>&1

echo [5/5] okaxl doctor で設定を確かめています…
"%VENV%\Scripts\okaxl.exe" doctor --config "%OKAXL_PROJECT%\config.toml"
set "RESULT=%ERRORLEVEL%"
echo.
echo okaxl @VERSION@ を入れました。
echo   ランチャーが使う Python: %VENV%\Scripts\pythonw.exe
echo   ランチャー: %OKAXL_PROJECT%\macros\okaxl.xlsm
echo   設定ファイル: %OKAXL_PROJECT%\config.toml
if not "%RESULT%"=="0" echo 上の「要修正」の → の対処をしてから、もう一度 okaxl doctor を実行してください（手順書 setup_windows.md の「困ったとき」）。
popd
if not defined OKAXL_NO_PAUSE pause
exit /b 0

:verify
set "FILE=%~2"
set "FILE=%FILE:/=\%"
if not exist "%FILE%" echo       ありません: %FILE%& set "BAD=1"& goto :eof
set "ACTUAL="
for /f "skip=1 delims=" %%h in ('certutil -hashfile "%FILE%" SHA256') do if not defined ACTUAL set "ACTUAL=%%h"
set "ACTUAL=%ACTUAL: =%"
if /i not "%ACTUAL%"=="%~1" echo       内容が違います: %FILE%& set "BAD=1"
goto :eof

:no_bundle
echo エラー: 配布フォルダー %BUNDLE% を開けません。zip をすべて展開したフォルダーで install.bat を実行してください。
goto :fail
:no_sums
echo エラー: SHA256SUMS がありません。zip をすべて展開したフォルダーで install.bat を実行してください。
goto :fail
:bad_files
echo エラー: 持ち込んだファイルが SHA256SUMS と合いません（上に名前があります）。何も入れていません。
echo 転送の途中で変わったか、足りません。配布元の zip を、無害化（ファイルの変換）をせずに持ち込み直してください。
goto :fail
:no_python
echo エラー: Python @PYTHON@ が見つかりません（py -@PYTHON@ が動きません）。
echo Python @PYTHON@ を入れるか（情報政策の担当課に依頼）、python.exe のパスを set OKAXL_PYTHON=C:\…\python.exe で指定してから実行してください。
goto :fail
:wrong_python
echo エラー: %OKAXL_PYTHON% は Python @PYTHON@ ではありません。この配布は Python @PYTHON@ 用です（okaxl bundle --python で作り直せます）。
goto :fail
:venv_busy
echo エラー: 古い仮想環境 %VENV% を消せません。Excel（ランチャー）を閉じてから、もう一度実行してください。
goto :fail
:venv_failed
echo エラー: 仮想環境 %VENV% を作れませんでした。ディスクの空きと、%LOCALAPPDATA% に書き込めるかを確かめてください。
goto :fail
:pip_failed
echo エラー: wheels フォルダーから入れられませんでした（上に pip の表示があります）。この配布が別の Python 用か、ファイルが足りません。
goto :fail
:launcher_busy
echo エラー: %OKAXL_PROJECT%\macros\okaxl.xlsm を置き換えられません。Excel でランチャーを閉じてから、もう一度実行してください。
goto :fail
:copy_failed
echo エラー: %OKAXL_PROJECT% にファイルを置けません。書き込めるフォルダーを set OKAXL_PROJECT=… で指定してから実行してください。
goto :fail
:fail
popd 2>nul
if not defined OKAXL_NO_PAUSE pause
exit /b 1
