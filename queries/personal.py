"""Which queries read personal data: 'names' when a query reads members' names, 'individual' when it reads
member-level rows, else None. Read from the SQL itself (and a composite's rule files), so a new query is classified
without a list. The app (ui/access.py) and the command line (commands/queries_cli.py) log views and exports by it."""
from __future__ import annotations

import functools

from queries import composite, runner


@functools.lru_cache(maxsize=None)
def level(name: str) -> str | None:
    q = runner.get(name)
    texts = [runner.text(q)]       # a query over another reads what that one reads
    if q.meta.get("composite"):
        texts += [r.query.sql for r in composite.rules(q.meta["composite"]).values()]
    text = "\n".join(texts).lower()
    if "member_identities" in text:
        return "names"
    return "individual" if "member_ratings" in text else None
