"""Serving H5P files: activity content (through a signed per-user token) and approved libraries."""

import re

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.views.decorators.http import require_GET

from courses import h5p_files, selectors

LIBRARY_FOLDER = re.compile(r"^(?P<machine>[\w.\-]{1,255})-(?P<major>\d{1,5})\.(?P<minor>\d{1,5})$")


def _file_response(path, relative: str, content_type: str, *, max_age: int) -> FileResponse:
    response = FileResponse(path.open("rb"), content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = f"private, max-age={max_age}"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    if h5p_files.is_attachment(relative):
        response["Content-Disposition"] = f'attachment; filename="{path.name}"'
    return response


@require_GET
@login_required
def h5p_content_file(request, token, path):
    """A file of one activity's content, for the user the token was issued to."""
    claims = h5p_files.read_content_token(token)
    if claims is None or claims[1] != request.user.pk:
        raise Http404
    content_type = h5p_files.content_type_for(path, library=False)
    resolved = h5p_files.resolve(h5p_files.content_dir(claims[0]), path) if content_type else None
    if resolved is None:
        raise Http404
    return _file_response(resolved, path, content_type, max_age=300)


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
    resolved = h5p_files.resolve(h5p_files.library_dir(library.folder), path)
    if resolved is None:
        raise Http404
    return _file_response(resolved, path, content_type, max_age=3600)
