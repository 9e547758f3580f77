"""Two senders on one host never take each other's leases; a restarted one takes back its own."""

from __future__ import annotations

import asyncio
import os
import socket
import sys

from bot.liveness import default_instance
from bot.outbox import Sender
from bot.runtime import Runtime


async def test_only_leases_of_processes_that_are_gone_are_taken_back(runtime: Runtime) -> None:
    host = socket.gethostname()
    alive = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "import time; time.sleep(60)"
    )
    gone = await asyncio.create_subprocess_exec(sys.executable, "-c", "pass")
    await gone.wait()
    try:
        holders = {
            "alive": f"{host}:worker:{alive.pid}",  # another worker on this host, still running
            "gone": f"{host}:worker:{gone.pid}",  # a worker that died while sending
            "elsewhere": f"other-host:worker:{gone.pid}",  # another machine: not ours to judge
        }
        async with runtime.store.tx() as tx:
            for n, holder in enumerate(holders.values()):
                await tx.enqueue("telegram", str(100 + n), '[{"text":"x"}]', f"k:{n}")
                claimed = await tx.claim_due("telegram", 1, holder)
                assert len(claimed.rows) == 1
        me = Sender(runtime.store, {}, instance=default_instance("worker"))
        assert me.instance == f"{host}:worker:{os.getpid()}"
        assert await me.start() == 1  # only the dead worker's row is due again now
        async with runtime.store.tx() as tx:
            due = {r["dedupe_key"]: r["next_attempt_at"] for r in await tx.outbox_rows()}
        assert due["k:1"] <= runtime.store.clock()
        assert due["k:0"] > runtime.store.clock() and due["k:2"] > runtime.store.clock()
    finally:
        alive.kill()
        await alive.wait()
