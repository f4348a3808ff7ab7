"""The data contract: what every recording, camera and event of a batch must be before anything
trains or scores on it.

The checks run over the profile (``profile.py``): one row per file, per camera and per event. A batch
with any bad item is refused whole and quarantined with its report: a broken recording or a wrong
zone usually means an export or a configuration went wrong, and whoever sent it should fix it
rather than find later that a camera was silently left out. The ``problem`` check names each bad
item with its reason.
"""

from __future__ import annotations

from usecases.cctv_security.batch import WINDOW_SECONDS
from usecases.cctv_security.classes import EVENT_NAMES

FPS_RANGE = (2.0, 60.0)
"""The model samples 2 frames a second; a camera recording fewer cannot feed it."""
MIN_SIZE = (160, 120)
"""Below this a person in the zone is a few pixels tall."""
MAX_FROZEN_SECONDS = 10.0
"""The same picture for this long is a stalled camera or recorder: noise alone changes a live picture."""
MAX_BLACK_SECONDS = 5.0
"""Black for this long is a covered lens, a dead camera or a lost signal."""
TRUNCATION_TOLERANCE_SECONDS = 1.0


def expectations(labelled: bool) -> list:
    """Great Expectations 1.x expectations over the profile table."""
    # Here, not at the top: every Ray training worker imports the template, and none needs GX.
    import great_expectations as gx

    e = gx.expectations
    checks = [
        e.ExpectTableRowCountToBeBetween(min_value=1),
        e.ExpectColumnValuesToBeNull(column="problem", description="Each unusable file, camera or event, "
                                     "by name and reason."),
        e.ExpectColumnValuesToBeInSet(column="decodes", value_set=[True],
                                      description="Every recording decodes, with at least one frame."),
        e.ExpectColumnValuesToBeInSet(column="complete", value_set=[True],
                                      description="Every recording decodes as long as its header says."),
        e.ExpectColumnValuesToBeBetween(column="fps", min_value=FPS_RANGE[0], max_value=FPS_RANGE[1],
                                        description="A frame rate the model's sampling can use."),
        e.ExpectColumnValuesToBeBetween(column="width", min_value=MIN_SIZE[0], description="Wide enough."),
        e.ExpectColumnValuesToBeBetween(column="height", min_value=MIN_SIZE[1], description="High enough."),
        e.ExpectColumnValuesToBeBetween(column="decoded_seconds", min_value=WINDOW_SECONDS / 2,
                                        description="Long enough for one window."),
        e.ExpectColumnValuesToBeBetween(column="longest_frozen_seconds", max_value=MAX_FROZEN_SECONDS,
                                        description="No stalled picture."),
        e.ExpectColumnValuesToBeBetween(column="longest_black_seconds", max_value=MAX_BLACK_SECONDS,
                                        description="No long black stretch."),
        e.ExpectColumnValuesToBeInSet(column="zone_valid", value_set=[True],
                                      description="Every camera's zone is a polygon inside the frame, with a limit."),
        e.ExpectColumnValuesToBeInSet(column="event", value_set=list(EVENT_NAMES),
                                      description="Events are known kinds."),
    ]
    if labelled:
        checks += [
            e.ExpectColumnValuesToBeNull(column="training_problem",
                                         description="The batch can train: labelled, windows of every class."),
        ]
    return checks
