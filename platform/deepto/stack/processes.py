"""The stack's server processes: started in sessions of their own, found again by pid, stopped whole.

Each service runs as the leader of a new session (``start_new_session``), so everything it forks
(Ray's raylet and workers, MLflow's uvicorn, Prefect's flow runs) shares the session id, and stopping
the service stops exactly that session. A pid is trusted only with the start time recorded with it:
after a reboot or a crash the same number may belong to an unrelated process.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import psutil

# A start time read twice can differ by a clock tick; a reused pid starts far later.
_SAME_START_S = 1.0


@dataclass(frozen=True)
class Proc:
    """One started service process: its pid and when it started (seconds since the epoch)."""

    pid: int
    started_at: float

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> Proc:
        return cls(int(values["pid"]), float(values["started_at"]))


def spawn(command: list[str], env: dict[str, str], log: Path, cwd: Path) -> Proc:
    """Start ``command`` detached in a new session, its output appended to ``log``."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        child = subprocess.Popen(command, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out,
                                 stderr=subprocess.STDOUT, start_new_session=True)
    return Proc(child.pid, psutil.Process(child.pid).create_time())


def _process(proc: Proc) -> psutil.Process | None:
    try:
        found = psutil.Process(proc.pid)
        if abs(found.create_time() - proc.started_at) > _SAME_START_S or found.status() == psutil.STATUS_ZOMBIE:
            return None
        return found
    except psutil.Error:
        return None


def alive(proc: Proc) -> bool:
    return _process(proc) is not None


def members(proc: Proc) -> list[psutil.Process]:
    """Every live process of the session ``proc`` leads, the leader included (orphans too, after it died)."""
    if proc.started_at < psutil.boot_time():
        return []  # recorded before a reboot: nothing of it survived, and its pid means nothing now
    found = []
    for candidate in psutil.process_iter(["create_time"]):
        try:
            if os.getsid(candidate.pid) == proc.pid and candidate.info["create_time"] >= proc.started_at - _SAME_START_S \
                    and candidate.status() != psutil.STATUS_ZOMBIE:
                found.append(candidate)
        except (psutil.Error, ProcessLookupError, PermissionError):
            continue
    return found


def stop(procs: list[Proc], grace_s: float = 30.0) -> list[int]:
    """SIGTERM every process of these sessions, SIGKILL what is left after ``grace_s``; returns the
    pids that had to be killed."""
    targets = [p for proc in procs for p in members(proc)]
    for process in targets:
        _signal(process, signal.SIGTERM)
    _, left = psutil.wait_procs(targets, timeout=grace_s)
    # Anything forked during the grace period belongs to the sessions too.
    left += [p for proc in procs for p in members(proc) if p not in left]
    for process in left:
        _signal(process, signal.SIGKILL)
    psutil.wait_procs(left, timeout=10)
    return [p.pid for p in left]


def _signal(process: psutil.Process, sig: int) -> None:
    try:
        process.send_signal(sig)
    except psutil.Error:
        pass


def port_free(port: int, host: str = "0.0.0.0") -> bool:
    """Whether nothing listens on ``port`` (checked on all interfaces unless a host is named)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def pick_port(preferred: int | None, taken: set[int]) -> int:
    """``preferred`` when it is free (a restarted service keeps its address), else any free port."""
    if preferred and preferred not in taken and port_free(preferred):
        return preferred
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.bind(("0.0.0.0", 0))
            port = probe.getsockname()[1]
        if port not in taken:
            return port


def wait_until(check, timeout_s: float, proc: Proc | None = None, interval_s: float = 1.0) -> bool:
    """Poll ``check`` until it passes; give up early when ``proc`` has died."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return True
        if proc is not None and not alive(proc):
            return False
        time.sleep(interval_s)
    return check()
