"""Document downloads: every file is served through an access check, never straight from the media folder."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from network.lib.files import private_file_response

from . import visibility
from .models import Document


@require_GET
def document(request, uid):
    document = get_object_or_404(Document.objects.select_related("meeting"), uid=uid)
    if not visibility.can_view_document(request.user, document):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        raise Http404  # do not confirm that a document exists to someone who may not see it
    return private_file_response(document.file, filename=document.original_name, content_type=document.content_type)
