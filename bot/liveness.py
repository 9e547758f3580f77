"""Is the process behind a lease name gone? Only answerable for processes of this host."""

from __future__ import annotations

import os
import socket


def gone_here(host: str, pid: str) -> bool:
    """True when `host` is this machine and no process `pid` runs on it any more.

    A lease held by such a process will never be renewed or released: a restarted process may
    take it over at once instead of waiting for it to run out. Another host's processes
    cannot be seen from here (False).
    """
    if host != socket.gethostname() or not pid.isdigit() or int(pid) == os.getpid():
        return False  # our own pid: alive (the caller knows whether the name is a former us)
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # someone else's live process
        return False
    return False
