from django.urls import path

from . import views

app_name = "alerts"

urlpatterns = [
    path("alert/<str:token>/", views.acknowledge, name="acknowledge"),
]
