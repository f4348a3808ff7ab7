"""The data contract: what every photo in a batch must be before anything trains or scores on it.

The checks run over the per-file profile (see ``profile.py``). A batch with any bad file is refused
whole and quarantined with its report, rather than trained on without the bad files: a broken or
mislabelled photo usually means an upload or export went wrong, and whoever sent the batch should
see that and fix it, not find out later that a tenth of a class went missing. The ``problem`` and
``training_problem`` checks list the failing files by name with the reason, so the report says
exactly which photos to fix or delete.
"""

from __future__ import annotations

from usecases.crop_disease.batch import IMAGE_SUFFIXES
from usecases.crop_disease.classes import CLASS_NAMES

# Below this the model sees mush: 32 px is half the input size, and disease spots vanish.
MIN_SIDE_PX = 32
# Mean luma (0-255) outside these bounds is a photo taken into the sun or in the dark.
BRIGHTNESS_RANGE = (20.0, 235.0)
# A luma standard deviation under this is a blank, lens-capped or one-colour image.
MIN_CONTRAST = 4.0


def expectations(labelled: bool) -> list:
    """Great Expectations 1.x expectations over the profile table."""
    # Here, not at the top: every Ray training worker imports the template, and none needs GX.
    import great_expectations as gx

    e = gx.expectations
    checks = [
        e.ExpectTableRowCountToBeBetween(min_value=1),
        e.ExpectColumnValuesToBeNull(
            column="problem", description="Each unusable photo, by file name and reason."),
        e.ExpectColumnValuesToBeInSet(
            column="extension", value_set=list(IMAGE_SUFFIXES), description="Photos are JPEG or PNG files."),
        e.ExpectColumnValuesToBeInSet(
            column="decodes", value_set=[True], description="Every file opens as a complete image."),
        e.ExpectColumnValuesToBeInSet(
            column="channels", value_set=[3],
            description="Colour photos (RGBA and palette images are converted); "
                        "grayscale cannot show disease colours."),
        e.ExpectColumnValuesToBeBetween(
            column="width", min_value=MIN_SIDE_PX, description=f"At least {MIN_SIDE_PX} px wide."),
        e.ExpectColumnValuesToBeBetween(
            column="height", min_value=MIN_SIDE_PX, description=f"At least {MIN_SIDE_PX} px high."),
        e.ExpectColumnValuesToBeBetween(
            column="brightness", min_value=BRIGHTNESS_RANGE[0], max_value=BRIGHTNESS_RANGE[1],
            description="Neither under- nor over-exposed."),
        e.ExpectColumnValuesToBeBetween(
            column="contrast", min_value=MIN_CONTRAST, description="Not blank or one flat colour."),
        e.ExpectColumnValuesToBeInSet(
            column="label", value_set=list(CLASS_NAMES),
            description="Class folders are known classes; photos to score go in the batch root or unlabelled/."),
    ]
    if labelled:
        checks += [
            e.ExpectColumnValuesToBeNull(
                column="training_problem", description="Each photo unfit for training, by file name and reason."),
            e.ExpectColumnValuesToNotBeNull(column="label", description="Every training photo is in a class folder."),
            # Copies would sit on both sides of the train/test split and flatter the held-out score.
            e.ExpectColumnValuesToBeInSet(
                column="is_duplicate", value_set=[False], description="No photo appears twice."),
            e.ExpectColumnDistinctValuesToContainSet(
                column="label", value_set=list(CLASS_NAMES),
                description="Every class has photos; a model cannot learn a class it never saw."),
        ]
    return checks
