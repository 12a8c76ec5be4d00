Attribute VB_Name = "okaxl"
Option Explicit
' okaxl launcher. Every ribbon control and sheet button runs one okaxl action through xlwings:
' the action name is the only thing VBA knows; everything else happens in Python (okaxl.excel).
' ASCII only: Japanese labels live in the ribbon XML and on the sheet, never in VBA.

Public Sub OkaxlRibbon(control As IRibbonControl)
    OkaxlRun control.Tag
End Sub

Public Sub OkaxlRun(action As String)
    If Not OkaxlPythonFound() Then Exit Sub
    RunPython "import okaxl.excel as e; e.run('" & action & "')"
End Sub

' Before Python is called: the interpreter xlwings will start (Interpreter_Win, environment
' variables expanded by xlwings' GetConfig) must exist. If not, a message box names the path and
' says what to do; its Japanese text lives on the hidden sheet okaxl.messages (cell B1).
Private Function OkaxlPythonFound() As Boolean
    Dim interpreter As String, message As String
    interpreter = GetConfig("INTERPRETER_WIN", "")
    OkaxlPythonFound = True
    If InStr(interpreter, "\") = 0 Then Exit Function ' a bare name such as pythonw: Windows searches PATH
    If CreateObject("Scripting.FileSystemObject").FileExists(interpreter) Then Exit Function
    OkaxlPythonFound = False
    On Error Resume Next
    message = ThisWorkbook.Worksheets("okaxl.messages").Range("B1").Value
    On Error GoTo 0
    If message = "" Then message = "Python was not found: {path}" & vbLf & "Run install.bat, then okaxl doctor."
    MsgBox Replace(message, "{path}", interpreter), vbExclamation, "okaxl"
End Function

Public Sub OkaxlValidate()
    OkaxlRun "validate"
End Sub

Public Sub OkaxlMatrix()
    OkaxlRun "matrix"
End Sub

Public Sub OkaxlTownView()
    OkaxlRun "town_view"
End Sub

Public Sub OkaxlForms()
    OkaxlRun "forms"
End Sub

Public Sub OkaxlCheckInbox()
    OkaxlRun "check_inbox"
End Sub

Public Sub OkaxlMergeInbox()
    OkaxlRun "merge_inbox"
End Sub

Public Sub OkaxlProgress()
    OkaxlRun "progress"
End Sub

Public Sub OkaxlAnnex()
    OkaxlRun "annex"
End Sub

Public Sub OkaxlRevision()
    OkaxlRun "revision"
End Sub
