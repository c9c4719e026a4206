"""Writes with rules for ideas: submit, edit, withdraw, vote, comment, decide.

Keyword-only, atomic, taking the acting user. Anonymous ideas keep no trace of their author:
`author` stays empty, the "new" event has no actor, and the rate limit counts submissions in
the cache (which expires), never in a table.
"""

import uuid
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from motmap import audit, ratelimit
from motmap.models import EDITOR_ROLES, Membership, Organisation, User
from motmap.tenancy import require_editor, require_role
from notifications.models import Kind
from notifications.services import Notice, deliver
from touchpoints.models import Habit, Touchpoint
from webhooks import payloads as webhook_payloads
from webhooks.models import Event as WebhookEvent
from webhooks.services import emit

from .models import (
    COMMENT_MAX,
    TEXT_MAX,
    TITLE_MAX,
    Comment,
    Idea,
    IdeaEvent,
    IdeaStatus,
    Vote,
)

RATE_WINDOW_SECONDS = 60 * 60

# Which status may follow which. Managers may also reopen a closed idea (back to review).
TRANSITIONS: dict[str, set[str]] = {
    IdeaStatus.NEW: {
        IdeaStatus.UNDER_REVIEW,
        IdeaStatus.ACCEPTED,
        IdeaStatus.DECLINED,
        IdeaStatus.DUPLICATE,
        IdeaStatus.IN_PROGRESS,
        IdeaStatus.IMPLEMENTED,
    },
    IdeaStatus.UNDER_REVIEW: {
        IdeaStatus.ACCEPTED,
        IdeaStatus.DECLINED,
        IdeaStatus.DUPLICATE,
        IdeaStatus.IN_PROGRESS,
        IdeaStatus.IMPLEMENTED,
    },
    IdeaStatus.ACCEPTED: {
        IdeaStatus.IN_PROGRESS,
        IdeaStatus.IMPLEMENTED,
        IdeaStatus.DECLINED,
        IdeaStatus.UNDER_REVIEW,
    },
    IdeaStatus.IN_PROGRESS: {IdeaStatus.IMPLEMENTED, IdeaStatus.ACCEPTED, IdeaStatus.DECLINED},
    IdeaStatus.IMPLEMENTED: {IdeaStatus.IN_PROGRESS},
    IdeaStatus.DECLINED: {IdeaStatus.UNDER_REVIEW},
    IdeaStatus.DUPLICATE: {IdeaStatus.UNDER_REVIEW},
}


# Ideas one member may send per clock hour (anonymous ones included): a count in the cache only.
IDEA_RATE = ratelimit.Limit("ideas", RATE_WINDOW_SECONDS)


def _check_rate(user: User) -> None:
    """Refuse an idea over the hourly limit. With the cache away the idea is taken: the limit
    is a guard against floods, and the front line must not lose an idea to a cache outage."""
    if ratelimit.wait_seconds(IDEA_RATE, str(user.pk), settings.IDEAS_PER_HOUR):
        raise ValidationError(
            _("You have sent %(n)d ideas this hour. Thank you! Please send more later.")
            % {"n": settings.IDEAS_PER_HOUR}
        )


def _count_submission(user: User) -> None:
    """Count one more idea in the member's clock hour (see motmap.ratelimit: only a count is
    kept, expiring at a fixed hour, so nothing cached can be matched with an anonymous idea)."""
    ratelimit.hit(IDEA_RATE, str(user.pk))


def _clean_texts(
    *, title: str | None, today: str | None, proposal: str | None, habits: Iterable[str] | None
) -> tuple[str, str, str, list[str]]:
    title, today, proposal = (title or "").strip(), (today or "").strip(), (proposal or "").strip()
    errors: dict[str, str] = {}
    if not title:
        errors["title"] = _("Give your idea a short title.")
    elif len(title) > TITLE_MAX:
        errors["title"] = _("Keep the title under %(n)d characters.") % {"n": TITLE_MAX}
    if not today:
        errors["today"] = _("Say what happens today.")
    elif len(today) > TEXT_MAX:
        errors["today"] = _("Keep this under %(n)d characters.") % {"n": TEXT_MAX}
    if not proposal:
        errors["proposal"] = _("Describe your idea.")
    elif len(proposal) > TEXT_MAX:
        errors["proposal"] = _("Keep this under %(n)d characters.") % {"n": TEXT_MAX}
    habits = list(habits or [])
    if any(h not in Habit.values for h in habits):
        errors["habits"] = _("Choose habits from the seven habits.")
    if errors:
        raise ValidationError(errors)
    return title, today, proposal, [h for h in Habit.values if h in habits]


