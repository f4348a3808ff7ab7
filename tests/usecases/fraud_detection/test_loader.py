import pandas as pd
import pytest

from deepto.errors import BatchError
from usecases.fraud_detection.data import load_batch
from usecases.fraud_detection.generator import generate_batch


def test_reads_csv_and_parquet_with_parsed_timestamps(tmp_path):
    for name in ("b.csv", "b.parquet"):
        frame = load_batch(generate_batch(300, tmp_path / name, seed=0))
        assert pd.api.types.is_datetime64_dtype(frame["timestamp"])
        assert pd.api.types.is_float_dtype(frame["amount"])


@pytest.mark.parametrize("name", ["batch.json", "batch"])
def test_unknown_extension_is_a_batch_error(tmp_path, name):
    path = tmp_path / name
    path.write_text("{}")
    with pytest.raises(BatchError, match="unknown file type"):
        load_batch(path)


def test_missing_file_is_a_batch_error(tmp_path):
    with pytest.raises(BatchError, match="does not exist"):
        load_batch(tmp_path / "nowhere.csv")


@pytest.mark.parametrize("content", ["", "\n", "transaction_id,customer_id,timestamp,amount\n"])
def test_empty_csv_is_a_batch_error_that_says_so(tmp_path, content):
    path = tmp_path / "empty.csv"
    path.write_text(content)
    with pytest.raises(BatchError, match="empty"):
        load_batch(path)


def test_bad_values_reach_the_checks_unchanged(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        "transaction_id,customer_id,timestamp,amount,merchant_category,country,channel,device_id,is_fraud\n"
        "t1,c1,2025-01-06T10:00:00Z,12.50,grocery,NA,pos,d1,0\n"
        "t2,c1,yesterday,N/A,grocery,US,phone,d1,0\n"
    )
    frame = load_batch(path)
    assert not pd.api.types.is_numeric_dtype(frame["amount"])
    assert list(frame["amount"]) == ["12.50", "N/A"]
    assert list(frame["timestamp"]) == ["2025-01-06T10:00:00Z", "yesterday"]
    assert list(frame["country"]) == ["NA", "US"]  # Namibia, not a missing value
    assert list(frame["channel"]) == ["pos", "phone"]


def test_timestamps_with_offsets_become_utc(tmp_path):
    path = tmp_path / "tz.csv"
    path.write_text("transaction_id,timestamp\nt1,2025-01-06T12:00:00+02:00\nt2,2025-01-06T10:30:00\n")
    frame = load_batch(path)
    assert list(frame["timestamp"].dt.hour) == [10, 10]
