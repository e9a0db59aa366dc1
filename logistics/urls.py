from django.urls import path

from . import views

app_name = "logistics"

urlpatterns = [
    path("poll/<str:token>/", views.poll_link, name="poll_link"),
]
