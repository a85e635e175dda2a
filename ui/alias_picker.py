"""The import page's step "Chọn đơn vị cho tên chưa nhận ra" (issue 21): after a check, each distinct unit name that
was rejected because it matched no unit or two units (etl/unit_names.asks_for_unit) gets a choice of unit — the
candidates first, then whatever a search over the catalogue finds — and a button "Ghi nhớ tên này" that remembers
the name as an alias of that unit (etl/aliases.remember: a published write of the warehouse), logged in the audit
log. The clerk then checks the file again and the rows load. Only on the import page, which already requires the
right to import.
"""
from __future__ import annotations

import hashlib
import os

import streamlit as st

from etl import aliases, unit_names, warehouse
from ui import access, data, state
from vocab import fmt

MAX_FOUND = 200                 # units a search adds to the choice
SHOWN_PLACES = 3
ss = st.session_state
_REGISTRY: dict = {}            # (path, mtime, size) → the loader's registry: one warehouse version at a time


def saved_notice() -> None:
    """After a name was remembered: which unit, and what to do next (shown at the top of the check step)."""
    if ss.get("_alias_saved"):
        st.success(fmt.plain(ss.pop("_alias_saved")), icon=":material/bookmark_added:")


def _registry():
    path = warehouse.db_path()
    try:
        st_ = os.stat(path)
    except OSError:
        return None
    key = (str(path), st_.st_mtime_ns, st_.st_size)
    if key not in _REGISTRY:
        _REGISTRY.clear()
        _REGISTRY[key] = aliases.registry(path)
    return _REGISTRY[key]


def _found(text: str) -> list[str]:
    """Units of the catalogue (the user's tree) whose name or code matches the search, in tree order."""
    tree = data.tree()
    if tree is None or not text.strip():
        return []
    units = tree.frame
    mask = state.search_mask(units["name_key"], units["unit_code"], text)
    return units.loc[mask, "unit_code"].head(MAX_FOUND).tolist()


def offer(result, user) -> bool:
    """The choice for each rejected name of a check; True when a name was just remembered (the caller drops the check,
    which is out of date, and reruns)."""
    if not any(unit_names.asks_for_unit(r.reason) for f in result.files for r in f.rejects):
        return False
    reg = _registry()
    if reg is None:
        return False
    names = aliases.unresolved(result, reg)
    if not names:
        return False
    tree = data.tree()
    labels = tree.label if tree is not None else {}
    st.markdown(f"**Chọn đơn vị cho tên chưa nhận ra ({fmt.number(len(names))})**")
    st.caption("Tên đơn vị trên biểu không khớp với đơn vị nào, hoặc khớp với nhiều đơn vị. Chọn đúng đơn vị rồi bấm "
               "“Ghi nhớ tên này”: từ nay tên này (viết có dấu hay không dấu, hoa hay thường) được hiểu là đơn vị đó "
               "ở mọi lần nạp. Sau đó bấm “Kiểm tra tệp” lại.")
    for u in names:
        h = hashlib.md5(u.key.encode()).hexdigest()[:10]
        with st.container(border=True):
            what = "khớp với nhiều đơn vị" if u.ambiguous else "không khớp với đơn vị nào trong danh mục"
            st.markdown(f"Tên **{fmt.plain(u.name)}** — {what}")
            more = len(u.places) - SHOWN_PLACES
            st.caption("Gặp ở: " + "; ".join(fmt.plain(p) for p in u.places[:SHOWN_PLACES])
                       + (f" và {fmt.number(more)} chỗ khác" if more > 0 else ""))
            text = st.text_input("Tìm đơn vị khác trong danh mục (tên hoặc mã)", key=f"alias_search_{h}",
                                 placeholder="gõ có dấu hoặc không dấu")
            options = [None, *u.candidates]
            options += [c for c in _found(text or "") if c not in options]

            def label(c, cands=u.candidates):
                if c is None:
                    return "— chọn đơn vị —"
                if c in cands:
                    return "Gợi ý: " + unit_names.describe(reg, c)
                return f"{labels.get(c, reg.units.get(c, {}).get('name', c))} · {c}"
            code = st.selectbox("Đơn vị đúng của tên này", options, key=f"alias_pick_{h}", format_func=label)
            if text and len(options) == 1 + len(u.candidates):
                st.caption(f"Không tìm thấy đơn vị nào khớp với “{fmt.plain(text)}”.")
            if st.button("Ghi nhớ tên này", key=f"alias_save_{h}", icon=":material/bookmark_add:",
                         disabled=code is None):
                try:
                    a = aliases.remember(warehouse.db_path(), u.name, code, user.user)
                except aliases.AliasError as exc:
                    st.error(fmt.plain(str(exc)), icon=":material/block:")
                    continue
                access.log("ghi_nho_ten_don_vi", what=a.alias, filters={"don_vi": a.unit_code},
                           detail=f"tên '{a.alias}' là đơn vị {a.unit_code} ({a.unit_name})")
                data.drop_connections()          # the next run reads the version just published
                _REGISTRY.clear()
                ss["_alias_saved"] = (f"Đã ghi nhớ: tên '{a.alias}' là đơn vị {a.unit_code} ({a.unit_name}). "
                                      "Bấm “Kiểm tra tệp” lại để đọc tệp với tên này.")
                return True
    return False
