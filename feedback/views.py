"""The customer's page at a moment (/f/<code>/): no login, no cookie, no account.

One question answered with a tap on one of five faces (a plain form POST per face, so it works
without JavaScript), then optionally what mattered most and a comment, then thanks. The form
carries its own signed token (the point and a one-time submission id), not a CSRF cookie: a
POST without a token from this page is refused, and the same submission sent again is the
answer already stored. A burst of posts from one address is answered 429.
"""

import uuid

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from motmap import lockout, ratelimit
from touchpoints.models import RATING_SYMBOLS, Rating

from . import services
from .models import COMMENT_MAX_LENGTH, Channel

FORM_SALT = "feedback.form"
FORM_MAX_AGE_SECONDS = 24 * 60 * 60
BURST = ratelimit.Limit("feedback-address", 60)
# The faces, best last as on the scale; each with its symbol and word (never colour alone).
FACES = [(value, RATING_SYMBOLS[value], label) for value, label in Rating.choices]


def _form_token(point, submission_id):
    return signing.dumps({"p": str(point.pk), "s": submission_id.hex}, salt=FORM_SALT)


def _read_form_token(point, token):
    """The submission id the page's form carries, or None (no token, forged, expired, or
    made for another card)."""
    try:
        data = signing.loads(token or "", salt=FORM_SALT, max_age=FORM_MAX_AGE_SECONDS)
        if data["p"] != str(point.pk):
            return None
        return uuid.UUID(hex=data["s"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def _channel(value):
    return value if value in (Channel.QR, Channel.LINK, Channel.KIOSK) else Channel.QR


def _page(request, template, context, status=200):
    response = render(request, f"feedback/{template}", context, status=status)
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response


@csrf_exempt  # no cookie: the form's own signed token stands in for the CSRF token
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def respond(request, code):
    point = services.point_for_code(code)
    if not services.is_taking_answers(point):
        return _page(request, "retired.html", {}, status=410 if point else 404)
    touchpoint = point.touchpoint
    context = {
        "question": point.question or _("How was %(moment)s today?") % {"moment": touchpoint.name},
        "touchpoint_name": touchpoint.name,
        "faces": FACES,
        "reasons": point.reasons,
        "comment_max": COMMENT_MAX_LENGTH,
        "via": _channel(request.GET.get("via") or request.POST.get("via")),
    }
    if request.method != "POST":
        context["form_token"] = _form_token(point, uuid.uuid4())
        return _page(request, "faces.html", context)

    address = lockout.client_ip(request)
    hits = ratelimit.hit(BURST, address)
    if hits is not None and hits > settings.FEEDBACK_POSTS_PER_MINUTE:
        response = _page(request, "slow_down.html", {}, status=429)
        response["Retry-After"] = str(ratelimit.seconds_left(BURST))
        return response
    token = request.POST.get("form_token", "")
    submission_id = _read_form_token(point, token)
    if submission_id is None:
        context["form_token"] = _form_token(point, uuid.uuid4())
        context["error"] = _("This page was out of date, so nothing was sent. Please tap again.")
        return _page(request, "faces.html", context, status=400)
    context["form_token"] = token
    face: object = request.POST.get("face", "")
    try:
        face = int(str(face))
    except ValueError:
        pass  # the service says what is wrong with it
    context["face"] = face
    record = {
        "respondent": services.respondent_hash(address, request.META.get("HTTP_USER_AGENT", "")),
        "channel": context["via"],
        "language": getattr(request, "LANGUAGE_CODE", ""),
    }
    try:
        if request.POST.get("step") == "details":
            services.response_add_details(
                point=point,
                submission_id=submission_id,
                reason=request.POST.get("reason", ""),
                comment=request.POST.get("comment", ""),
                face=face if "face" in request.POST else None,
                **record,
            )
            return _page(request, "thanks.html", context)
        services.response_record(point=point, submission_id=submission_id, face=face, **record)
    except ValidationError as exc:
        context["errors"] = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
        context["reason_chosen"] = request.POST.get("reason", "")
        context["comment"] = request.POST.get("comment", "")
        step = "details.html" if request.POST.get("step") == "details" else "faces.html"
        return _page(request, step, context, status=400)
    return _page(request, "details.html", context)
