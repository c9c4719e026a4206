"""Webhook URLs that must be refused, on the form (4xx/form error, nothing changes) and again
at send time (a DNS answer that changed since the form was saved)."""

import socket

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from webhooks import delivery as webhook_delivery
from webhooks import services
from webhooks.models import DeliveryStatus, Event, WebhookDelivery, WebhookEndpoint
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


LOOPBACK = "is a loopback address"
PRIVATE = "is a private address"
LINK_LOCAL = "is a link-local address"
OTHER = "is a reserved, multicast or unspecified address"
THIS_SERVER = "points at this motmap server itself"

REFUSED = {
    "ftp://hooks.example.com/in": "Only http:// and https://",
    "javascript:alert(1)": "Only http:// and https://",
    "hooks.example.com/in": "Only http:// and https://",
    "http://localhost/in": LOOPBACK,  # not a port this server serves on: loopback, not "itself"
    "http://localhost:9000/in": LOOPBACK,
    "http://127.0.0.1:9000/in": LOOPBACK,
    "http://10.0.0.1/in": PRIVATE,
    "http://192.168.1.20:8080/in": PRIVATE,
    "http://[fd00::1]/in": PRIVATE,
    "http://169.254.169.254/latest/meta-data": LINK_LOCAL,
    "http://[fe80::1]/in": LINK_LOCAL,
    "http://0.0.0.0/": OTHER,
    "http://[::]/": OTHER,
    "http://100.64.0.1/": OTHER,  # shared address space: not public either
    "http://[::1]/in": LOOPBACK,
    "http://[::ffff:127.0.0.1]/in": LOOPBACK,
    "http://[2002:7f00:1::]/6to4": LOOPBACK,
    "http://[2002:a9fe:a9fe::1]/6to4-metadata": LINK_LOCAL,
    "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/teredo": LOOPBACK,
    "http://224.0.0.1/": OTHER,
    "http://[ff02::1]/": OTHER,
    "https://motmap.example.com/hook": THIS_SERVER,  # a name of this server, resolving or not
    "https://MOTMAP.Example.COM./hook": THIS_SERVER,
    "http://127.0.0.1:8000/hook": THIS_SERVER,  # settings.PORT on a loopback address
    "https://sneaky.example.com/hook": THIS_SERVER,  # 127.0.0.1 on SITE_URL's port
    "http://sneaky.example.com:9000/hook": LOOPBACK,  # 127.0.0.1 on another port
    "https://mixed.example.com/hook": PRIVATE,  # one public, one private
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
    settings.PORT = 8000
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
    assert LOOPBACK in delivery.last_error
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


# --- "this server": its names and addresses on the ports it serves on, whatever the flag ------

SITE_PORT = 8102  # motmap serves SITE_URL http://127.0.0.1:8102 on this port
TEREDO_LOOPBACK = "2001:0:4136:e378:8000:63bf:80ff:fffe"  # Teredo client 127.0.0.1


@pytest.fixture
def served(settings, dns):
    """motmap on 127.0.0.1:8102, as in development; ALLOWED_HOSTS does not list "localhost"."""
    settings.SITE_URL = f"http://127.0.0.1:{SITE_PORT}"
    settings.PORT = SITE_PORT
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    dns["alias.example.net"] = ["127.0.0.1"]
    return dns


def _refusal(url):
    with pytest.raises(ValidationError) as refused:
        check_url(url)
    return " ".join(refused.value.messages)


@pytest.mark.parametrize(
    "url",
    [
        f"http://localhost:{SITE_PORT}/x",
        f"http://LOCALHOST:{SITE_PORT}/",
        f"http://localhost.:{SITE_PORT}/",
        f"http://[::ffff:127.0.0.1]:{SITE_PORT}/",
        f"http://127.0.0.2:{SITE_PORT}/",
        f"http://0.0.0.0:{SITE_PORT}/",
        f"http://[::1]:{SITE_PORT}/",
        f"http://[::]:{SITE_PORT}/",
        f"http://[2002:7f00:1::]:{SITE_PORT}/",
        f"http://[{TEREDO_LOOPBACK}]:{SITE_PORT}/",
        f"http://alias.example.net:{SITE_PORT}/",  # the stand-in DNS: 127.0.0.1
    ],
)
@pytest.mark.parametrize("allow_private", [True, False])
def test_this_server_on_its_port_is_refused_by_any_of_its_addresses(
    url, allow_private, served, settings
):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = allow_private
    assert THIS_SERVER in _refusal(url)


@pytest.mark.parametrize("allow_private", [True, False])
def test_the_port_the_server_listens_on_counts_when_site_url_has_another(
    allow_private, settings, dns
):
    """Behind a proxy: SITE_URL https://motmap.example.com, the app server on 127.0.0.1:8102."""
    settings.SITE_URL = "https://motmap.example.com"
    settings.PORT = SITE_PORT
    settings.ALLOWED_HOSTS = ["motmap.example.com"]
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = allow_private
    dns["motmap.example.com"] = [PUBLIC_IP]
    for url in (
        f"http://127.0.0.1:{SITE_PORT}/",
        f"http://localhost:{SITE_PORT}/",
        f"http://[::ffff:127.0.0.1]:{SITE_PORT}/",
        f"http://{PUBLIC_IP}:{SITE_PORT}/",  # SITE_URL's address on the app server's port
    ):
        assert THIS_SERVER in _refusal(url), url


def test_this_machines_own_address_on_the_port_is_this_server(served, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    served[socket.gethostname()] = ["10.20.30.40"]
    assert THIS_SERVER in _refusal(f"http://10.20.30.40:{SITE_PORT}/")
    assert check_url("http://10.20.30.40:8127/")[1] == ["10.20.30.40"]  # a receiver next door


def test_with_private_addresses_allowed_a_local_receiver_on_another_port_is_accepted(served):
    parts, addresses = check_url("http://127.0.0.1:8127/hook")
    assert (parts.hostname, parts.port) == ("127.0.0.1", 8127)
    assert addresses == ["127.0.0.1"]  # resolved with the flag on too: the sender uses these
    parts, addresses = check_url("http://localhost:8127/hook")
    assert addresses and all(a in ("127.0.0.1", "::1") for a in addresses), addresses


def test_with_private_addresses_allowed_a_host_that_is_not_found_is_refused(served):
    assert "could not be found" in _refusal("http://nowhere.invalid:8127/")


def test_a_loopback_address_on_another_port_is_refused_as_loopback_not_as_this_server(
    served, settings
):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    message = _refusal("http://127.0.0.1:8127/hook")
    assert "The host “127.0.0.1” is a loopback address (127.0.0.1)" in message
    assert "public addresses only" in message
    assert THIS_SERVER not in message


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://10.0.0.1/", "The host “10.0.0.1” is a private address (10.0.0.1)"),
        (
            "http://169.254.169.254/latest/meta-data",
            "The host “169.254.169.254” is a link-local address (169.254.169.254)",
        ),
        ("http://224.0.0.1/", "is a reserved, multicast or unspecified address (224.0.0.1)"),
        ("http://0.0.0.0:8127/", "is a reserved, multicast or unspecified address (0.0.0.0)"),
        ("http://240.0.0.1/", "is a reserved, multicast or unspecified address (240.0.0.1)"),
        ("http://sneaky.example.net:8127/", "The host “sneaky.example.net” is a loopback"),
    ],
)
def test_with_the_flag_off_the_message_names_the_kind_of_address(url, expected, served, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    served["sneaky.example.net"] = ["::1"]
    assert expected in _refusal(url)


@pytest.fixture
def public_site(settings, dns):
    """motmap at https://motmap.example.com (a public address), the app server on 8000."""
    settings.SITE_URL = "https://motmap.example.com"
    settings.PORT = 8000
    settings.ALLOWED_HOSTS = ["motmap.example.com", ".motmap.example.org"]
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    dns["motmap.example.com"] = [PUBLIC_IP]
    dns["www.motmap.example.org"] = ["151.101.129.69"]
    dns["cdn-alias.example.net"] = [PUBLIC_IP]
    return dns


@pytest.mark.parametrize("allow_private", [True, False])
@pytest.mark.parametrize(
    "url",
    [
        "https://motmap.example.com/hook",
        "https://Motmap.Example.com./hook",
        "https://motmap.example.com:443/hook",
        f"https://{PUBLIC_IP}/hook",  # SITE_URL's address on its port
        f"https://[::ffff:{PUBLIC_IP}]/hook",
        "https://cdn-alias.example.net/hook",  # another name for SITE_URL's address
        "https://www.motmap.example.org/hook",  # ".motmap.example.org" in ALLOWED_HOSTS
        "https://motmap.example.org/hook",
        "http://motmap.example.com/hook",  # https on 443: the proxy serves port 80 too
        f"http://{PUBLIC_IP}:80/hook",
    ],
)
def test_the_public_site_on_its_port_is_this_server(url, allow_private, public_site, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = allow_private
    assert THIS_SERVER in _refusal(url)


@pytest.mark.parametrize(
    "url",
    [
        f"http://{PUBLIC_IP}:8443/hook",
        "http://motmap.example.com:8443/hook",  # another service on the same public host
        "http://cdn-alias.example.net:9000/hook",
    ],
)
def test_the_same_public_address_on_another_port_is_accepted(url, public_site):
    assert check_url(url)[1] == [PUBLIC_IP]


def test_a_name_that_only_ends_like_an_allowed_host_is_not_this_server(public_site):
    public_site["evilmotmap.example.org"] = ["151.101.1.69"]
    public_site["notmotmap.example.com"] = ["151.101.65.69"]
    assert check_url("https://evilmotmap.example.org/")[1] == ["151.101.1.69"]
    assert check_url("https://notmotmap.example.com/")[1] == ["151.101.65.69"]


# --- the same at send time, with a real server standing in for motmap -------------------------


def test_a_ping_to_localhost_on_the_servers_port_is_refused_at_send_time(
    settings, receiver, nordic, alice, django_capture_on_commit_callbacks
):
    """The receiver plays motmap (settings.PORT is its port); the row is written directly, as a
    URL saved before this check or by hand would be."""
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    settings.SITE_URL = "http://127.0.0.1:8102"
    settings.PORT = receiver.port
    endpoint = WebhookEndpoint.objects.create(
        organisation=nordic,
        url=f"http://localhost:{receiver.port}/",
        events=["idea.created"],
        created_by=alice,
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.endpoint_ping(actor=alice, endpoint=endpoint)
    delivery = WebhookDelivery.objects.get()
    assert delivery.event == Event.PING
    assert delivery.status == DeliveryStatus.GAVE_UP  # a ping is tried once
    assert delivery.last_error.startswith("Refused:")
    assert THIS_SERVER in delivery.last_error
    assert receiver.requests == []


def test_a_ping_to_a_local_receiver_by_name_is_delivered_to_the_resolved_addresses(
    settings, receiver, nordic, alice, django_capture_on_commit_callbacks
):
    """With the flag on the sender connects to the checked addresses ("localhost" may be ::1
    first, where nothing listens: the next address is tried)."""
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    settings.SITE_URL = "http://127.0.0.1:8102"
    settings.PORT = 8102
    endpoint = WebhookEndpoint.objects.create(
        organisation=nordic,
        url=f"http://localhost:{receiver.port}/in",
        events=["idea.created"],
        created_by=alice,
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.endpoint_ping(actor=alice, endpoint=endpoint)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.SUCCEEDED, delivery.last_error
    assert [r["path"] for r in receiver.requests] == ["/in"]


def test_with_private_addresses_allowed_the_connection_goes_to_the_checked_addresses_too(
    site, settings, alice, nordic, monkeypatch
):
    """The host is resolved with the flag on as well, and the sender connects to that answer
    (not to the name, which would be looked up again at connect time)."""
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    site["hooks.example.com"] = ["10.1.2.3", "10.1.2.4"]
    services.endpoint_create(
        actor=alice,
        organisation=nordic,
        url="http://hooks.example.com:8127/in",
        events=["idea.created"],
    )
    used = []

    def create_connection(address, *args, **kwargs):
        used.append(address)
        raise ConnectionRefusedError("connection refused")

    monkeypatch.setattr(socket, "create_connection", create_connection)
    delivery = services.emit(Event.IDEA_CREATED, nordic, {})[0]
    webhook_delivery.send_one(delivery.pk)
    assert used == [("10.1.2.3", 8127), ("10.1.2.4", 8127)]
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert "connection refused" in delivery.last_error
