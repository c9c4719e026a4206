"""The customer's pages at a moment, and the manager's screens of a touchpoint's feedback.

The customer's page (/f/<code>/): no login, no cookie, no account. One question answered with a
tap on one of five faces (a plain form POST per face, so it works without JavaScript), then
optionally what mattered most and a comment, then thanks. The form carries its own signed
token (the point and a one-time submission id), not a CSRF cookie: a POST without a token from
this page is refused, and the same submission sent again is the answer already stored. A burst
of posts from one address is answered 429. The page speaks the customer's language: the one
chosen with its switch (`?lang=`), else the browser's first that we speak, else the
organisation's.

The desk kiosk (/f/<kiosk code>/kiosk/): the faces filling a tablet's screen; after each answer
a thank-you that shows the faces again once the kiosk's pause is over (a meta refresh: no
script). Its code is shown only to members; it is limited by its pause instead of the repeat
window and the burst limit.
"""

import uuid

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from motmap import lockout, ratelimit
from motmap.forms import add_service_errors, posted
from motmap.models import Language
from motmap.qr import qr_response
from motmap.tenancy import ensure_editor, get_for_org, org_view
from touchpoints.models import Touchpoint
from touchpoints.services import FeedRejected

from . import score_io, services
from .forms import FeedbackSettingsForm, ScoreImportForm
from .models import (
    COMMENT_MAX_LENGTH,
    FACES,
    SCALE_FACES,
    Channel,
    FeedbackImport,
    FeedbackPoint,
    Scale,
)

FORM_SALT = "feedback.form"
FORM_MAX_AGE_SECONDS = 24 * 60 * 60
BURST = ratelimit.Limit("feedback-address", 60)
ACCEPT_LANGUAGE_MAX = 500  # of the header read: enough for any real browser
LANGUAGE_ALIASES = {"no": "nb", "nn": "nb"}  # Norwegian: we speak Bokmål


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


def _accepted(header):
    """The languages of an Accept-Language header, most wanted first (q=0 dropped)."""
    wanted = []
    for position, part in enumerate(header[:ACCEPT_LANGUAGE_MAX].split(",")):
        code, _sep, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if code and quality > 0:
            wanted.append((-quality, position, code.strip().lower()))
    return [code for _q, _p, code in sorted(wanted)]


def customer_language(request, default):
    """The language to ask in: the switch's choice (`lang`; an unknown one is ignored), else
    the browser's first language that we speak, else the organisation's."""
    chosen = request.GET.get("lang") or request.POST.get("lang")
    if chosen in services.LANGUAGES:
        return chosen
    for code in _accepted(request.META.get("HTTP_ACCEPT_LANGUAGE", "")):
        base = code.split("-")[0]
        base = LANGUAGE_ALIASES.get(base, base)
        if base in services.LANGUAGES:
            return base
    return default


@csrf_exempt  # no cookie: the form's own signed token stands in for the CSRF token
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def respond(request, code):
    return _in_language(request, services.point_for_code(code), _respond, code)


@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def kiosk(request, code):
    return _in_language(request, services.point_for_code(code, kiosk=True), _kiosk, code)


def _in_language(request, point, view, code):
    language = customer_language(request, point.organisation.language if point else Language.EN)
    with translation.override(language):
        if not services.is_taking_answers(point):
            response = _page(request, "retired.html", {}, status=410 if point else 404)
        else:
            response = view(request, point, code, language)
    response["Content-Language"] = language
    patch_vary_headers(response, ["Accept-Language"])
    return response


def _context(point, language, via):
    question, reasons = services.texts_in(point, language)
    return {
        "question": question,
        "touchpoint_name": point.touchpoint.name,
        "faces": FACES,
        "reasons": reasons,
        "comment_max": COMMENT_MAX_LENGTH,
        "via": via,
        "lang": language,
    }


def _respond(request, point, code, language):
    via = _channel(request.GET.get("via") or request.POST.get("via"))
    context = _context(point, language, via)
    if request.method != "POST":
        context["form_token"] = _form_token(point, uuid.uuid4())
        context["switch"] = [
            (value, label, services.address("feedback_respond", code, via=via, lang=value))
            for value, label in Language.choices
        ]
        return _page(request, "faces.html", context)

    address = lockout.client_ip(request)
    hits = ratelimit.hit(BURST, address)
    if hits is not None and hits > settings.FEEDBACK_POSTS_PER_MINUTE:
        services.count_refused(point)
        response = _page(request, "slow_down.html", {}, status=429)
        response["Retry-After"] = str(ratelimit.seconds_left(BURST))
        return response
    return _answer(request, point, context, address)


