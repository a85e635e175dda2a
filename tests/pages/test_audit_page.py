"""AppTest of pages/audit.py ("Nhật ký truy cập"): the page says the log is intact, and after its last lines are cut
it says so and lists every problem."""
from __future__ import annotations

from operations import audit


def test_the_page_reports_a_cut_log(open_app, sc_db, tmp_path, monkeypatch):
    log = tmp_path / "nk" / "audit.jsonl"
    monkeypatch.setenv("KIEMDIEM_AUDIT", str(log))
    for i in range(6):
        audit.record("xem_ca_nhan", user="ubkt", role="uy_ban_kiem_tra", what="member_names", rows=i)
    at = open_app(sc_db)
    at.switch_page("pages/audit.py").run()
    assert not at.exception
    assert "Nhật ký nguyên vẹn" in at.success[0].value

    log.write_text("".join(line + "\n" for line in log.read_text(encoding="utf-8").splitlines()[:-3]),
                   encoding="utf-8")
    at.run()
    assert "đã bị sửa, bị xóa dòng hoặc bị hỏng" in at.error[0].value
    problems = at.dataframe[0].value
    assert problems["Vấn đề"].str.contains("thiếu 3 dòng cuối").any()
