"""Every address of the project, plus /bench/minimal/: the reference the public POST table
measures beside the customer's answer, through the same server (bench/feedback.py)."""

from django.http import HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from pages.urls import handler404, handler500
from pages.urls import urlpatterns as project_urlpatterns

__all__ = ["handler404", "handler500", "urlpatterns"]


@csrf_exempt
def minimal(request):
    """The same middleware, the form read as the answer's view reads it, then a word."""
    request.POST.get("face")
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/minimal/", minimal, name="bench_minimal"), *project_urlpatterns]