def _check_touchpoint(touchpoint: Touchpoint, org: Organisation) -> None:
    if touchpoint.organisation_id != org.pk:
        raise ValidationError({"touchpoint": _("Choose a touchpoint of this organisation.")})
    if touchpoint.journey.archived_at is not None:
        raise ValidationError(
            {"touchpoint": _("This touchpoint's journey is archived: choose another touchpoint.")}
        )


def _idea_for_token(submission_token: uuid.UUID | None, org: Organisation) -> Idea | None:
    """The idea already sent with this form token, or None.

    Tokens are unique across organisations: a token of another organisation's idea is refused
    (never answered with that idea, which would show it to someone outside).
    """
    existing = Idea.objects.filter(submission_token=submission_token).first()
    if existing is not None and existing.organisation_id != org.pk:
        raise ValidationError(_("This form has expired. Please reload the page and send it again."))
    return existing


@transaction.atomic
def idea_submit(
    *,
    actor: User,
    touchpoint: Touchpoint,
    title: str | None,
    today: str | None,
    proposal: str | None,
    habits: Iterable[str] | None = (),
    anonymous: bool = False,
    submission_token: uuid.UUID | None = None,
    from_customer: bool = False,
) -> tuple[Idea, bool]:
    """Submit an idea. Returns (idea, created); a resent form (same token) creates nothing.
    `from_customer`: made from a customer's comment (no author, shown as from a customer)."""
    anonymous = anonymous or from_customer
    org = touchpoint.organisation
    require_role(actor, org)
    if submission_token is not None:
        existing = _idea_for_token(submission_token, org)
        if existing is not None:
            return existing, False
    title, today, proposal, habits = _clean_texts(
        title=title, today=today, proposal=proposal, habits=habits
    )
    _check_touchpoint(touchpoint, org)
    _check_rate(actor)
    Organisation.objects.select_for_update().filter(pk=org.pk).first()  # serialise numbering
    number = (Idea.objects.filter(organisation=org).aggregate(m=Max("number"))["m"] or 0) + 1
    try:
        with transaction.atomic():
            idea = Idea.objects.create(
                organisation=org,
                number=number,
                touchpoint=touchpoint,
                author=None if anonymous else actor,
                title=title,
                today=today,
                proposal=proposal,
                habits=habits,
                submission_token=submission_token,
                from_customer=from_customer,
            )
    except IntegrityError:  # the same form sent twice at the same moment
        existing = _idea_for_token(submission_token, org) if submission_token else None
        if existing is None:
            raise
        return existing, False
    IdeaEvent.objects.create(
        idea=idea, actor=None if anonymous else actor, to_status=IdeaStatus.NEW
    )
    _count_submission(actor)
    _notify_new_idea(actor=actor, idea=idea, anonymous=anonymous)
    emit(WebhookEvent.IDEA_CREATED, org, webhook_payloads.idea_created(idea))
    return idea, True


def _require_author_while_new(actor: User, idea: Idea) -> None:
    if idea.author_id is None or idea.author_id != actor.pk:
        raise PermissionDenied(_("Only the author can change this idea."))
    if idea.status != IdeaStatus.NEW:
        raise ValidationError(_("This idea is already being looked at, so it cannot be changed."))


@transaction.atomic
def idea_update(
    *,
    actor: User,
    idea: Idea,
    title: str | None,
    today: str | None,
    proposal: str | None,
    habits: Iterable[str] | None = (),
) -> Idea:
    require_role(actor, idea.organisation)
    idea = Idea.objects.select_for_update().get(pk=idea.pk)
    _require_author_while_new(actor, idea)
    idea.title, idea.today, idea.proposal, idea.habits = _clean_texts(
        title=title, today=today, proposal=proposal, habits=habits
    )
    idea.save(update_fields=["title", "today", "proposal", "habits", "updated_at"])
    return idea


