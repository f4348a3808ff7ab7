"""The on-disk format of a batch of Game chat moderation messages, and its loader.

CHANGE THIS: your columns, the classes and what acting on each means, and BATCH_FORMAT, which
`deepto` shows people who bring a batch. The loader reads and does not repair: a bad value must
reach the expectations unchanged, so that the refusal names it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from deepto.errors import BatchError

ID_COLUMN = "message_id"
TEXT_COLUMN = "text"
LABEL_COLUMN = "label"
CLASS_NAMES = ("normal", "problem")
"""Index 0 is the "nothing wrong" class, which acting on automatically means accepting."""
ACTIONS = ("accept", "act on it")
COLUMNS = (ID_COLUMN, TEXT_COLUMN)
MAX_CHARACTERS = 5000
SUFFIXES = (".csv", ".parquet")

BATCH_FORMAT = f"""\
One row per message, as a CSV file (header row, UTF-8, text quoted where it holds commas or line
breaks) or a Parquet file, with these columns:
  message_id   string, unique in the batch
  text         the message, 1 to {MAX_CHARACTERS} characters
  label        normal or problem: required to train, optional to score"""


def load_batch(path: Path) -> pd.DataFrame:
    path = Path(path)
    if path.suffix.lower() not in SUFFIXES:
        raise BatchError(f"{path}: unknown file type {path.suffix or '(none)'!r}; a game-chat-moderation batch is a .csv or "
                         ".parquet file (see the batch format in its README.md).")
    if not path.is_file() or path.stat().st_size == 0:
        raise BatchError(f"{path} does not exist or is empty; check the path, or make one with "
                         "`deepto generate game-chat-moderation`.")
    try:
        if path.suffix.lower() == ".parquet":
            frame = pd.read_parquet(path)
        else:
            # Text stays text: "NA", "null" or "none" are messages people write, not missing values.
            frame = pd.read_csv(path, keep_default_na=False, na_values=[""], dtype={ID_COLUMN: str, TEXT_COLUMN: str})
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, OSError, ValueError) as exc:
        raise BatchError(f"{path} cannot be read ({exc}); check that it is a complete UTF-8 CSV or Parquet "
                         "export.") from exc
    if frame.empty:
        raise BatchError(f"{path} has column names but no messages; export it again with its rows.")
    return frame
