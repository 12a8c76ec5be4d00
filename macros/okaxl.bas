Attribute VB_Name = "okaxl"
Option Explicit
' okaxl launcher. Every ribbon control and sheet button runs one okaxl action through xlwings:
' the action name is the only thing VBA knows; everything else happens in Python (okaxl.excel).
' ASCII only: Japanese labels live in the ribbon XML and on the sheet, never in VBA.

Public Sub OkaxlRibbon(control As IRibbonControl)
    OkaxlRun control.Tag
End Sub

Public Sub OkaxlRun(action As String)
    RunPython "import okaxl.excel as e; e.run('" & action & "')"
End Sub

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