@transaction.atomic
def idea_withdraw(*, actor: User, idea: Idea) -> None:
    """The author takes back an idea nobody has looked at yet."""
    require_role(actor, idea.organisation)
    idea = Idea.objects.select_for_update().get(pk=idea.pk)
    _require_author_while_new(actor, idea)
    if idea.duplicates.exists():
        # Ideas marked as the same as this one lent it their votes: they would be left without.
        raise ValidationError(
            _("Other ideas were marked as the same as this one, so it stays open for review.")
        )
    audit.record(actor=actor, organisation=idea.organisation, action="idea.deleted", target=idea)
    idea.delete()


def forget_author(sender: object, *, user: User, **kwargs: object) -> None:
    """`motmap.signals.user_deleting`: the person's ideas stay for the business, shown as a
    former member's (the author link goes with the account); their votes are taken back.
    Their comments and status changes lose their author with the account (shown the same)."""
    Idea.objects.filter(author=user).update(author_left=True)
    voted = list(Vote.objects.filter(user=user).values_list("idea_id", flat=True))
    Vote.objects.filter(user=user).delete()
    for idea_id in voted:
        _recount(idea_id)


def _recount(idea_id: uuid.UUID) -> None:
    Idea.objects.filter(pk=idea_id).update(
        vote_count=Vote.objects.filter(idea_id=idea_id).count(),
        comment_count=Comment.objects.filter(idea_id=idea_id).count(),
    )


@transaction.atomic
def vote_toggle(*, actor: User, idea: Idea) -> bool:
    """One vote per member per idea: a second call takes the vote back. Returns True if voted."""
    require_role(actor, idea.organisation)
    locked = Idea.objects.select_for_update().get(pk=idea.pk)
    deleted, _rows = Vote.objects.filter(idea=idea, user=actor).delete()
    if not deleted:
        original = locked.duplicate_of if locked.status == IdeaStatus.DUPLICATE else None
        if original is not None:
            raise ValidationError(
                _("This idea is the same as #%(n)d: vote there, where the votes count.")
                % {"n": original.number}
            )
        Vote.objects.create(idea=idea, user=actor)
    _recount(idea.pk)
    idea.refresh_from_db(fields=["vote_count"])
    return not deleted


@transaction.atomic
def vote_set(*, actor: User, idea: Idea, voted: bool) -> bool:
    """Vote (True) or take the vote back (False); nothing changes when it is so already.

    Idempotent, for clients that may send the same request twice: the idea is locked, so two
    identical requests at once cannot undo each other. The rules are vote_toggle's.
    """
    require_role(actor, idea.organisation)
    Idea.objects.select_for_update().filter(pk=idea.pk).first()
    if Vote.objects.filter(idea=idea, user=actor).exists() != voted:
        vote_toggle(actor=actor, idea=idea)
    else:
        idea.refresh_from_db(fields=["vote_count"])
    return voted


def _clean_comment(body: str | None) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write a comment first.")})
    if len(body) > COMMENT_MAX:
        raise ValidationError(
            {"body": _("Keep comments under %(n)d characters.") % {"n": COMMENT_MAX}}
        )
    return body


@transaction.atomic
def comment_add(*, actor: User, idea: Idea, body: str | None) -> Comment:
    membership = require_role(actor, idea.organisation)
    comment = Comment.objects.create(
        idea=idea,
        author=actor,
        body=_clean_comment(body),
        by_manager=membership.role in EDITOR_ROLES,
    )
    _recount(idea.pk)
    _notify_comment(actor=actor, idea=idea, comment=comment)
    return comment


def _require_comment_author(actor: User, comment: Comment) -> None:
    require_role(actor, comment.idea.organisation)
    if comment.author_id != actor.pk:
        raise PermissionDenied(_("Only the author can change this comment."))


@transaction.atomic
def comment_update(*, actor: User, comment: Comment, body: str | None) -> Comment:
    _require_comment_author(actor, comment)
    comment.body = _clean_comment(body)
    comment.edited_at = timezone.now()
    comment.save(update_fields=["body", "edited_at"])
    return comment


@transaction.atomic
def comment_delete(*, actor: User, comment: Comment) -> None:
    _require_comment_author(actor, comment)
    idea_id = comment.idea_id
    comment.delete()
    _recount(idea_id)


