import pytest

from usecases.fraud_detection.generator import generate_frame


@pytest.fixture(scope="session")
def batch():
    """A small generated batch shared by the tests; copy it before changing anything."""
    return generate_frame(6000, seed=3)
