from django.urls import path

from . import views

app_name = "meetings"

urlpatterns = [
    path("documents/<uuid:uid>/", views.document, name="document"),
]
