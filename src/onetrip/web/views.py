from __future__ import annotations

from django.shortcuts import render
from django.utils.translation import gettext as _


def home(request):
    links = [
        {
            "url": "/matters/",
            "title": _("办事指南"),
            "text": _("查事项、材料清单、跑动次数和办理地点"),
        },
    ]
    for url, title, text in getattr(request, "extra_home_links", []):
        links.append({"url": url, "title": title, "text": text})
    return render(request, "onetrip/home.html", {"links": links})


def api_not_found(request, *args, **kwargs):
    """Unknown API paths answer in the API's error format, not with an HTML page."""
    from django.http import JsonResponse

    return JsonResponse({"code": "not_found", "message": _("接口不存在。")}, status=404)
