"""`prasan people | invites | identities | audit` as an operator uses them, checked in chat too."""

from __future__ import annotations

import csv
import io
import json
import subprocess
from pathlib import Path

import pytest

from tests.cli_support import cli_env, run_in_process


@pytest.fixture
def cli(tmp_path: Path):  # type: ignore[no-untyped-def]
    env = cli_env(tmp_path / "cli.db")

    def run(*args: str, stdin: str | None = None, ok: bool = True) -> subprocess.CompletedProcess:  # type: ignore[type-arg]
        proc = run_in_process(args, env, tmp_path, stdin)
        if ok:
            assert proc.returncode == 0, proc.stderr
        return proc

    return run


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def audit(cli, *args: str) -> list[list[object]]:  # type: ignore[no-untyped-def]
    """Audit lines as [actor, action, detail]."""
    out = cli("audit", *args).stdout.strip().splitlines()
    return [[p[1], p[2], json.loads(p[3])] for p in (line.split("\t") for line in out)]


def test_people_list_filters_and_show(cli) -> None:  # type: ignore[no-untyped-def]
    cli("demo")
    listed = rows(cli("people", "list").stdout)
    assert [(r["role"], r["name"]) for r in listed] == [  # by role, then name
        ("admin", "เจ้าหน้าที่สำนักงานโครงการ"), ("coordinator", "ฟาตีมะห์ ดอเลาะ"),
        ("coordinator", "สมชาย ใจดี"), ("supervisor", "อรุณี ศรีสุข")]  # fmt: skip
    somchai = next(r for r in listed if r["name"] == "สมชาย ใจดี")
    assert somchai["scope"] == "PTN01 (บ้านบางปู) PTN02 (บ้านตะโละกาโปร์)"
    assert somchai["channels"] == "console" and somchai["active"] == "yes"
    arunee = next(r for r in listed if r["role"] == "supervisor")
    assert arunee["scope"] == "province:ปัตตานี"
    coords = rows(cli("people", "list", "--role", "coordinator").stdout)
    assert {r["name"] for r in coords} == {"สมชาย ใจดี", "ฟาตีมะห์ ดอเลาะ"}
    in_ptn01 = rows(cli("people", "list", "--area", "PTN01").stdout)  # covered by scope
    assert {r["name"] for r in in_ptn01} == {"สมชาย ใจดี", "อรุณี ศรีสุข",
                                             "เจ้าหน้าที่สำนักงานโครงการ"}  # fmt: skip
    assert rows(cli("people", "list", "--inactive").stdout) == []
    assert "unknown area code 'NOPE'" in cli("people", "list", "--area", "NOPE", ok=False).stderr
    cli("console", "--as", "somchai", stdin="สวัสดี\n")
    shown = cli("people", "show", somchai["id"]).stdout
    assert "role: coordinator" in shown and "scope: PTN01 (บ้านบางปู) PTN02" in shown
    assert "reports: 0" in shown and "console (active)" in shown
    assert "last seen: " in shown and "2569 BE" in shown  # they just wrote
    assert "no person with id 99" in cli("people", "show", "99", ok=False).stderr


def test_set_role_scope_name_is_audited_before_and_after(cli) -> None:  # type: ignore[no-untyped-def]
    cli("demo")
    out = cli("people", "set", "2", "--area", "YLA01", "YLA02").stdout
    assert "scope area:YLA01 → area:YLA01 area:YLA02" in out
    assert rows(cli("people", "list", "--area", "YLA02").stdout)[-1]["name"] == "ฟาตีมะห์ ดอเลาะ"
    cli("people", "set", "1", "--role", "supervisor", "--district", "ยะหริ่ง")
    cli("people", "set", "1", "--name", "สมชาย ใจงาม")
    entries = audit(cli, "--action", "scope_changed")
    assert entries[-1][1] == "scope_changed" and entries[-1][0].startswith("cli:")
    assert entries[-1][2]["scope_before"] == ["area:YLA01"]
    assert entries[-1][2]["scope_after"] == ["area:YLA01", "area:YLA02"]
    role = audit(cli, "--action", "role_changed")[-1][2]
    assert role["role_before"] == "coordinator" and role["role_after"] == "supervisor"
    assert role["scope_before"] == ["area:PTN01", "area:PTN02"]
    assert role["scope_after"] == ["district:Yaring"]
    named = audit(cli, "--action", "name_changed")[-1][2]
    assert named == {"person_id": 1}  # the log never holds names (erasure could not remove them)
    bad = cli("people", "set", "2", "--district", "ยะหริ่ง", ok=False)
    assert "a coordinator's scope is areas" in bad.stderr
    last = cli("people", "set", "4", "--role", "supervisor", "--all", ok=False)
    assert "last active admin" in last.stderr
    assert "give --role" in cli("people", "set", "2", ok=False).stderr
    operator = entries[-1][0]
    assert [a for _, a, _ in audit(cli, "--actor", operator)] == [
        "scope_changed", "role_changed", "name_changed"]  # fmt: skip


