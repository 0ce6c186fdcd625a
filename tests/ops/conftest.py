import pytest

from tests.queueing.conftest import build_hall


@pytest.fixture
def hall(world):
    return build_hall(world)
