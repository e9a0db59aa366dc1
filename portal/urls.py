from django.urls import path

from . import knowledge_views as portal_views
from . import logistics_views
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
    path("polls/", logistics_views.poll_list, name="polls"),
    path("polls/<int:pk>/", logistics_views.poll, name="poll"),
    path("meetings/<int:pk>/registration/", logistics_views.register, name="registration"),
    path("meetings/<int:pk>/check-in/", logistics_views.check_in_online, name="check_in"),
]
