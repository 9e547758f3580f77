"""Every audit entry the code writes names an action of the AuditAction vocabulary.

An unknown action is still recorded (an audit entry is never lost) but logs a warning at
run time; this finds such a call before anyone runs it. Calls that pass a variable instead
of a literal must pass an AuditAction member, which mypy checks.
"""

from __future__ import annotations

import ast
from pathlib import Path

from storage.audit import AuditAction

ROOT = Path(__file__).resolve().parent.parent
KNOWN = {a.value for a in AuditAction}


def audit_actions() -> list[tuple[str, int, ast.expr]]:
    """(file, line, action argument) of every `.audit(actor, action, ...)` call."""
    found = []
    for package in ("bot", "handlers", "storage"):
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                        and node.func.attr == "audit" and len(node.args) >= 2):  # fmt: skip
                    found.append((str(path.relative_to(ROOT)), node.lineno, node.args[1]))
    return found


def test_audit_calls_name_known_actions() -> None:
    calls = audit_actions()
    assert len(calls) > 15  # the search does find the calls
    unknown = []
    for where, line, arg in calls:
        if isinstance(arg, ast.Constant):
            if arg.value not in KNOWN:
                unknown.append(f"{where}:{line}: {arg.value!r}")
        elif isinstance(arg, ast.JoinedStr):
            unknown.append(f"{where}:{line}: an f-string (use an AuditAction member)")
        elif isinstance(arg, ast.Attribute) and isinstance(arg.value, ast.Name):
            if arg.value.id == "AuditAction" and arg.attr not in AuditAction.__members__:
                unknown.append(f"{where}:{line}: AuditAction.{arg.attr}")
    assert unknown == [], "add these to storage.audit.AuditAction"
