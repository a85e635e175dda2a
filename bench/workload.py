"""What the dashboard asks: every query in queries/*.sql, each with the parameters its pages pass, for three scopes
— the whole country, one province, one unit (a grassroots organization) — with values taken from the warehouse.

A query's parameters come from its header (`-- param:` lines, parsed by queries.runner); a value is chosen for each by
its name, so a query added tomorrow is measured too (an unknown required parameter is reported, not guessed).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from queries import runner

SCOPES = ("ca_nuoc", "tinh", "don_vi")      # whole country, one province, one unit

# What the pages pass besides the filters (pages/*.py): year for these, all years for the others.
PAGES_PASS_YEAR = {"anomalies", "five_year_excellent", "exemplary_candidates", "shortcoming_366"}
# Extra calls a page makes with other parameters than the plain ones.
VARIANTS = {
    "distribution": [{"view": "cau_truc_hien_tai"}, {"parent": "@province", "unit": None}],
    "recurring_shortcomings": [{"min_years": 1, "texts": False}],      # the units section (no wording)
}


@dataclass
class Call:
    query: str
    scope: str
    params: dict
    label: str = ""
    skipped: str | None = None        # why the call cannot be made on this warehouse

    @property
    def key(self) -> str:
        return f"{self.query}[{self.label or self.scope}]"


@dataclass
class Picks:
    """Representative values read from the warehouse."""
    year: int
    first_year: int
    province: str
    unit: str                         # a grassroots organization of that province, alive in `year`
    chi_bo: str
    chain: str | None
    keys: str | None                  # member keys for member_names
    load: int | None
    notes: list[str] = field(default_factory=list)


def picks(con) -> Picks:
    def one(sql: str):
        rows = con.execute(sql).fetchall()
        return rows[0][0] if rows else None
    year = one("SELECT max(year) FROM record_counts") or one("SELECT max(year) FROM unit_ancestors_by_year")
    first = one("SELECT min(year) FROM record_counts") or year
    # the largest top-level unit by members in the latest year
    province = one(f"""
        SELECT a.ancestor_code FROM record_counts r
        JOIN unit_ancestors_by_year a ON a.unit_code = r.unit_code AND a.year = r.year
        JOIN units u ON u.unit_code = a.ancestor_code
        WHERE r.year = {int(year)} AND r.subject = 'dang_vien' AND u.parent_code IS NULL
        GROUP BY 1 ORDER BY sum(r.htxs + r.htt + r.ht + r.khtnv) DESC, 1 LIMIT 1""")
    unit = one(f"""
        SELECT a.ancestor_code FROM record_counts r
        JOIN unit_ancestors_by_year a ON a.unit_code = r.unit_code AND a.year = r.year
        JOIN unit_ancestors_by_year p ON p.unit_code = a.ancestor_code AND p.year = a.year
        JOIN units u ON u.unit_code = a.ancestor_code
        WHERE r.year = {int(year)} AND r.subject = 'dang_vien' AND p.ancestor_code = '{province}'
          AND u.tree_level = 'dang_bo_co_so'
        GROUP BY 1 ORDER BY sum(r.htxs + r.htt + r.ht + r.khtnv) DESC, 1 LIMIT 1""") or province
    chi_bo = one(f"""SELECT r.unit_code FROM record_counts r JOIN unit_ancestors_by_year a
                     ON a.unit_code = r.unit_code AND a.year = r.year
                     WHERE r.year = {int(year)} AND r.subject = 'dang_vien' AND a.ancestor_code = '{unit}'
                     ORDER BY r.htxs + r.htt + r.ht + r.khtnv DESC, 1 LIMIT 1""") or unit
    chain = one("SELECT chain_id FROM shortcoming_chain_items ORDER BY chain_length DESC, chain_id LIMIT 1")
    keys = one("SELECT string_agg(member_key, ',') FROM (SELECT member_key FROM member_identities "
               "ORDER BY member_key LIMIT 50)")
    load = one("SELECT max(load_id) FROM loads")
    return Picks(int(year), int(first), province, unit, chi_bo, chain, keys, load)


def _value(name: str, query: str, scope: str, p: Picks, required: bool):
    """The value a page would pass for one parameter, or Ellipsis when there is none to pass."""
    place = {"ca_nuoc": None, "tinh": p.province, "don_vi": p.unit}[scope]
    if name == "unit":
        if place is None and required:
            return p.province            # a page that needs a unit opens on the largest province
        return place
    if name == "parent":
        return None
    if name == "subject":
        return "dang_vien" if required else None
    if name == "year":
        return p.year if (required or query in PAGES_PASS_YEAR) else None
    if name == "from_year":
        return p.first_year
    if name == "to_year":
        return p.year
    if name == "structure_year":
        return None
    if name == "chain":
        return p.chain if p.chain else ...
    if name == "keys":
        return p.keys if p.keys else ...
    if name == "load":
        return p.load if p.load else ...
    if name == "group":                  # a quota group named by its unit, as the decision form looks one up
        return p.unit
    return None if not required else ...


def calls(p: Picks, only: set[str] | None = None) -> list[Call]:
    out: list[Call] = []
    for name, q in sorted(runner.catalog().items()):
        if only and name not in only:
            continue
        scoped = any(x.name in ("unit", "parent") for x in q.params)
        for scope in (SCOPES if scoped else ("ca_nuoc",)):
            params, missing = {}, []
            for prm in q.params:
                v = _value(prm.name, name, scope, p, not prm.optional)
                if v is ...:
                    missing.append(prm.name)
                elif v is not None:
                    params[prm.name] = v
            call = Call(name, scope, params)
            if missing:
                call.skipped = "không có giá trị cho tham số " + ", ".join(missing)
            out.append(call)
        for k, extra in enumerate(VARIANTS.get(name, [])):
            params = {prm.name: v for prm in q.params
                      if (v := _value(prm.name, name, "ca_nuoc", p, not prm.optional)) not in (None, ...)}
            for key, v in extra.items():
                if v is None:
                    params.pop(key, None)
                else:
                    params[key] = p.province if v == "@province" else v
            out.append(Call(name, "ca_nuoc", params, label="ca_nuoc:" + ",".join(f"{a}={b}" for a, b in extra.items())))
    return out
