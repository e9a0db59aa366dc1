from modeltranslation.translator import TranslationOptions, register

from .models import Alert


@register(Alert)
class AlertTranslationOptions(TranslationOptions):
    fields = ("title", "body", "request")
    required_languages = ()
