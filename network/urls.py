from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from network.health import healthz

admin.site.site_header = _("DG Network — secretariat")
admin.site.site_title = _("DG Network")
admin.site.index_title = _("Network administration")

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("meetings.urls")),
]
