"""The data contract, run with the real Great Expectations over the profile of real files."""

import shutil
import uuid

import great_expectations as gx
import numpy as np
import pytest
from PIL import Image

from usecases.crop_disease.batch import load_batch
from usecases.crop_disease.expectations import expectations
from usecases.crop_disease.profile import profile


def failed_checks(table, labelled):
    """{(expectation type, column): example unexpected values} for every failed expectation."""
    context = gx.get_context(mode="ephemeral")
    name = f"crop-{uuid.uuid4().hex[:8]}"
    batch = context.data_sources.add_pandas(name).add_dataframe_asset(name).add_batch_definition_whole_dataframe(name)
    suite = context.suites.add(gx.ExpectationSuite(name=name, expectations=expectations(labelled)))
    definition = context.validation_definitions.add(gx.ValidationDefinition(name=name, data=batch, suite=suite))
    result = definition.run(batch_parameters={"dataframe": table}, result_format="SUMMARY")
    return {(r.expectation_config.type, r.expectation_config.kwargs.get("column")):
            list((r.result or {}).get("partial_unexpected_list") or []) for r in result.results if not r.success}


@pytest.fixture()
def batch_copy(small_batch, tmp_path):
    target = tmp_path / "batch"
    shutil.copytree(small_batch, target)
    (target / "metadata.csv").unlink()
    return target


def leaf_like(size=(64, 48)):
    return (np.random.default_rng(1).random((size[1], size[0], 3)) * 200 + 20).astype(np.uint8)


def test_generated_batch_passes_as_training_and_as_scoring_batch(small_batch):
    table = profile(load_batch(small_batch))
    assert failed_checks(table, labelled=True) == {}
    assert failed_checks(table, labelled=False) == {}
    assert table["decodes"].all() and (table["channels"] == 3).all()


def test_truncated_jpeg_is_named_with_its_reason(batch_copy):
    data = next((batch_copy / "healthy").glob("*.jpg")).read_bytes()
    (batch_copy / "healthy" / "cut.jpg").write_bytes(data[: len(data) // 2])
    failed = failed_checks(profile(load_batch(batch_copy)), labelled=False)
    assert failed[("expect_column_values_to_be_in_set", "decodes")] == [False]
    [problem] = failed[("expect_column_values_to_be_null", "problem")]
    assert problem.startswith("healthy/cut.jpg: cannot be decoded") and "truncated" in problem


def test_text_file_named_jpg_is_refused(batch_copy):
    (batch_copy / "rust" / "note.jpg").write_text("call the agronomist on Monday")
    failed = failed_checks(profile(load_batch(batch_copy)), labelled=True)
    [problem] = failed[("expect_column_values_to_be_null", "problem")]
    assert problem == ("rust/note.jpg: cannot be decoded: "
                       "not an image Pillow can read (wrong suffix, or not a photo at all)")


def test_one_pixel_image_is_too_small_and_blank(batch_copy):
    Image.new("RGB", (1, 1), (90, 140, 60)).save(batch_copy / "rust" / "dot.png")
    failed = failed_checks(profile(load_batch(batch_copy)), labelled=True)
    assert failed[("expect_column_values_to_be_between", "width")] == [1]
    assert failed[("expect_column_values_to_be_between", "contrast")] == [0.0]
    [problem] = failed[("expect_column_values_to_be_null", "problem")]
    assert problem.startswith("rust/dot.png: 1x1 px; needs at least 32 px")


def test_unknown_class_folder_is_refused_in_both_modes(batch_copy):
    (batch_copy / "weeds").mkdir()
    Image.fromarray(leaf_like()).save(batch_copy / "weeds" / "w1.jpg")
    table = profile(load_batch(batch_copy))
    for labelled in (True, False):
        failed = failed_checks(table, labelled)
        assert failed[("expect_column_values_to_be_in_set", "label")] == ["weeds"]
        assert failed[("expect_column_values_to_be_null", "problem")][0].startswith("weeds/w1.jpg: folder 'weeds'")


def test_grayscale_is_refused_but_rgba_and_palette_are_converted(batch_copy):
    pixels = leaf_like()
    Image.fromarray(pixels).convert("L").save(batch_copy / "healthy" / "gray.png")
    Image.fromarray(pixels).convert("RGBA").save(batch_copy / "healthy" / "alpha.png")
    Image.fromarray(pixels).convert("P").save(batch_copy / "healthy" / "palette.png")
    table = profile(load_batch(batch_copy)).set_index("image_id")
    assert table.loc[["healthy/alpha.png", "healthy/palette.png"], "channels"].tolist() == [3, 3]
    failed = failed_checks(table.reset_index(), labelled=True)
    assert failed[("expect_column_values_to_be_in_set", "channels")] == [1]
    [problem] = failed[("expect_column_values_to_be_null", "problem")]
    assert problem.startswith("healthy/gray.png: grayscale")


def test_exposure_and_blank_checks(batch_copy):
    Image.new("RGB", (64, 64), (5, 5, 5)).save(batch_copy / "rust" / "lens_cap.png")
    glare = np.clip(leaf_like().astype(int) + 200, 0, 255).astype(np.uint8)
    Image.fromarray(glare).save(batch_copy / "rust" / "sun.png")
    failed = failed_checks(profile(load_batch(batch_copy)), labelled=False)
    problems = failed[("expect_column_values_to_be_null", "problem")]
    assert any(p.startswith("rust/lens_cap.png: too dark") and "blank" in p for p in problems)
    assert any(p.startswith("rust/sun.png: over-exposed") for p in problems)


def test_duplicates_and_missing_labels_only_stop_training(batch_copy):
    original = next((batch_copy / "healthy").glob("*.jpg"))
    shutil.copy(original, batch_copy / "rust" / "copy.jpg")
    Image.fromarray(leaf_like()).save(batch_copy / "loose.jpg")
    table = profile(load_batch(batch_copy))
    assert failed_checks(table, labelled=False) == {}
    failed = failed_checks(table, labelled=True)
    assert failed[("expect_column_values_to_be_in_set", "is_duplicate")] == [True]
    assert sorted(failed[("expect_column_values_to_be_null", "training_problem")]) == [
        "loose.jpg: no class folder, so no label",
        f"rust/copy.jpg: same file as healthy/{original.name}",
    ]


def test_a_class_with_no_photos_stops_training(batch_copy):
    shutil.rmtree(batch_copy / "mosaic_virus")
    failed = failed_checks(profile(load_batch(batch_copy)), labelled=True)
    assert ("expect_column_distinct_values_to_contain_set", "label") in failed


def test_several_bad_files_are_each_named(batch_copy):
    (batch_copy / "rust" / "note.jpg").write_text("not a photo")
    Image.new("RGB", (1, 1), (90, 140, 60)).save(batch_copy / "rust" / "dot.png")
    table = profile(load_batch(batch_copy))
    failed = failed_checks(table, labelled=True)
    assert sorted(p.split(":")[0] for p in failed[("expect_column_values_to_be_null", "problem")]) == [
        "rust/dot.png", "rust/note.jpg"]
    assert failed[("expect_column_values_to_be_between", "width")] == [1]
