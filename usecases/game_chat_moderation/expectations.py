"""The checks a batch of chat must pass before anything trains or scores on it (Great Expectations 1.x).

Each stands for a way a chat export goes wrong: a column dropped or renamed, times that are not
times (a locale's format, epoch numbers as text), empty lines or several lines glued together, the
same message exported twice, labels from another system's vocabulary ("ban", "ok").
"""

from __future__ import annotations

from .batch import CLASS_NAMES, COLUMNS, ID_COLUMN, LABEL_COLUMN, MAX_CHARACTERS, TEXT_COLUMN

DATETIME_TYPES = ["datetime64[s]", "datetime64[ms]", "datetime64[us]", "datetime64[ns]"]
"""The loader parses a clean ISO 8601 column into one of these; any other type means a value is not a time."""


def expectations(labelled: bool) -> list:
    """The suite; ``labelled`` (training) also requires a moderator's decision on every message."""
    # Here, not at the top: every Ray training worker imports the template, and none needs GX.
    import great_expectations as gx

    e = gx.expectations
    suite = [e.ExpectTableRowCountToBeBetween(min_value=1)]
    suite += [e.ExpectColumnToExist(column=column) for column in COLUMNS]
    suite += [e.ExpectColumnValuesToNotBeNull(column=column) for column in COLUMNS]
    suite += [e.ExpectColumnValuesToBeUnique(column=ID_COLUMN),
              e.ExpectColumnValuesToBeInTypeList(column="sent_at", type_list=DATETIME_TYPES),
              e.ExpectColumnValueLengthsToBeBetween(column=TEXT_COLUMN, min_value=1, max_value=MAX_CHARACTERS)]
    if labelled:
        suite += [e.ExpectColumnToExist(column=LABEL_COLUMN), e.ExpectColumnValuesToNotBeNull(column=LABEL_COLUMN),
                  e.ExpectColumnValuesToBeInSet(column=LABEL_COLUMN, value_set=list(CLASS_NAMES))]
    return suite
