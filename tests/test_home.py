import pytest

from tests.factories import make_user


@pytest.mark.django_db
def test_home_shows_entry_points_by_role(client, world):
    public = client.get("/").content.decode()
    assert "/matters/" in public and "/accounts/register/" in public
    assert "/backoffice/" not in public
    client.force_login(world.reviewer)
    staff = client.get("/").content.decode()
    assert "/backoffice/" in staff
    assert "/accounts/register/" not in staff
    assert "/console/windows/" not in staff
    client.force_login(make_user("guide9", "guide"))
    assert "/console/windows/" in client.get("/").content.decode()


@pytest.mark.django_db
def test_managers_find_the_figures(client, world):
    client.force_login(world.manager)
    assert "/metrics/" in client.get("/").content.decode()


def test_favicon(client, db):
    resp = client.get("/favicon.ico", follow=True)
    assert resp.status_code == 200
    assert b"<svg" in b"".join(resp.streaming_content)
