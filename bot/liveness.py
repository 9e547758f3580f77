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


def default_instance(role: str = "run") -> str:
    """Who holds a lease: host, role and process id, so two processes on one host never share
    a name (and so never take each other's leases at start-up)."""
    return f"{socket.gethostname()}:{role}:{os.getpid()}"[:64]


def is_dead_sender(instance: str, me: str) -> bool:
    """A default-named sender of this host whose process is gone (or a former me)."""
    host, _, rest = instance.partition(":")
    return instance == me or gone_here(host, rest.rpartition(":")[2])
