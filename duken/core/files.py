"""Files that must never be public, and how uploaded media are served.

Paid digital products live in private storage (``DUKEN_PRIVATE_ROOT``, outside ``MEDIA_ROOT``):
no URL reaches them, and only a view that has checked the buyer's right hands them out, as an
attachment (or tells the front web server to, with ``X-Accel-Redirect`` / ``X-Sendfile``).

Public media (product images) are served by ``serve_media`` when no web server or object storage
sits in front of ``MEDIA_URL``: images inline, anything else only as a download, never as a page
of the shop's own origin that could run a script.
"""

import mimetypes
import os
import posixpath
import uuid
from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.forms import ClearableFileInput
from django.http import FileResponse, Http404, HttpResponse
from django.utils.deconstruct import deconstructible
from django.utils.functional import cached_property
from django.utils.text import get_valid_filename, slugify
from django.views.static import serve

# Public media shown inline; every other type is sent as a download.
INLINE_MEDIA_TYPES = {"image/jpeg", "image/png", "image/webp", "image/gif", "image/avif"}
# Longer paths or parts are refused before they reach the file system (ENAMETOOLONG).
MAX_PATH_LENGTH = 1024
MAX_PART_LENGTH = 255
# A sandboxed, script-less document: even a file the browser chose to render runs nothing.
LOCKED_DOWN_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


@deconstructible(path="duken.core.files.PrivateStorage")
class PrivateStorage(FileSystemStorage):
    """File storage under ``DUKEN_PRIVATE_ROOT`` that has no URL."""

    def __init__(self):
        super().__init__(location=None, base_url=None)

    @cached_property
    def base_location(self):
        return os.fspath(settings.DUKEN_PRIVATE_ROOT)

    @property
    def base_url(self):
        return None

    def url(self, name):
        raise ValueError("Private files have no URL; serve them through a view that checks access.")


_private = PrivateStorage()


def private_storage() -> PrivateStorage:
    """The storage of files that only an authorising view hands out (a callable, so model
    fields and their migrations name it rather than a location)."""
    return _private


@receiver(setting_changed)
def _private_root_changed(*, setting, **kwargs):
    if setting == "DUKEN_PRIVATE_ROOT":
        _private.__dict__.pop("base_location", None)
        _private.__dict__.pop("location", None)


def random_upload_path(folder: str, filename: str) -> str:
    """``folder/<random>/<clean name>``: a name nobody can guess, still readable for staff."""
    base, ext = os.path.splitext(get_valid_filename(os.path.basename(filename)) or "file")
    return f"{folder}/{uuid.uuid4().hex}/{base[:80]}{ext[:16].lower()}"


def download_response(file, *, filename: str) -> HttpResponse:
    """Hand a private file to the client as an attachment named ``filename``.

    With ``DUKEN_DOWNLOAD_SERVER`` set, the front web server sends the bytes: ``nginx`` answers
    with ``X-Accel-Redirect`` to ``DUKEN_DOWNLOAD_ACCEL_PREFIX`` + the file's name (an
    ``internal`` location aliased to ``DUKEN_PRIVATE_ROOT``), ``sendfile`` with ``X-Sendfile``
    and the file's absolute path (Apache's mod_xsendfile, lighttpd). Raises FileNotFoundError.
    """
    server = getattr(settings, "DUKEN_DOWNLOAD_SERVER", "")
    if server in ("nginx", "sendfile"):
        if not file.storage.exists(file.name):
            raise FileNotFoundError(file.name)
        response = HttpResponse(content_type="application/octet-stream")
        if server == "nginx":
            prefix = settings.DUKEN_DOWNLOAD_ACCEL_PREFIX.rstrip("/")
            response["X-Accel-Redirect"] = f"{prefix}/{quote(file.name)}"
        else:
            response["X-Sendfile"] = file.path
        response["Content-Disposition"] = _attachment(filename)
    else:
        response = FileResponse(
            file.open("rb"),
            as_attachment=True,
            filename=filename,
            content_type="application/octet-stream",
        )
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = LOCKED_DOWN_CSP
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _attachment(filename: str) -> str:
    ascii_name = filename.encode("ascii", "ignore").decode() or "download"
    return f"attachment; filename=\"{ascii_name}\"; filename*=utf-8''{quote(filename)}"


def download_name(title: str, stored_name: str) -> str:
    """What the buyer's browser saves a file as: the product's name, the file's extension."""
    ext = os.path.splitext(stored_name)[1][:16].lower()
    return (slugify(title, allow_unicode=True)[:100] or "download") + ext


def serve_media(request, path):
    """Public media from local disk, for shops with nothing in front of ``MEDIA_URL``.

    Images are shown inline; any other file is only downloadable and locked down, so an upload
    can never become a page of the shop that runs a script.
    """
    parts = path.split("/")
    if len(path) > MAX_PATH_LENGTH or any(len(part) > MAX_PART_LENGTH for part in parts):
        raise Http404("No such file")
    if posixpath.normpath(path).split("/", 1)[0] == "digital":
        # Digital goods are never public, also when an old file was left in this folder.
        raise Http404("No such file")
    try:
        response = serve(request, path, document_root=settings.MEDIA_ROOT)
    except OSError as exc:  # e.g. a name the file system refuses
        raise Http404("No such file") from exc
    content_type = (response.get("Content-Type") or "").split(";")[0].strip()
    if content_type not in INLINE_MEDIA_TYPES:
        guessed = mimetypes.guess_type(path)[0]
        if guessed not in INLINE_MEDIA_TYPES:
            response["Content-Type"] = "application/octet-stream"
            response["Content-Disposition"] = _attachment(os.path.basename(path))
    response["Content-Security-Policy"] = LOCKED_DOWN_CSP
    response["X-Content-Type-Options"] = "nosniff"
    return response


class PrivateFileInput(ClearableFileInput):
    """The admin's file field for private files: names the current file instead of linking it
    (a private file has no URL)."""

    template_name = "core/widgets/private_file_input.html"

    def is_initial(self, value):
        return bool(value and getattr(value, "name", None))

    def format_value(self, value):
        if self.is_initial(value):
            return value
        return None
