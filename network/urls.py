from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.http import Http404
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from network.health import healthz
from network.views import favicon

admin.site.site_header = _("DG Network — secretariat")
admin.site.site_title = _("DG Network")
admin.site.index_title = _("Network administration")
# The admin signs in through the portal's login (rate-limited, two-factor), never its own form.
admin.site.login = secure_admin_login(admin.site.login)


def email_management_closed(request):
    """allauth's address management: a person's login address is the registry's, changed by the secretariat
    (members.services.change_email), so this page does not exist for anyone."""
    raise Http404


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # Browsers ask for /favicon.ico whatever the page links to; answered here, never redirected.
    path("favicon.ico", favicon, name="favicon"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/email/", email_management_closed),  # before allauth's own, which it replaces
    path("accounts/", include("allauth.urls")),
    path("news/", include("knowledge.urls")),
    path("", include("meetings.urls")),
    path("", include("alerts.urls")),
    path("", include("decisions.urls")),
    path("", include("logistics.urls")),
    path("", include("portal.urls")),
]

handler500 = "network.errors.server_error"
