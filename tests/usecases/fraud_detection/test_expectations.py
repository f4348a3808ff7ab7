import uuid

import great_expectations as gx
import pandas as pd
import pytest

from usecases.fraud_detection.data import load_batch
from usecases.fraud_detection.expectations import expectations
from usecases.fraud_detection.generator import generate_batch


def failures(frame: pd.DataFrame, labelled: bool = True) -> set[tuple[str, str | None]]:
    """(expectation type, column) of every failed expectation."""
    context = gx.get_context(mode="ephemeral")
    name = f"fraud-{uuid.uuid4().hex[:8]}"
    batch = context.data_sources.add_pandas(name).add_dataframe_asset(name).add_batch_definition_whole_dataframe(name)
    suite = context.suites.add(gx.ExpectationSuite(name=name, expectations=expectations(labelled)))
    result = batch.get_batch(batch_parameters={"dataframe": frame}).validate(suite)
    return {(r.expectation_config.type, r.expectation_config.kwargs.get("column"))
            for r in result.results if not r.success}


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    return load_batch(generate_batch(400, tmp_path_factory.mktemp("ge") / "good.csv", seed=0))


def test_a_generated_batch_passes(good):
    assert failures(good) == set()
    assert failures(good.drop(columns=["is_fraud"]), labelled=False) == set()


def test_missing_column(good):
    assert ("expect_column_to_exist", "device_id") in failures(good.drop(columns=["device_id"]))


def test_label_required_only_for_training(good):
    unlabelled = good.drop(columns=["is_fraud"])
    assert ("expect_column_to_exist", "is_fraud") in failures(unlabelled, labelled=True)


def test_non_numeric_amount(good):
    bad = good.assign(amount=good["amount"].astype(str))
    bad.loc[3, "amount"] = "$12.50"
    assert ("expect_column_values_to_be_in_type_list", "amount") in failures(bad)


@pytest.mark.parametrize("amount", [0.0, -5.0])
def test_zero_or_negative_amount(good, amount):
    bad = good.copy()
    bad.loc[2, "amount"] = amount
    assert ("expect_column_values_to_be_between", "amount") in failures(bad)


@pytest.mark.parametrize("column, value, expectation", [
    ("is_fraud", 2, "expect_column_values_to_be_in_set"),
    ("channel", "phone", "expect_column_values_to_be_in_set"),
    ("country", "usa", "expect_column_values_to_match_regex"),
    ("customer_id", None, "expect_column_values_to_not_be_null"),
    ("transaction_id", None, "expect_column_values_to_not_be_null"),
    ("timestamp", pd.NaT, "expect_column_values_to_not_be_null"),
])
def test_bad_values(good, column, value, expectation):
    bad = good.copy()
    bad.loc[5, column] = value
    assert (expectation, column) in failures(bad)


def test_unparseable_timestamp(tmp_path, good):
    path = tmp_path / "ts.csv"
    good.assign(timestamp=good["timestamp"].astype(str).where(good.index != 4, "yesterday")).to_csv(path, index=False)
    assert ("expect_column_values_to_be_in_type_list", "timestamp") in failures(load_batch(path))


def test_duplicate_transaction_id(good):
    bad = good.copy()
    bad.loc[1, "transaction_id"] = bad.loc[0, "transaction_id"]
    assert ("expect_column_values_to_be_unique", "transaction_id") in failures(bad)


def test_empty_table(good):
    assert ("expect_table_row_count_to_be_between", None) in failures(good.iloc[:0])
