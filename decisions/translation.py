"""Translated fields (django-modeltranslation): a draft's title and each paragraph's text."""

from modeltranslation.translator import TranslationOptions, register

from .models import Draft, Paragraph


@register(Draft)
class DraftTranslation(TranslationOptions):
    fields = ("title",)
    required_languages = ("en",)


@register(Paragraph)
class ParagraphTranslation(TranslationOptions):
    fields = ("text", "action_title")
    required_languages = ("en",)
