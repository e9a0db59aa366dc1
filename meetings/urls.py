from django.urls import path

from . import answer_views, views

app_name = "meetings"

urlpatterns = [
    path("documents/<uuid:uid>/", views.document, name="document"),
    path("answer/<str:token>/", answer_views.answer, name="answer"),
]
