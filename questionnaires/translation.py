from modeltranslation.translator import TranslationOptions, register

from .models import Question, Questionnaire


@register(Questionnaire)
class QuestionnaireTranslationOptions(TranslationOptions):
    fields = ("title", "introduction")
    required_languages = {"en": ("title",)}


@register(Question)
class QuestionTranslationOptions(TranslationOptions):
    fields = ("text", "help_text", "unit", "options")
    required_languages = {"en": ("text",)}