def _kiosk(request, point, code, language):
    context = _context(point, language, Channel.KIOSK)
    context["kiosk"] = True
    context["again"] = services.address("feedback_kiosk", code, lang=language)
    context["pause"] = max(point.kiosk_pause_seconds, 1)
    if request.method != "POST":
        context["form_token"] = _form_token(point, uuid.uuid4())
        return _page(request, "kiosk.html", context)
    return _answer(request, point, context, lockout.client_ip(request))


def _answer(request, point, context, address):
    kiosk_mode = context.get("kiosk", False)
    faces_page = "kiosk.html" if kiosk_mode else "faces.html"
    token = request.POST.get("form_token", "")
    submission_id = _read_form_token(point, token)
    if submission_id is None:
        context["form_token"] = _form_token(point, uuid.uuid4())
        context["error"] = _("This page was out of date, so nothing was sent. Please tap again.")
        return _page(request, faces_page, context, status=400)
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
        "language": context["lang"],
    }
    details = request.POST.get("step") == "details" and not kiosk_mode
    try:
        if details:
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
        return _page(request, "details.html" if details else faces_page, context, status=400)
    if kiosk_mode:
        return _page(request, "kiosk_thanks.html", context)
    return _page(request, "details.html", context)


# --- the manager's screens ------------------------------------------------------------------


def _touchpoint(request, touchpoint_id):
    return get_for_org(
        Touchpoint.objects.select_related("journey", "stage", "organisation"),
        request.org,
        pk=touchpoint_id,
    )


def _point(request, touchpoint_id):
    return get_for_org(
        FeedbackPoint.objects.select_related(
            "touchpoint__journey", "touchpoint__stage", "organisation"
        ),
        request.org,
        touchpoint_id=touchpoint_id,
    )


def _back(request, touchpoint_id):
    url = reverse("touchpoint_detail", args=[request.org.slug, touchpoint_id])
    return redirect(f"{url}#customers-say")


@org_view
def feedback_settings(request, touchpoint_id):
    """Open a touchpoint for feedback, or change its question, reasons and kiosk pause."""
    ensure_editor(request)
    touchpoint = _touchpoint(request, touchpoint_id)
    point = FeedbackPoint.objects.filter(touchpoint=touchpoint).first()
    form = FeedbackSettingsForm(posted(request), point=point, touchpoint=touchpoint)
    if request.method == "POST" and form.is_valid():
        try:
            if point is None:
                services.feedback_open(
                    actor=request.user, touchpoint=touchpoint, **form.service_data()
                )
                messages.success(
                    request,
                    _("“%(name)s” is open for feedback: print its card or share its link.")
                    % {"name": touchpoint.name},
                )
            else:
                services.feedback_update(actor=request.user, point=point, **form.service_data())
                messages.success(request, _("Feedback settings saved."))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _back(request, touchpoint.pk)
    return render(
        request,
        "feedback/settings.html",
        {"touchpoint": touchpoint, "point": point, "form": form},
    )


@require_POST
@org_view
def feedback_close(request, touchpoint_id):
    ensure_editor(request)
    point = _point(request, touchpoint_id)
    services.feedback_close(actor=request.user, point=point)
    messages.success(
        request,
        _("“%(name)s” takes no more answers: its cards and links say so.")
        % {"name": point.touchpoint.name},
    )
    return _back(request, touchpoint_id)


@require_POST
@org_view
def feedback_reopen(request, touchpoint_id):
    ensure_editor(request)
    point = _point(request, touchpoint_id)
    services.feedback_open(actor=request.user, touchpoint=point.touchpoint)
    messages.success(
        request,
        _("“%(name)s” is open for feedback again: its cards and links work.")
        % {"name": point.touchpoint.name},
    )
    return _back(request, touchpoint_id)


@org_view
def feedback_rotate(request, touchpoint_id):
    """A new code, after a confirmation: every card and link made before stops counting."""
    ensure_editor(request)
    point = _point(request, touchpoint_id)
    if request.method == "POST":
        services.feedback_rotate(actor=request.user, point=point)
        messages.success(
            request,
            _("New code made: print the new card; the old cards and links are retired."),
        )
        return _back(request, touchpoint_id)
    return render(request, "feedback/rotate.html", {"point": point, "touchpoint": point.touchpoint})