def _merge_votes(duplicate: Idea, original: Idea) -> None:
    """The duplicate's votes count for the original (each member still votes once)."""
    already = set(Vote.objects.filter(idea=original).values_list("user_id", flat=True))
    Vote.objects.bulk_create(
        Vote(idea=original, user_id=user_id)
        for user_id in Vote.objects.filter(idea=duplicate).values_list("user_id", flat=True)
        if user_id not in already
    )
    _recount(original.pk)


@transaction.atomic
def idea_change_status(
    *,
    actor: User,
    idea: Idea,
    status: str,
    note: str | None = "",
    duplicate_of: Idea | None = None,
) -> Idea:
    """A manager's decision. Declined needs a reason; duplicate needs the original."""
    require_editor(actor, idea.organisation)
    idea = Idea.objects.select_for_update().select_related("organisation").get(pk=idea.pk)
    note = (note or "").strip()
    if status not in IdeaStatus.values:
        raise ValidationError({"status": _("Choose a status.")})
    if status == idea.status:
        already = _("The idea is already “%(status)s”.")
        raise ValidationError({"status": already % {"status": idea.get_status_display()}})
    if status not in TRANSITIONS[idea.status]:
        raise ValidationError(
            {
                "status": _("An idea that is “%(from)s” cannot become “%(to)s”.")
                % {"from": idea.get_status_display(), "to": IdeaStatus(status).label}
            }
        )
    if len(note) > TEXT_MAX:
        raise ValidationError(
            {"note": _("Keep the reason under %(n)d characters.") % {"n": TEXT_MAX}}
        )
    if status == IdeaStatus.DECLINED and not note:
        raise ValidationError({"note": _("Say why the idea is declined: the author will read it.")})
    if status == IdeaStatus.DUPLICATE:
        if duplicate_of is None:
            raise ValidationError({"duplicate_of": _("Give the number of the original idea.")})
        # Lock the original too (after this idea, which is locked above), and read it afresh:
        # two managers marking A as B's duplicate and B as A's at once must not make a loop.
        duplicate_of = Idea.objects.select_for_update().get(pk=duplicate_of.pk)
        if duplicate_of.organisation_id != idea.organisation_id:
            raise ValidationError({"duplicate_of": _("There is no idea with this number.")})
        if duplicate_of.pk == idea.pk:
            raise ValidationError({"duplicate_of": _("An idea cannot duplicate itself.")})
        if duplicate_of.duplicate_of_id == idea.pk:
            raise ValidationError({"duplicate_of": _("That idea is a duplicate of this one.")})
        if duplicate_of.status == IdeaStatus.DUPLICATE:
            # Its votes went to its own original: point there, so that they all count once.
            original = duplicate_of.duplicate_of
            if original is None:
                message = _("#%(number)d is itself a duplicate: choose its original.")
            else:
                message = _(
                    "#%(number)d is itself a duplicate of #%(original)d: choose #%(original)d."
                )
            raise ValidationError(
                {
                    "duplicate_of": message
                    % {
                        "number": duplicate_of.number,
                        "original": original.number if original else 0,
                    }
                }
            )
    previous = idea.status
    now = timezone.now()
    idea.status = status
    idea.status_changed_at = now
    idea.decision_note = note
    idea.duplicate_of = duplicate_of if status == IdeaStatus.DUPLICATE else None
    if status == IdeaStatus.IMPLEMENTED:
        idea.implemented_at = now
    elif previous == IdeaStatus.IMPLEMENTED:
        idea.implemented_at = None
    idea.save(
        update_fields=[
            "status",
            "status_changed_at",
            "decision_note",
            "duplicate_of",
            "implemented_at",
            "updated_at",
        ]
    )
    event = IdeaEvent.objects.create(
        idea=idea, actor=actor, at=now, from_status=previous, to_status=status, note=note
    )
    if status == IdeaStatus.DUPLICATE and duplicate_of is not None:  # checked above
        _merge_votes(idea, duplicate_of)
    changes: dict[str, object] = {"status": [previous, status]}
    if note:
        changes["note"] = note
    if idea.duplicate_of is not None:
        changes["duplicate of"] = str(idea.duplicate_of)
    audit.record(
        actor=actor,
        organisation=idea.organisation,
        action="idea.status_changed",
        target=idea,
        changes=changes,
    )
    _notify_decision(actor=actor, idea=idea, event=event)
    emit(
        WebhookEvent.IDEA_STATUS_CHANGED,
        idea.organisation,
        webhook_payloads.idea_status_changed(idea, previous=previous, actor=actor, note=note),
    )
    return idea


