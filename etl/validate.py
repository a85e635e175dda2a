"""Row validation: raw cells of one table → normalized rows, and a Vietnamese reason for every row that cannot load.

Works column by column on the distinct values of each column (a label column of a million rows has a dozen distinct
values), so it stays fast on large files. Nothing here writes anything.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import pandas as pd

from etl import normalize as nz
from etl import unit_names
from etl.blocks import Block, col_letter
from etl.layouts import LAYOUTS, LINEAGE_EVENTS

COLLECTIVE_SUBJECTS = {"tccsd", "chi_bo", "cap_uy", "tap_the_lanh_dao"}


@dataclass
class Registry:
    """Known units: the warehouse's and those registered by the files of the same load."""
    units: dict[str, dict] = field(default_factory=dict)          # code → {name, name_key, lives, …}
    # name_key → codes, in the order they were added (a dict used as an ordered set: a national tree has thousands
    # of "Chi bộ thôn 1", and a list made every re-registration scan them)
    by_key: dict[str, dict[str, None]] = field(default_factory=dict)
    # Renames under a new code (lineage doi_ten): old code → [(year, new code)], so a name of another year still
    # finds its unit (etl/unit_names.py).
    renames: dict[str, list[tuple[int, str]]] = field(default_factory=dict)

    def add(self, code: str, name: str, *, first_year=None, last_year=None, key: str | None = None,
            **extra) -> None:
        """Add one version of a unit (versions come in order of first year; the latest names the unit).
        key: the name's search key when the caller already has it (it must equal nz.search_key(name))."""
        key = nz.search_key(name) if key is None else key
        known = self.units.get(code)
        if known is not None:
            lives = known.get("lives", [])
            names = known.get("names", [])
            self.by_key.get(known["name_key"], {}).pop(code, None)
        else:
            lives, names = [], []
        info = {"name": name, "name_key": key}
        info.update(extra)
        info["lives"] = [*lives, (first_year, last_year)]
        info["names"] = [*names, name] if name not in names else names   # every version's name, for forms of any year
        self.units[code] = info
        by = self.by_key.get(key)
        if by is None:
            by = self.by_key[key] = {}
        by[code] = None
        self._lower = None
        self._name_index = None

    _lower: dict | None = field(default=None, repr=False, compare=False)
    _name_index: object = field(default=None, repr=False, compare=False)   # etl/unit_names.NameIndex

    def _lower_codes(self) -> dict[str, list[str]]:
        """Codes by their lower case, in registration order (built when first needed after a change)."""
        if self._lower is None:
            self._lower = {}
            for k in self.units:
                self._lower.setdefault(k.lower(), []).append(k)
        return self._lower

    def reset(self, code: str) -> None:
        """A units file relists a code: its versions replace the ones known so far."""
        if code in self.units:
            self.units[code]["lives"] = []
            self.units[code]["names"] = []

    def alive(self, code: str, year: int) -> bool:
        lives = self.units.get(code, {}).get("lives") or [(None, None)]
        return any((a is None or a <= year) and (b is None or year <= b) for a, b in lives)

    def life_text(self, code: str) -> str:
        parts = [f"{a or '…'}–{b or 'nay'}" for a, b in self.units.get(code, {}).get("lives", [])]
        return ", ".join(parts) or "không rõ"

    def resolve(self, code: object, name: object) -> tuple[str | None, str | None, str | None]:
        """(unit_code, error, column) from a code cell or a name cell."""
        if not nz.is_blank(code):
            c = nz.clean_text(code)
            if c in self.units:
                return c, None, "code"
            # A code typed in another case is still the same code.
            match = self._lower_codes().get(c.lower(), [])
            if len(match) == 1:
                return match[0], None, "code"
            return None, f"không có đơn vị mã '{c}' trong danh mục đơn vị", "code"
        if not nz.is_blank(name):
            key = nz.search_key(name)
            codes = list(self.by_key.get(key, ()))
            if len(codes) == 1:
                return codes[0], None, "name"
            if len(codes) > 1:
                cands = "; ".join(f"{c} ({self.units[c]['name']}, cấp trên {self.units[c].get('parent_code') or '—'})"
                                  for c in codes)
                return None, f"tên đơn vị '{nz.show(name)}' trùng với nhiều đơn vị: {cands} — ghi mã đơn vị", "name"
            near = [c for k, cs in self.by_key.items() if key and (key in k or k in key) for c in cs][:5]
            hint = ("; gần giống: " + "; ".join(f"{c} ({self.units[c]['name']})" for c in near)) if near else ""
            return None, f"không tìm thấy đơn vị tên '{nz.show(name)}' trong danh mục{hint}", "name"
        return None, "thiếu mã hoặc tên đơn vị", "code"


