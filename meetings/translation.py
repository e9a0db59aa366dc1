"""Translated fields (django-modeltranslation) and change history (django-simple-history)."""

from modeltranslation.translator import TranslationOptions, register
from simple_history import register as register_history

from .models import (
    AgendaItem,
    Attendance,
    Crisis,
    Document,
    Invitation,
    Meeting,
    Theme,
)


@register(Crisis)
class CrisisTranslation(TranslationOptions):
    fields = ("name", "description")
    required_languages = {"en": ("name",)}


@register(Theme)
class ThemeTranslation(TranslationOptions):
    fields = ("label",)
    required_languages = ("en",)


@register(Meeting)
class MeetingTranslation(TranslationOptions):
    fields = ("title", "summary")
    required_languages = {"en": ("title",)}


@register(AgendaItem)
class AgendaItemTranslation(TranslationOptions):
    fields = ("title", "description")
    required_languages = {"en": ("title",)}


@register(Document)
class DocumentTranslation(TranslationOptions):
    fields = ("title",)
    required_languages = {"en": ("title",)}


for _model in (
    Meeting,
    AgendaItem,
    Document,
    Invitation,
    Attendance,
):
    register_history(_model)
