"""Webhook URLs that must be refused, on the form (4xx/form error, nothing changes) and again
at send time (a DNS answer that changed since the form was saved)."""

import socket

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from webhooks import delivery as webhook_delivery
from webhooks import services
from webhooks.models import DeliveryStatus, Event, WebhookEndpoint
from webhooks.urlcheck import check_url

PUBLIC_IP = "93.184.216.34"


@pytest.fixture
def dns(monkeypatch):
    """A stand-in DNS: name -> addresses (anything else: not found)."""
    answers = {}
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host in answers:
            return [
                (
                    socket.AF_INET6 if ":" in a else socket.AF_INET,
                    socket.SOCK_STREAM,
                    6,
                    "",
                    (a, port),
                )
                for a in answers[host]
            ]
        if host in ("localhost", "127.0.0.1"):
            return real(host, port, *args, **kwargs)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers


REFUSED = {
    "ftp://hooks.example.com/in": "Only http:// and https://",
    "javascript:alert(1)": "Only http:// and https://",
    "hooks.example.com/in": "Only http:// and https://",
    "http://localhost/in": "this motmap server",
    "http://localhost:9000/in": "this motmap server",
    "http://127.0.0.1:9000/in": "this motmap server",
    "http://10.0.0.1/in": "private, local or reserved",
    "http://192.168.1.20:8080/in": "private, local or reserved",
    "http://169.254.169.254/latest/meta-data": "private, local or reserved",
    "http://0.0.0.0/": "private, local or reserved",
    "http://[::1]/in": "private, local or reserved",
    "http://[::ffff:127.0.0.1]/in": "private, local or reserved",
    "http://[2002:7f00:1::]/6to4": "private, local or reserved",
    "http://[2002:a9fe:a9fe::1]/6to4-metadata": "private, local or reserved",
    "http://224.0.0.1/": "private, local or reserved",
    "https://motmap.example.com/hook": "this motmap server",
    "https://sneaky.example.com/hook": "private, local or reserved",  # resolves to 127.0.0.1
    "https://mixed.example.com/hook": "private, local or reserved",  # one public, one private
    "https://user:pass@hooks.example.com/in": "user names and passwords",
    "https://token@hooks.example.com/in": "user names and passwords",
    "https://nowhere.invalid/in": "could not be found",
    "https://hooks.example.com/a b": "spaces or control characters",
    "https://": "no host name",
    "http://[::1/": "not a valid URL",
    "https://hooks.example.com:99999/": "not a valid URL",
    "": "Give the URL",
}


@pytest.fixture
def site(settings, dns):
    settings.SITE_URL = "https://motmap.example.com"
    settings.ALLOWED_HOSTS = ["motmap.example.com", "localhost", "127.0.0.1", "testserver"]
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    dns["hooks.example.com"] = [PUBLIC_IP]
    dns["sneaky.example.com"] = ["127.0.0.1"]
    dns["mixed.example.com"] = [PUBLIC_IP, "10.1.2.3"]
    return dns


@pytest.mark.parametrize("url", list(REFUSED))
def test_refused_urls_say_why(url, site):
    with pytest.raises(ValidationError) as refused:
        check_url(url)
    assert REFUSED[url] in " ".join(refused.value.messages), refused.value.messages


def test_a_public_https_url_is_accepted_with_the_addresses_to_use(site):
    parts, addresses = check_url("https://hooks.example.com/in?x=1")
    assert parts.hostname == "hooks.example.com"
    assert addresses == [PUBLIC_IP]


def test_the_page_refuses_a_private_url_with_a_form_error_and_saves_nothing(
    site, alice, nordic, client_for
):
    url = reverse("webhook_create", args=[nordic.slug])
    for bad in ("http://127.0.0.1:9000/in", "http://10.0.0.1/in", "ftp://hooks.example.com/"):
        response = client_for(alice).post(
            url, {"url": bad, "events": ["idea.created"], "description": "x"}
        )
        assert response.status_code == 200
        assert "field--error" in response.content.decode()
        assert bad in response.content.decode()  # the user's text is kept
    assert WebhookEndpoint.objects.count() == 0


def test_the_service_refuses_too(site, alice, nordic):
    with pytest.raises(ValidationError) as refused:
        services.endpoint_create(
            actor=alice, organisation=nordic, url="http://[::1]/", events=["idea.created"]
        )
    assert "url" in refused.value.message_dict
    assert WebhookEndpoint.objects.count() == 0


def test_send_time_check_refuses_a_host_that_now_resolves_to_a_private_address(
    site, alice, nordic, receiver
):
    """DNS rebinding: saved while public, resolving to 127.0.0.1 when the delivery goes."""
    endpoint = services.endpoint_create(
        actor=alice,
        organisation=nordic,
        url=f"http://hooks.example.com:{receiver.port}/in",
        events=["idea.created"],
    )
    site["hooks.example.com"] = ["127.0.0.1"]
    delivery = services.emit(Event.IDEA_CREATED, nordic, {})[0]
    assert webhook_delivery.send_one(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.last_error.startswith("Refused:")
    assert "private, local or reserved" in delivery.last_error
    assert receiver.requests == []
    assert endpoint.pk


def test_the_connection_goes_to_the_checked_address_not_a_new_dns_answer(
    site, alice, nordic, monkeypatch
):
    services.endpoint_create(
        actor=alice,
        organisation=nordic,
        url="http://hooks.example.com/in",
        events=["idea.created"],
    )
    used = []

    def connect(addresses, port, timeout, deadline):
        used.append((list(addresses), port))
        raise OSError("connection refused")

    monkeypatch.setattr(webhook_delivery, "_connect", connect)
    delivery = services.emit(Event.IDEA_CREATED, nordic, {})[0]
    webhook_delivery.send_one(delivery.pk)
    assert used == [([PUBLIC_IP], 80)]