@require_safe
@org_view
def feedback_qr(request, touchpoint_id, kind):
    """The QR code of the touchpoint's feedback page (SVG or PNG)."""
    point = _point(request, touchpoint_id)
    return qr_response(services.addresses(point)["qr"], kind, f"feedback-qr-{point.touchpoint_id}")


@require_safe
@org_view
def feedback_card(request, touchpoint_id):
    """A printable A6 card that asks customers "Tell us how we did", with the QR code."""
    point = _point(request, touchpoint_id)
    return render(
        request,
        "feedback/card.html",
        {
            "point": point,
            "touchpoint": point.touchpoint,
            "faces": FACES,
            "addresses": services.addresses(point),
            "question": services.texts_in(point, point.organisation.language)[0],
        },
    )


@org_view
def scores_import(request):
    """Scores from another survey tool: upload a CSV or JSON file and choose its scale, see
    every row mapped onto the faces (nothing saved), then confirm: all or nothing."""
    ensure_editor(request)
    if request.method == "POST" and "payload" in request.POST:
        return _scores_confirm(request)
    form = ScoreImportForm(posted(request), request.FILES or None)
    context = _scores_context(request, form)
    if request.method == "POST" and form.is_valid():
        result = _scores_preview(request, form.cleaned_data["scale"], form.parsed, form)
        if result is not None:
            context = _scores_context(request, form, result, form.parsed)
            if not result.error_rows:
                source = form.cleaned_data["file"].name or ""
                context["payload"] = score_io.pack(
                    form.text,
                    scale=result.scale,
                    source=source,
                    organisation=request.org,
                    user=request.user,
                )
    return render(request, "feedback/scores_import.html", context)


def _scores_preview(request, scale, parsed, form):
    try:
        return services.scores_import(
            actor=request.user,
            organisation=request.org,
            scale=scale,
            rows=parsed.rows,
            first_number=parsed.first_number,
        )
    except ValidationError as exc:
        add_service_errors(form, exc)
        return None


def _scores_context(request, form, result=None, parsed=None, **extra):
    mappings = [
        (label, [(score, SCALE_FACES[value][score]) for score in SCALE_FACES[value]])
        for value, label in Scale.choices
    ]
    words = {value: (symbol, word) for value, symbol, word in FACES}
    context = {
        "form": form,
        "result": result,
        "parsed": parsed,
        "mappings": [
            (label, [(score, *words[face]) for score, face in pairs]) for label, pairs in mappings
        ],
        "faces": FACES,
        "imports": FeedbackImport.objects.for_org(request.org)
        .select_related("created_by")
        .order_by("-created_at")[:10],
        **extra,
    }
    if result is not None:
        context["face_totals"] = [
            (symbol, word, result.faces[value]) for value, symbol, word in FACES
        ]
        for row in result.rows:
            setattr(row, "face_label", words.get(row.face))  # noqa: B010  (for the template)
    return context


def _scores_confirm(request):
    form = ScoreImportForm()
    try:
        text, scale, source = score_io.unpack(
            request.POST["payload"], organisation=request.org, user=request.user
        )
        parsed = score_io.read_scores(text)
    except (signing.BadSignature, score_io.FileError):
        context = _scores_context(request, form, refused=True)
        return render(request, "feedback/scores_import.html", context, status=400)
    try:
        result = services.scores_import(
            actor=request.user,
            organisation=request.org,
            scale=scale,
            rows=parsed.rows,
            source=source,
            first_number=parsed.first_number,
            save=True,
        )
    except FeedRejected:  # a touchpoint's external ID changed since the preview
        result = _scores_preview(request, scale, parsed, form)
        context = _scores_context(request, form, result, parsed, changed=True)
        return render(request, "feedback/scores_import.html", context, status=409)
    except ValidationError:
        context = _scores_context(request, form, refused=True)
        return render(request, "feedback/scores_import.html", context, status=400)
    answers = ngettext("%(n)s answer imported", "%(n)s answers imported", result.answers) % {
        "n": f"{result.answers:,}"
    }
    touchpoints = ngettext(
        "onto %(n)s touchpoint.", "onto %(n)s touchpoints.", result.touchpoints
    ) % {"n": result.touchpoints}
    messages.success(request, f"{answers} {touchpoints}")
    return redirect("feedback_scores_import", org_slug=request.org.slug)
