import pytest

from usecases.crop_disease.generator import generate_batch


@pytest.fixture(scope="session")
def small_batch(tmp_path_factory):
    """60 generated photos: enough for every class, quick to write and read."""
    return generate_batch(60, tmp_path_factory.mktemp("crop") / "batch", seed=3)
