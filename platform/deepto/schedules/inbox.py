"""Batches decided once: each is known by the SHA-256 of its content, whatever its file name.

:func:`claim` starts the score run that owns a batch, or says which run decided it before (the store
makes the claim atomic, so two runs at once cannot both book it). :func:`score_inbox` scores each new
batch that lands in an inbox folder; a refused batch is quarantined by validation, as for
``deepto score``, and the inbox moves on to the next one.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from deepto.errors import ConfigError, ValidationFailed

# A batch modified this recently may still be being copied in: the next inbox run takes it.
SETTLE_S = 2.0
_PARTIAL_SUFFIXES = (".part", ".partial", ".tmp", ".crdownload")
_CHUNK = 1 << 20


def _hidden(name: str) -> bool:
    """Hidden, editor-backup and partial-download names: not (yet) part of a batch."""
    return name.startswith((".", "~")) or name.endswith(_PARTIAL_SUFFIXES)


def _files(batch: Path) -> list[Path]:
    return sorted(p for p in batch.rglob("*")
                  if p.is_file() and not any(_hidden(part) for part in p.relative_to(batch).parts))


def _file_digest(path: Path) -> bytes:
    digest = hashlib.sha256()
    with open(path, "rb") as source:
        while chunk := source.read(_CHUNK):
            digest.update(chunk)
    return digest.digest()


def content_sha256(batch: Path) -> str:
    """The SHA-256 of a batch's content: a file's bytes, or for a folder (images, videos, signals) each
    file's path inside it and bytes; the batch's own name never counts."""
    if batch.is_file():
        return _file_digest(batch).hex()
    if not batch.is_dir():
        raise ConfigError(f"Batch {batch} does not exist. Give the path of a batch file or folder.")
    digest = hashlib.sha256()
    for path in _files(batch):
        digest.update(path.relative_to(batch).as_posix().encode() + b"\0" + _file_digest(path))
    return digest.hexdigest()


@dataclass(frozen=True)
class Claim:
    content_sha256: str
    run_id: str | None
    """The new score run that owns the batch; None when another run decided it (see ``earlier``)."""
    earlier: dict[str, Any] | None = None

    def summary(self, data: str) -> dict[str, Any]:
        """What scoring a batch decided before returns: nothing new, and where the first run put it."""
        earlier = self.earlier or {}
        return {"run_id": earlier.get("run_id"), "already_decided": True, "status": earlier.get("status"),
                "content_sha256": self.content_sha256, "first_seen_as": earlier.get("path"), "data": data,
                "n_cases": earlier.get("n_cases"), "message": earlier.get("message")}


def claim(store, usecase: str, batch: Path, params: dict[str, Any]) -> Claim:
    """Claim the batch for a new score run, unless a run has decided, refused or is deciding its content."""
    digest = content_sha256(batch)
    run_id = store.claim_batch(usecase, digest, batch, {**params, "content_sha256": digest})
    return Claim(digest, run_id, None if run_id else store.batch_claim(usecase, digest))


def pending(inbox: Path, now: float | None = None) -> list[Path]:
    """The batches in ``inbox``, oldest first, leaving out hidden, partial and still-changing ones."""
    if not inbox.is_dir():
        raise ConfigError(f"Inbox {inbox} is not a folder. Create it, or schedule another folder.")
    now = time.time() if now is None else now
    found = []
    for entry in inbox.iterdir():
        if _hidden(entry.name):
            continue
        inside = _files(entry) if entry.is_dir() else []
        changed = max([entry.stat().st_mtime, *(p.stat().st_mtime for p in inside)])
        if now - changed >= SETTLE_S:
            found.append((changed, entry))
    return [entry for _, entry in sorted(found)]


@dataclass
class InboxReport:
    decided: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    known: list[str] = field(default_factory=list)
    """Batches whose content was decided (or refused) before, under this name or another."""
    failed: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def score_inbox(store, usecase: str, inbox: Path, score: Callable[[str], dict]) -> InboxReport:
    """Score each new batch in ``inbox`` with ``score(path)`` (the score flow, which claims it)."""
    report = InboxReport()
    for batch in pending(inbox):
        earlier = store.batch_claim(usecase, content_sha256(batch))
        if earlier is not None and not earlier["retry"]:
            report.known.append(batch.name)
            continue
        try:
            summary = score(str(batch))
        except ValidationFailed:
            report.refused.append(batch.name)
        except Exception as exc:  # one bad batch must not hold up the others; the run reports it
            report.failed[batch.name] = f"{type(exc).__name__}: {exc}"
        else:
            (report.known if summary.get("already_decided") else report.decided).append(batch.name)
    return report
