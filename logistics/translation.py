from modeltranslation.translator import TranslationOptions, register

from .models import DatePoll


@register(DatePoll)
class DatePollTranslation(TranslationOptions):
    fields = ("title",)
    required_languages = ("en",)
