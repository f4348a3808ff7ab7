"""The checks a batch of visits must pass before anything trains or scores on it.

Each stands for a way real exports go wrong: a column dropped or renamed, vitals in the wrong unit or
typed wrong (a heart rate of 700), a required vital recorded for too few visits, the same visit twice,
text in a number column, and ECG files that cannot be read, lack a sampling rate, have a wrong one,
or hold a flat line (the per-visit ``problem`` column of the profile names each).
"""

from __future__ import annotations

from usecases.medical_triage.batch import AVPU, ID_COLUMN, LABEL_COLUMN, NUMERIC, REQUIRED, SEXES
from usecases.medical_triage.classes import LABEL_VALUES

NUMERIC_TYPES = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
                 "float16", "float32", "float64", "Int64", "Float64"]
DATETIME_TYPES = ["datetime64[s]", "datetime64[ms]", "datetime64[us]", "datetime64[ns]"]
MAX_MISSING_REQUIRED = 0.10
"""A department that records a required vital for fewer than 90% of its visits has an export
problem, not missing values: the batch is refused and the column named."""
COMPLETE = ("visit_id", "arrival_time")
RANGES = {"age": (0, 120), "heart_rate": (20, 250), "systolic_bp": (40, 300), "diastolic_bp": (20, 200),
          "respiratory_rate": (3, 70), "spo2": (50, 100), "pain_score": (0, 10)}
"""Physiological limits: a value outside is a typing or unit error (a heart rate of 700, SpO2 of 0.97)."""


def expectations(labelled: bool) -> list:
    """The suite over the profile; ``labelled`` (training) also requires a complete acuity column."""
    # Here, not at the top: every Ray training worker imports the template, and none needs GX.
    import great_expectations as gx

    suite = [gx.expectations.ExpectTableRowCountToBeBetween(min_value=1)]
    suite += [gx.expectations.ExpectColumnToExist(column=column) for column in REQUIRED]
    suite += [gx.expectations.ExpectColumnValuesToNotBeNull(column=column) for column in COMPLETE]
    suite += [gx.expectations.ExpectColumnValuesToNotBeNull(column=column, mostly=1 - MAX_MISSING_REQUIRED)
              for column in REQUIRED if column not in COMPLETE]
    suite += [gx.expectations.ExpectColumnValuesToBeInTypeList(column=column, type_list=NUMERIC_TYPES)
              for column in NUMERIC]
    suite += [gx.expectations.ExpectColumnValuesToBeBetween(column=column, min_value=low, max_value=high)
              for column, (low, high) in RANGES.items()]
    suite += [
        gx.expectations.ExpectColumnValuesToBeUnique(column=ID_COLUMN),
        gx.expectations.ExpectColumnValuesToBeInTypeList(column="arrival_time", type_list=DATETIME_TYPES),
        gx.expectations.ExpectColumnValuesToBeInSet(column="sex", value_set=list(SEXES)),
        gx.expectations.ExpectColumnValuesToBeInSet(column="consciousness", value_set=list(AVPU)),
        gx.expectations.ExpectColumnValuesToBeNull(column="problem"),
    ]
    if labelled:
        suite += [
            gx.expectations.ExpectColumnToExist(column=LABEL_COLUMN),
            gx.expectations.ExpectColumnValuesToNotBeNull(column=LABEL_COLUMN),
            gx.expectations.ExpectColumnValuesToBeInSet(column=LABEL_COLUMN, value_set=list(LABEL_VALUES)),
        ]
    return suite
