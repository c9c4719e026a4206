"""QR codes of the project's addresses (the idea card's, the feedback card's), as SVG or PNG."""

import io

import segno
from django.http import HttpResponse


def qr_response(url: str, kind: str, filename: str) -> HttpResponse:
    """The QR code of `url` as an SVG or PNG answer, shown inline (`filename` without its
    extension, for a download)."""
    qr = segno.make(url, error="m")
    buffer = io.BytesIO()
    if kind == "svg":
        qr.save(buffer, kind="svg", scale=8, border=2, xmldecl=False, svgns=True)
        content_type = "image/svg+xml"
    else:
        qr.save(buffer, kind="png", scale=10, border=2)
        content_type = "image/png"
    response = HttpResponse(buffer.getvalue(), content_type=content_type)
    response["Content-Disposition"] = f'inline; filename="{filename}.{kind}"'
    return response
