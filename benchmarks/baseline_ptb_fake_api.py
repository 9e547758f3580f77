"""The baseline's fake Telegram Bot API: a transport answering canned JSON, and updates.

`CannedRequest` is the `BaseRequest` the baseline's PTB application talks through: it never
touches the network. `message_update` and `callback_update` build the Bot API updates that
`bench_inbound.py` feeds it (typed texts and commands, inline-keyboard presses).
"""

from __future__ import annotations

import json
import time
from collections import Counter
from typing import Any

from telegram.request import BaseRequest, RequestData

BOT_ID = 7_000_000_001
BOT_USER = {"id": BOT_ID, "is_bot": True, "first_name": "Prasan", "username": "prasan_bot"}


class CannedRequest(BaseRequest):
    """A Bot API transport that never touches the network and answers like Telegram would."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self._message_id = 0

    @property
    def read_timeout(self) -> float | None:
        """No network, no timeout."""
        return None

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = None,
        write_timeout: Any = None,
        connect_timeout: Any = None,
        pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        """Answer getMe, sendMessage, editMessageText and answerCallbackQuery."""
        endpoint = url.rsplit("/", 1)[-1]
        self.calls[endpoint] += 1
        # A real transport encodes the parameters for the POST body; so do we.
        params = request_data.json_parameters if request_data is not None else {}
        result: Any
        if endpoint == "getMe":
            result = BOT_USER
        elif endpoint in ("sendMessage", "editMessageText"):
            self._message_id += 1
            chat_id = int(params.get("chat_id", "0"))
            result = {"message_id": self._message_id, "date": int(time.time()),
                      "chat": {"id": chat_id, "type": "private"}, "from": BOT_USER,
                      "text": params.get("text", "")}  # fmt: skip
        else:
            result = True
        return 200, json.dumps({"ok": True, "result": result}).encode()


def message_update(update_id: int, user_id: int, text: str) -> dict[str, Any]:
    """A Bot API update for a private text message (a command gets its entity)."""
    message: dict[str, Any] = {
        "message_id": update_id, "date": int(time.time()), "text": text,
        "chat": {"id": user_id, "type": "private", "first_name": "ผู้ประสาน"},
        "from": {"id": user_id, "is_bot": False, "first_name": "ผู้ประสาน", "language_code": "th"},
    }  # fmt: skip
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return {"update_id": update_id, "message": message}


def callback_update(update_id: int, user_id: int, data: str) -> dict[str, Any]:
    """A Bot API update for an inline-keyboard press on the bot's last message."""
    return {
        "update_id": update_id,
        "callback_query": {
            "id": str(update_id), "chat_instance": f"ci{user_id}", "data": data,
            "from": {"id": user_id, "is_bot": False, "first_name": "ผู้ประสาน", "language_code": "th"},
            "message": {"message_id": update_id - 1, "date": int(time.time()), "text": "…",
                        "chat": {"id": user_id, "type": "private"}, "from": BOT_USER},
        },
    }  # fmt: skip
