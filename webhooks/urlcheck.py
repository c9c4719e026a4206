"""The one check of a webhook URL: on the form, in the service and again at send time.

http or https only, no credentials, never this server, and (unless
WEBHOOK_ALLOW_PRIVATE_ADDRESSES) no host resolving to a private, loopback, link-local,
reserved, multicast or unspecified address.

"This server", whatever the flag says: a URL on one of the ports motmap serves on (SITE_URL's
port and settings.PORT, the application server's) whose host name is one of this server's names
(SITE_URL's host, ALLOWED_HOSTS) or resolves to one of its addresses (what SITE_URL's host
resolves to, every loopback and unspecified address, this machine's own). An IPv4 address carried
inside IPv6 (mapped, 6to4, Teredo) is judged as that IPv4 address.

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

MAX_URL_LENGTH = 2000
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
    ports = {_site()[1], getattr(settings, "PORT", None)}
    return {int(port) for port in ports if port}


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


def _server_addresses():
    """The addresses that reach this server, besides every loopback and unspecified one."""
    site_host, site_port = _site()
    found = list(machine_addresses())
    if site_host:
        literal = _literal_ip(site_host)
        if literal is not None:
            found.append(str(literal))
        else:
            try:
                found += resolve(site_host, site_port)
            except (OSError, UnicodeError, ValueError):
                pass
    addresses = set()
    for address in found:
        try:
            addresses.add(_ip(address))
        except ValueError:
            pass
    return addresses


def _is_this_server(host, port, addresses):
    """`port` is the URL's (explicit or by scheme), `addresses` what its host resolved to."""
    if port not in _server_ports():
        return False
    if _is_server_name(host):
        return True
    own = None
    for address in addresses:
        try:
            ip = _ip(address)
        except ValueError:
            continue
        if ip.is_loopback or ip.is_unspecified:
            return True
        if own is None:
            own = _server_addresses()
        if ip in own:
            return True
    return False


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
