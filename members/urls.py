from django.urls import path

from . import portal

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
]
