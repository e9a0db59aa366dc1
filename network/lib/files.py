"""Private files: uploads are served only by views that have checked access, through this one response."""

from django.http import FileResponse, Http404


def private_file_response(field_file, *, filename: str, content_type: str) -> FileResponse:
    """A download of ``field_file`` under its original name, never cached by shared caches; 404 if it is gone."""
    try:
        handle = field_file.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    response = FileResponse(
        handle, as_attachment=True, filename=filename, content_type=content_type or "application/octet-stream"
    )
    response["Cache-Control"] = "private, no-store"
    return response
