"""Serving H5P files: activity content (through a signed per-user token) and approved libraries.

Both are read from the H5P storage (a local folder or an object store, courses.h5p_files) and streamed after the
checks, from the site's own origin: the player fetches them by relative address.
"""

import re

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.views.decorators.http import require_GET

from courses import h5p_files, selectors

LIBRARY_FOLDER = re.compile(r"^(?P<machine>[\w.\-]{1,255})-(?P<major>\d{1,5})\.(?P<minor>\d{1,5})$")


def _file_response(handle, relative: str, content_type: str, *, max_age: int) -> FileResponse:
    response = FileResponse(handle, content_type=content_type)
    if getattr(handle, "size", None) is not None and not response.has_header("Content-Length"):
        response["Content-Length"] = handle.size
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = f"private, max-age={max_age}"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    if h5p_files.is_attachment(relative):
        response["Content-Disposition"] = f'attachment; filename="{relative.rsplit("/", 1)[-1]}"'
    return response


@require_GET
@login_required
def h5p_content_file(request, token, path):
    """A file of one activity's content, for the user the token was issued to."""
    claims = h5p_files.read_content_token(token)
    if claims is None or claims[1] != request.user.pk:
        raise Http404
    content_type = h5p_files.content_type_for(path, library=False)
    handle = h5p_files.open_file(h5p_files.content_prefix(claims[0]), path) if content_type else None
    if handle is None:
        raise Http404
    return _file_response(handle, path, content_type, max_age=300)


@require_GET
@login_required
def h5p_library_file(request, folder, path):
    """A file of the approved version of a library (``H5P.MultiChoice-1.16/js/multichoice.js``)."""
    match = LIBRARY_FOLDER.match(folder)
    if match is None:
        raise Http404
    library = selectors.approved_library(
        machine_name=match["machine"], major=int(match["major"]), minor=int(match["minor"])
    )
    content_type = h5p_files.content_type_for(path, library=True)
    if library is None or content_type is None:
        raise Http404
    handle = h5p_files.open_file(h5p_files.library_prefix(library.folder), path)
    if handle is None:
        raise Http404
    return _file_response(handle, path, content_type, max_age=3600)
