"""``{% translation_errors %}``: the errors of translated fields on an admin change form, each named with its field
and language, for the top of the page (the field itself may sit in a language tab that is not shown).

English is the only required language of a translated field (``translation.py``'s ``required_languages``): it is
what readers see when their own language is left empty (``MODELTRANSLATION_FALLBACK_LANGUAGES``). Nothing is copied
from another language: a missing English text is an error that says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import template
from django.conf import settings
from django.utils.text import capfirst
from django.utils.translation import gettext, pgettext_lazy
from modeltranslation.translator import NotRegistered, translator

register = template.Library()

# Language names as they read after a field's name, "Title (English)": lower case where the language writes them so.
LANGUAGE_AFTER_FIELD = {
    "en": pgettext_lazy("language name after a field name", "English"),
    "fr": pgettext_lazy("language name after a field name", "French"),
    "nl": pgettext_lazy("language name after a field name", "Dutch"),
    "de": pgettext_lazy("language name after a field name", "German"),
}


@dataclass(frozen=True)
class TranslationError:
    field_id: str  # the input's HTML id, e.g. "id_agenda_items-0-title_en"
    text: str


def _translated_fields(model) -> dict[str, tuple[str, str]]:
    """Form field name → (model field name, language code) for the model's translated fields."""
    try:
        options = translator.get_options_for_model(model)
    except NotRegistered:
        return {}
    return {field.name: (base, field.language) for base, fields in options.all_fields.items() for field in fields}


def _errors_of(form, *, item: str | None = None, number: int | None = None) -> list[TranslationError]:
    model = form._meta.model
    translated = _translated_fields(model)
    found = []
    for name, errors in form.errors.as_data().items():
        if name not in translated or name not in form.fields:
            continue
        base, language = translated[name]
        values = {
            "field": capfirst(model._meta.get_field(base).verbose_name),
            "language": LANGUAGE_AFTER_FIELD.get(language, language),
            "item": capfirst(item or ""),
            "number": number or 0,
        }
        for error in errors:
            if error.code == "required" and language == settings.MODELTRANSLATION_DEFAULT_LANGUAGE:
                text = gettext(
                    "%(field)s (%(language)s) is required: it is what readers see when their own language is "
                    "left empty."
                )
            else:
                text = gettext("%(field)s (%(language)s): %(error)s")
            if item:
                text = gettext("%(item)s %(number)d: %(text)s") % {**values, "text": text}
            message = " ".join(error.messages)
            found.append(TranslationError(form[name].auto_id, text % {**values, "error": message}))
    return found


@register.inclusion_tag("admin/_translation_errors.html", takes_context=True)
def translation_errors(context) -> dict:
    """The page's translated-field errors: the main form's, then each inline form's (numbered from 1 as shown)."""
    found: list[TranslationError] = []
    adminform = context.get("adminform")
    if adminform is not None and context.get("errors"):
        found += _errors_of(adminform.form)
        for inline in context.get("inline_admin_formsets") or ():
            item = inline.opts.verbose_name
            for number, form in enumerate(inline.formset.forms, start=1):
                found += _errors_of(form, item=item, number=number)
    return {"translation_errors": found}
