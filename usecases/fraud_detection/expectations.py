"""The checks a batch of card transactions must pass before anything trains or scores on it.

Each expectation stands for a way real exports go wrong: a column renamed or dropped, amounts with
a currency sign or in cents, a channel code from another system, a duplicated export, an empty file.
"""

from __future__ import annotations

from usecases.fraud_detection.data import CHANNELS, COLUMNS, ID_COLUMN, LABEL_COLUMN

NUMERIC_TYPES = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
                 "float16", "float32", "float64", "Int64", "Float64"]
DATETIME_TYPES = ["datetime64[s]", "datetime64[ms]", "datetime64[us]", "datetime64[ns]"]
"""The loader parses a clean ISO 8601 column into one of these; any other type means a value in it
is not a date-time."""
MAX_AMOUNT_USD = 1_000_000
"""No consumer card authorises a million dollars: a larger amount is a unit error (cents, or a
currency with many units to the dollar)."""


def expectations(labelled: bool) -> list:
    """The suite; ``labelled`` (training) also requires a complete 0/1 ``is_fraud`` column.

    A scoring batch may leave ``is_fraud`` out, so nothing about it is checked then.
    """
    # Here, not at the top: every Ray training worker imports the template, and none needs GX.
    import great_expectations as gx

    suite = [gx.expectations.ExpectTableRowCountToBeBetween(min_value=1)]
    suite += [gx.expectations.ExpectColumnToExist(column=column) for column in COLUMNS]
    suite += [gx.expectations.ExpectColumnValuesToNotBeNull(column=column) for column in COLUMNS]
    suite += [
        gx.expectations.ExpectColumnValuesToBeUnique(column=ID_COLUMN),
        gx.expectations.ExpectColumnValuesToBeInTypeList(column="timestamp", type_list=DATETIME_TYPES),
        gx.expectations.ExpectColumnValuesToBeInTypeList(column="amount", type_list=NUMERIC_TYPES),
        gx.expectations.ExpectColumnValuesToBeBetween(column="amount", min_value=0, strict_min=True,
                                                      max_value=MAX_AMOUNT_USD),
        gx.expectations.ExpectColumnValuesToBeInSet(column="channel", value_set=list(CHANNELS)),
        gx.expectations.ExpectColumnValuesToMatchRegex(column="country", regex=r"^[A-Z]{2}$"),
    ]
    if labelled:
        suite += [
            gx.expectations.ExpectColumnToExist(column=LABEL_COLUMN),
            gx.expectations.ExpectColumnValuesToNotBeNull(column=LABEL_COLUMN),
            gx.expectations.ExpectColumnValuesToBeInSet(column=LABEL_COLUMN, value_set=[0, 1]),
        ]
    return suite
