"""Members' names and member-level rows on a page: whether the signed-in user may see them, and who to write in the
audit log when a file with names is made.

The rights come from the app's access layer (ui/access.py: roles as data) when it is installed; without it (the
open, single-user mode) everything is visible. Views through ui.data.query are logged by the access layer itself;
exports are logged by the page through reports/access_log.py with the user captured here while the page is drawn
(the file is made later, on the click, outside the page's run).
"""
from __future__ import annotations

try:                                    # the access layer (roles, sign-in, audit); absent in the open mode
    from ui import access as _access
except ImportError:                     # pragma: no cover - depends on the installation
    _access = None


def _user():
    if _access is None:
        return None
    try:
        return _access.current_user()
    except Exception:                   # an unreadable accounts file: treat as nobody signed in
        return None


def can(capability: str) -> bool:
    """'individual' (member-level rows) or 'names' (members' names)."""
    if _access is None:
        return True
    u = _user()
    return u is not None and u.can(capability)


def who() -> tuple[str | None, str | None]:
    """(user, role) for the audit log."""
    u = _user()
    return (u.user, u.role_code) if u is not None else (None, None)


def views_logged_by_queries() -> bool:
    """True when ui.data.query writes every view of member-level rows and names to the audit log itself."""
    return _access is not None and hasattr(_access, "log_view")
