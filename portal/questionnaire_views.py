"""The portal's questionnaire pages: the list, a country's answer (draft, submit, revise until the deadline), the
results (table filterable by question, charts drawn as SVG on the server, CSV/XLSX export) and who has answered.

Who may answer and who may read the results are ``questionnaires.services``' rules."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from network.lib.files import private_file_response
from questionnaires import reports, services
from questionnaires.enums import AnswerStatus, QuestionKind
from questionnaires.models import AnswerFile, CountryAnswer, Questionnaire

from .views import member_required


@member_required
def questionnaires(request):
    country = services.country_of(request.person)
    listed = services.shown().order_by("-deadline", "-pk")
    answers = (
        {a.questionnaire_id: a for a in CountryAnswer.objects.filter(country=country)} if country is not None else {}
    )
    rows = [(q, answers.get(q.pk)) for q in listed[:100]]
    return render(request, "portal/questionnaires.html", {"rows": rows, "country": country, "nav": "questionnaires"})


def _visible(request, pk: int) -> Questionnaire:
    return get_object_or_404(services.shown(), pk=pk)


@member_required
@require_http_methods(["GET", "POST"])
def questionnaire_answer(request, pk: int):
    questionnaire = _visible(request, pk)
    country = services.country_of(request.person)
    if country is None or not services.may_answer(request.person, questionnaire, country):
        raise PermissionDenied
    answer = CountryAnswer.objects.filter(questionnaire=questionnaire, country=country).first()
    values = dict(answer.values) if answer else {}
    errors: dict[str, list[str]] = {}
    language = (answer.language if answer else None) or translation.get_language()
    status = 200
    if request.method == "POST":
        language = request.POST.get("language", language)
        data = {
            key: request.POST.getlist(key) if len(request.POST.getlist(key)) > 1 else request.POST.get(key)
            for key in request.POST
            if key.startswith("q")
        }
        for question in questionnaire.questions.all():
            if question.kind == QuestionKind.MULTIPLE_CHOICE:
                data[f"q{question.pk}"] = request.POST.getlist(f"q{question.pk}")
        submit = "submit" in request.POST
        try:
            services.save_answer(
                questionnaire,
                country,
                person=request.person,
                data=data,
                files=request.FILES,
                language=language,
                submit=submit,
            )
        except ValidationError as error:
            errors = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
            values = {k[1:]: v for k, v in data.items()}
            status = 400
        else:
            messages.success(request, _("Your country's answer is submitted.") if submit else _("The draft is saved."))
            return redirect("portal:questionnaire_answer", questionnaire.pk)
    questions = []
    for question in questionnaire.questions.all():
        value = values.get(str(question.pk))
        chosen = [str(v) for v in value] if isinstance(value, list) else [str(value)] if value is not None else []
        questions.append(
            {
                "q": question,
                "name": f"q{question.pk}",
                "value": "" if value is None else value,
                "chosen": chosen,
                "options": list(enumerate(question.option_list())),
                "errors": errors.get(f"q{question.pk}", []),
            }
        )
    context = {
        "questionnaire": questionnaire,
        "country": country,
        "answer": answer,
        "questions": questions,
        "errors": errors.get("__all__", []) + errors.get("language", []),
        "language": language,
        "answer_languages": settings.LANGUAGES,
        "open": services.accepts_answers(questionnaire),
        "versions": answer.versions.count() if answer else 0,
        "nav": "questionnaires",
    }
    return render(request, "portal/questionnaire_answer.html", context, status=status)


@member_required
def questionnaire_results(request, pk: int):
    questionnaire = _visible(request, pk)
    if not services.may_read_results(request.user, request.person, questionnaire):
        raise PermissionDenied
    export = request.GET.get("format")
    if export == "pdf":
        language = request.GET.get("lang")
        if language not in dict(settings.LANGUAGES):
            language = translation.get_language()
        response = HttpResponse(reports.summary_pdf(questionnaire, language=language), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="questionnaire-{questionnaire.pk}-{language}.pdf"'
        return response
    if export in ("csv", "xlsx"):
        content = services.results_dataset(questionnaire).export(export)
        content_type = (
            "text/csv; charset=utf-8"
            if export == "csv"
            else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="questionnaire-{questionnaire.pk}.{export}"'
        return response
    try:
        chosen = [int(request.GET["question"])] if request.GET.get("question") else None
    except ValueError:
        raise Http404 from None
    table = services.results(questionnaire, question_ids=chosen)
    charts = [
        {"question": q, "bars": services.bars(table.charts[q.pk])} for q in table.questions if table.charts.get(q.pk)
    ]
    context = {
        "questionnaire": questionnaire,
        "table": table,
        "all_questions": list(questionnaire.questions.all()) if chosen else table.questions,
        "chosen": chosen[0] if chosen else None,
        "charts": charts,
        "board": services.board(questionnaire) if request.user.is_staff else None,
        "pdf_languages": settings.LANGUAGES,
        "nav": "questionnaires",
    }
    return render(request, "portal/questionnaire_results.html", context)


@member_required
def questionnaire_file(request, uid):
    """A file given as an answer: to those who may read the questionnaire's results, and to the seat holders of the
    country that gave it."""
    given = get_object_or_404(AnswerFile.objects.select_related("answer__questionnaire"), uid=uid)
    questionnaire = given.answer.questionnaire
    own = services.country_of(request.person) == given.answer.country if request.person else False
    readable = given.answer.status == AnswerStatus.SUBMITTED and services.may_read_results(
        request.user, request.person, questionnaire
    )
    if not own and not readable:
        raise Http404
    return private_file_response(given.file, filename=given.name, content_type=given.content_type)
