"""The checks a batch must pass before anything trains or scores on it (Great Expectations 1.x).

CHANGE THIS with your columns: each check stands for a way a real export goes wrong (a column
dropped or renamed, empty or truncated messages, the same message twice, labels from another system).
`deepto check game-chat-moderation` makes such spoiled batches and fails if one gets through.
"""

from __future__ import annotations

import great_expectations as gx

from .batch import CLASS_NAMES, COLUMNS, ID_COLUMN, LABEL_COLUMN, MAX_CHARACTERS, TEXT_COLUMN


def expectations(labelled: bool) -> list:
    """The suite; ``labelled`` (training) also requires a known label on every message."""
    e = gx.expectations
    suite = [e.ExpectTableRowCountToBeBetween(min_value=1)]
    suite += [e.ExpectColumnToExist(column=column) for column in COLUMNS]
    suite += [e.ExpectColumnValuesToNotBeNull(column=column) for column in COLUMNS]
    suite += [e.ExpectColumnValuesToBeUnique(column=ID_COLUMN),
              e.ExpectColumnValueLengthsToBeBetween(column=TEXT_COLUMN, min_value=1, max_value=MAX_CHARACTERS)]
    if labelled:
        suite += [e.ExpectColumnToExist(column=LABEL_COLUMN), e.ExpectColumnValuesToNotBeNull(column=LABEL_COLUMN),
                  e.ExpectColumnValuesToBeInSet(column=LABEL_COLUMN, value_set=list(CLASS_NAMES))]
    return suite
