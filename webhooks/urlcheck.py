"""The one check of a webhook URL: on the form, in the service and again at send time.

http or https only, no credentials, not this server, and (unless
WEBHOOK_ALLOW_PRIVATE_ADDRESSES) no host resolving to a private, loopback, link-local,
reserved, multicast or unspecified address. `check_url` returns the addresses it approved so
that the sender connects to exactly those (a DNS answer that changes between the check and the
connection, "DNS rebinding", cannot slip a private address in).
"""

import ipaddress
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


def _is_public(address):
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        # An IPv4 address carried inside IPv6 (mapped, 6to4, Teredo) is judged as IPv4.
        inner = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if inner is not None:
            ip = inner
    return not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_multicast
        or ip.is_unspecified
        or not ip.is_global
    )


def _is_this_server(host, port, scheme):
    """True for the SITE_URL's host and port. Unless private addresses are allowed (a
    development set-up with a receiver on 127.0.0.1), also for any ALLOWED_HOSTS name."""
    site = urlsplit(settings.SITE_URL)
    site_port = site.port or (443 if site.scheme == "https" else 80)
    if host == (site.hostname or "").lower() and (port or _default_port(scheme)) == site_port:
        return True
    if settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES:
        return False
    for allowed in settings.ALLOWED_HOSTS:
        allowed = allowed.lower()
        if allowed == "*" or not allowed:
            continue
        if host == allowed.lstrip(".") or (allowed.startswith(".") and host.endswith(allowed)):
            return True
    return (site.hostname or "").lower() == host


def _default_port(scheme):
    return 443 if scheme.lower() == "https" else 80


def _literal_ip(host):
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def check_url(url):
    """Validate a webhook URL. Returns (parts, addresses) where addresses is the list the
    sender may connect to (empty when private addresses are allowed: resolve at connect).
    Raises ValidationError with a message that says what is wrong."""
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
    host = (parts.hostname or "").lower().rstrip(".")
    if not host:
        raise ValidationError(_("The URL has no host name."))
    try:
        _syntax(url)
    except ValidationError:
        raise ValidationError(_("This is not a valid URL.")) from None
    if _is_this_server(host, port, parts.scheme):
        raise ValidationError(_("The URL points at this motmap server itself."))
    if settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES:
        return parts, []
    port = port or _default_port(parts.scheme)
    literal = _literal_ip(host)
    try:
        addresses = [str(literal)] if literal else resolve(host, port)
    except (OSError, UnicodeError, ValueError):
        raise ValidationError(
            _("The host “%(host)s” could not be found.") % {"host": host}
        ) from None
    if not addresses:
        raise ValidationError(_("The host “%(host)s” could not be found.") % {"host": host})
    for address in addresses:
        try:
            public = _is_public(address)
        except ValueError:
            public = False
        if not public:
            raise ValidationError(
                _(
                    "The host “%(host)s” is a private, local or reserved address (%(address)s): "
                    "webhooks go to public addresses only."
                )
                % {"host": host, "address": address}
            )
    return parts, addresses
