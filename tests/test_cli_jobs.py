"""The operator's commands for reminders, digests, job runs and the holiday calendar."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.cli_support import cli_env, run_in_process


@pytest.fixture
def cli(tmp_path: Path):  # type: ignore[no-untyped-def]
    env = cli_env(tmp_path / "cli.db") | {"PRASAN_PUBLIC_URL": "https://prasan.example.org"}

    def run(*args: str, ok: bool = True) -> subprocess.CompletedProcess:  # type: ignore[type-arg]
        proc = run_in_process(args, env, tmp_path)
        if ok:
            assert proc.returncode == 0, proc.stderr
        return proc

    return run


def test_remind_preview_then_send_now_twice_sends_once(cli) -> None:  # type: ignore[no-untyped-def]
    cli("demo")
    preview = cli("remind", "--preview").stdout
    assert "── to สมชาย ใจดี (person 1) · remind:first:1:" in preview
    assert "• บ้านบางปู (ยะหริ่ง)" in preview and "[📝 รายงาน: บ้านบางปู]" in preview
    assert "ฟาตีมะห์ ดอเลาะ" in preview and "อรุณี" not in preview  # coordinators only
    assert "2 queued, 0 sent before" in cli("remind", "--send-now").stdout
    assert "0 queued, 2 sent before" in cli("remind", "--send-now").stdout
    assert "2 queued" in cli("remind", "--send-now", "--last-call").stdout
    runs = cli("jobs").stdout
    assert runs.count("reminder") == 2 and "last-call" in runs and " cli " in runs


def test_digest_preview_for_one_person_and_send_now(cli) -> None:  # type: ignore[no-untyped-def]
    cli("demo")
    one = cli("digest", "--preview", "--for", "3").stdout
    assert one.startswith("── to อรุณี ศรีสุข (person 3) · digest:daily:3:")
    assert "person 4" not in one and "[⚠️" in one
    weekly = cli("digest", "--preview", "--weekly").stdout
    assert "digest:weekly:3:" in weekly and "digest:weekly:4:" in weekly
    assert weekly.count("[image: chart]") == 2
    assert "2 queued" in cli("digest", "--send-now").stdout
    assert "0 queued, 2 sent before" in cli("digest", "--send-now").stdout
    assert "2 queued" in cli("digest", "--send-now", "--weekly").stdout
    bad = cli("digest", "--send-now", "--for", "3", ok=False)
    assert bad.returncode == 1 and bad.stderr.count("\n") == 1


def test_holidays_add_remove_list(cli) -> None:  # type: ignore[no-untyped-def]
    cli("demo")
    listed = cli("holidays", "list", "--year", "2027").stdout
    assert "2027-03-09  regional (estimate)" in listed and "2027-04-13  national" in listed
    out = cli("holidays", "remove", "2027-03-09", "--regional").stdout
    assert "2027-03-09 (9 มีนาคม 2570) is now a working day for regional" in out
    cli("holidays", "add", "2027-03-10", "--regional", "--name", "วันฮารีรายอ (ประกาศ)")
    cli("holidays", "add", "2027-01-04", "--province", "ปัตตานี", "--name", "น้ำท่วม")
    listed = cli("holidays", "list", "--year", "2027").stdout
    assert "2027-03-09  remove regional" in listed
    assert "2027-03-10  add regional" in listed and "วันฮารีรายอ (ประกาศ)" in listed
    assert "2027-01-04  add province #" in listed
    bad = cli("holidays", "add", "10/03/2570", ok=False)
    assert bad.returncode == 1 and "YYYY-MM-DD" in bad.stderr
    assert cli("holidays", "add", "2027-01-05", "--area", "NOPE", ok=False).returncode == 1
