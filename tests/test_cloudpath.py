"""A workbook path that Excel reports as an OneDrive or SharePoint URL becomes the synced folder on
this PC when there is one; when there is none, staff are told which URL and what to do."""

from __future__ import annotations

import pytest
from xlwings.utils import fullname_url_to_local_path

from okaxl.errors import OkaxlError
from okaxl.shell.cloudpath import in_synced_folder, local_path

PERSONAL = "https://d.docs.live.net/5f3a2b1c0d9e8f7a/岡山 連携/macros/okaxl.xlsm"
BUSINESS = "https://okayamacity-my.sharepoint.com/personal/tanaka_city_okayama_lg_jp/Documents/岡山 連携/macros/okaxl.xlsm"
HYPHEN = "https://okayama-city-my.sharepoint.com/personal/tanaka_city_okayama_lg_jp/Documents/岡山 連携/macros/okaxl.xlsm"


@pytest.fixture
def pc(tmp_path, monkeypatch):
    """A PC with no OneDrive settings of its own: a home folder of its own, no OneDrive variables,
    no xlwings user configuration."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("USERPROFILE", str(tmp_path / "home"))
    for name in ("OneDrive", "OneDriveCommercial", "OneDriveConsumer"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "home").mkdir()
    fullname_url_to_local_path.cache_clear()  # xlwings remembers each URL's answer for the process
    yield tmp_path
    fullname_url_to_local_path.cache_clear()


def _synced(root, relative="岡山 連携/macros/okaxl.xlsm"):
    path = root.joinpath(*relative.split("/"))
    path.parent.mkdir(parents=True)
    path.write_bytes(b"PK")
    return path


class TestMappedToTheSyncedFolder:
    def test_onedrive_personal(self, pc, monkeypatch):
        monkeypatch.setenv("OneDrive", str(pc / "OneDrive"))
        book = _synced(pc / "OneDrive")
        assert local_path(PERSONAL) == book

    def test_onedrive_for_business(self, pc, monkeypatch):
        monkeypatch.setenv("OneDriveCommercial", str(pc / "OneDrive - 岡山市"))
        book = _synced(pc / "OneDrive - 岡山市")
        assert local_path(BUSINESS) == book

    def test_business_tenant_with_a_hyphen(self, pc, monkeypatch):
        """xlwings' own pattern rejects such a tenant; okaxl still finds the file."""
        monkeypatch.setenv("OneDriveCommercial", str(pc / "OneDrive - 岡山市"))
        book = _synced(pc / "OneDrive - 岡山市")
        assert local_path(HYPHEN) == book

    def test_the_launchers_setting_names_the_folder(self, pc):
        """ONEDRIVE_COMMERCIAL_WIN on the launcher's xlwings.conf sheet, for a folder elsewhere."""
        book = _synced(pc / "D" / "同期")
        assert local_path(BUSINESS, {"ONEDRIVE_COMMERCIAL_WIN": str(pc / "D" / "同期")}) == book

    def test_a_path_is_left_as_it_is(self):
        unc = r"\\fileserver\共有\岡山 連携\macros\okaxl.xlsm"
        assert str(local_path(unc)) == unc


class TestNoSyncedFolder:
    @pytest.mark.parametrize(
        ("url", "kind", "setting"),
        [
            (PERSONAL, "OneDrive（個人用）", "ONEDRIVE_CONSUMER_WIN"),
            (BUSINESS, "OneDrive for Business", "ONEDRIVE_COMMERCIAL_WIN"),
        ],
    )
    def test_says_which_url_and_what_to_do(self, pc, url, kind, setting):
        with pytest.raises(OkaxlError) as caught:
            local_path(url)
        message = str(caught.value)
        assert url in message and kind in message
        assert "同期フォルダー" in message and "開き直して" in message and setting in message

    def test_synced_folder_present_but_not_the_file(self, pc, monkeypatch):
        monkeypatch.setenv("OneDrive", str(pc / "OneDrive"))
        (pc / "OneDrive").mkdir()
        with pytest.raises(OkaxlError, match="見つかりません"):
            local_path(PERSONAL)


class TestSyncedFolders:
    def test_under_a_folder_the_client_names(self, tmp_path):
        env = {"OneDriveCommercial": str(tmp_path / "OneDrive - 岡山市")}
        assert in_synced_folder(tmp_path / "OneDrive - 岡山市" / "okaxl" / "master.xlsx", env) == str(
            tmp_path / "OneDrive - 岡山市"
        )
        assert in_synced_folder(tmp_path / "okaxl" / "master.xlsx", env) is None

    def test_windows_path_named_like_onedrive(self):
        path = r"C:\Users\tanaka\OneDrive - 岡山市\okaxl\workbooks\master.xlsx"
        assert in_synced_folder(path, {}) == r"C:\Users\tanaka\OneDrive - 岡山市"
        assert in_synced_folder(r"\\fileserver\共有\okaxl\master.xlsx", {}) is None
