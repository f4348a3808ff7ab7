"""The batch format of card transactions, and its loader.

The loader reads; it does not repair. A bad amount, an unknown channel or a missing column must
reach the validation gate unchanged, so that the Great Expectations report names it and the batch
goes to quarantine instead of being silently "fixed" here.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from deepto.errors import BatchError
from deepto.validation import parse_utc_times

ID_COLUMN = "transaction_id"
LABEL_COLUMN = "is_fraud"
COLUMNS = (
    "transaction_id", "customer_id", "timestamp", "amount", "merchant_category", "country", "channel", "device_id",
)
"""Every batch needs these; ``is_fraud`` comes on top where the outcome is known."""
CHANNELS = ("pos", "online", "atm", "contactless")
CATEGORIES = (
    "grocery", "fuel", "restaurant", "online_retail", "electronics", "jewelry", "travel", "gambling", "crypto",
    "gift_cards", "pharmacy", "entertainment", "utilities", "cash_withdrawal",
)
"""What the generator writes. Real batches may carry other merchant categories: the model maps a
category it has not seen in training to its "unknown" embedding instead of refusing the batch."""
RISKY_CATEGORIES = ("electronics", "jewelry", "gift_cards", "crypto")
"""Goods that resell easily: where stolen cards are cashed out, and where banks' rules look hardest."""
SUFFIXES = (".csv", ".parquet")

BATCH_FORMAT = """\
Card transactions, one row per authorisation, as a CSV file (header row, comma-separated, UTF-8)
or a Parquet file, with these columns:
  transaction_id     string, unique in the batch
  customer_id        string, the card holder; history features follow this id
  timestamp          ISO 8601 date-time (e.g. 2025-01-06T14:03:27Z); an offset is converted to UTC,
                     no offset means UTC; Parquet may store a timestamp type instead
  amount             number > 0, in USD
  merchant_category  string, e.g. grocery, fuel, restaurant, online_retail, electronics, jewelry,
                     travel, gambling, crypto, gift_cards, pharmacy, entertainment, utilities,
                     cash_withdrawal (others are accepted and treated as unknown by the model)
  country            ISO 3166-1 alpha-2 code where the transaction took place (merchant country for
                     card-present, IP country for online)
  channel            one of pos, online, atm, contactless
  device_id          string, the device that presented the card: phone or browser fingerprint for
                     online and wallet payments, the card's chip for pos and atm
  is_fraud           0 or 1, the confirmed outcome; required to train, optional to score
Rows may come in any order; a transaction's features use only the same customer's strictly earlier
transactions in the same batch, so give each batch enough history (weeks) for the customers in it."""


def load_batch(path: Path) -> pd.DataFrame:
    """Read a batch as it is on disk; only a clean ISO 8601 timestamp column is parsed."""
    path = Path(path)
    if path.suffix.lower() not in SUFFIXES:
        raise BatchError(
            f"{path}: unknown file type {path.suffix or '(no extension)'!r}. A fraud-detection batch is a "
            f".csv or .parquet file of card transactions; rename or convert it (see the batch format in "
            f"usecases/fraud_detection/README.md)."
        )
    if not path.is_file():
        raise BatchError(f"{path} does not exist or is not a file. Check the path, or create a batch with "
                         f"`deepto generate fraud-detection`.")
    if path.stat().st_size == 0:
        raise BatchError(f"{path} is empty (0 bytes). Export the transactions again; a batch needs a header "
                         f"row and at least one transaction.")
    frame = _read(path)
    if frame.empty:
        raise BatchError(f"{path} is empty: it has column names ({', '.join(map(str, frame.columns))}) but no "
                         f"transactions. Export the batch again with its rows.")
    if "timestamp" in frame.columns:
        frame["timestamp"] = parse_utc_times(frame["timestamp"])
    return frame


def _read(path: Path) -> pd.DataFrame:
    try:
        if path.suffix.lower() == ".csv":
            # Only an empty field is missing: "NA" is Namibia's country code, and a text like "N/A"
            # in the amount column must reach the checks as text, not as a quiet gap.
            return pd.read_csv(path, keep_default_na=False, na_values=[""])
        return pd.read_parquet(path)
    except pd.errors.EmptyDataError as exc:
        raise BatchError(f"{path} is empty: it has no header row and no transactions.") from exc
    except (pd.errors.ParserError, UnicodeDecodeError, OSError, ValueError) as exc:
        kind = "CSV" if path.suffix.lower() == ".csv" else "Parquet"
        raise BatchError(f"{path} cannot be read as {kind}: {exc}. Check that the file is a complete, "
                         f"UTF-8 {kind} export.") from exc


