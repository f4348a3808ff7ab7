"""The stack's block in deepto.toml: written by ``stack up``, removed by ``stack down``.

The block sits between two marker lines, so a team's own settings in the same file (comments
included) survive both. It holds credentials, so the file is kept private (mode 0600).
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from deepto.errors import ConfigError
from deepto.stack.secrets import write_private

BEGIN = "# >>> deepto stack: written by `deepto stack up`, removed by `deepto stack down`"
END = "# <<< deepto stack"


def _without_block(lines: list[str]) -> list[str]:
    if BEGIN not in lines:
        return lines
    start = lines.index(BEGIN)
    end = lines.index(END, start) if END in lines[start:] else len(lines) - 1
    return lines[:start] + lines[end + 1:]


def _own_values(text: str, path: Path) -> dict:
    try:
        values = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}. Fix it before `deepto stack up`.") from None
    return values.get("deepto", values)


def write(path: Path, values: dict[str, str]) -> None:
    """Put ``values`` in the stack's block of ``path`` (replacing an older block)."""
    lines = _without_block(path.read_text().splitlines()) if path.exists() else []
    own = _own_values("\n".join(lines), path)
    clashes = sorted(k for k, v in values.items() if k in own and own[k] != v)
    if clashes:
        raise ConfigError(f"{path} sets {', '.join(clashes)} itself; the stack writes its own. "
                          "Remove those keys from the file, then run `deepto stack up` again.")
    # Basic TOML strings escape like JSON strings for the characters these values can hold.
    block = [BEGIN, *(f"{k} = {json.dumps(v)}" for k, v in values.items() if k not in own), END]
    # Keys after a table header belong to that table: the block goes right under [deepto] or, in a
    # file of top-level keys, at the very top.
    at = lines.index("[deepto]") + 1 if "[deepto]" in lines else 0
    write_private(path, "\n".join(lines[:at] + block + lines[at:]) + "\n")


def remove(path: Path) -> None:
    """Take the stack's block out of ``path``; delete the file when nothing else was in it."""
    if not path.exists():
        return
    lines = _without_block(path.read_text().splitlines())
    if not "".join(lines).strip():
        path.unlink()
        return
    write_private(path, "\n".join(lines) + "\n")
