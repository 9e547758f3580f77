"""Child process for test_storage_writer's crash test (not a test module).

`writer_crash_child.py DB`: accept ten events, then process them in one batch and get
killed (SIGKILL, no clean-up of any kind) while the batch's transaction is open.
`writer_crash_child.py DB --recover`: start again and process what was accepted; prints
how many events it recovered.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.config import load_settings
from bot.messages import Incoming
from bot.runtime import Runtime
from storage.store import Tx


async def crash(db: str) -> None:
    runtime = await Runtime.create(load_settings(DATABASE_URL=f"sqlite+aiosqlite:///{db}"))
    events = [
        Incoming(channel="console", user_id=f"crash-{n}", text="/start", event_id=f"e{n}")
        for n in range(10)
    ]
    ids = await runtime.inbound.accept_many(events)
    # Hold the writer so that the ten form one batch...
    started, release = threading.Event(), threading.Event()

    async def gate(tx: Tx) -> None:
        started.set()
        release.wait(30)

    held = asyncio.ensure_future(runtime.store.run(gate))
    await asyncio.to_thread(started.wait, 30)
    # ...and die on the sixth reply, five messages into the open transaction.
    real, calls = Tx.enqueue_row, [0]

    async def enqueue_row(self: Tx, *args: object, **kwargs: object) -> object:
        calls[0] += 1
        if calls[0] == 6:
            os.kill(os.getpid(), signal.SIGKILL)
        return await real(self, *args, **kwargs)  # type: ignore[arg-type]

    Tx.enqueue_row = enqueue_row  # type: ignore[method-assign]
    tasks = [
        asyncio.ensure_future(runtime.inbound.process(inc, iid))
        for inc, iid in zip(events, ids, strict=True)
    ]
    await asyncio.sleep(0)
    release.set()
    await held
    await asyncio.gather(*tasks)
    raise SystemExit("the writer was not killed")


async def recover(db: str) -> None:
    runtime = await Runtime.create(load_settings(DATABASE_URL=f"sqlite+aiosqlite:///{db}"))
    try:
        print(await runtime.inbound.recover())
    finally:
        await runtime.close()


if __name__ == "__main__":
    asyncio.run(recover(sys.argv[1]) if "--recover" in sys.argv else crash(sys.argv[1]))
