"""The audit log against the attacks of the hostile review: deleting its last lines, truncating or deleting the file,
re-hashing the chain after removing events, one enormous field, and several breaks at once."""
from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys

import pytest

from operations import audit
from tests.conftest import ROOT


@pytest.fixture
def log(tmp_path, monkeypatch):
    path = tmp_path / "audit" / "audit.jsonl"
    monkeypatch.setenv("KIEMDIEM_AUDIT", str(path))
    monkeypatch.delenv("KIEMDIEM_AUDIT_KEY_DIR", raising=False)
    for i in range(40):
        audit.record("xem_ca_nhan", user=f"ubkt{i % 3}", role="uy_ban_kiem_tra", what="member_names",
                     filters={"unit": f"X{i}", "year": 2024}, rows=i)
    assert audit.verify(path).intact
    return path


def lines(path):
    return path.read_text(encoding="utf-8").splitlines()


def write(path, kept):
    path.write_text("".join(line + "\n" for line in kept), encoding="utf-8")


def test_an_intact_log_verifies_and_its_key_and_anchor_are_private_and_elsewhere(log):
    v = audit.verify(log)
    assert v.intact and v.lines == 40 and v.problems == []
    keys = audit.key_dir(log)
    assert keys != log.parent and not keys.is_relative_to(log.parent)
    assert stat.S_IMODE(keys.stat().st_mode) == 0o700
    for f in keys.iterdir():
        assert stat.S_IMODE(f.stat().st_mode) == 0o600, f


@pytest.mark.parametrize("cut", [1, 30])
def test_deleting_the_last_lines_is_detected(log, cut):
    write(log, lines(log)[:-cut])
    v = audit.verify(log)
    assert not v.intact
    assert any(f"thiếu {cut} dòng cuối" in why for _, why in v.problems), v.problems


def test_truncating_or_deleting_the_file_is_detected(log):
    log.write_bytes(b"")
    assert "thiếu 40 dòng cuối" in audit.verify(log).summary()
    log.unlink()
    assert "tệp nhật ký bị xóa" in audit.verify(log).summary()


def test_a_log_rewritten_and_rehashed_without_the_key_does_not_verify(log):
    """The old chain was a plain SHA-256: removing the personal-data views and recomputing every hash passed."""
    kept, prev = [], audit.GENESIS
    for line in lines(log):
        ev = json.loads(line)
        if ev["user"] == "ubkt1":           # the events someone wants gone
            continue
        body = {k: v for k, v in ev.items() if k != "hash"}
        body["prev"] = prev
        text = json.dumps(body, ensure_ascii=False, sort_keys=True, default=str)
        body["hash"] = prev = hashlib.sha256((prev + "\n" + text).encode("utf-8")).hexdigest()
        kept.append(json.dumps(body, ensure_ascii=False))
    write(log, kept)
    v = audit.verify(log)
    assert not v.intact
    assert sum("bị sửa" in why for _, why in v.problems) == len(kept)      # every line, not only the first


def test_deleting_lines_and_the_anchor_still_shows_on_the_next_line_written(log):
    write(log, lines(log)[:-5])
    for f in audit.key_dir(log).glob("*.anchor"):
        f.unlink()
    assert "mất điểm neo" in audit.verify(log).summary()
    audit.record("dang_nhap", user="quantri", role="quan_tri")          # the app goes on writing
    v = audit.verify(log)
    assert [n for n, why in v.problems if "điểm neo đã mất" in why] == [36]


def test_every_break_is_reported_not_only_the_first(log):
    text = lines(log)
    text[4] = text[4].replace('"rows": 4', '"rows": 0')
    del text[20]
    text[30] = "không phải JSON"
    write(log, text)
    where = [n for n, _ in audit.verify(log).problems]
    assert 5 in where and 21 in where and 31 in where
    assert any(n is None for n in where)            # and the count against the anchor


def test_a_huge_field_stays_a_short_line_and_the_chain_holds(log):
    audit.record("dang_nhap_sai", user="a" * 70_000, detail="b" * 70_000, filters={"k" * 1000: "v" * 70_000})
    audit.record("dang_nhap", user="ubkt0", role="uy_ban_kiem_tra")
    assert max(len(line) for line in lines(log)) < 4000
    last = audit.read(log)[-2]
    assert last["user"].startswith("a" * 500) and "dài 70000 ký tự" in last["user"]
    assert audit.verify(log).intact


def test_appending_a_forged_line_is_detected(log):
    ev = json.loads(lines(log)[-1])
    forged = {**ev, "user": "ai_do", "prev": ev["hash"]}
    forged["hash"] = hashlib.sha256(b"x").hexdigest()
    write(log, [*lines(log), json.dumps(forged, ensure_ascii=False)])
    v = audit.verify(log)
    assert [n for n, _ in v.problems] == [41, 41]         # its hash, and past the anchor


def test_a_log_from_before_the_key_is_continued_and_covered(tmp_path, monkeypatch):
    path = tmp_path / "cu" / "audit.jsonl"
    path.parent.mkdir()
    prev, old = audit.GENESIS, []
    for i in range(3):                  # as the previous version wrote them
        body = {"ts": "2026-11-01T08:00:00", "user": "ubkt", "role": None, "action": "dang_nhap", "what": "",
                "filters": {}, "rows": None, "detail": None, "prev": prev}
        text = json.dumps(body, ensure_ascii=False, sort_keys=True)
        body["hash"] = prev = hashlib.sha256((prev + "\n" + text).encode("utf-8")).hexdigest()
        old.append(json.dumps(body, ensure_ascii=False))
    write(path, old)
    audit.record("dang_nhap", user="ubkt", path=path)
    assert audit.verify(path).intact and audit.verify(path).lines == 4
    edited = lines(path)
    edited[1] = edited[1].replace('"ubkt"', '"khac"')
    write(path, edited)
    assert [n for n, _ in audit.verify(path).problems] == [2]


def test_the_command_line_lists_every_problem_and_fails(log):
    write(log, lines(log)[:-2])
    done = subprocess.run([sys.executable, "-m", "etl", "audit", "--verify"], cwd=ROOT, capture_output=True,
                          text=True, env={**os.environ, "KIEMDIEM_AUDIT": str(log)}, timeout=60)
    assert done.returncode == 1
    assert "thiếu 2 dòng cuối" in done.stdout and "Traceback" not in done.stderr
