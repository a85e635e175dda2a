"""Roles and scope: each role sees exactly its pages (navigation of the real app) and only its rows (every query
through the data layer), a unit secretary who edits the URL to another unit still sees only her unit, members' names
only for roles allowed, and a login form in front of everything once accounts exist."""
from __future__ import annotations

import ast
import time

import pytest
from streamlit.testing.v1 import AppTest

from operations import accounts, audit
from queries import runner, scope
from tests.conftest import ROOT
from ui import state

PASSWORD = "mat-khau-dai-du-10"
USERS = {  # user: (role, unit)
    "btv": ("ban_thuong_vu", None), "ubkt": ("uy_ban_kiem_tra", None), "nhaplieu": ("nhap_lieu", None),
    "bithu": ("bi_thu", "X3"), "quantri": ("quan_tri", None),
}
BTV_PAGES = {"pages/overview.py", "pages/distribution.py", "pages/unit_profile.py", "pages/quota.py"}
EXPECTED = {   # pages every role must see (pages other engineers add to the BTV section follow that section)
    "ban_thuong_vu": BTV_PAGES,
    "uy_ban_kiem_tra": BTV_PAGES | {"pages/anomalies.py"},
    "nhap_lieu": BTV_PAGES | {"pages/import.py"},
    "bi_thu": {"pages/overview.py", "pages/distribution.py", "pages/unit_profile.py"},
    "quan_tri": None,   # every page
}
SECTION_DEFAULT = {"Ban Thường vụ": {"ban_thuong_vu", "uy_ban_kiem_tra", "nhap_lieu", "quan_tri"},
                   "Ủy ban Kiểm tra": {"uy_ban_kiem_tra", "quan_tri"}, "Dữ liệu": {"nhap_lieu", "quan_tri"},
                   "Quản trị": {"quan_tri"}, "Tổng quan": {r for r, _ in USERS.values()}}


