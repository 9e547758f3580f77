"""The command-line contract for people, access, audit, retention, erasure, backup and restore."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Coroutine
from typing import Any

from bot.config import Settings

Command = Callable[[argparse.Namespace, Settings], Coroutine[Any, Any, int]]
ROLES = ("coordinator", "supervisor", "admin")


def _scope_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--area", action="extend", nargs="+", default=[], metavar="CODE")
    p.add_argument("--district", action="append", default=[], metavar="NAME")
    p.add_argument("--province", action="append", default=[], metavar="NAME")
    p.add_argument("--all", action="store_true", help="the whole programme (supervisors, admins)")


def add_commands(sub: Any) -> None:
    """Add people, invites, identities, audit, retention, backup and restore to `prasan`."""
    pp = sub.add_parser("people", help="manage people")
    psub = pp.add_subparsers(dest="people_command", required=True, metavar="ACTION")
    ls = psub.add_parser("list", help="list people (active ones unless --inactive)")
    ls.add_argument("--role", choices=ROLES)
    ls.add_argument("--area", metavar="CODE", help="only people whose scope covers this area")
    ls.add_argument("--inactive", action="store_true", help="list deactivated people instead")
    psub.add_parser("show", help="one person in detail").add_argument("id", type=int)
    st = psub.add_parser("set", help="change role, scope or name (audited)")
    st.add_argument("id", type=int)
    st.add_argument("--role", choices=ROLES)
    _scope_options(st)
    st.add_argument("--name")
    for name, text in (("deactivate", "no replies beyond the unregistered one, no messages; "
                        "reports stay"), ("reactivate", "undo deactivate")):  # fmt: skip
        psub.add_parser(name, help=text).add_argument("id", type=int)
    er = psub.add_parser("erase", help="erase a person on their request (cannot be undone)")
    er.add_argument("id", type=int)
    er.add_argument("--yes", action="store_true", help="really erase")

    iv = sub.add_parser("invites", help="invite codes")
    isub = iv.add_subparsers(dest="invites_command", required=True, metavar="ACTION")
    il = isub.add_parser("list", help="pending invites (--all: used and revoked too)")
    il.add_argument("--all", action="store_true")
    isub.add_parser("revoke", help="revoke an unused code").add_argument("id", type=int,
                                                                         metavar="CODE_ID")  # fmt: skip
    idn = sub.add_parser("identities", help="chat identities")
    idsub = idn.add_subparsers(dest="identities_command", required=True, metavar="ACTION")
    idsub.add_parser("unlock", help="lift the wrong-code lockout").add_argument("id", type=int)

    au = sub.add_parser("audit", help="the audit log")
    au.add_argument("--since", metavar="YYYY-MM-DD")
    au.add_argument("--actor", metavar="ID", help="a person id, or an actor such as cli:root")
    au.add_argument("--action", metavar="A")
    rt = sub.add_parser("retention", help="redact reports older than PRASAN_RETENTION_DAYS")
    rt.add_argument("--dry-run", action="store_true", help="only show what would go")
    sub.add_parser("backup", help="copy the SQLite database (online)").add_argument("file")
    sub.add_parser("restore", help="restore a SQLite backup (prasan stopped)").add_argument("file")


def commands() -> dict[tuple[str, str | None], Command]:
    """Dispatch table entries for these commands."""
    from bot import admin_data, admin_people

    return {
        ("people", "list"): admin_people.people_list,
        ("people", "show"): admin_people.people_show,
        ("people", "set"): admin_people.people_set,
        ("people", "deactivate"): admin_people.people_deactivate,
        ("people", "reactivate"): admin_people.people_reactivate,
        ("people", "erase"): admin_data.people_erase,
        ("invites", "list"): admin_people.invites_list,
        ("invites", "revoke"): admin_people.invites_revoke,
        ("identities", "unlock"): admin_people.identities_unlock,
        ("audit", None): admin_people.audit_list,
        ("retention", None): admin_data.retention,
        ("backup", None): admin_data.backup,
        ("restore", None): admin_data.restore,
    }
