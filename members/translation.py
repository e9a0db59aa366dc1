"""Translated fields (django-modeltranslation) and change history (django-simple-history).

History is registered here, after the translation fields exist, so the historical tables keep every language.
"""

from modeltranslation.translator import TranslationOptions, register
from simple_history import register as register_history

from .models import Country, Mandate, Notice, Organisation, Person, Presidency


@register(Country)
class CountryTranslation(TranslationOptions):
    fields = ("name",)
    required_languages = ("en",)


@register(Organisation)
class OrganisationTranslation(TranslationOptions):
    fields = ("name", "acronym")
    required_languages = {"en": ("name",)}


@register(Person)
class PersonTranslation(TranslationOptions):
    fields = ("title",)


@register(Notice)
class NoticeTranslation(TranslationOptions):
    fields = ("title", "text")
    required_languages = {"en": ("title",)}


for _model in (Country, Organisation, Person, Mandate, Presidency):
    register_history(_model)
