"""Personal API tokens: created in the UI, shown once, stored hashed, revocable."""

import hashlib

import pytest
from django.urls import reverse

from api import services
from api.models import ApiToken


def test_member_creates_a_token_shown_once_and_stored_hashed(client_for, carol, nordic):
    client = client_for(carol)
    url = reverse("api_token_list", kwargs={"org_slug": nordic.slug})
    response = client.post(url, {"name": "My script", "read_only": "on"})
    assert response.status_code == 200
    token = ApiToken.objects.get(user=carol)
    body = response.content.decode()
    raw = body.split('id="new-token" type="text" readonly value="', 1)[1].split('"', 1)[0]
    assert raw.startswith("mm_" + token.prefix)
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in str(ApiToken.objects.values().get())  # only the hash is stored
    assert token.read_only and token.organisation == nordic
    again = client.get(url).content.decode()
    assert raw not in again and "My script" in again and "never" in again


def test_token_needs_a_name(client_for, carol, nordic):
    url = reverse("api_token_list", kwargs={"org_slug": nordic.slug})
    response = client_for(carol).post(url, {"name": "   "})
    assert response.status_code == 200
    assert not ApiToken.objects.exists()


def test_holder_revokes_their_token_and_it_stops_working(client_for, bob, nordic, journey):
    token, raw = services.api_token_create(actor=bob, organisation=nordic, name="ci")
    assert services.api_token_authenticate(raw) == token
    url = reverse("api_token_revoke", kwargs={"org_slug": nordic.slug, "api_token_id": token.pk})
    assert client_for(bob).post(url).status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert services.api_token_authenticate(raw) is None


def test_another_member_cannot_revoke_a_token(client_for, alice, bob, nordic):
    token, _ = services.api_token_create(actor=bob, organisation=nordic, name="ci")
    url = reverse("api_token_revoke", kwargs={"org_slug": nordic.slug, "api_token_id": token.pk})
    assert client_for(alice).post(url).status_code == 403
    token.refresh_from_db()
    assert token.revoked_at is None


def test_token_of_a_member_who_left_stops_working(bob, nordic):
    _, raw = services.api_token_create(actor=bob, organisation=nordic, name="ci")
    nordic.memberships.filter(user=bob).delete()
    assert services.api_token_authenticate(raw) is None


@pytest.mark.parametrize("raw", ["", "mm_", "nope", "mm_" + "x" * 500, "mm_\x00"])
def test_garbage_tokens_authenticate_nobody(raw, db):
    assert services.api_token_authenticate(raw) is None


def test_last_used_is_noted(bob, nordic):
    token, raw = services.api_token_create(actor=bob, organisation=nordic, name="ci")
    assert token.last_used_at is None
    services.api_token_authenticate(raw)
    token.refresh_from_db()
    assert token.last_used_at is not None
