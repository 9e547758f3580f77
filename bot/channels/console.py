"""The console channel: a person (or a script on stdin) talks to the bot in a terminal.

Buttons print numbered; a line that is just a number presses that button of the
bot's last message. `/photo [caption]`, `/location LAT,LON` and `/sticker`
stand in for what a phone would send.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from typing import TextIO

from bot.messages import Button, Incoming, Outgoing

_LOCATION = re.compile(r"^/location\s+(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*$")


class ConsoleChannel:
    """Prints the bot's messages with numbered buttons."""

    name = "console"

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.last_buttons: dict[str, tuple[Button, ...]] = {}

    async def send(
        self,
        recipient: str,
        messages: Sequence[Outgoing],
        *,
        reply_token: str | None = None,
        retry_key: str | None = None,
    ) -> None:
        """Print each message; remember the last buttons for number presses."""
        for message in messages:
            self.out.write(render(message))
            if message.buttons:
                self.last_buttons[recipient] = message.buttons
        self.out.flush()

    def parse(self, user: str, line: str) -> Incoming:
        """Turn one typed line into an Incoming."""
        line = line.rstrip("\r\n")
        stripped = line.strip()
        event_id = uuid.uuid4().hex
        buttons = self.last_buttons.get(user, ())
        if stripped.isdigit() and 1 <= int(stripped) <= len(buttons):
            data = buttons[int(stripped) - 1].data
            return Incoming(self.name, user, data=data, event_id=event_id)
        if stripped.startswith("/photo"):
            caption = stripped[len("/photo") :].strip() or None
            photo = f"console-{uuid.uuid4().hex[:12]}"
            return Incoming(self.name, user, caption, kind="photo", photo=photo, event_id=event_id)
        if (m := _LOCATION.match(stripped)) is not None:
            lat, lon = float(m.group(1)), float(m.group(2))
            return Incoming(self.name, user, kind="location", latitude=lat, longitude=lon,
                            event_id=event_id)  # fmt: skip
        if stripped == "/sticker":
            return Incoming(self.name, user, kind="sticker", event_id=event_id)
        return Incoming(self.name, user, line, event_id=event_id)


def render(message: Outgoing) -> str:
    """A message as the console shows it."""
    lines = ["🤖 " + message.text.replace("\n", "\n   ")]
    if message.image_url:
        lines.append(f"   [image] {message.image_url}")
    for i, button in enumerate(message.buttons, 1):
        lines.append(f"   [{i}] {button.label}")
    return "\n".join(lines) + "\n\n"
