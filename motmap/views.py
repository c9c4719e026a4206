"""Accounts, organisations, members and invitations."""

import copy
import csv
import io
import json
import sys

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login, logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import defaults
from django.views.decorators.http import require_POST, require_safe

from . import audit, health, lockout, outbox, ratelimit, reauth, services, unavailable
from .forms import (
    AcceptInvitationForm,
    AccountDeleteForm,
    AuditFilterForm,
    EmailChangeForm,
    InviteForm,
    NameForm,
    OrganisationDeleteForm,
    OrganisationNameForm,
    OrganisationSettingsForm,
    OutboxPasswordResetForm,
    PasswordChangeForm,
    RoleForm,
    SignUpForm,
    add_service_errors,
    posted,
)
from .models import AuditEntry, Invitation, Membership, OutboxEmail
from .spreadsheet import safe_cell
from .tenancy import (
    SESSION_KEY,
    ensure_owner,
    last_used_organisation,
    membership_of,
    org_view,
)

AUTH_BACKEND = "django.contrib.auth.backends.ModelBackend"
# Password-reset requests counted per client address and per email address asked for (each
# against PASSWORD_RESETS_PER_HOUR): no mailbox is flooded, and no address sends them in bulk.
RESETS_BY_ADDRESS = ratelimit.Limit("password-reset-address", 60 * 60)
RESETS_BY_EMAIL = ratelimit.Limit("password-reset-email", 60 * 60)


def server_error(request):
    """handler500: a lost database connection outside a view is a 503 "try again" too."""
    error = sys.exc_info()[1]
    if isinstance(error, unavailable.DATABASE_GONE):
        return unavailable.unavailable_response(request, error)
    return defaults.server_error(request)


def not_found(request, exception=None):
    """404: under /api/ in the API's error shape (a malformed id never matches a URL), the
    site's page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"errors": {}, "detail": _("Not found.")}, status=404)
    return defaults.page_not_found(request, exception)


def too_many_requests(request, seconds):
    """429 with Retry-After: the page says when to try again."""
    minutes = max(1, -(-seconds // 60))
    response = render(request, "429.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = str(seconds)
    return response


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset form, its email through the outbox, in a bounded number per hour."""

    form_class = OutboxPasswordResetForm

    def post(self, request, *args, **kwargs):
        counted = [(RESETS_BY_ADDRESS, lockout.client_ip(request))]
        email = lockout.normalise_username(request.POST.get("email"))
        if email:
            counted.append((RESETS_BY_EMAIL, email))
        # Counted first, then compared: requests sent at the same moment cannot all slip under
        # the limit (the count is atomic on Redis). None: the cache is away, not counted.
        counts = [ratelimit.hit(limit, ident) for limit, ident in counted]
        over = [
            limit
            for (limit, _ident), n in zip(counted, counts, strict=True)
            if n is not None and n > settings.PASSWORD_RESETS_PER_HOUR
        ]
        if over:
            return too_many_requests(request, max(ratelimit.seconds_left(limit) for limit in over))
        return super().post(request, *args, **kwargs)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Choosing a new password through the link also ends a login pause of that account (the
    pause page and the "logins paused" email send people here)."""

    def form_valid(self, form):
        response = super().form_valid(form)
        lockout.on_password_reset(form.user)
        return response


@require_safe
def healthz(request):
    """Readiness (motmap.health): 200 when the database, the migrations and the broker are ok,
    else 503; each check's name and state as JSON, nothing else."""
    checks = health.readiness()
    ready = all(state == health.OK for state in checks.values())
    response = JsonResponse({"status": health.OK if ready else health.FAILING, "checks": checks})
    if not ready:
        response.status_code = 503
        response["Retry-After"] = "10"
    response["Cache-Control"] = "no-store"
    return response


@require_safe
def healthz_live(request):
    """Liveness: the process answers. Touches neither the database nor the broker."""
    response = HttpResponse("ok", content_type="text/plain")
    response["Cache-Control"] = "no-store"
    return response