def _members(idea: Idea, user_ids: Iterable[int]) -> list[Membership]:
    """The active members of the idea's organisation among `user_ids`. One query."""
    if not user_ids:
        return []
    rows = Membership.objects.filter(
        organisation_id=idea.organisation_id, user_id__in=user_ids, user__is_active=True
    ).select_related("user", "organisation")
    return list(rows.order_by("user__email"))


def decision_recipient_ids(idea: Idea, *, exclude: User | None = None) -> set[int]:
    """Author (unless anonymous), voters and commenters: each once."""
    ids = set(Vote.objects.filter(idea=idea).values_list("user_id", flat=True))
    ids |= set(
        Comment.objects.filter(idea=idea).exclude(author=None).values_list("author_id", flat=True)
    )
    if idea.author_id:
        ids.add(idea.author_id)
    if exclude is not None:
        ids.discard(exclude.pk)
    return ids


def _idea_path(idea: Idea) -> str:
    return reverse("idea_detail", args=[idea.organisation.slug, idea.pk])


def _notify_decision(*, actor: User, idea: Idea, event: IdeaEvent) -> None:
    """Through notifications.deliver, so each person's choice (now, digest, off) applies."""
    path = _idea_path(idea)
    text = _("Idea #%(number)d “%(title)s” is now: %(status)s") % {
        "number": idea.number,
        "title": idea.title,
        "status": idea.get_status_display(),
    }
    deliver(
        Notice(
            membership=membership,
            kind=Kind.DECISIONS,
            template="idea_decision",
            text=text,
            url=path,
            context={
                "idea": idea,
                "event": event,
                "is_author": membership.user_id == idea.author_id,
                "idea_path": path,
            },
        )
        for membership in _members(idea, decision_recipient_ids(idea, exclude=actor))
    )


def _notify_new_idea(*, actor: User, idea: Idea, anonymous: bool) -> None:
    """Tell the touchpoint's owner and the journey's owner about a new idea.

    A named idea is not announced to its own author. An anonymous idea is announced to both
    owners whoever wrote it: leaving one of them out would tell who did. Its notice names
    nobody.
    """
    touchpoint = idea.touchpoint
    ids = {i for i in (touchpoint.owner_id, touchpoint.journey.owner_id) if i is not None}
    if not anonymous:
        ids.discard(actor.pk)
    values = {"number": idea.number, "title": idea.title, "touchpoint": touchpoint.name}
    if anonymous:
        text = _("New idea #%(number)d on “%(touchpoint)s”: %(title)s") % values
    else:
        values["author"] = actor.display_name
        text = _("New idea #%(number)d on “%(touchpoint)s” by %(author)s: %(title)s") % values
    path = _idea_path(idea)
    deliver(
        Notice(
            membership=membership,
            kind=Kind.NEW_IDEAS,
            template="idea_new",
            text=text,
            url=path,
            context={"idea": idea, "author": None if anonymous else actor, "idea_path": path},
        )
        for membership in _members(idea, ids)
    )


def _notify_comment(*, actor: User, idea: Idea, comment: Comment) -> None:
    """Tell the idea's author and the earlier commenters (not the one who wrote it)."""
    ids = set(
        Comment.objects.filter(idea=idea)
        .exclude(pk=comment.pk)
        .exclude(author=None)
        .values_list("author_id", flat=True)
    )
    if idea.author_id:
        ids.add(idea.author_id)
    ids.discard(actor.pk)
    if not ids:
        return
    text = _("%(name)s commented on idea #%(number)d “%(title)s”") % {
        "name": actor.display_name,
        "number": idea.number,
        "title": idea.title,
    }
    path = _idea_path(idea) + "#comments"
    deliver(
        Notice(
            membership=membership,
            kind=Kind.COMMENTS,
            template="idea_comment",
            text=text,
            url=path,
            context={
                "idea": idea,
                "comment": comment,
                "commenter": actor,
                "is_author": membership.user_id == idea.author_id,
                "idea_path": path,
            },
        )
        for membership in _members(idea, ids)
    )
