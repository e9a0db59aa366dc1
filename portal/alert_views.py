"""The portal's alert pages: the list, sending an alert, the live board, acknowledging in the portal, the calls'
outcomes, closing, and the test alerts' report.

Who sees what is ``alerts.services``' rule: those who may send (the secretariat, the chair's centre) see every
country's row; a person holding a country's seat sees that country's row and acknowledges for it. The board
refreshes itself with a meta refresh (no JavaScript needed); elapsed times are computed on the server.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from alerts import services
from alerts.enums import AlertStatus, CallOutcome, Step
from alerts.forms import AlertForm
from alerts.models import Alert, AlertCountry
from members.identity import seat_holders

from .views import member_required

BOARD_REFRESH_SECONDS = 20


def _my_country(request):
    """The country whose seat the reader holds today, or None."""
    person = request.person
    if person is None or person.country is None:
        return None
    return person.country if seat_holders(person.country).filter(pk=person.pk).exists() else None


@member_required
def alerts(request):
    sender = services.may_send(request.user)
    country = None if sender else _my_country(request)
    listed = Alert.objects.exclude(status=AlertStatus.DRAFT).order_by("-sent_at", "-pk")
    if not sender:
        listed = listed.filter(countries__country=country) if country is not None else listed.none()
    return render(request, "portal/alerts.html", {"alerts": listed[:100], "sender": sender, "nav": "alerts"})


@member_required
@require_http_methods(["GET", "POST"])
def alert_new(request):
    if not services.may_send(request.user):
        raise PermissionDenied
    form = AlertForm(request.POST or None, initial={"language": get_language()})
    if request.method == "POST" and form.is_valid():
        alert = form.draft(by=request.user)
        try:
            with transaction.atomic():
                alert.save()
                services.send_alert(alert)
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                name = field.rsplit("_", 1)[0] if field.startswith(("title_", "body_")) else field
                form.add_error(name if name in form.fields else None, errors)
        else:
            messages.success(request, _("The alert was sent."))
            return redirect("portal:alert", alert.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "portal/alert_new.html", {"form": form, "nav": "alerts"}, status=status)


def _visible(request, pk: int) -> tuple[Alert, bool, object]:
    alert = get_object_or_404(Alert.objects.exclude(status=AlertStatus.DRAFT), pk=pk)
    sender = services.may_send(request.user)
    country = None if sender else _my_country(request)
    if not sender and (country is None or not alert.countries.filter(country=country).exists()):
        raise Http404
    return alert, sender, country


@member_required
def alert(request, pk: int):
    alert, sender, country = _visible(request, pk)
    rows = services.board(alert, countries=None if sender else [country])
    language = get_language()
    return render(
        request,
        "portal/alert.html",
        {
            "alert": alert,
            "texts": services.texts_of(alert, language),
            "rows": rows,
            "sender": sender,
            "mine": None if sender else next((r for r in rows), None),
            "open": alert.status == AlertStatus.SENT,
            "refresh": BOARD_REFRESH_SECONDS if alert.status == AlertStatus.SENT else None,
            "acknowledged": sum(1 for r in rows if r.target.acknowledged_at),
            "outcomes": CallOutcome.choices,
            "call_step": Step.CALL,
            "now": timezone.now(),
            "nav": "alerts",
        },
    )


@member_required
@require_POST
def alert_acknowledge(request, pk: int):
    alert, sender, country = _visible(request, pk)
    if country is None:
        raise PermissionDenied
    target = get_object_or_404(AlertCountry, alert=alert, country=country)
    try:
        counted = services.acknowledge(target, by=request.person.full_name, via="portal")
    except services.Closed:
        messages.error(request, _("This alert was closed; acknowledgements are no longer recorded."))
    else:
        if counted:
            messages.success(request, _("Your country's acknowledgement is recorded."))
        else:
            messages.info(request, _("Your country had already acknowledged this alert."))
    return redirect("portal:alert", alert.pk)


@member_required
@require_POST
def alert_call(request, pk: int, target: int):
    if not services.may_send(request.user):
        raise PermissionDenied
    row = get_object_or_404(AlertCountry, alert_id=pk, pk=target)
    try:
        services.record_call(row, outcome=request.POST.get("outcome", ""), note=request.POST.get("note", ""))
    except ValidationError:
        messages.error(request, _("Choose the call's outcome."))
    else:
        messages.success(request, _("The call's outcome is recorded."))
    return redirect("portal:alert", pk)


@member_required
@require_POST
def alert_close(request, pk: int):
    if not services.may_send(request.user):
        raise PermissionDenied
    alert = get_object_or_404(Alert, pk=pk)
    if services.close(alert):
        messages.success(request, _("The alert is closed."))
    return redirect("portal:alert", pk)


@member_required
def alert_tests(request):
    if not services.may_send(request.user):
        raise PermissionDenied
    export = request.GET.get("format")
    if export in ("csv", "xlsx"):
        data = services.test_report_dataset()
        content = data.export(export)
        content_type = (
            "text/csv; charset=utf-8"
            if export == "csv"
            else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="test-alerts.{export}"'
        return response
    alerts, rows = services.test_report()
    return render(request, "portal/alert_tests.html", {"alerts": alerts, "rows": rows, "nav": "alerts"})
