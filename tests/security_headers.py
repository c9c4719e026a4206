"""The headers every answer of the project carries (pages, API, redirects, errors): checked by
the permission matrices for every URL, persona and method (tests/test_permission_matrix.py,
tests/api/test_permission_matrix.py)."""

UNSAFE = frozenset(("'unsafe-inline'", "'unsafe-eval'", "*", "http:", "https:"))
# Everything but the sensors, ports and devices no page uses (motmap.settings.PERMISSIONS_POLICY).
DENIED_FEATURES = ("camera", "microphone", "geolocation", "payment", "usb")


def directives(policy):
    out = {}
    for part in policy.split(";"):
        name, *values = part.split()
        out[name] = values
    return out


def assert_security_headers(response, where, inline_styles=False):
    """`inline_styles`: the API's documentation pages (Swagger UI and ReDoc set styles inline)."""
    headers = response.headers
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert headers.get("X-Frame-Options") == "DENY", where
    # The customer's pages send none at all: their address holds the touchpoint's code.
    assert headers.get("Referrer-Policy") in ("same-origin", "no-referrer"), where
    policy = headers.get("Permissions-Policy", "")
    for feature in DENIED_FEATURES:
        assert f"{feature}=()" in policy, (where, policy)
    csp = directives(headers.get("Content-Security-Policy", ""))
    assert csp.get("default-src") == ["'self'"], (where, csp)
    assert csp.get("frame-ancestors") == ["'none'"], (where, csp)
    assert csp.get("object-src") == ["'none'"], (where, csp)
    assert not UNSAFE.intersection(csp.get("script-src", ["*"])), (where, csp)
    styles = set(csp.get("style-src", ["*"]))
    if inline_styles:
        styles -= {"'unsafe-inline'"}
    assert not styles & UNSAFE, (where, csp)
