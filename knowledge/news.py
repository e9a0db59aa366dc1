"""The public pages: published meeting summaries under /news/, in the reader's language, with an Atom feed.
Nothing else of the product is public."""

from __future__ import annotations

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from .models import NewsItem


@require_GET
def news_list(request):
    items = NewsItem.objects.published().select_related("meeting")[:50]
    return render(request, "news/list.html", {"items": items})


@require_GET
def news_detail(request, slug):
    item = get_object_or_404(NewsItem.objects.published(), slug=slug)
    return render(request, "news/detail.html", {"item": item, "body": item.body_html})


class NewsFeed(Feed):
    feed_type = Atom1Feed
    title = _("DG Network — news")
    subtitle = _("Summaries of the meetings of the network of directors-general of European crisis centres.")

    def link(self):
        return reverse("news:list")

    def items(self):
        return NewsItem.objects.published()[:30]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return str(item.body_html)

    def item_link(self, item):
        return reverse("news:detail", args=[item.slug])

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at

    def feed_url(self):
        return settings.SITE_URL + reverse("news:feed")