@dataclass
class Checked:
    """Result of checking one block."""
    kind: str                 # target: units, lineage, member_ratings, collective_ratings, aggregate_counts, …
    good: pd.DataFrame        # normalized rows ready to insert (with _row, _raw)
    bad: pd.DataFrame         # _row, _col_name, _value, _reason, _raw


class RowErrors:
    """Collects (column header, value, reason) per row, in column order."""

    def __init__(self, frame: pd.DataFrame, headers: dict[str, str]):
        self.frame = frame
        self.headers = headers
        self.errors: dict[int, list[tuple[str, str, str]]] = {}

    def add(self, mask: pd.Series, field_name: str, reasons: pd.Series | str) -> None:
        for idx in mask[mask].index:
            reason = reasons if isinstance(reasons, str) else reasons.loc[idx]
            value = self.frame.at[idx, field_name] if field_name in self.frame.columns else None
            self.errors.setdefault(idx, []).append((self.headers.get(field_name, field_name), nz.show(value), reason))

    def split(self, good: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
        bad_idx = sorted(self.errors)
        bad = pd.DataFrame({
            "_row": [self.frame.at[i, "_row"] for i in bad_idx],
            "_col_name": [self.errors[i][0][0] for i in bad_idx],
            "_value": [self.errors[i][0][1] for i in bad_idx],
            "_reason": ["; ".join(f"{c}: {r}" if len(self.errors[i]) > 1 else r for c, v, r in self.errors[i])
                        for i in bad_idx],
            "_raw": [self.frame.at[i, "_raw"] for i in bad_idx],
        })
        return good.drop(index=bad_idx), bad


def _map(series: pd.Series, fn) -> tuple[pd.Series, pd.Series]:
    """Apply fn(value) → (value, error) once per distinct value."""
    cache: dict = {}
    vals, errs = [], []
    for v in series.tolist():
        key = None if nz.is_blank(v) else v
        if key not in cache:
            cache[key] = fn(key)
        vals.append(cache[key][0])
        errs.append(cache[key][1])
    return pd.Series(vals, index=series.index, dtype=object), pd.Series(errs, index=series.index, dtype=object)


def _apply(series: pd.Series, fn) -> pd.Series:
    """series.map that keeps Python objects and None (pandas 3 would infer a string dtype with NaN)."""
    return pd.Series([fn(v) for v in series.tolist()], index=series.index, dtype=object)


def _col(frame: pd.DataFrame, name: str) -> pd.Series:
    return frame[name] if name in frame.columns else pd.Series([None] * len(frame), index=frame.index, dtype=object)


def _headers(kind: str) -> dict[str, str]:
    if kind == "report_table":
        return {"year": "Năm", "htxs": "Hoàn thành xuất sắc nhiệm vụ", "htt": "Hoàn thành tốt nhiệm vụ",
                "ht": "Hoàn thành nhiệm vụ", "khtnv": "Không hoàn thành nhiệm vụ", "total": "Tổng số",
                "not_rated": "Không xếp loại", "unit_code": "Đơn vị", "subject": "Đối tượng"}
    return {c.field: c.header for c in LAYOUTS[kind].columns}


EXEMPLARY_CONFLICT = "xếp loại ghi 'tiêu biểu' nhưng cột 'Tiêu biểu' ghi không — không biết bên nào đúng"


def member_key(salt: str, member_code: str) -> str:
    """Stable pseudonym of a party member inside one warehouse (the salt never leaves it)."""
    return hashlib.sha256(f"{salt}|{nz.search_key(member_code).upper()}".encode()).hexdigest()[:16]


def check_block(block: Block, registry: Registry, *, salt: str, unit: str | None, subject: str | None,
                first_year: int, last_year: int) -> Checked:
    frame = block.frame.copy()
    kind = block.kind
    errs = RowErrors(frame, block.headers or _headers(kind))
    out = pd.DataFrame(index=frame.index)
    out["_row"] = frame["_row"]
    out["_raw"] = frame["_raw"]

    def year_col() -> None:
        vals, e = _map(_col(frame, "year"), lambda v: nz.parse_year(v, first_year, last_year))
        errs.add(e.notna(), "year", e)
        out["year"] = vals

    def unit_col(code_field="unit_code", name_field="unit_name", target="unit_code") -> None:
        if block.names == "as_written":     # forms without codes: names as people write them, in the row's year
            years = out["year"] if "year" in out.columns else pd.Series([None] * len(frame), index=frame.index)
            res = [(*unit_names.resolve(registry, n, None if y is None else int(y)), "name")
                   for n, y in zip(_col(frame, name_field), years)]
        else:
            res = [registry.resolve(c, n) for c, n in zip(_col(frame, code_field), _col(frame, name_field))]
        out[target] = [r[0] for r in res]
        for field_name in (code_field, name_field):
            mask = pd.Series([r[1] is not None and r[2] == ("code" if field_name == code_field else "name")
                              for r in res], index=frame.index)
            errs.add(mask, field_name, pd.Series([r[1] for r in res], index=frame.index))
        # A rating names a unit only in the years the unit exists (a merged unit has no ratings after its end).
        if "year" in out.columns:
            dead = pd.Series([c is not None and y is not None and not registry.alive(c, int(y))
                              for c, y in zip(out[target], out["year"])], index=frame.index)
            column = code_field if code_field in frame.columns else name_field
            errs.add(dead, column, pd.Series(
                [f"đơn vị {c} ({registry.units[c]['name']}) không tồn tại trong năm {y} (thời gian tồn tại: "
                 f"{registry.life_text(c)})" if d else None for c, y, d in zip(out[target], out["year"], dead)],
                index=frame.index))

    def subject_col(allowed: set[str] | None = None) -> None:
        vals, e = _map(_col(frame, "subject"), nz.parse_subject)
        if allowed:
            bad = vals.notna() & ~vals.isin(list(allowed))
            e = e.where(~bad, "đối tượng này là cá nhân, không dùng trong bảng xếp loại tập thể")
        errs.add(e.notna(), "subject", e)
        out["subject"] = vals

    def count_col(name: str, required: bool = True) -> None:
        vals, e = _map(_col(frame, name), nz.parse_count)
        if required:
            e = e.where(~(vals.isna() & e.isna()), "thiếu số lượng")
        errs.add(e.notna(), name, e)
        out[name] = vals

    def text_col(name: str, target: str | None = None, required: bool = False) -> None:
        vals = _apply(_col(frame, name), lambda v: None if nz.is_blank(v) else nz.clean_text(v))
        if required:
            errs.add(vals.isna(), name, "thiếu nội dung")
        out[target or name] = vals

    def bool_col(name: str) -> None:
        vals, e = _map(_col(frame, name), nz.parse_bool)
        errs.add(e.notna(), name, e)
        out[name] = vals

    if kind == "units":
        text_col("unit_code", required=True)
        names = _apply(_col(frame, "unit_name"), lambda v: None if nz.is_blank(v) else nz.clean_text(v))
        errs.add(names.isna(), "unit_name", "thiếu tên đơn vị")
        out["name"] = names
        vals, e = _map(_col(frame, "tree_level"), nz.parse_tree_level)
        errs.add(e.notna() | vals.isna() & e.isna(), "tree_level",
                 e.fillna("thiếu cấp tổ chức (Tỉnh ủy, Huyện ủy, Đảng bộ cơ sở, Chi bộ cơ sở, Đảng bộ bộ phận, "
                          "Chi bộ trực thuộc)"))
        out["tree_level"] = vals
        text_col("kind")
        text_col("parent_code")
        for f in ("first_year", "last_year"):
            v, e = _map(_col(frame, f), lambda x: (None, None) if x is None else nz.parse_year(x, 1930, 2100))
            errs.add(e.notna(), f, e)
            out[f] = v
        both = out["first_year"].notna() & out["last_year"].notna()
        errs.add(both & (out["first_year"].fillna(0) > out["last_year"].fillna(0)), "last_year",
                 "'Đến năm' trước 'Từ năm'")
        # Parents must be known — in the warehouse or earlier in this file (checked after registration, see loader).
    elif kind == "lineage":
        year_col()
        for f in ("old_code", "new_code"):
            res = [registry.resolve(c, None) for c in _col(frame, f)]
            out[f] = [r[0] for r in res]
            errs.add(pd.Series([r[1] is not None for r in res], index=frame.index), f,
                     pd.Series([r[1] for r in res], index=frame.index))
        ev = _apply(_col(frame, "event"), lambda v: LINEAGE_EVENTS.get(nz.search_key(v)) if not nz.is_blank(v) else None)
        errs.add(ev.isna(), "event", "hình thức phải là: sáp nhập, chia tách, đổi tên, chuyển cấp trên")
        out["event"] = ev
        sv, se = _map(_col(frame, "share"), nz.parse_number)
        sv = _apply(sv, lambda x: x / 100 if x is not None and x > 1 else x)
        errs.add(se.notna(), "share", se)
        out["share"] = sv
        same = out["old_code"].notna() & (out["old_code"] == out["new_code"]) & (out["event"] != "doi_ten")
        errs.add(same, "new_code", "mã đơn vị mới trùng mã cũ")
    elif kind == "member_ratings":
        year_col()
        codes = _apply(_col(frame, "member_code"), lambda v: None if nz.is_blank(v) else nz.clean_text(v))
        errs.add(codes.isna(), "member_code", "thiếu mã đảng viên")
        out["member_key"] = _apply(codes, lambda c: member_key(salt, c) if c else None)
        out["member_code"] = codes
        out["full_name"] = _apply(_col(frame, "full_name"), lambda v: None if nz.is_blank(v) else nz.person_name(v))
        unit_col(target="chi_bo_code")
        labels, e = _map(_col(frame, "label"), nz.parse_label)
        errs.add(e.notna(), "label", e)
        out["level"] = _apply(labels, lambda lb: lb.level if lb else None)
        out["not_rated_reason"] = _apply(labels, lambda lb: lb.not_rated_reason if lb else None)
        out["label_raw"] = _apply(_col(frame, "label"), lambda v: None if nz.is_blank(v) else nz.show(v))
        bool_col("disciplined")
        text_col("discipline_form")
        bool_col("is_leader")
        led = [registry.resolve(v, None) if not nz.is_blank(v) else (None, None, None)
               for v in _col(frame, "led_unit")]
        out["led_unit_code"] = [r[0] for r in led]
        errs.add(pd.Series([r[1] is not None for r in led], index=frame.index), "led_unit",
                 pd.Series([r[1] for r in led], index=frame.index))
        civ, ce = _map(_col(frame, "civil_label"), lambda v: (None, None) if v is None else nz.parse_label(v))
        errs.add(ce.notna(), "civil_label", ce)
        out["civil_level"] = _apply(civ, lambda lb: lb.level if lb else None)
        count_col("votes_for", required=False)
        count_col("official_members", required=False)
        over = out["votes_for"].notna() & out["official_members"].notna() & \
            (out["votes_for"].fillna(0) > out["official_members"].fillna(0))
        errs.add(over, "votes_for", "số phiếu tán thành lớn hơn số đảng viên chính thức")
        sc, se = _map(_col(frame, "score"), nz.parse_number)
        se = se.where(~(sc.notna() & ((sc.fillna(0) < 0) | (sc.fillna(0) > 100))), "điểm phải trong khoảng 0–100")
        errs.add(se.notna(), "score", se)
        out["score"] = sc
        # A disciplined member with no form given is fine; a form given means disciplined.
        out.loc[out["discipline_form"].notna() & out["disciplined"].isna(), "disciplined"] = True
    elif kind == "collective_ratings":
        year_col()
        unit_col()
        subject_col(COLLECTIVE_SUBJECTS)
        labels, e = _map(_col(frame, "label"), nz.parse_label)
        errs.add(e.notna(), "label", e)
        out["level"] = _apply(labels, lambda lb: lb.level if lb else None)
        out["label_raw"] = _apply(_col(frame, "label"), lambda v: None if nz.is_blank(v) else nz.show(v))
        sl, se = _map(_col(frame, "self_label"), lambda v: (None, None) if v is None else nz.parse_label(v))
        errs.add(se.notna(), "self_label", se)
        out["self_level"] = _apply(sl, lambda lb: lb.level if lb else None)
        sc, se2 = _map(_col(frame, "score"), nz.parse_number)
        se2 = se2.where(~(sc.notna() & ((sc.fillna(0) < 0) | (sc.fillna(0) > 100))), "điểm phải trong khoảng 0–100")
        errs.add(se2.notna(), "score", se2)
        out["score"] = sc
        bool_col("disciplined")
        # "tiêu biểu": marked in the label or in its own column; a label marked and a column saying no contradict
        marked = _apply(labels, lambda lb: bool(lb.exemplary) if lb else None)
        col, ce = _map(_col(frame, "exemplary"), nz.parse_exemplary)
        errs.add(ce.notna(), "exemplary", ce)
        errs.add(pd.Series([m is True and c is False for m, c in zip(marked, col)], index=frame.index, dtype=bool),
                 "exemplary", EXEMPLARY_CONFLICT)
        out["exemplary"] = pd.Series([True if m is True else c for m, c in zip(marked, col)], index=frame.index,
                                     dtype=object)
    elif kind in ("aggregate_counts", "report_table", "aggregate_counts_by_type"):
        if kind == "report_table":
            out["year"] = frame["year"]
            code = unit
            if code is None:
                errs.add(pd.Series(True, index=frame.index), "unit_code",
                         "bảng báo cáo không ghi đơn vị — dùng tùy chọn --unit TÊN")
            out["unit_code"] = code
            subj = block.subject or subject
            if subj is None:
                errs.add(pd.Series(True, index=frame.index), "subject",
                         f"không xác định được đối tượng từ tiêu đề bảng '{block.caption or ''}' — dùng --subject")
            out["subject"] = subj
            dup = _col(frame, "_dup")
            errs.add(_apply(dup, lambda d: isinstance(d, list) and len(d) > 0).astype(bool), "year",
                     "một mức xếp loại xuất hiện hai lần trong bảng")
        else:
            year_col()
            if block.unit_from_option and unit is not None:
                out["unit_code"] = unit         # --unit names the unit of a form whose title may not
            else:
                unit_col()
            subject_col()
        for f in ("htxs", "htt", "ht", "khtnv", "total"):
            count_col(f)
        count_col("not_rated", required=False)
        if kind == "aggregate_counts_by_type":     # the split of a central statistics form (etl/profile_indicators)
            text_col("org_type", required=True)
            count_col("exemplary", required=False)
        parts = out[["htxs", "htt", "ht", "khtnv"]]
        complete = parts.notna().all(axis=1) & out["total"].notna()
        sums = parts.fillna(0).astype(int).sum(axis=1)
        mismatch = complete & (sums != out["total"].fillna(-1).astype(int))
        reasons = pd.Series(
            [f"tổng các mức ({int(a)} + {int(b)} + {int(c)} + {int(d)} = {int(s)}) khác 'Tổng số' ghi trong bảng "
             f"({int(t)}) — không nạp, cần đơn vị kiểm tra lại số liệu"
             if m else None
             for a, b, c, d, s, t, m in zip(parts["htxs"].fillna(0), parts["htt"].fillna(0), parts["ht"].fillna(0),
                                           parts["khtnv"].fillna(0), sums, out["total"].fillna(0), mismatch)],
            index=frame.index)
        errs.add(mismatch, "total", reasons)
    elif kind in ("shortcomings", "review_suggestions"):
        year_col()
        unit_col()
        if kind == "shortcomings":
            subject_col()
            text_col("category")
            text_col("remedy", "remedy_raw")
            out["remedy_status"] = _apply(out["remedy_raw"], nz.parse_remedy)
            text_col("source")
        raw = _apply(_col(frame, "text"), lambda v: None if nz.is_blank(v) else str(v).strip())
        errs.add(raw.isna(), "text", "thiếu nội dung")
        out["text_raw"] = raw
        out["text_norm"] = _apply(raw, lambda v: nz.clean_text(v) if v else None)
    else:  # pragma: no cover - layouts are a closed set
        raise ValueError(kind)

    good, bad = errs.split(out)
    good = good.astype(object).where(good.notna(), None)   # one missing value everywhere: None
    if kind == "report_table":
        good["_col"] = frame.loc[good.index, "_col"]
        bad["_col_name"] = [f"{h} (năm {y}, cột {col_letter(c)})" for h, y, c in
                            zip(bad["_col_name"], frame.loc[[i for i in sorted(errs.errors)], "year"],
                                frame.loc[[i for i in sorted(errs.errors)], "_col"])] if len(bad) else []
    target = "aggregate_counts" if kind == "report_table" else kind
    return Checked(target, good, bad)