def test_deactivated_person_gets_the_unregistered_reply_and_reactivates(cli) -> None:  # type: ignore[no-untyped-def]
    cli("demo")
    assert "person 1 deactivated" in cli("people", "deactivate", "1").stdout
    out = cli("console", "--as", "somchai", stdin="สวัสดี\n").stdout
    assert "รหัสเชิญ" in out and "ส่งความก้าวหน้า" not in out  # the unregistered reply
    assert rows(cli("people", "list", "--inactive").stdout)[0]["name"] == "สมชาย ใจดี"
    assert "already deactivated" in cli("people", "deactivate", "1").stdout
    cli("people", "reactivate", "1")
    assert "ส่งความก้าวหน้า" in cli("console", "--as", "somchai", stdin="เมนู\n").stdout
    actions = [a for _, a, _ in audit(cli)]
    assert "person_deactivated" in actions and "person_reactivated" in actions


def test_invites_list_revoke_and_identity_unlock(cli) -> None:  # type: ignore[no-untyped-def]
    cli("demo")
    code = cli("invite", "--role", "coordinator", "--area", "PTN03", "--name", "นิดา").stdout
    code = code.strip().splitlines()[-1]
    listed = rows(cli("invites", "list").stdout)
    assert listed[0]["status"] == "pending" and listed[0]["scope"] == "area:PTN03"
    assert code not in cli("invites", "list").stdout  # only keyed hashes are stored
    assert "revoked" in cli("invites", "revoke", listed[0]["id"]).stdout
    out = cli("console", "--as", "nida", stdin=code + "\n").stdout
    assert "ถูกสำนักงานโครงการยกเลิกแล้ว" in out
    assert rows(cli("invites", "list").stdout) == []
    assert rows(cli("invites", "list", "--all").stdout)[0]["status"] == "revoked"
    assert "already used or revoked" in cli("invites", "revoke", listed[0]["id"], ok=False).stderr
    out = cli("console", "--as", "guesser", stdin="ABCDE-FGH23\n" * 6).stdout
    assert "จะไม่ตรวจรหัสใด ๆ จากแชตนี้จนถึง" in out
    fresh = cli("invite", "--role", "coordinator", "--area", "PTN03").stdout.splitlines()[-1]
    assert "🔒" in cli("console", "--as", "guesser", stdin=fresh + "\n").stdout
    ident = next(e[2] for e in audit(cli, "--action", "invite_failed"))
    assert set(ident) == {"failures", "result"}  # never the code tried
    guesser = audit(cli, "--action", "invite_failed")[-1][0]
    cli("identities", "unlock", guesser.split(":")[1])
    assert "ยินดีต้อนรับ" in cli("console", "--as", "guesser", stdin=fresh + "\n").stdout
    assert audit(cli, "--action", "identity_unlocked")[0][2]["was_locked"] is True
    assert "no identity" in cli("identities", "unlock", "999", ok=False).stderr


def test_audit_filters(cli) -> None:  # type: ignore[no-untyped-def]
    cli("demo")
    cli("people", "deactivate", "2")
    assert [a for _, a, _ in audit(cli, "--since", "2026-01-01")][-1] == "person_deactivated"
    assert audit(cli, "--since", "2999-01-01") == []
    assert audit(cli, "--action", "denied") == []
    bad = cli("audit", "--action", "nope", ok=False)
    assert "unknown --action" in bad.stderr and "person_erased" in bad.stderr
    assert "YYYY-MM-DD" in cli("audit", "--since", "1/1/2569", ok=False).stderr


def test_erase_needs_yes_and_retention_dry_run_changes_nothing(cli) -> None:  # type: ignore[no-untyped-def]
    cli("demo")
    script = "1\n1\nจัดเวทีรับฟังปัญหาที่บ้านบางปู ZQXCLI มีผู้เข้าร่วม 12 คน\n1\n1\n1\n"
    cli("console", "--as", "somchai", stdin="/start\n" + script)
    assert "ZQXCLI" in cli("export", "reports").stdout
    dry = cli("retention", "--dry-run").stdout
    assert "PRASAN_RETENTION_DAYS=730" in dry and "0 reports would lose" in dry
    assert "dry run: nothing was changed" in dry
    asked = cli("people", "erase", "1", ok=False)
    assert asked.returncode == 1 and "cannot be undone" in asked.stderr
    assert "--yes" in asked.stderr and "ZQXCLI" in cli("export", "reports").stdout
    done = cli("people", "erase", "1", "--yes").stdout
    assert "person 1 erased" in done and "cannot be undone" in done
    exported = rows(cli("export", "reports").stdout.lstrip("\ufeff"))
    assert [(r["reporter"], r["text"], r["participants"]) for r in exported] == [
        ("erased", "", "12")
    ]
    assert audit(cli, "--action", "person_erased")[0][2]["person_id"] == 1
    assert "erased already" in cli("people", "erase", "1", "--yes", ok=False).stderr
    out = cli("console", "--as", "somchai", stdin="สวัสดี\n").stdout
    assert "รหัสเชิญ" in out  # the console identity is gone with the person
