"""The on-disk format of a batch of game chat, and its loader.

A batch is an export of whole chat channels (a match's chat, a stream session's chat), one row per
message. The loader reads and does not repair: a missing column, an unparseable time or an empty
message reaches the validation gate unchanged, so that the refusal names it. One thing it adds:
``context``, the two messages before each one in its channel (newest first), because a word means
what its context says ("uninstall" is advice after "my client keeps crashing" and harassment after
"sorry, first ranked game").
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from deepto.errors import BatchError
from deepto.validation import parse_utc_times

ID_COLUMN = "message_id"
TEXT_COLUMN = "message"
CONTEXT_COLUMN = "context"
LABEL_COLUMN = "label"
CLASS_NAMES = ("allowed", "toxic")
"""Index 0 is the "nothing wrong" class: acting on it automatically means letting the message show."""
ACTIONS = ("allow", "hide")
"""A review sends the message to a moderator's queue, hidden until they decide."""
COLUMNS = (ID_COLUMN, "channel_id", "sent_at", "sender_id", TEXT_COLUMN)
MAX_CHARACTERS = 500
"""Game clients cap a chat line far below this; a longer value is several lines glued by an export."""
CONTEXT_MESSAGES = 2
CONTEXT_SEPARATOR = " | "
SUFFIXES = (".csv", ".parquet")

BATCH_FORMAT = f"""\
Game or stream chat, one row per message, as a CSV file (header row, UTF-8, text quoted where it
holds commas or line breaks) or a Parquet file, with these columns:
  message_id   string, unique in the batch
  channel_id   string, the chat the message was sent in (a match, a stream session); a batch holds
               whole channels, so each message's context is in the batch
  sent_at      ISO 8601 date-time (e.g. 2025-06-01T20:14:03Z)
  sender_id    string, the player or viewer who sent it
  message      the text as typed, 1 to {MAX_CHARACTERS} characters
  label        allowed or toxic, what a moderator decided: required to train, optional to score
The model also reads the {CONTEXT_MESSAGES} messages before each one in its channel (by sent_at)."""


def load_batch(path: Path) -> pd.DataFrame:
    path = Path(path)
    if path.suffix.lower() not in SUFFIXES:
        raise BatchError(f"{path}: unknown file type {path.suffix or '(none)'!r}; a game-chat-moderation batch is a "
                         ".csv or .parquet file of chat messages (see usecases/game_chat_moderation/README.md).")
    if not path.is_file() or path.stat().st_size == 0:
        raise BatchError(f"{path} does not exist or is empty; check the path, or make one with "
                         "`deepto generate game-chat-moderation`.")
    try:
        if path.suffix.lower() == ".parquet":
            frame = pd.read_parquet(path)
        else:
            # Chat is text: "NA", "null" or "nan" are messages people type, not missing values.
            frame = pd.read_csv(path, keep_default_na=False, na_values=[""],
                                dtype={c: str for c in (ID_COLUMN, "channel_id", "sender_id", TEXT_COLUMN)})
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, OSError, ValueError) as exc:
        raise BatchError(f"{path} cannot be read ({exc}); check that it is a complete UTF-8 CSV or Parquet "
                         "export.") from exc
    if frame.empty:
        raise BatchError(f"{path} has column names but no messages; export it again with its rows.")
    if "sent_at" in frame:
        frame["sent_at"] = parse_utc_times(frame["sent_at"])
    frame[CONTEXT_COLUMN] = channel_context(frame)
    return frame


def channel_context(frame: pd.DataFrame) -> pd.Series:
    """The messages before each one in its channel, newest first; empty where the order is unknown
    (a column missing or a time unparseable: the expectations refuse such a batch anyway)."""
    needed = ("channel_id", "sent_at", TEXT_COLUMN)
    if any(c not in frame for c in needed) or not pd.api.types.is_datetime64_dtype(frame["sent_at"]):
        return pd.Series("", index=frame.index, dtype=object)
    ordered = frame.sort_values(["channel_id", "sent_at"], kind="stable")
    texts = ordered[TEXT_COLUMN].fillna("").astype(str)
    grouped = texts.groupby(ordered["channel_id"], sort=False)
    earlier = [grouped.shift(k).fillna("") for k in range(1, CONTEXT_MESSAGES + 1)]
    joined = pd.Series([CONTEXT_SEPARATOR.join(t for t in parts if t) for parts in zip(*earlier)],
                       index=ordered.index, dtype=object)
    return joined.reindex(frame.index)


def work_units(frame: pd.DataFrame) -> tuple[str, float]:
    """Scoring reports its throughput in chat messages."""
    return "chat messages", float(len(frame))