def app_pages() -> list[tuple[str, str]]:
    """(section, file) of every page app.py lists, read from its PAGES literal."""
    tree = ast.parse((ROOT / "app.py").read_text(encoding="utf-8"))
    node = next(n for n in tree.body if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", "") == "PAGES")
    pages = eval(compile(ast.Expression(node.value), "app.py", "eval"), {"state": state})
    return [(sec, file) for sec, file, *_ in pages]


def expected_pages(role: str) -> set[str]:
    out = set()
    for sec, file in app_pages():
        named = EXPECTED[role]
        known = set().union(*[v for v in EXPECTED.values() if v]) | {"pages/import.py", "pages/audit.py",
                                                                      "pages/anomalies.py"}
        if named is None or file in named or (file not in known and role in SECTION_DEFAULT.get(sec, set())):
            out.add(file)
    return out


@pytest.fixture(scope="module")
def accounts_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("tai_khoan") / "accounts.toml"
    for user, (role, unit) in USERS.items():
        accounts.add(user, role, password=PASSWORD, name=user.upper(), unit=unit, path=path)
    return path


@pytest.fixture
def env(monkeypatch, accounts_file, sc_db, tmp_path):
    monkeypatch.setenv("KIEMDIEM_DB", str(sc_db))
    monkeypatch.setenv("KIEMDIEM_ACCOUNTS", str(accounts_file))
    monkeypatch.setenv("KIEMDIEM_AUDIT", str(tmp_path / "audit.jsonl"))
    monkeypatch.delenv("KIEMDIEM_TRUSTED_USER_HEADER", raising=False)
    return tmp_path / "audit.jsonl"


def signed_in(user: str | None, **params) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    if user:
        at.session_state["_auth"] = {"user": user, "since": time.time()}
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def opens(at: AppTest, page: str) -> bool:
    try:
        at.switch_page(page)
    except ValueError:       # st.navigation did not register it for this user
        return False
    return True


@pytest.mark.parametrize("user", list(USERS))
def test_each_role_sees_exactly_its_pages(env, user):
    role = USERS[user][0]
    at = signed_in(user)
    shown = {file for _, file in app_pages() if opens(at, file)}
    assert shown == expected_pages(role)


def test_login_form_guards_everything_and_is_logged(env):
    at = signed_in(None, don_vi="X1")
    assert [t.value for t in at.title] == ["Đăng nhập"]
    assert not at.selectbox and not at.dataframe                      # no filter, no data before sign-in
    at.text_input(key="login_user").input("ubkt")
    at.text_input(key="login_password").input("sai-mat-khau-roi")
    at.button[0].click().run()
    assert any("không đúng" in e.value for e in at.error)
    at.text_input(key="login_password").input(PASSWORD)
    at.button[0].click().run()
    assert not at.exception and at.title[0].value != "Đăng nhập"
    assert at.selectbox(key="w_unit").value == "X1"                   # the link survives the login
    assert any("UBKT" in c.value for c in at.sidebar.caption)
    actions = [(e["user"], e["action"]) for e in audit.read(env)]
    assert ("ubkt", "dang_nhap_sai") in actions and ("ubkt", "dang_nhap") in actions


def test_secretary_editing_the_url_still_sees_only_her_unit(env):
    for page in (None, "pages/distribution.py", "pages/unit_profile.py"):
        at = signed_in("bithu", don_vi="X1")
        if page:
            at.switch_page(page).run()
        unit = at.selectbox(key="w_unit")
        assert unit.value == "X3"
        assert set(unit.options) == {"Đảng bộ xã An Phú", "Chi bộ thôn Bắc"}
        shown = "\n".join(str(e.value) for kind in ("title", "markdown", "caption") for e in at.get(kind))
        shown += "\n".join(df.value.to_string() for df in at.dataframe)
        for other in ("Hòa Bình", "Hòa Lạc", "Bình Minh", "Sơn Hà", "C11", "X1"):
            assert other not in shown, (page, other)


def test_the_data_layer_clamps_a_unit_outside_the_scope(env):
    """A page (or a hand-made request) asking ui.data.query for another unit gets the user's own unit instead."""
    at = AppTest.from_string("import streamlit as st\nfrom ui import data\n"
                             "for u in ('X1', 'T', 'Đảng bộ xã Hòa Bình', None):\n"
                             "    st.dataframe(data.query('distribution', unit=u, subject='dang_vien'))\n"
                             "st.dataframe(data.query('units_tree'))\n", default_timeout=60)
    at.session_state["_auth"] = {"user": "bithu", "since": time.time()}
    at.run()
    assert not at.exception
    *asked, tree = [d.value for d in at.dataframe]
    for df in asked:
        assert set(df["unit_code"]) == {"X3"} and len(df) == 4          # X3's own numbers, 2022–2025
    assert set(tree["unit_code"]) == {"X3", "C31"}
    refusals = [e for e in audit.read(env) if e["action"] == "tu_choi" and e["user"] == "bithu"]
    assert {e["what"] for e in refusals} >= {"đơn vị X1", "đơn vị T"}
    at.session_state["_auth"] = {"user": "btv", "since": time.time()}
    at.run()
    assert set(at.dataframe[0].value["unit_code"]) == {"X1"}            # an unscoped role gets what it asked for


def test_a_page_opened_without_the_right_refuses_itself(env, tmp_path):
    harness = tmp_path / "harness.py"
    harness.write_text("import streamlit as st\nfrom ui import controls\nwith controls.app_run():\n"
                       f"    st.navigation([st.Page({str(ROOT / 'pages' / 'anomalies.py')!r}, default=True)]).run()\n",
                       encoding="utf-8")
    at = AppTest.from_file(str(harness), default_timeout=60)
    at.session_state["_auth"] = {"user": "btv", "since": time.time()}
    at.run()
    assert any("không được mở trang này" in e.value for e in at.error)
    assert not at.dataframe and not at.title
    at = AppTest.from_file(str(ROOT / "pages" / "import.py"), default_timeout=60)
    at.session_state["_auth"] = {"user": "ubkt", "since": time.time()}
    at.run()
    assert not any(t.value == "Nhập dữ liệu" for t in at.title)


# ───────────── the data layer: every query under a restriction ─────────────

def _params(q: runner.Query, full) -> dict:
    out = {}
    for p in q.params:
        if p.name == "unit":
            out[p.name] = "X1"                       # a unit outside the secretary's scope
        elif p.name == "subject":
            out[p.name] = "dang_vien"
        elif p.name == "chain":
            out[p.name] = full.execute("SELECT chain_id FROM shortcoming_chain_items c JOIN shortcoming_items i "
                                       "USING (item_id) WHERE i.unit_code = 'X1' LIMIT 1").fetchone()[0]
        elif p.name == "keys":
            out[p.name] = ",".join(k for (k,) in full.execute("SELECT member_key FROM member_identities").fetchall())
        elif p.name == "load":
            out[p.name] = 1
        elif not p.optional:
            out[p.name] = {"int": 2024, "float": 0.2, "bool": False}.get(p.type, "x")
    return out


SECRETARY = scope.Restriction(roots=("X3",), individual=False, names=False, rejects=False)
STRUCTURE_ONLY = {"unit_lineage"}      # lineage events may name a predecessor outside the scope (no ratings)


@pytest.mark.parametrize("name", sorted(runner.catalog()))
def test_no_query_reaches_a_row_outside_the_secretarys_subtree(sc_db, name):
    full = scope.connect(sc_db)
    con = scope.connect(sc_db, SECRETARY)
    visible = scope.visible_units(con)
    assert visible == {"X3", "C31"}
    q = runner.get(name)
    params = _params(q, full)
    for unit in ("X1", "T", "Đảng bộ xã Hòa Bình", None):
        if "unit" in params:
            params["unit"] = unit if unit or not any(p.name == "unit" and not p.optional for p in q.params) else "T"
        df = runner.run(con, name, params)
        for col in ("unit_code", "chi_bo_code", "parent_code"):
            if col in df.columns and name not in STRUCTURE_ONLY:
                assert set(df[col].dropna()) <= visible, (name, params, col, set(df[col].dropna()) - visible)
        if "year" in df.columns and "unit_code" in df.columns and len(df) and name not in STRUCTURE_ONLY:
            assert not ((df["unit_code"] == "X3") & (df["year"] < 2022)).any()
    assert runner.run(con, "load_rejects", {"load": 1}).empty


def test_every_warehouse_table_is_classified(sc_db):
    con = scope.connect(sc_db)
    tables = {t for (t,) in con.execute("SELECT table_name FROM information_schema.tables WHERE table_catalog = 'w' "
                                        "AND table_type = 'BASE TABLE'").fetchall()}
    assert tables - set(scope.TABLES) == set(), "classify the new table in queries/scope.TABLES"


def test_individual_rows_and_names_only_for_roles_allowed(demo_db):
    btv = scope.connect(demo_db, scope.Restriction(individual=False, names=False, rejects=False))
    ubkt = scope.connect(demo_db, scope.Restriction(rejects=False))
    admin = scope.connect(demo_db, scope.Restriction(names=False))
    keys = ",".join(k for (k,) in ubkt.execute("SELECT member_key FROM member_identities LIMIT 50").fetchall())
    names = runner.run(ubkt, "member_names", {"keys": keys})
    assert len(names) == 50 and names["full_name"].notna().all()
    assert runner.run(btv, "member_names", {"keys": keys}).empty
    assert runner.run(admin, "member_names", {"keys": keys}).empty
    five = runner.run(ubkt, "five_year_excellent", {})
    assert (five["kind"] == "dang_vien").any()
    assert not (runner.run(btv, "five_year_excellent", {})["kind"] == "dang_vien").any()
    member_keys = {k for (k,) in ubkt.execute("SELECT DISTINCT member_key FROM member_ratings").fetchall()}

    def members(df):     # findings about one member: subject_key is a member's pseudonymous key
        return df[df["subject_key"].isin(member_keys)]
    assert len(members(runner.run(ubkt, "anomalies", {}))) > 0
    assert members(runner.run(btv, "anomalies", {})).empty
    # aggregates are the same for every role
    assert runner.run(btv, "distribution", {}).equals(runner.run(ubkt, "distribution", {}))
    # the member-key salt is never readable through the app
    assert btv.execute("SELECT count(*) FROM meta WHERE key = 'member_key_salt'").fetchone()[0] == 0
    assert ubkt.execute("SELECT count(*) FROM rejected_rows").fetchone()[0] == 0


# ───────────── the other two ways to run: a trusted proxy, and open (no sign-in) ─────────────

def test_identity_from_a_trusted_proxy(env, monkeypatch):
    """The proxy's own requests (they carry its secret; requests without it: tests/ui/test_access_hardening.py)."""
    from ui import access
    secret = "s" * access.MIN_SECRET
    monkeypatch.setenv("KIEMDIEM_TRUSTED_USER_HEADER", "X-Remote-User")
    monkeypatch.setenv("KIEMDIEM_TRUSTED_PROXY_SECRET", secret)
    monkeypatch.delenv("KIEMDIEM_TRUSTED_PROXY_SECRET_FILE", raising=False)

    def proxy_sends(**headers):
        sent = {k.replace("_", "-"): [v] for k, v in headers.items()} | {"x-kiemdiem-proxy-secret": [secret]}
        monkeypatch.setattr(access, "_request_headers", lambda: sent)
    proxy_sends(x_remote_user="UBKT", x_forwarded_for="10.0.0.5")
    at = signed_in(None)
    assert at.title[0].value != "Đăng nhập"
    assert opens(at, "pages/anomalies.py") and not opens(at, "pages/import.py")
    assert not [b for b in at.button if b.key == "dang_xuat"]              # the proxy signs out, not the app
    assert ("ubkt", "dang_nhap") in [(e["user"], e["action"]) for e in audit.read(env)]
    proxy_sends(x_remote_user="nguoi-la")
    at = signed_in(None)
    assert any("chưa được cấp quyền" in e.value for e in at.error) and not at.selectbox
    proxy_sends()
    assert any("không chuyển danh tính" in e.value for e in signed_in(None).error)
    # reachable without the proxy (not on the loopback interface): the header cannot be trusted
    proxy_sends(x_remote_user="ubkt")
    monkeypatch.setattr(access, "_loopback", lambda: False)
    at = signed_in(None)
    assert any("127.0.0.1" in e.value for e in at.error) and not at.selectbox


def test_open_mode_serves_real_data_only_on_this_machine(monkeypatch, sc_db, demo_db, tmp_path):
    from ui import access
    monkeypatch.setenv("KIEMDIEM_ACCOUNTS", str(tmp_path / "khong_co.toml"))
    monkeypatch.delenv("KIEMDIEM_TRUSTED_USER_HEADER", raising=False)
    monkeypatch.setenv("KIEMDIEM_DB", str(sc_db))
    at = signed_in(None)
    assert any("Chế độ dùng thử" in w.value for w in at.sidebar.warning)   # says so
    assert opens(at, "pages/import.py") and opens(at, "pages/audit.py")      # every page
    monkeypatch.setattr(access, "_loopback", lambda: False)                  # reached from another machine
    at = signed_in(None)
    assert any("chỉ phục vụ dữ liệu minh họa" in e.value for e in at.error) and not at.selectbox
    monkeypatch.setenv("KIEMDIEM_DB", str(demo_db))                          # … the demo still opens
    at = signed_in(None)
    assert not at.error and at.selectbox(key="w_unit").value
