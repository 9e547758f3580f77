"""A 10,000-recipient broadcast (half Telegram, half LINE) through the real sender, against fake
servers that enforce the platforms' limits: how close to the rate-limit floor, and whether
anything is lost or doubled.

Run: PYTHAINLP_OFFLINE=1 .venv/bin/python benchmarks/bench_outbox.py [--recipients 10000]

- Telegram (tests/fake_telegram.py): at most 30 messages in any one-second window overall and
  a bucket of 3 per chat refilled at 1/s; beyond that it answers 429 with retry_after.
- LINE (tests/fake_line.py): multicast of at most 500 ids (400 beyond), at most 200 multicast
  calls in any one-second window (429 beyond), retry keys remembered (409 on a repeat).
The fakes run in a process of their own. The rows are queued as notify queues them (one per person, tag "broadcast:bench"), on a fresh
SQLite file, then `Sender.run` (what `prasan worker` runs) drains them; the clock stops when
the last row is recorded as sent.

Floor: the time the limits alone impose — Telegram's half at 30 a second, LINE's multicasts at
200 calls a second — whichever is longer. Ratio = measured / floor (goal ≤ 1.05).
Duplicates and losses are counted at the fakes, per recipient.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import math
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pydantic import SecretStr  # noqa: E402

from bot.config import load_settings  # noqa: E402
from bot.messages import Outgoing, dump_messages  # noqa: E402
from bot.runtime import Runtime  # noqa: E402
from storage.queries_proactive import Reachable  # noqa: E402
from tests.fake_line import SECRET, TOKEN, FakeLine  # noqa: E402
from tests.fake_telegram import TOKEN as TG_TOKEN  # noqa: E402
from tests.fake_telegram import FakeTelegram  # noqa: E402

TEXT = ("📢 ขอเชิญผู้ประสานงานทุกพื้นที่เข้าร่วมเวทีถอดบทเรียนประจำไตรมาส "
        "วันพฤหัสบดีที่ 10 ธันวาคม 2569 เวลา 09:00 น. ณ ศอ.บต. จังหวัดยะลา")  # fmt: skip


async def queue_broadcast(runtime: Runtime, recipients: int) -> None:
    """People with one chat account each, and one notice row per person."""
    payload = dump_messages([Outgoing(TEXT)])
    async with runtime.store.tx() as tx:
        for i in range(recipients):
            channel = "telegram" if i % 2 == 0 else "line"
            user = str(9_000_000 + i) if channel == "telegram" else f"U{i:032x}"
            pid = await tx.create_person(f"ผู้รับ {i}", "coordinator", [])
            ident = await tx.ensure_identity(channel, user)
            await tx.update_identity(ident.id, person_id=pid)
            to = Reachable(pid, "th", channel, user)
            await tx.enqueue_notice(to, payload, f"broadcast:bench:{pid}", tag="broadcast:bench")


async def serve_fakes() -> None:
    """Child process: both fakes with their limits on; prints the ports, then on a line
    "report" on stdin prints what they received as one JSON line and exits."""
    tg = await FakeTelegram().start()
    line = await FakeLine().start()
    tg.overall_rate = 30
    line.multicast_rate = 200
    print(json.dumps({"tg": [tg.api_url, tg.file_url], "line": [line.api_url, line.data_url]}),
          flush=True)  # fmt: skip
    await asyncio.to_thread(sys.stdin.readline)
    multicasts = line.calls_to("/multicast")
    accepted = [c.at for c in tg.calls if c.method == "sendMessage" and c.status == 200]
    print(json.dumps({
        "tg_span": max(accepted) - min(accepted) if accepted else 0.0,
        "tg_chats": {str(c): len(v) for c, v in tg.chats.items()},
        "tg_429": tg.throttled, "tg_calls": len(tg.called("sendMessage")),
        "line_deliveries": dict(line.deliveries), "multicast_calls": len(multicasts),
        "multicast_max_ids": max((len(c.body["to"]) for c in multicasts), default=0),
        "pushes": len(line.calls_to("/push")),
    }), flush=True)  # fmt: skip
    await tg.close()
    await line.close()


async def run(recipients: int) -> dict[str, Any]:
    # The fakes run in their own process, as the platforms do: the bot's process only sends.
    child = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--serve-fakes", stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, limit=2**26,  # the report is one long JSON line
    )  # fmt: skip
    assert child.stdin is not None and child.stdout is not None
    urls = json.loads(await child.stdout.readline())
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(
            DATABASE_URL=f"sqlite:///{Path(tmp) / 'bench.db'}",
            TELEGRAM_BOT_TOKEN=SecretStr(TG_TOKEN), TELEGRAM_API_URL=urls["tg"][0],
            TELEGRAM_FILE_URL=urls["tg"][1], LINE_CHANNEL_SECRET=SecretStr(SECRET),
            LINE_CHANNEL_ACCESS_TOKEN=SecretStr(TOKEN), LINE_API_URL=urls["line"][0],
            LINE_DATA_API_URL=urls["line"][1],
        )  # fmt: skip
        runtime = await Runtime.create(settings, role="worker")
        try:
            await runtime.add_configured_channels(receive=False)
            await queue_broadcast(runtime, recipients)
            stop = asyncio.Event()
            started = time.monotonic()
            sender = asyncio.create_task(runtime.sender.run(stop, idle=0.2))
            while True:
                await asyncio.sleep(0.25)
                async with runtime.store.tx() as tx:
                    counts = await tx.outbox_counts()
                if counts.get("sent", 0) + counts.get("dead", 0) >= recipients:
                    break
            elapsed = time.monotonic() - started
            stop.set()
            await sender
        finally:
            await runtime.close()
            child.stdin.write(b"report\n")
            await child.stdin.drain()
            got = json.loads(await child.stdout.readline())
            await child.wait()
    tg_half = math.ceil(recipients / 2)
    line_half = recipients // 2
    floor = max(tg_half / 30, math.ceil(line_half / 500) / 200)
    tg_got = Counter({int(c): n for c, n in got["tg_chats"].items()})
    line_got = Counter(got["line_deliveries"])
    tg_ids = [9_000_000 + i for i in range(0, recipients, 2)]
    line_ids = [f"U{i:032x}" for i in range(1, recipients, 2)]
    return {
        "recipients": recipients,
        "elapsed": elapsed,
        "floor": floor,
        "ratio": elapsed / floor,
        "statuses": counts,
        "tg_lost": sum(1 for c in tg_ids if tg_got[c] == 0),
        "tg_dup": sum(max(0, tg_got[c] - 1) for c in tg_ids),
        "line_lost": sum(1 for u in line_ids if line_got[u] == 0),
        "line_dup": sum(max(0, line_got[u] - 1) for u in line_ids),
        **{k: got[k] for k in ("tg_429", "tg_calls", "multicast_calls", "multicast_max_ids",
                               "pushes", "tg_span")},
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--serve-fakes", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_fakes:
        asyncio.run(serve_fakes())
        return
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    r = asyncio.run(run(args.recipients))
    print(f"recipients              {r['recipients']:>8} (half Telegram, half LINE)")
    print(f"time to deliver all     {r['elapsed']:>8.1f} s")
    print(f"rate-limit floor        {r['floor']:>8.1f} s")
    print(f"time / floor            {r['ratio']:>8.3f}  (goal ≤ 1.05)")
    print(f"outbox statuses         {r['statuses']}")
    tg_half = math.ceil(r["recipients"] / 2)
    print(f"Telegram first → last   {r['tg_span']:>8.1f} s at the fake ({tg_half / max(r['tg_span'], 1e-9):.2f}"
          f" a second; each 429 paused the channel 1 s)")  # fmt: skip
    print(f"Telegram lost / dup     {r['tg_lost']:>4} / {r['tg_dup']}  (sendMessage calls "
          f"{r['tg_calls']}, answered 429: {r['tg_429']})")  # fmt: skip
    print(f"LINE lost / dup         {r['line_lost']:>4} / {r['line_dup']}  (multicast calls "
          f"{r['multicast_calls']}, largest {r['multicast_max_ids']} ids; pushes "
          f"{r['pushes']})")  # fmt: skip


if __name__ == "__main__":
    main()
