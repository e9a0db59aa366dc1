"""Translated fields (django-modeltranslation) and change history (django-simple-history)."""

from modeltranslation.translator import TranslationOptions, register
from simple_history import register as register_history

from .models import (
    Action,
    AgendaItem,
    Attendance,
    Conclusion,
    Crisis,
    Document,
    Invitation,
    LessonLearned,
    Meeting,
    Minutes,
    NewsItem,
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


@register(LessonLearned)
class LessonTranslation(TranslationOptions):
    # Written in one language, others can be added: no language is required here; the service checks that the
    # language the lesson is written in has a title and a text.
    fields = ("title", "text")


@register(Conclusion)
class ConclusionTranslation(TranslationOptions):
    fields = ("text",)
    required_languages = ("en",)


@register(Action)
class ActionTranslation(TranslationOptions):
    fields = ("title",)
    required_languages = ("en",)


@register(Minutes)
class MinutesTranslation(TranslationOptions):
    fields = ("text",)


@register(NewsItem)
class NewsTranslation(TranslationOptions):
    fields = ("title", "body")
    required_languages = ("en",)


for _model in (
    Meeting,
    AgendaItem,
    Document,
    Invitation,
    Attendance,
    Conclusion,
    Action,
    LessonLearned,
    Minutes,
    NewsItem,
):
    register_history(_model)
