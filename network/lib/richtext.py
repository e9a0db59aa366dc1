"""Rich text (minutes, public summaries): the tags an editor needs, nothing that runs.

``sanitize`` is the one cleaning step: the models that hold rich text call it on every save, and their
``*_html`` properties call it again when the text is shown (a row written around ``save()``, by a bulk update or a
migration, is still shown clean).
"""

from __future__ import annotations

import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {"p", "br", "strong", "em", "b", "i", "u", "ul", "ol", "li", "h2", "h3", "h4", "blockquote", "a"}


def sanitize(html: str | None) -> str:
    """``html`` with only ``ALLOWED_TAGS``, links' ``href`` and ``title`` (http, https, mailto; opened with
    ``rel="noopener noreferrer"``), and nothing that runs. ``None`` gives ``""``."""
    return nh3.clean(
        html or "",
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )


def safe_html(html: str | None) -> SafeString:
    """``sanitize(html)`` marked safe for a template."""
    return mark_safe(sanitize(html))  # noqa: S308  # nosec B308, B703 - sanitised with the allow-list just above
