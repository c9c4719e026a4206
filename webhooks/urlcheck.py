"""The one check of a webhook URL: on the form, in the service and again at send time.

http or https only, no credentials, never this server, and (unless
WEBHOOK_ALLOW_PRIVATE_ADDRESSES) no host resolving to a private, loopback, link-local,
reserved, multicast or unspecified address.

"This server", whatever the flag says:
- the site: SITE_URL's host or an address it resolves to, on SITE_URL's port (both 80 and 443
  when it is one of them: the proxy in front serves both) or settings.PORT;
- this server: an ALLOWED_HOSTS name, a loopback or unspecified address, or one of this
  machine's own, on SITE_URL's port or settings.PORT (the port the app server listens on).
An IPv4 address carried inside IPv6 (mapped, 6to4, Teredo) is judged as that IPv4 address.

The host is always resolved and `check_url` returns the addresses it approved so that the sender
connects to exactly those (a DNS answer that changes between the check and the connection, "DNS
rebinding", cannot slip another address in).
"""

import ipaddress
import re
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _

from .models import WebhookEndpoint

MAX_URL_LENGTH = WebhookEndpoint._meta.get_field("url").max_length
_syntax = URLValidator(schemes=["http", "https"])


def resolve(host, port):
    """Every address `host` resolves to (a function of its own so tests can stand in for DNS)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


def machine_addresses():
    """This machine's own addresses, as far as its host name tells (failures: none)."""
    try:
        infos = socket.getaddrinfo(socket.gethostname(), None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError, ValueError):
        return []
    return list(dict.fromkeys(info[4][0] for info in infos))


def _ip(address):
    """The address as an ip_address, an IPv4 address carried inside IPv6 (mapped, 6to4,
    Teredo) as that IPv4 address. Raises ValueError for what is not an address."""
    ip = ipaddress.ip_address(str(address).split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        inner = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if inner is not None:
            return inner
    return ip


def _kind(address):
    """None for a public address, else the refusal saying what kind of address it is."""
    try:
        ip = _ip(address)
    except ValueError:
        ip = None
    if ip is not None and ip.is_loopback:
        return _(
            "The host “%(host)s” is a loopback address (%(address)s): "
            "webhooks go to public addresses only."
        )
    if ip is not None and ip.is_link_local:
        return _(
            "The host “%(host)s” is a link-local address (%(address)s): "
            "webhooks go to public addresses only."
        )
    special = ip is None or ip.is_unspecified or ip.is_multicast or ip.is_reserved
    if not special and ip.is_private:
        return _(
            "The host “%(host)s” is a private address (%(address)s): "
            "webhooks go to public addresses only."
        )
    if not special and ip.is_global:
        return None
    return _(
        "The host “%(host)s” is a reserved, multicast or unspecified address (%(address)s): "
        "webhooks go to public addresses only."
    )


def _default_port(scheme):
    return 443 if (scheme or "").lower() == "https" else 80


def _name(host):
    return (host or "").strip().lower().rstrip(".").removeprefix("[").removesuffix("]")


def _without_trailing_dot(url, parts):
    """The URL for the syntax check: "localhost." is as valid a name as "localhost"."""
    netloc = re.sub(r"\.(?=(:\d*)?$)", "", parts.netloc, count=1)
    return url if netloc == parts.netloc else parts._replace(netloc=netloc).geturl()


def _literal_ip(host):
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _site():
    """SITE_URL's host name and port (None, None when it cannot be read)."""
    try:
        site = urlsplit(settings.SITE_URL or "")
        return _name(site.hostname) or None, site.port or _default_port(site.scheme)
    except ValueError:
        return None, None


def _server_ports():
    """The ports this server serves on: SITE_URL's and settings.PORT (the app server's)."""
    return {int(port) for port in (_site()[1], settings.PORT) if port}


def _site_ports():
    """The ports the site's public name answers on: with SITE_URL on 80 or 443, both (the
    proxy in front serves the site on both), and the server's own ports."""
    ports = _server_ports()
    return ports | {80, 443} if _site()[1] in (80, 443) else ports


def _is_server_name(host):
    site_host, _port = _site()
    if host == site_host:
        return True
    for allowed in settings.ALLOWED_HOSTS:
        wildcard = allowed.strip().startswith(".")
        allowed = _name(allowed).lstrip(".")
        if not allowed or allowed == "*":
            continue
        if host == allowed or (wildcard and host.endswith("." + allowed)):
            return True
    return False


def _as_ips(found):
    addresses = set()
    for address in found:
        try:
            addresses.add(_ip(address))
        except ValueError:
            pass
    return addresses


def _site_addresses():
    """What SITE_URL's host resolves to (a lookup that fails: nothing)."""
    site_host, site_port = _site()
    if not site_host:
        return set()
    literal = _literal_ip(site_host)
    if literal is not None:
        return _as_ips([str(literal)])
    try:
        return _as_ips(resolve(site_host, site_port))
    except (OSError, UnicodeError, ValueError):
        return set()


def _is_this_server(host, port, addresses):
    """`port` is the URL's (explicit or by scheme), `addresses` what its host resolved to.

    SITE_URL's host and its addresses count on the site's ports (80 and 443 both behind a
    proxy); the ALLOWED_HOSTS names and this machine's own addresses (loopback, unspecified, its
    host name's) on the ports the server itself listens on."""
    ips = _as_ips(addresses)
    if port in _site_ports() and (host == _site()[0] or ips & _site_addresses()):
        return True
    if port not in _server_ports():
        return False
    if _is_server_name(host) or any(ip.is_loopback or ip.is_unspecified for ip in ips):
        return True
    return bool(ips & _as_ips(machine_addresses()))


def check_url(url):
    """Validate a webhook URL. Returns (parts, addresses) where addresses is the list the
    sender may connect to. Raises ValidationError with a message that says what is wrong."""
    url = (url or "").strip()
    if not url:
        raise ValidationError(_("Give the URL the events should be sent to."))
    if len(url) > MAX_URL_LENGTH:
        raise ValidationError(_("Keep the URL under %(n)d characters.") % {"n": MAX_URL_LENGTH})
    if any(ord(c) < 33 or ord(c) == 127 for c in url):
        raise ValidationError(_("The URL contains spaces or control characters."))
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise ValidationError(_("This is not a valid URL.")) from None
    if parts.scheme.lower() not in ("http", "https"):
        raise ValidationError(
            _("Only http:// and https:// URLs can receive webhooks (not “%(scheme)s”).")
            % {"scheme": parts.scheme or _("no scheme")}
        )
    if parts.username is not None or parts.password is not None:
        raise ValidationError(
            _("Leave user names and passwords out of the URL: check the signature instead.")
        )
    host = _name(parts.hostname)
    if not host:
        raise ValidationError(_("The URL has no host name."))
    try:
        _syntax(_without_trailing_dot(url, parts))
    except ValidationError:
        raise ValidationError(_("This is not a valid URL.")) from None
    port = port or _default_port(parts.scheme)
    literal = _literal_ip(host)
    try:
        addresses = [str(literal)] if literal else resolve(host, port)
    except (OSError, UnicodeError, ValueError):
        addresses = []
    # Before "not found": a name of this server is refused even when it does not resolve here.
    if _is_this_server(host, port, addresses):
        raise ValidationError(_("The URL points at this motmap server itself."))
    if not addresses:
        raise ValidationError(_("The host “%(host)s” could not be found.") % {"host": host})
    if not settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES:
        for address in addresses:
            refusal = _kind(address)
            if refusal is not None:
                raise ValidationError(refusal % {"host": host, "address": address})
    return parts, addresses
