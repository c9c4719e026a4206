"""Reading and re-packing export ZIPs in tests, and counting what an import could have made."""

import hashlib
import io
import json
import zipfile

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from exports import format as fmt
from motmap.models import Membership, Organisation


def unzip(content):
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def loads(files, name):
    return json.loads(files[name].decode())


def rezip(files, *, fix_checksums=True, manifest=None):
    """A ZIP of `files` (name -> bytes); with `fix_checksums` the manifest lists each file with
    its SHA-256 again, as a careful forger would."""
    files = dict(files)
    manifest = manifest if manifest is not None else json.loads(files[fmt.MANIFEST])
    if fix_checksums:
        manifest["files"] = {
            name: {"sha256": hashlib.sha256(content).hexdigest(), "bytes": len(content)}
            for name, content in files.items()
            if name != fmt.MANIFEST
        }
    files[fmt.MANIFEST] = json.dumps(manifest).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def with_rows(files, name, change):
    """The files with `change(rows)` applied to the rows of the JSON file `name`."""
    rows = loads(files, name)
    change(rows)
    return {**files, name: json.dumps(rows).encode()}


def upload(content, name="nordic-air.zip"):
    return SimpleUploadedFile(name, content, content_type="application/zip")


def counts():
    """The number of rows of every model an import writes, and of organisations, people and
    memberships: equal before and after a refused import."""
    models = [Organisation, Membership, get_user_model()] + [t.model for t in fmt.TABLES]
    return {model.__name__: model._default_manager.count() for model in models}


def import_page(client, content, name="Imported Air"):
    return client.post("/orgs/import/", {"name": name, "file": upload(content)})
