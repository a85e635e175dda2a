"""The trusted-proxy sign-in against a real server (`streamlit run app.py` on 127.0.0.1, tools/serve.py): what a local
process can send straight to the port, over the same WebSocket a browser opens, with headers a browser cannot send
(a header twice). Checks that Streamlit hands repeated headers to the app (uvicorn → starlette → st.context.headers)
and that the app refuses them, and logs why.
"""
from __future__ import annotations

import time

import pytest

from operations import accounts, audit
from tools import serve

SECRET = "3f9c1d7e0b5a48c2a6e1f0d9b8c7a6e5d4c3b2a1"
HEADER, SECRET_HEADER = "X-Remote-User", "X-Kiemdiem-Proxy-Secret"


@pytest.fixture(scope="module")
def server(sc_db, tmp_path_factory):
    folder = tmp_path_factory.mktemp("proxy_that")
    book = folder / "accounts.toml"
    accounts.add("ubkt", "uy_ban_kiem_tra", password="mat-khau-dai-du-10", name="UBKT", path=book)
    accounts.add("quantri", "quan_tri", password=None, name="QUANTRI", path=book)
    log = folder / "audit.jsonl"
    env = {"KIEMDIEM_ACCOUNTS": str(book), "KIEMDIEM_AUDIT": str(log), "KIEMDIEM_TRUSTED_USER_HEADER": HEADER,
           "KIEMDIEM_TRUSTED_PROXY_SECRET": SECRET, "KIEMDIEM_TRUSTED_PROXY_SECRET_FILE": ""}
    with serve.serve(sc_db, env) as url:
        yield url, log


def open_session(url: str, headers: list[tuple[str, str]]) -> bytes:
    """Open the app's WebSocket with these handshake headers, ask for one run, return every message of it."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ClientState_pb2 import ClientState
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from websockets.sync.client import connect
    out = []
    with connect(url.replace("http://", "ws://") + "/_stcore/stream", additional_headers=headers,
                 subprotocols=["streamlit"], open_timeout=30) as ws:
        ws.send(BackMsg(rerun_script=ClientState(query_string="", page_script_hash="")).SerializeToString())
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            msg = ForwardMsg()
            msg.ParseFromString(ws.recv(timeout=60))
            out.append(msg.SerializeToString())
            if msg.WhichOneof("type") == "script_finished":
                return b"".join(out)
    raise AssertionError("the run did not finish")


def new_events(log, before: int) -> list[dict]:
    return audit.read(log)[before:] if log.exists() else []


@pytest.mark.parametrize("headers, signed_in", [
    ([(HEADER, "ubkt"), (SECRET_HEADER, SECRET)], "ubkt"),
    ([(HEADER, "quantri")], None),                                              # straight to the port
    ([(HEADER, "quantri"), (SECRET_HEADER, "doan-bua")], None),
    ([(HEADER, "ubkt"), (HEADER, "quantri"), (SECRET_HEADER, SECRET)], None),    # first copy used to win
    ([(HEADER, "quantri"), (HEADER, "ubkt"), (SECRET_HEADER, SECRET)], None),
    ([(HEADER, "ubkt"), (SECRET_HEADER, "doan-bua"), (SECRET_HEADER, SECRET)], None),
], ids=["dung_bi_mat", "khong_bi_mat", "sai_bi_mat", "ten_lap_lai", "ten_lap_lai_nguoc", "bi_mat_lap_lai"])
def test_a_real_server_signs_in_only_the_proxy_with_its_secret(server, headers, signed_in):
    url, log = server
    before = len(audit.read(log)) if log.exists() else 0
    shown = open_session(url, headers)
    events = new_events(log, before)
    if signed_in:
        assert [(e["user"], e["action"]) for e in events] == [(signed_in, "dang_nhap")]
        assert "Đăng nhập: ".encode() in shown
    else:
        assert [(e["user"], e["action"]) for e in events] == [("?", "tu_choi")], events
        assert "Đăng nhập: ".encode() not in shown and "QUANTRI".encode() not in shown
        assert SECRET not in log.read_text(encoding="utf-8")



def _handshake(url: str, host: str) -> int:
    """The status of a WebSocket handshake to the app's port whose Host header (and Origin) name `host`."""
    import socket

    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect
    port = int(url.rsplit(":", 1)[1])
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        with connect(f"ws://{host}:{port}/_stcore/stream", sock=sock, origin=f"http://{host}:{port}",
                     subprotocols=["streamlit"], open_timeout=30):
            return 101
    except InvalidStatus as exc:
        return exc.response.status_code


def test_a_page_on_another_host_name_cannot_open_the_app_dns_rebinding(server):
    """A web page on evil.test whose name is made to resolve to 127.0.0.1 (DNS rebinding) reaches the app as the same
    origin; the Host header is the one thing that tells it apart: only loopback names are served."""
    url, _ = server
    assert _handshake(url, "evil.test") == 403
    assert _handshake(url, "localhost") == 101 and _handshake(url, "127.0.0.1") == 101
