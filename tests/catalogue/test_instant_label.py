import pytest

pytestmark = pytest.mark.django_db


def test_instant_matters_say_done_on_the_spot_in_the_list(client, world):
    page = client.get("/matters/").content.decode()
    assert "当场办结" in page  # the senior card is an instant matter
    assert "承诺 0 个工作日" not in page
