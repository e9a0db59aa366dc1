"""Translated fields (django-modeltranslation) and change history (django-simple-history) of the knowledge base.

The models moved here from ``meetings`` with their tables, so their history tables keep their old names too.
"""

from modeltranslation.translator import TranslationOptions, register
from simple_history import register as register_history

from .models import Action, Conclusion, LessonLearned, Minutes, NewsItem


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


for _model in (Conclusion, Action, LessonLearned, Minutes, NewsItem):
    register_history(_model, table_name=f"meetings_historical{_model._meta.model_name}")
