"""HTML -> PDF with WeasyPrint, fetching nothing but the project's own static files.

The pack's HTML holds text people typed (names, outcomes, ideas). Django escapes it, so it is
text, not markup; as a second wall, WeasyPrint is given a URL fetcher that serves only files
under STATIC_URL found by Django's static finders (or in STATIC_ROOT). Everything else —
file://, http(s)://, data:, a path that climbs out with "..", a static file that does not
exist — is refused, so nothing a user typed can make the server read a file or call a URL.

WeasyPrint is imported here, when a PDF is made, not at start-up: on a machine without Pango
the rest of the app still runs and the PDF address answers with a clear message.
"""

import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders

# A base URL that is never fetched from the network: every relative address in the pack's HTML
# (/static/css/pack.css) resolves under it, and the fetcher below maps it to a file.
BASE_URL = "https://motmap-pack.invalid/"


class FetchRefused(Exception):
    """The pack asked for something that is not one of the project's static files."""


class PdfUnavailable(Exception):
    """WeasyPrint (or the Pango library it needs) is not installed on this machine."""


def static_file_for(url):
    """The path of the static file `url` names, or FetchRefused. Pure: no WeasyPrint needed."""
    parts = urlsplit(url)
    prefix = urlsplit(BASE_URL)
    if (parts.scheme, parts.netloc) != (prefix.scheme, prefix.netloc):
        raise FetchRefused(f"not a static file of the project: {url[:200]}")
    path = unquote(parts.path)
    static_url = urlsplit(settings.STATIC_URL).path
    if not path.startswith(static_url) or "\x00" in path:
        raise FetchRefused(f"not under {static_url}: {url[:200]}")
    name = path.removeprefix(static_url)
    if not name or any(part in ("", ".", "..") for part in name.split("/")):
        raise FetchRefused(f"not a plain static path: {url[:200]}")
    roots = [Path(settings.STATIC_ROOT).resolve()]
    found = None
    candidate = roots[0] / name
    if candidate.is_file():
        found = candidate
    else:
        located = finders.find(name)
        found = Path(located) if located else None
        roots = [Path(p).resolve() for p in settings.STATICFILES_DIRS] + roots
        roots += [Path(location).resolve() for location in _app_static_dirs()]
    if found is None:
        raise FetchRefused(f"no such static file: {name[:200]}")
    resolved = found.resolve()
    if not any(resolved.is_relative_to(root) for root in roots):
        raise FetchRefused(f"outside the static folders: {name[:200]}")
    return resolved


def _is_served(url):
    try:
        static_file_for(url)
    except FetchRefused:
        return False
    return True


def _app_static_dirs():
    for finder in finders.get_finders():
        for storage in getattr(finder, "storages", {}).values():
            location = getattr(storage, "location", None)
            if location:
                yield location


def _mime_type(path):
    return mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def _fetcher():
    import weasyprint.urls as wurls

    class StaticOnlyFetcher(wurls.URLFetcher):
        def fetch(self, url, headers=None):
            path = static_file_for(url)
            return wurls.URLFetcherResponse(
                url, body=path.read_bytes(), headers={"Content-Type": _mime_type(path)}
            )

    return StaticOnlyFetcher()


# A tagged PDF (PDF/UA-1): headings, lists and tables in reading order, with the document's
# language and title, so that a screen reader reads the pack as it is laid out.
PDF_OPTIONS = {"pdf_variant": "pdf/ua-1"}


def write_pdf(document):
    """The PDF bytes of a laid-out document, tagged."""
    return document.write_pdf(**PDF_OPTIONS)


def html_to_pdf(html):
    """Render the pack's final HTML to PDF bytes. Raises PdfUnavailable without WeasyPrint."""
    try:
        import weasyprint
    except (ImportError, OSError) as exc:  # OSError: Pango missing
        raise PdfUnavailable(str(exc)) from exc
    document = weasyprint.HTML(string=html, base_url=BASE_URL, url_fetcher=_fetcher())
    return document.write_pdf(**PDF_OPTIONS)


def html_to_document(html):
    """The laid-out document (pages), for callers that want the page count too."""
    try:
        import weasyprint
    except (ImportError, OSError) as exc:
        raise PdfUnavailable(str(exc)) from exc
    return weasyprint.HTML(string=html, base_url=BASE_URL, url_fetcher=_fetcher()).render()
