"""The sidebar's sign-in line names the account and its unit (loaded text): shown as typed, never read as Markdown."""
from __future__ import annotations

from streamlit.testing.v1 import AppTest

from operations import accounts
from tests.conftest import HOSTILE_TAG, ROOT


def test_the_signed_in_line_shows_names_as_text(hostile_db, tmp_path, monkeypatch):
    from queries import runner, scope
    con = scope.connect(hostile_db)
    unit = runner.run(con, "units_tree", {}).iloc[1]
    con.close()
    book = tmp_path / "tk.toml"
    accounts.add("bithu", "bi_thu", password="Mat-khau-dai-2025", name="Lê ![a](http://example.invalid/a.png)",
                 unit=unit["unit_code"], path=book)
    monkeypatch.setenv("KIEMDIEM_DB", str(hostile_db))
    monkeypatch.setenv("KIEMDIEM_ACCOUNTS", str(book))
    monkeypatch.setenv("KIEMDIEM_AUDIT", str(tmp_path / "nk" / "audit.jsonl"))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.text_input(key="login_user").set_value("bithu")
    at.text_input(key="login_password").set_value("Mat-khau-dai-2025")
    at.button[0].click().run()
    line = next(c.value for c in at.sidebar.caption if c.value.startswith("Đăng nhập:"))
    assert "![a](" not in line and "\\[a\\]" in line
    assert HOSTILE_TAG not in line                # the unit's hostile name is escaped too
