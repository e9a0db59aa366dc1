from django.urls import path

from . import views

app_name = "decisions"

urlpatterns = [
    path("written-procedure/<int:pk>/answer/<str:token>/", views.answer, name="answer"),
]