def home(request):
    """Send a person to their organisation (the last one used), or show the welcome page."""
    if not request.user.is_authenticated:
        return render(request, "motmap/welcome.html")
    slug = last_used_organisation(request)
    if slug:
        return redirect("organisation_home", org_slug=slug)
    return redirect("organisation_list")


def sign_up(request):
    if request.user.is_authenticated:
        return redirect("home")
    form = SignUpForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            data = form.cleaned_data
            user, org = services.user_sign_up(
                email=data["email"],
                password=data["password1"],
                full_name=data["full_name"],
                organisation_name=data["organisation_name"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            login(request, user, backend=AUTH_BACKEND)
            messages.success(request, _("Welcome to motmap. Start by mapping your first journey."))
            return redirect("organisation_home", org_slug=org.slug)
    return render(request, "registration/sign_up.html", {"form": form})


ACCOUNT_FORMS = {"name": NameForm, "email": EmailChangeForm, "password": PasswordChangeForm}


@login_required
def account(request):
    """One's own name, email address and password. The email and the password need the current
    password typed in the form; a new password ends every other session."""
    user = get_user_model().objects.get(pk=request.user.pk)  # a rejected change shows nowhere
    changing = request.POST.get("change") if request.method == "POST" else None
    forms_ = {}
    for name, form_class in ACCOUNT_FORMS.items():
        data = posted(request) if name == changing else None
        extra = {} if form_class is NameForm else {"user": user, "request": request}
        initial = {"full_name": user.full_name} if form_class is NameForm else None
        forms_[name] = form_class(data, prefix=name, initial=initial, **extra)
    form = forms_.get(changing)
    if form is not None and form.is_valid():
        data = form.cleaned_data
        try:
            if changing == "name":
                services.user_update_name(actor=user, full_name=data["full_name"])
                done = _("Your name is saved.")
            elif changing == "email":
                services.user_change_email(actor=user, email=data["email"])
                done = _("Your email address is now %(email)s.") % {"email": user.email}
            else:
                services.user_change_password(actor=user, password=data["password1"])
                update_session_auth_hash(request, user)
                reauth.mark(request)
                done = _("Your password is changed. Other browsers were logged out.")
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect("account")
    return render(request, "registration/account.html", {"forms": forms_, "account": user})


@login_required
def organisation_list(request):
    memberships = Membership.objects.filter(user=request.user).select_related("organisation")
    return render(request, "motmap/organisation_list.html", {"memberships": memberships})


@login_required
def organisation_create(request):
    form = OrganisationNameForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            org = services.organisation_create(actor=request.user, name=form.cleaned_data["name"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("organisation_home", org_slug=org.slug)
    return render(request, "motmap/organisation_create.html", {"form": form})


@org_view
def organisation_settings(request):
    ensure_owner(request)
    # A copy: a rejected change must not show up in the page around the form.
    form = OrganisationSettingsForm(posted(request), instance=copy.copy(request.org))
    if request.method == "POST" and form.is_valid():
        try:
            services.organisation_update(
                actor=request.user, organisation=form.instance, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Settings saved."))
            return redirect("organisation_settings", org_slug=request.org.slug)
    return render(request, "motmap/organisation_settings.html", {"form": form})


@org_view
def member_list(request):
    form = InviteForm(posted(request))
    if request.method == "POST":
        ensure_owner(request)
        if form.is_valid():
            try:
                services.invitation_create(
                    actor=request.user, organisation=request.org, **form.cleaned_data
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Invitation sent to %(email)s.") % form.cleaned_data)
                return redirect("member_list", org_slug=request.org.slug)
    return _render_members(request, form=form)


def _render_members(request, *, form=None, status=200):
    memberships = list(
        Membership.objects.filter(organisation=request.org)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )
    if request.membership.is_owner:  # owners see whose logins are paused, and lift it
        paused = lockout.paused_logins(m.user.email for m in memberships)
        for m in memberships:
            m.paused_login = paused.get(m.user.email.lower())
    invitations = Invitation.objects.pending().filter(organisation=request.org)
    context = {
        "memberships": memberships,
        "invitations": invitations.select_related("invited_by"),
        "invite_form": form or InviteForm(),
        "role_choices": RoleForm.base_fields["role"].choices,
    }
    return render(request, "motmap/member_list.html", context, status=status)


@require_POST
@org_view
def member_role(request, membership_id):
    ensure_owner(request)
    membership = get_object_or_404(Membership, organisation=request.org, pk=membership_id)
    form = RoleForm(request.POST)
    if form.is_valid():
        try:
            services.membership_change_role(
                actor=request.user, membership=membership, role=form.cleaned_data["role"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Role of %(name)s changed.") % {"name": membership.user})
    else:
        messages.error(request, _("Choose a role."))
    return redirect("member_list", org_slug=request.org.slug)


@require_POST
@org_view
def member_remove(request, membership_id):
    membership = get_object_or_404(Membership, organisation=request.org, pk=membership_id)
    try:
        services.membership_remove(actor=request.user, membership=membership)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if membership.user_id == request.user.pk:  # they left: the org is not theirs any more
            request.session.pop(SESSION_KEY, None)
            messages.success(request, _("You left %(org)s.") % {"org": request.org})
            return redirect("home")
        messages.success(request, _("%(name)s was removed.") % {"name": membership.user})
    return redirect("member_list", org_slug=request.org.slug)


@require_POST
@org_view
def member_login_unpause(request, membership_id):
    membership = get_object_or_404(Membership, organisation=request.org, pk=membership_id)
    services.membership_login_unpause(actor=request.user, membership=membership)
    messages.success(
        request, _("%(name)s can log in again from every address.") % {"name": membership.user}
    )
    return redirect("member_list", org_slug=request.org.slug)


@require_POST
@org_view
def invitation_revoke(request, invitation_id):
    invitation = get_object_or_404(Invitation, organisation=request.org, pk=invitation_id)
    try:
        services.invitation_revoke(actor=request.user, invitation=invitation)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("Invitation to %(email)s withdrawn.") % {"email": invitation.email}
        )
    return redirect("member_list", org_slug=request.org.slug)


def invitation_accept(request, token):
    """Accept an invitation: as the logged-in account, or by creating one."""
    invitation = services.invitation_for_token(token)
    problem = services.invitation_problem(invitation)
    if problem:
        status = 404 if invitation is None else 410  # unknown link / used, withdrawn, expired
        context = {"problem": problem}
        return render(request, "motmap/invitation_invalid.html", context, status=status)
    user = request.user if request.user.is_authenticated else None
    context = {"invitation": invitation}
    if user is None and get_user_model().objects.filter(email__iexact=invitation.email).exists():
        if request.method == "POST":
            return redirect_to_login(request.path)
        return render(request, "motmap/invitation_accept.html", {**context, "needs_login": True})
    form = None if user else AcceptInvitationForm(posted(request), email=invitation.email)
    if request.method == "POST" and (form is None or form.is_valid()):
        return _accept_invitation(request, token, user, form)
    if user:
        context["already_member"] = membership_of(user, invitation.organisation)
        context["other_email"] = user.email.lower() != invitation.email.lower()
    return render(request, "motmap/invitation_accept.html", {**context, "form": form})


def _accept_invitation(request, token, user, form):
    data = form.cleaned_data if form else {}
    try:
        membership = services.invitation_accept(
            token=token,
            user=user,
            password=data.get("password1"),
            full_name=data.get("full_name", ""),
        )
    except services.AlreadyMember as exc:
        org = exc.membership.organisation
        messages.info(request, _("You are already a member of %(org)s.") % {"org": org})
        return redirect("organisation_home", org_slug=org.slug)
    except ValidationError as exc:
        context = {"problem": " ".join(exc.messages)}
        return render(request, "motmap/invitation_invalid.html", context, status=410)
    if user is None:
        login(request, membership.user, backend=AUTH_BACKEND)
    messages.success(request, _("You joined %(org)s.") % {"org": membership.organisation})
    return redirect("organisation_home", org_slug=membership.organisation.slug)


@require_safe
@org_view
def outbox_failed(request):
    """The organisation's emails that ran out of attempts, for its owners to send again."""
    ensure_owner(request)
    emails = outbox.failed(request.org)[:200]
    return render(request, "motmap/outbox_failed.html", {"emails": emails})


@require_POST
@org_view
def outbox_resend(request, email_id):
    email = get_object_or_404(OutboxEmail, organisation=request.org, pk=email_id)
    try:
        services.outbox_resend(actor=request.user, email=email)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The email to %(to)s is on its way again.") % {"to": email.to})
    return redirect("outbox_failed", org_slug=request.org.slug)


AUDIT_PAGE_SIZE = 50


def _audit_filter(request):
    form = AuditFilterForm(
        request.GET or None,
        people=audit.people(request.org),
        areas=[(key, label) for key, label in audit.AREAS.items()],
    )
    filters = form.filters() if request.GET else {}
    return form, filters


@require_safe
@org_view
def audit_log(request):
    """The organisation's audit log, for its owners: filtered, newest first, in pages."""
    ensure_owner(request)
    form, filters = _audit_filter(request)
    return _render_audit(request, form, filters)


def _render_audit(request, form, filters):
    found = (
        audit.entries(request.org, **filters) if filters is not None else AuditEntry.objects.none()
    )
    page = Paginator(found, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    for entry in page.object_list:
        entry.described = audit.describe(entry)
        entry.area_label = audit.AREAS.get(entry.area, entry.area)
        entry.details = audit.details(entry)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "motmap/audit_log.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "filtered": bool(request.GET),
            "retention_days": settings.AUDIT_RETENTION_DAYS,
        },
    )


@require_safe
@org_view
def audit_export(request):
    """The log as CSV, with the filter of the page; a bad filter is the page with its message."""
    ensure_owner(request)
    form, filters = _audit_filter(request)
    if filters is None:
        return _render_audit(request, form, filters)
    tz = request.org.tzinfo
    stamp = timezone.localdate(timezone.now(), tz).isoformat()
    header = [_("Time"), _("Person"), _("API token"), _("Area"), _("What"), _("Changes")]

    def rows():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        buffer.write("\ufeff")  # BOM: Excel opens UTF-8 correctly
        writer.writerow(header)
        for entry in audit.entries(request.org, **filters).iterator(chunk_size=1000):
            writer.writerow(
                [
                    safe_cell(v)
                    for v in (
                        timezone.localtime(entry.at, tz).isoformat(timespec="seconds"),
                        entry.actor_name or _("former member"),
                        entry.via_token,
                        audit.AREAS.get(entry.area, entry.area),
                        audit.describe(entry),
                        json.dumps(entry.changes, ensure_ascii=False) if entry.changes else "",
                    )
                ]
            )
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
        yield buffer.getvalue()

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-{request.org.slug}-{stamp}.csv"'
    return response


@login_required
def account_delete(request):
    """Delete one's own account, with the password typed again. The only owner of an
    organisation is told what to do first, and offered no form."""
    user = get_user_model().objects.get(pk=request.user.pk)
    blocking = services.only_owner_of(user)
    form = None if blocking else AccountDeleteForm(posted(request), user=user, request=request)
    if form is not None and request.method == "POST" and form.is_valid():
        try:
            services.user_delete(actor=user)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            logout(request)
            messages.success(request, _("Your account is deleted."))
            return redirect("home")
    return render(request, "registration/account_delete.html", {"form": form, "blocking": blocking})


@org_view
@reauth.recent_password_required(gettext_lazy("delete this organisation"))
def organisation_delete(request):
    """An owner deletes the organisation, typing its name."""
    ensure_owner(request)
    form = OrganisationDeleteForm(posted(request))
    if request.method == "POST" and form.is_valid():
        name = request.org.name
        try:
            services.organisation_delete(
                actor=request.user,
                organisation=request.org,
                confirm_name=form.cleaned_data["confirm_name"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            request.session.pop(SESSION_KEY, None)
            messages.success(request, _("%(name)s and all its data are deleted.") % {"name": name})
            return redirect("organisation_list")
    return render(request, "motmap/organisation_delete.html", {"form": form})
