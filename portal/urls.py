from django.urls import path

from . import alert_views, logistics_views, questionnaire_views
from . import decisions_views as decisions
from . import knowledge_views as portal_views
from . import views as portal

app_name = "portal"

urlpatterns = [
    path("", portal.dashboard, name="dashboard"),
    path("meetings/", portal.meetings, name="meetings"),
    path("meetings/<int:pk>/", portal.meeting, name="meeting"),
    path("meetings/<int:pk>/answer/", portal.answer, name="answer"),
    path("meetings/<int:pk>/calendar.ics", portal.meeting_ics, name="meeting_ics"),
    path("directory/", portal.directory, name="directory"),
    path("profile/", portal.profile, name="profile"),
    path("profile/calendar/reset/", portal.reset_calendar, name="reset_calendar"),
    path("calendar/<str:token>.ics", portal.calendar_feed, name="calendar_feed"),
    path("board/", portal.board, name="board"),
    path("meetings/<int:pk>/outcomes/", portal_views.meeting_outcomes, name="outcomes"),
    path("meetings/<int:pk>/report.pdf", portal_views.meeting_report, name="report"),
    path("lessons/", portal_views.lessons, name="lessons"),
    path("lessons/new/", portal_views.lesson_edit, name="lesson_new"),
    path("lessons/<int:pk>/", portal_views.lesson, name="lesson"),
    path("lessons/<int:pk>/edit/", portal_views.lesson_edit, name="lesson_edit"),
    path("lessons/<int:pk>/share/", portal_views.lesson_share, name="lesson_share"),
    path("lessons/attachments/<uuid:uid>/", portal_views.lesson_attachment, name="lesson_attachment"),
    path("actions/", portal_views.actions, name="actions"),
    path("actions/<int:pk>/", portal_views.action, name="action"),
    path("questionnaires/", questionnaire_views.questionnaires, name="questionnaires"),
    path("questionnaires/<int:pk>/", questionnaire_views.questionnaire_answer, name="questionnaire_answer"),
    path("questionnaires/<int:pk>/results/", questionnaire_views.questionnaire_results, name="questionnaire_results"),
    path("questionnaires/files/<uuid:uid>/", questionnaire_views.questionnaire_file, name="questionnaire_file"),
    path("alerts/", alert_views.alerts, name="alerts"),
    path("alerts/new/", alert_views.alert_new, name="alert_new"),
    path("alerts/tests/", alert_views.alert_tests, name="alert_tests"),
    path("alerts/<int:pk>/", alert_views.alert, name="alert"),
    path("alerts/<int:pk>/acknowledge/", alert_views.alert_acknowledge, name="alert_acknowledge"),
    path("alerts/<int:pk>/close/", alert_views.alert_close, name="alert_close"),
    path("alerts/<int:pk>/countries/<int:target>/call/", alert_views.alert_call, name="alert_call"),
    path("drafts/", decisions.drafts, name="drafts"),
    path("drafts/<int:pk>/", decisions.draft, name="draft"),
    path("drafts/<int:pk>/rev/<int:number>/", decisions.revision, name="revision"),
    path("drafts/<int:pk>/compare/", decisions.compare, name="compare"),
    path("written-procedures/<int:pk>/", decisions.procedure, name="procedure"),
    path("polls/", logistics_views.poll_list, name="polls"),
    path("polls/<int:pk>/", logistics_views.poll, name="poll"),
    path("meetings/<int:pk>/registration/", logistics_views.register, name="registration"),
    path("meetings/<int:pk>/check-in/", logistics_views.check_in_online, name="check_in"),
]
