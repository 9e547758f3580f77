"""The Procfile's processes start, say so in one line, and stop cleanly on SIGTERM."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest


@pytest.mark.parametrize("command", ["web", "worker", "run"])
def test_process_starts_and_stops_on_sigterm(
    command: str, tmp_path: Path, database_url: str
) -> None:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TELEGRAM_", "LINE_", "PRASAN_")) and k != "DATABASE_URL"}  # fmt: skip
    env.update(PYTHAINLP_OFFLINE="1", DATABASE_URL=database_url,
               PORT="0")  # fmt: skip  # the child binds a free port and logs it
    proc = subprocess.Popen([sys.executable, "-m", "bot", command], env=env, cwd=tmp_path,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        lines = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = proc.stderr.readline()  # type: ignore[union-attr]
            lines.append(line)
            if "prasan " in line and "started" in line:
                break
        assert any(f"prasan {'web+worker' if command == 'run' else command} started" in x
                   for x in lines), lines  # fmt: skip
        if command != "worker":
            ports = [m.group(1) for x in lines if (m := re.search(r"listening on port (\d+)", x))]
            port = int(ports[0])
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
                assert r.status == 200
            # The running process's own loop lag is in /metrics, from its 10 ms ticker.
            time.sleep(0.2)
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
                metrics = r.read().decode()
            ticks = re.search(r"^prasan_event_loop_lag_seconds_count (\S+)$", metrics, re.M)
            assert ticks is not None and float(ticks.group(1)) > 0, metrics[-2000:]
            assert "prasan_event_loop_lag_max_seconds " in metrics
        proc.send_signal(signal.SIGTERM)
        rest = proc.communicate(timeout=30)[1]
        assert proc.returncode == 0
        assert "stopped cleanly" in rest
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
