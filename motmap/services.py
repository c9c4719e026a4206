"""Writes with rules for organisations, members and invitations."""

import hashlib
import secrets
from datetime import timedelta

from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from . import audit, lockout, outbox, signals
from .models import Invitation, Membership, Organisation, OutboxEmail, Role, User
from .tenancy import require_owner

RESEND_GUARD_MINUTES = 10
RESERVED_SLUGS = {"new", "admin", "api", "static", "accounts", "invitations", "orgs"}


def _unique_slug(name: str) -> str:
    base = slugify(name)[:50].strip("-") or "org"
    if base in RESERVED_SLUGS:
        base = f"{base}-org"
    slug, n = base, 2
    while Organisation.objects.filter(slug=slug).exists():
        slug = f"{base}-{n}"
        n += 1
    return slug


@transaction.atomic
def organisation_create(
    *, actor: User, name: str, time_zone: str = "Europe/Stockholm"
) -> Organisation:
    """Create an organisation with `actor` as its owner."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the organisation a name.")})
    org = Organisation(name=name, slug=_unique_slug(name), time_zone=time_zone)
    org.full_clean(exclude=["slug"])
    for attempt in range(5):
        try:
            with transaction.atomic():  # a concurrent sign-up may take the same address
                org.save()
            break
        except IntegrityError:
            if attempt == 4:
                raise
            org.slug = f"{_unique_slug(name)[:50]}-{secrets.token_hex(2)}"
    Membership.objects.create(organisation=org, user=actor, role=Role.OWNER)
    audit.record(actor=actor, organisation=org, action="organisation.created", target=org)
    return org


@transaction.atomic
def user_sign_up(
    *, email: str, password: str, full_name: str = "", organisation_name: str
) -> tuple[User, Organisation]:
    """A new person and their new organisation, with them as owner."""
    User = get_user_model()
    email = (email or "").strip().lower()
    taken = ValidationError({"email": _("An account with this email address already exists.")})
    if User.objects.filter(email__iexact=email).exists():
        raise taken
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email=email, password=password, full_name=(full_name or "").strip()
            )
    except IntegrityError:  # the same address signed up a moment ago
        raise taken from None
    try:
        org = organisation_create(actor=user, name=organisation_name)
    except ValidationError as exc:
        # The organisation's fields are called organisation_* on the sign-up form.
        errors = getattr(exc, "error_dict", {"name": exc.error_list})
        raise ValidationError(
            {f"organisation_{k}" if k != "__all__" else k: v for k, v in errors.items()}
        ) from None
    return user, org


SETTINGS_FIELDS = ["name", "time_zone", "paper_size", "reminder_days_before", "language"]


@transaction.atomic
def organisation_update(
    *,
    actor: User,
    organisation: Organisation,
    name: str,
    time_zone: str,
    paper_size: str,
    reminder_days_before: int | None = None,
    language: str | None = None,
) -> Organisation:
    """Change an organisation's settings. A new time zone or reminder lead reschedules every
    review and action reminder in the same transaction."""
    require_owner(actor, organisation)
    before = audit.stored(organisation, SETTINGS_FIELDS)
    organisation.name = (name or "").strip()
    organisation.time_zone = time_zone
    organisation.paper_size = paper_size
    if reminder_days_before is not None:
        organisation.reminder_days_before = reminder_days_before
    if language is not None:
        organisation.language = language
    organisation.full_clean()
    organisation.save(update_fields=SETTINGS_FIELDS)
    audit.record(
        actor=actor,
        organisation=organisation,
        action="organisation.updated",
        target=organisation,
        changes=audit.changed(before, organisation),
    )
    if (organisation.time_zone, organisation.reminder_days_before) != (
        before["time_zone"],
        before["reminder_days_before"],
    ):
        signals.organisation_schedule_changed.send(sender=Organisation, organisation=organisation)
    return organisation


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def invitation_create(
    *, actor: User, organisation: Organisation, email: str, role: str
) -> tuple[Invitation, str | None]:
    """Invite `email` to `organisation` with `role` and email them a single-use link."""
    require_owner(actor, organisation)
    email = (email or "").strip().lower()
    if role not in Role.values:
        raise ValidationError({"role": _("Choose a role.")})
    if Membership.objects.filter(organisation=organisation, user__email__iexact=email).exists():
        raise ValidationError({"email": _("This person is already a member.")})
    # The same invitation sent again within minutes (a double click, a resend) is not re-sent:
    # a second email would make the first one's link dead.
    recent = (
        Invitation.objects.pending()
        .filter(organisation=organisation, email__iexact=email, role=role)
        .filter(created_at__gte=timezone.now() - timedelta(minutes=RESEND_GUARD_MINUTES))
        .first()
    )
    if recent is not None:
        return recent, None
    # A new invitation replaces any earlier pending one for the same address.
    Invitation.objects.pending().filter(organisation=organisation, email__iexact=email).update(
        revoked_at=timezone.now()
    )
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        organisation=organisation,
        email=email,
        role=role,
        token_hash=_hash(token),
        invited_by=actor,
    )
    audit.record(
        actor=actor,
        organisation=organisation,
        action="invitation.created",
        target=invitation,
        label=email,
        changes={"role": role},
    )
    outbox.queue_email(
        to=email,
        template="invitation",
        organisation=organisation,
        context={
            "invitation": invitation,
            "inviter": actor,
            "accept_path": reverse("invitation_accept", args=[token]),
        },
    )
    return invitation, token


def invitation_for_token(token: str | None) -> Invitation | None:
    """The invitation for a token, whatever its state, or None."""
    return (
        Invitation.objects.select_related("organisation", "invited_by")
        .filter(token_hash=_hash(token or ""))
        .first()
    )


def invitation_problem(invitation: Invitation | None) -> str | None:
    """A sentence saying why an invitation cannot be used, or None when it can."""
    if invitation is None:
        return _("This invitation link is not valid. Ask for a new one.")
    if invitation.accepted_at:
        return _("This invitation has already been used. Log in to continue.")
    if invitation.revoked_at:
        return _("This invitation was withdrawn. Ask for a new one.")
    if invitation.is_expired:
        return _("This invitation has expired. Ask for a new one.")
    return None


class AlreadyMember(Exception):
    """The person accepting an invitation belongs to its organisation already."""

    def __init__(self, membership: Membership) -> None:
        super().__init__(str(membership))
        self.membership = membership


@transaction.atomic
def invitation_accept(
    *,
    token: str | None,
    user: User | None = None,
    password: str | None = None,
    full_name: str = "",
) -> Membership:
    """Use an invitation once: for the logged-in `user`, or a new account with `password`.

    The logged-in account joins even when its address differs from the invited one (the
    page says so before they accept): the link is the secret. Someone who is a member
    already does not use up the invitation (AlreadyMember), so the invitee still can.
    The claim is a conditional UPDATE, so a double click or two tabs use it once.
    """
    invitation = invitation_for_token(token)
    problem = invitation_problem(invitation)
    if problem:
        raise ValidationError(problem)
    assert invitation is not None  # a missing one is a problem
    User = get_user_model()
    if user is None:
        if User.objects.filter(email__iexact=invitation.email).exists():
            raise ValidationError(_("An account with this email exists already: log in first."))
        try:
            with transaction.atomic():
                user = User.objects.create_user(
                    email=invitation.email, password=password, full_name=(full_name or "").strip()
                )
        except IntegrityError:  # a double click: the first one created the account
            raise ValidationError(
                _("An account with this email exists already: log in first.")
            ) from None
    else:
        existing = Membership.objects.filter(
            organisation=invitation.organisation, user=user
        ).first()
        if existing:
            raise AlreadyMember(existing)
    claimed = Invitation.objects.filter(
        pk=invitation.pk,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).update(accepted_at=timezone.now(), accepted_by=user)
    if not claimed:
        raise ValidationError(_("This invitation has already been used. Log in to continue."))
    membership, created = Membership.objects.get_or_create(
        organisation=invitation.organisation, user=user, defaults={"role": invitation.role}
    )
    audit.record(
        actor=user,
        organisation=invitation.organisation,
        action="member.joined",
        target=membership,
        label=user.display_name,
        changes={"role": membership.role, "invited as": invitation.email},
    )
    return membership


@transaction.atomic
def invitation_revoke(*, actor: User, invitation: Invitation) -> Invitation:
    """Withdraw a pending invitation; an accepted one cannot be withdrawn."""
    require_owner(actor, invitation.organisation)
    withdrawn = Invitation.objects.filter(
        pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    if not withdrawn:
        invitation.refresh_from_db()
        if invitation.accepted_at:
            raise ValidationError(
                _("%(email)s already accepted this invitation: remove the member instead.")
                % {"email": invitation.email}
            )
    else:
        audit.record(
            actor=actor,
            organisation=invitation.organisation,
            action="invitation.revoked",
            target=invitation,
            label=invitation.email,
        )
    return invitation


def _lock_owners(organisation: Organisation) -> list[Membership]:
    return list(
        Membership.objects.select_for_update().filter(organisation=organisation, role=Role.OWNER)
    )


def _reload(membership: Membership) -> None:
    try:
        membership.refresh_from_db(fields=["role"])
    except Membership.DoesNotExist:
        raise ValidationError(_("This person is not a member any more.")) from None


@transaction.atomic
def membership_change_role(*, actor: User, membership: Membership, role: str) -> Membership:
    require_owner(actor, membership.organisation)
    if role not in Role.values:
        raise ValidationError({"role": _("Choose a role.")})
    owners = _lock_owners(membership.organisation)
    _reload(membership)  # as it is now, under the lock
    if membership.role == Role.OWNER and role != Role.OWNER and len(owners) <= 1:
        raise ValidationError(
            {"role": _("The last owner cannot be demoted. Make someone else owner first.")}
        )
    old = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    if old != role:
        audit.record(
            actor=actor,
            organisation=membership.organisation,
            action="member.role_changed",
            target=membership,
            label=membership.user.display_name,
            changes={"role": [old, role]},
        )
    return membership


@transaction.atomic
def membership_remove(*, actor: User, membership: Membership) -> None:
    require_owner(actor, membership.organisation)
    owners = _lock_owners(membership.organisation)
    _reload(membership)  # as it is now, under the lock
    if membership.role == Role.OWNER and len(owners) <= 1:
        raise ValidationError(_("The last owner cannot be removed. Make someone else owner first."))
    audit.record(
        actor=actor,
        organisation=membership.organisation,
        action="member.left" if membership.user_id == actor.pk else "member.removed",
        target=membership,
        label=membership.user.display_name,
        changes={"role": membership.role},
    )
    membership.delete()


@transaction.atomic
def membership_login_unpause(*, actor: User, membership: Membership) -> int:
    """An owner lifts the login pause of a member (every address): see motmap.lockout. The
    member is told by email. Returns how many paused or counting addresses were forgotten."""
    require_owner(actor, membership.organisation)
    lifted = lockout.lift_pause(membership.user.email)
    if lifted:
        lockout.tell_pause_lifted(membership=membership, actor=actor)
        audit.record(
            actor=actor,
            organisation=membership.organisation,
            action="member.login_unpaused",
            target=membership,
            label=membership.user.display_name,
        )
    return lifted


@transaction.atomic
def user_update_name(*, actor: User, full_name: str) -> User:
    actor.full_name = (full_name or "").strip()
    actor.save(update_fields=["full_name"])
    return actor


@transaction.atomic
def user_change_email(*, actor: User, email: str) -> User:
    """Log in with, and receive emails at, a new address. The old address is told, so that a
    change made by someone else does not go unseen. The caller has checked the password."""
    User = get_user_model()
    email = (email or "").strip().lower()
    old_email = actor.email
    if email == old_email.lower():
        raise ValidationError({"email": _("This is already your email address.")})
    taken = ValidationError({"email": _("An account with this email address already exists.")})
    if User.objects.filter(email__iexact=email).exclude(pk=actor.pk).exists():
        raise taken
    actor.email = email
    try:
        with transaction.atomic():
            actor.save(update_fields=["email"])
    except IntegrityError:
        actor.email = old_email
        raise taken from None
    outbox.queue_email(
        to=old_email,
        template="email_changed",
        context={"old_email": old_email, "new_email": email},
    )
    return actor


@transaction.atomic
def user_change_password(*, actor: User, password: str) -> User:
    """A new password (the caller has checked the current one and the validators). Every other
    session of the account ends (Django's session hash); the account holder is told."""
    actor.set_password(password)
    actor.save(update_fields=["password"])
    outbox.queue_email(
        to=actor.email,
        template="password_changed",
        context={"user": actor, "reset_url": lockout.password_reset_url(actor)},
    )
    return actor


@transaction.atomic
def outbox_resend(*, actor: User, email: OutboxEmail) -> None:
    """An owner sends a failed email of their organisation again."""
    if email.organisation is None:
        raise ValidationError(_("This email belongs to no organisation."))
    require_owner(actor, email.organisation)
    if not outbox.resend(email.pk):
        raise ValidationError(_("This email is no longer failed: it was sent, or is on its way."))


def only_owner_of(user: User) -> list[Organisation]:
    """The organisations `user` is the only owner of (their account cannot be deleted yet)."""
    others = Membership.objects.filter(role=Role.OWNER).exclude(user=user)
    return list(
        Organisation.objects.filter(memberships__user=user, memberships__role=Role.OWNER)
        .exclude(pk__in=others.values("organisation_id"))
        .order_by("name")
    )


@transaction.atomic
def user_delete(*, actor: User) -> None:
    """Delete one's own account. What they wrote stays for the businesses, without their name:
    ideas shown as a former member's, comments, history and audit entries without an author.
    Their memberships, API tokens, calendar feeds and notification settings go. Refused while
    they are the last owner of an organisation (someone else must own it, or it is deleted)."""
    memberships = list(
        Membership.objects.select_for_update().filter(user=actor).select_related("organisation")
    )
    sole = [org.name for org in only_owner_of(actor)]
    if sole:
        raise ValidationError(
            _(
                "You are the only owner of %(orgs)s. Make someone else owner first, or delete "
                "the organisation."
            )
            % {"orgs": ", ".join(sorted(sole))}
        )
    for m in memberships:
        audit.record(
            actor=None,
            organisation=m.organisation,
            action="account.anonymised",
            label=_("a former member"),
            changes={"role": m.role},
        )
    audit.forget_person(actor)
    signals.user_deleting.send(sender=User, user=actor)
    Invitation.objects.filter(email__iexact=actor.email, accepted_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    lockout.lift_pause(actor.email)
    actor.delete()


@transaction.atomic
def organisation_delete(*, actor: User, organisation: Organisation, confirm_name: str) -> None:
    """An owner deletes the organisation and everything of it, for good: the name must be typed
    exactly. Accounts stay (people may belong to other organisations)."""
    require_owner(actor, organisation)
    if (confirm_name or "").strip() != organisation.name:
        raise ValidationError(
            {
                "confirm_name": _(
                    "That is not the organisation's name. Type “%(name)s” to delete it."
                )
                % {"name": organisation.name}
            }
        )
    # Rows that protect others from deletion (an idea its touchpoint, a touchpoint its stage)
    # go first, each before what it protects; then the organisation takes everything else.
    for model in _protecting_models():
        model._default_manager.filter(organisation=organisation).delete()
    Organisation.objects.filter(pk=organisation.pk).delete()


def _protecting_models() -> list[type[models.Model]]:
    """The models with a PROTECT foreign key, each before the models it protects (found in the
    app registry: the core imports none of the apps)."""
    protects = {
        model: {
            field.related_model
            for field in model._meta.concrete_fields
            if field.remote_field is not None and field.remote_field.on_delete is models.PROTECT
        }
        for model in django_apps.get_models()
    }
    protects = {model: targets for model, targets in protects.items() if targets}
    order: list[type[models.Model]] = []

    def visit(model: type[models.Model]) -> None:
        if model in order:
            return
        for other, targets in protects.items():
            if model in targets and other is not model:
                visit(other)
        order.append(model)

    for model in protects:
        visit(model)
    return order
