import hashlib

import numpy as np
import pytest
from PIL import Image

from deepto.errors import BatchError
from deepto.usecase import check_usecase
from usecases.crop_disease import USECASE
from usecases.crop_disease.batch import IMAGE_SUFFIXES, METADATA_FILE, load_batch
from usecases.crop_disease.classes import CLASS_NAMES
from usecases.crop_disease.generator import generate_batch


def test_declaration_honours_the_contract():
    assert check_usecase(USECASE) == []


def test_generator_writes_decodable_photos_in_the_layout(small_batch):
    frame = load_batch(small_batch)
    assert len(frame) == 60
    assert set(frame["label"]) <= set(CLASS_NAMES)
    for row in frame.itertuples():
        assert row.image_id.split("/")[0] == row.label
        assert row.image_id.lower().endswith(IMAGE_SUFFIXES)
        with Image.open(row.path) as image:
            image.load()
            assert image.mode == "RGB" and 96 <= min(image.size) and max(image.size) <= 160
    assert frame["field_id"].notna().all() and frame["captured_at"].notna().all()
    assert (small_batch / METADATA_FILE).exists()


def test_generator_is_deterministic_per_seed(tmp_path):
    def digest(folder):
        return sorted(hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.rglob("*") if p.is_file())

    assert digest(generate_batch(8, tmp_path / "a", seed=5)) == digest(generate_batch(8, tmp_path / "b", seed=5))
    assert digest(generate_batch(8, tmp_path / "c", seed=6)) != digest(tmp_path / "a")


def test_generator_refuses_a_folder_with_files(small_batch):
    with pytest.raises(BatchError, match="not empty"):
        generate_batch(5, small_batch, seed=0)


def test_missing_and_empty_folders_are_refused_readably(tmp_path):
    with pytest.raises(BatchError, match="does not exist"):
        load_batch(tmp_path / "nowhere")
    (tmp_path / "empty" / "rust").mkdir(parents=True)
    with pytest.raises(BatchError, match="holds no photos"):
        load_batch(tmp_path / "empty")


def test_unlabelled_photos_and_bad_files_are_listed(tmp_path):
    pixels = (np.random.default_rng(0).random((40, 40, 3)) * 255).astype(np.uint8)
    Image.fromarray(pixels).save(tmp_path / "loose.jpg")
    (tmp_path / "unlabelled").mkdir()
    Image.fromarray(pixels).save(tmp_path / "unlabelled" / "a.PNG")
    (tmp_path / "rust").mkdir()
    (tmp_path / "rust" / "notes.txt").write_text("not a photo")
    (tmp_path / "rust" / ".DS_Store").write_bytes(b"\0")
    frame = load_batch(tmp_path).set_index("image_id")
    assert sorted(frame.index) == ["loose.jpg", "rust/notes.txt", "unlabelled/a.PNG"]
    assert frame["label"].isna().tolist() == [True, False, True]


def test_metadata_naming_absent_files_is_refused(small_batch, tmp_path):
    (tmp_path / "healthy").mkdir()
    Image.new("RGB", (40, 40), "green").save(tmp_path / "healthy" / "a.jpg")
    (tmp_path / METADATA_FILE).write_text("file,field_id,captured_at\nhealthy/a.jpg,F1,2025-06-01\nhealthy/b.jpg,F1,\n")
    with pytest.raises(BatchError, match="not in the batch"):
        load_batch(tmp_path)
