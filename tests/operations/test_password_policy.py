"""The password policy (security review, issue 25, item 9b): wherever a password is set — `account add` and
`account passwd`, through operations/accounts.py or the command line — a guessable one is refused with a Vietnamese reason,
and a long passphrase or a shorter mixed password is accepted."""
from __future__ import annotations

import io
import sys

import pytest

from operations import accounts
from commands import etl_cli as cli

REFUSED = {   # password: a word the message must contain
    "aaaaaaaaaa": "ít nhất",                           # the review's example: 10 times the same letter
    "aaaaaaaaaaaaaaaaaaaa": "lặp",                     # long, but one character repeated
    "abababababababababab": "lặp",
    "xyzxyzxyzxyzxyzxyz": "lặp",
    "matkhaumatkhau2024!": "lặp",                      # one word twice, digits and a symbol on the end
    "1234567890123456": "liên tiếp",
    "abcdefghijklmnopqr": "liên tiếp",
    "Abcdef1234567!": "liên tiếp",
    "987654321zyxwvu": "liên tiếp",
    "Password2024!": "quá phổ biến",
    "Matkhau@2024": "quá phổ biến",
    "Mật khẩu 2024!": "quá phổ biến",                  # the same word with its accents
    "qwertyuiop1234": "quá phổ biến",
    "Nguyenvana2024!": "tên đăng nhập",
    "chungtoidenday": "ba trong bốn loại",            # 14 lower-case letters: too short for one kind
    "bonmuoihaingay": "ba trong bốn loại",
    "aaaaaaaaaaab": "lặp",
}
ACCEPTED = [
    "mat-khau-dai-du-10",                              # the passwords the other tests use
    "mot-mat-khau-dai",
    "mat-khau-bi-thu-01",
    "Hoa sen nở 7 giờ",                                # 16 characters: a passphrase, any kinds
    "con meo trèo cây cau",
    "Ts9#kLw2!pQz",                                    # 12 characters, four kinds
    "ngay-mai-15h",                                    # 12 characters, three kinds
]


@pytest.mark.parametrize("password, why", sorted(REFUSED.items()))
def test_a_weak_password_is_refused_with_the_reason(password, why):
    with pytest.raises(accounts.AccountError, match=why):
        accounts.check_password_strength(password, "nguyenvana")


@pytest.mark.parametrize("password", ACCEPTED)
def test_a_reasonable_password_is_accepted(password):
    accounts.check_password_strength(password, "nguyenvana")


def test_the_policy_applies_to_add_and_passwd(tmp_path):
    path = tmp_path / "tk.toml"
    with pytest.raises(accounts.AccountError):
        accounts.add("nguyenvana", "ban_thuong_vu", password="aaaaaaaaaaaaaaaaaaaa", path=path)
    assert accounts.load(path) == {}
    accounts.add("nguyenvana", "ban_thuong_vu", password="Hoa sen nở 7 giờ", path=path)
    before = accounts.load(path)["nguyenvana"].password
    with pytest.raises(accounts.AccountError):
        accounts.update("nguyenvana", password="1234567890123456", path=path)
    assert accounts.load(path)["nguyenvana"].password == before              # unchanged
    accounts.update("nguyenvana", password="con meo trèo cây cau", path=path)
    assert accounts.authenticate("nguyenvana", "con meo trèo cây cau", path)
    accounts.add("proxy1", "ban_thuong_vu", password=None, path=path)         # proxy-only: no password to judge


@pytest.mark.parametrize("action", ["add", "passwd"])
def test_the_command_line_refuses_aaaaaaaaaa(tmp_path, monkeypatch, capsys, action):
    path = tmp_path / "tk.toml"
    monkeypatch.setenv("KIEMDIEM_ACCOUNTS", str(path))
    monkeypatch.setenv("KIEMDIEM_AUDIT", str(tmp_path / "audit.jsonl"))
    monkeypatch.setenv("KIEMDIEM_DB", str(tmp_path / "khong_co.duckdb"))
    if action == "passwd":
        accounts.add("nguyenvana", "ban_thuong_vu", password="mat-khau-dai-du-10", path=path)
    argv = ["account", action, "nguyenvana", "--password-stdin"] + (["--role", "ban_thuong_vu"] * (action == "add"))
    for password in ("aaaaaaaaaa", "aaaaaaaaaaaaaaaa"):
        monkeypatch.setattr(sys, "stdin", io.StringIO(password + "\n"))
        assert cli.main(argv) != 0
        assert "Mật khẩu" in capsys.readouterr().out
    assert (accounts.authenticate("nguyenvana", "mat-khau-dai-du-10", path) is not None) == (action == "passwd")
