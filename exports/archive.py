"""Reading an uploaded ZIP without trusting it: bounded in size, entries and names.

A ZIP says in its directory how large each file unpacks, and a crafted one lies. So the
sizes in the directory are checked first (each file, all together, the number of entries),
and every file is then read through a bounded read that stops one byte past what may be left:
a file that unpacks to more than it said, or to more than the limits, is refused without ever
being held whole. Names that could point outside a folder ('..', an absolute path, a drive, a
backslash) are refused, as are two entries of one name (which one would count?).

Every refusal is `Refused`, with a message for the person who uploaded the file.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from typing import IO

from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# What an export of a large organisation stays far below (the demo's is about 2 MB unpacked);
# a file beyond them is refused before it is read.
MAX_ENTRIES = 2000
MAX_FILE_BYTES = 100 * 1024 * 1024
MAX_UNPACKED_BYTES = 250 * 1024 * 1024

ZIP_START = b"PK\x03\x04"
_DRIVE = re.compile(r"^[A-Za-z]:")


class Refused(Exception):
    """The upload cannot be imported; `messages` say why (nothing was changed)."""

    def __init__(self, *messages: str) -> None:
        super().__init__(*messages)
        self.messages = list(messages)


def unsafe_name(name: str) -> bool:
    """A name that is absolute, names a drive, climbs out ('..'), or is not a plain path."""
    if not name or "\\" in name or "\x00" in name or name.startswith("/") or _DRIVE.match(name):
        return True
    return any(part in ("", ".", "..") for part in name.split("/"))


def _size_of(upload: IO[bytes]) -> int:
    size = getattr(upload, "size", None)
    if isinstance(size, int):
        return size
    position = upload.tell()
    upload.seek(0, 2)
    end = upload.tell()
    upload.seek(position)
    return end


def read_zip(upload: IO[bytes], *, max_bytes: int) -> dict[str, bytes]:
    """Every file of the ZIP `upload` by name (folders left out). Raises Refused."""
    if _size_of(upload) > max_bytes:
        raise Refused(too_large(max_bytes))
    upload.seek(0)
    start = upload.read(4)
    upload.seek(0)
    try:
        archive = zipfile.ZipFile(upload)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
        raise Refused(_damaged() if start == ZIP_START else _not_a_zip()) from None
    with archive:
        infos = [info for info in archive.infolist() if not info.is_dir()]
        _check_directory(infos)
        return {info.filename: _read(archive, info) for info in infos}


# The upload form (exports.forms) says the same of a file too large to take.
TOO_LARGE = gettext_lazy("The file is larger than %(max)s, the most this server imports.")


def too_large(max_bytes: int) -> str:
    return str(TOO_LARGE) % {"max": filesizeformat(max_bytes)}


def _not_a_zip() -> str:
    return _(
        "This file is not a ZIP file. Choose the .zip file that “Export everything” gave you, "
        "as it was downloaded."
    )


def _damaged() -> str:
    return _(
        "This ZIP file is damaged or incomplete (was the download cut short?). Download the "
        "export again and import that file."
    )


def _too_big() -> str:
    return _(
        "This ZIP file unpacks to more than this server imports (%(file)s a file, %(total)s in "
        "all): it is not an export made by motmap."
    ) % {"file": filesizeformat(MAX_FILE_BYTES), "total": filesizeformat(MAX_UNPACKED_BYTES)}


def _check_directory(infos: list[zipfile.ZipInfo]) -> None:
    """What the ZIP's directory says, before anything is unpacked."""
    if len(infos) > MAX_ENTRIES:
        raise Refused(
            _("This ZIP file holds more than %(max)d files: it is not an export made by motmap.")
            % {"max": MAX_ENTRIES}
        )
    seen: set[str] = set()
    for info in infos:
        if unsafe_name(info.filename):
            raise Refused(
                _(
                    "This ZIP file holds a file whose name points outside the export "
                    "(“%(name)s”), so nothing in it is read."
                )
                % {"name": info.filename[:200]}
            )
        if info.filename in seen:
            raise Refused(
                _("This ZIP file holds “%(name)s” twice, so it cannot be read safely.")
                % {"name": info.filename[:200]}
            )
        seen.add(info.filename)
    if any(info.file_size > MAX_FILE_BYTES for info in infos):
        raise Refused(_too_big())
    if sum(info.file_size for info in infos) > MAX_UNPACKED_BYTES:
        raise Refused(_too_big())


def _read(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """One file, never more than it said or than the limit (a lying directory is caught)."""
    limit = min(info.file_size, MAX_FILE_BYTES)
    try:
        with archive.open(info) as member:
            content = member.read(limit + 1)
    except RuntimeError:  # encrypted
        raise Refused(
            _("This ZIP file is protected by a password: import the export as it was made.")
        ) from None
    except NotImplementedError:  # a compression method zipfile cannot unpack
        raise Refused(
            _(
                "This ZIP file was packed in a way this server cannot unpack: import the export "
                "as it was made."
            )
        ) from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError):
        raise Refused(_damaged()) from None
    if len(content) > limit:
        raise Refused(_too_big())
    if len(content) != info.file_size:
        raise Refused(_damaged())
    return content
