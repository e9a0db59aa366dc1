import os

from django.http import HttpResponse
from django.urls import include, path

BARE_SIZE = int(os.environ.get("BENCH_BARE_SIZE", "12000"))
BODY = ("<!DOCTYPE html><html><body>" + "x" * BARE_SIZE + "</body></html>").encode()


def bare(request):
    """No database, no template: the ceiling of what this stack serves."""
    return HttpResponse(BODY)


urlpatterns = [path("bench/bare/", bare), path("", include("network.urls"))]
