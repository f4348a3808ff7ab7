import pytest

from usecases.cctv_security.generator import generate_batch


@pytest.fixture(scope="session")
def small_batch(tmp_path_factory):
    """About a minute of recordings from two cameras, events included: quick to write and decode."""
    return generate_batch(16, tmp_path_factory.mktemp("cctv") / "batch", seed=3)
