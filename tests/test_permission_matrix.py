"""Every URL the project registers x every persona x GET/POST: the expected answer.

A new URL pattern without a row in ACCESS fails `test_every_url_is_in_the_matrix`, so nothing
is added without saying who may use it. Expected answers:
  public  anyone, also anonymous           -> 200/302 (some pages answer 410 for a dead link)
  login   any logged-in person             -> anonymous is sent to log in
  member  members of the org (staff too)   -> anonymous to log in; mallory 404
  editor  managers and owners              -> staff 403
  owner   owners                           -> managers and staff 403
  405     the method is not allowed        -> 405 for everyone
Never a 500, never another organisation's data.

The world (tests/conftest.py `page_world`) is built once for the module; every case runs in a
savepoint of it, rolled back after the case. A method that is not allowed answers 405 before
anything else, so those are checked together in one test instead of one case each.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.conftest import client_with_session
from tests.security_headers import assert_security_headers

PUBLIC_FORM = "public form"  # anyone; a POST without its page's own token -> 400
PUBLIC, LOGIN, MEMBER, EDITOR, OWNER, NOT_ALLOWED = (
    "public",
    "login",
    "member",
    "editor",
    "owner",
    405,
)
AUTHOR = "author"  # carol wrote the idea and the comment in the world below
PERSONAS = ["anonymous", "carol", "bob", "alice", "mallory"]
LEVEL = {"carol": 1, "bob": 2, "alice": 3}
NEEDED = {MEMBER: 1, EDITOR: 2, OWNER: 3}

# url name -> (GET, POST)
ACCESS = {
    "home": (PUBLIC, PUBLIC),
    "healthz": (PUBLIC, NOT_ALLOWED),
    "healthz_live": (PUBLIC, NOT_ALLOWED),
    "favicon": (PUBLIC, NOT_ALLOWED),
    "sign_up": (PUBLIC, PUBLIC),
    "login": (PUBLIC, PUBLIC),
    "logout": (NOT_ALLOWED, PUBLIC),
    "password_reset": (PUBLIC, PUBLIC),
    "password_reset_done": (PUBLIC, NOT_ALLOWED),
    "password_reset_confirm": (PUBLIC, PUBLIC),
    "password_reset_complete": (PUBLIC, NOT_ALLOWED),
    "invitation_accept": (PUBLIC, PUBLIC),
    "organisation_list": (LOGIN, LOGIN),
    "account": (LOGIN, LOGIN),
    "account_delete": (LOGIN, LOGIN),
    "organisation_create": (LOGIN, LOGIN),
    "organisation_home": (MEMBER, NOT_ALLOWED),
    "organisation_settings": (OWNER, OWNER),
    "organisation_delete": (OWNER, OWNER),
    "member_list": (MEMBER, OWNER),
    "member_role": (NOT_ALLOWED, OWNER),
    "member_remove": (NOT_ALLOWED, OWNER),
    "member_login_unpause": (NOT_ALLOWED, OWNER),
    "invitation_revoke": (NOT_ALLOWED, OWNER),
    # The audit log and its CSV: owners only.
    "audit_log": (OWNER, NOT_ALLOWED),
    "audit_export": (OWNER, NOT_ALLOWED),
    # Emails that ran out of attempts: owners see them and send them again.
    "outbox_failed": (OWNER, NOT_ALLOWED),
    "outbox_resend": (NOT_ALLOWED, OWNER),
    "journey_create": (EDITOR, EDITOR),
    "journey_board": (MEMBER, NOT_ALLOWED),
    "journey_edit": (EDITOR, EDITOR),
    "journey_archive": (NOT_ALLOWED, EDITOR),
    "journey_restore": (NOT_ALLOWED, EDITOR),
    "journey_delete": (EDITOR, EDITOR),
    "stage_list": (MEMBER, EDITOR),
    "stage_edit": (EDITOR, EDITOR),
    "stage_move": (NOT_ALLOWED, EDITOR),
    "stage_delete": (EDITOR, EDITOR),
    "touchpoint_create": (EDITOR, EDITOR),
    "touchpoint_detail": (MEMBER, NOT_ALLOWED),
    "touchpoint_edit": (EDITOR, EDITOR),
    "touchpoint_move": (NOT_ALLOWED, EDITOR),
    "touchpoint_quick_edit": (NOT_ALLOWED, EDITOR),  # the ratings, from the card on the board
    "touchpoint_delete": (EDITOR, EDITOR),
    "touchpoint_qr_svg": (MEMBER, NOT_ALLOWED),
    "touchpoint_qr_png": (MEMBER, NOT_ALLOWED),
    "touchpoint_card": (MEMBER, NOT_ALLOWED),
    # CSV: whoever reads the board may export it; importing is editing the board.
    "touchpoint_export": (MEMBER, NOT_ALLOWED),
    "touchpoint_import": (EDITOR, EDITOR),
    "idea_list": (MEMBER, NOT_ALLOWED),
    "idea_submit": (MEMBER, MEMBER),
    "idea_mine": (MEMBER, NOT_ALLOWED),
    "idea_wall": (MEMBER, NOT_ALLOWED),
    "idea_export": (EDITOR, NOT_ALLOWED),
    "idea_detail": (MEMBER, NOT_ALLOWED),
    "idea_edit": (AUTHOR, AUTHOR),
    "idea_withdraw": (AUTHOR, AUTHOR),
    "idea_vote": (NOT_ALLOWED, MEMBER),
    "comment_add": (NOT_ALLOWED, MEMBER),
    "comment_edit": (AUTHOR, AUTHOR),
    "comment_delete": (NOT_ALLOWED, AUTHOR),
    "idea_status": (NOT_ALLOWED, EDITOR),
    "notification_settings": (MEMBER, MEMBER),
    "calendar_link": (NOT_ALLOWED, MEMBER),
    "unsubscribe": (PUBLIC, PUBLIC),
    "calendar_feed": (PUBLIC, NOT_ALLOWED),
    # The review pack: every member reads and downloads (staff too); starting an org pack: editors.
    "journey_pack": (MEMBER, NOT_ALLOWED),
    "journey_pack_pdf": (MEMBER, NOT_ALLOWED),
    "journey_pack_list": (MEMBER, NOT_ALLOWED),
    "org_pack_list": (MEMBER, EDITOR),
    "stored_pack_detail": (MEMBER, NOT_ALLOWED),
    "stored_pack_pdf": (MEMBER, NOT_ALLOWED),
    "review_dashboard": (MEMBER, NOT_ALLOWED),
    "review_list": (MEMBER, NOT_ALLOWED),
    "review_start": (EDITOR, EDITOR),
    "journey_next_review": (EDITOR, EDITOR),
    "review_detail": (MEMBER, NOT_ALLOWED),
    "review_rating_save": (NOT_ALLOWED, EDITOR),
    "review_save": (NOT_ALLOWED, EDITOR),
    "review_edit": (EDITOR, EDITOR),
    "review_cancel": (EDITOR, EDITOR),
    "review_complete": (EDITOR, EDITOR),
    "action_edit": (EDITOR, EDITOR),
    "action_close": (NOT_ALLOWED, MEMBER),  # the owner of an action may mark it done
    # Personal API tokens: every member has their own; only the holder revokes one.
    "api_token_list": (MEMBER, MEMBER),
    "api_token_revoke": (NOT_ALLOWED, AUTHOR),
    # Everything of the organisation in one ZIP: owners only; anyone may import one (a new org).
    "export_list": (OWNER, OWNER),
    "export_download": (OWNER, NOT_ALLOWED),
    "organisation_import": (LOGIN, LOGIN),
    # Webhooks: owners only (their secret signs the organisation's data sent out).
    "webhook_list": (OWNER, NOT_ALLOWED),
    "webhook_create": (OWNER, OWNER),
    "webhook_detail": (OWNER, NOT_ALLOWED),
    "webhook_edit": (OWNER, OWNER),
    "webhook_delete": (OWNER, OWNER),
    "webhook_rotate_secret": (NOT_ALLOWED, OWNER),
    "webhook_enable": (NOT_ALLOWED, OWNER),
    "webhook_disable": (NOT_ALLOWED, OWNER),
    "webhook_ping": (NOT_ALLOWED, OWNER),
    "webhook_delivery": (OWNER, NOT_ALLOWED),
    "webhook_delivery_replay": (NOT_ALLOWED, OWNER),
    # A customer's feedback page: anyone with the card's code; a POST needs the page's token.
    "feedback_respond": (PUBLIC, PUBLIC_FORM),
    "feedback_kiosk": (PUBLIC, PUBLIC_FORM),  # the desk kiosk: a code of its own
    # A touchpoint's feedback: managers open, edit, close and rotate; every member may print
    # its card (the page it opens is public anyway).
    "feedback_settings": (EDITOR, EDITOR),
    "feedback_close": (NOT_ALLOWED, EDITOR),
    "feedback_reopen": (NOT_ALLOWED, EDITOR),
    "feedback_rotate": (EDITOR, EDITOR),
    "feedback_qr_svg": (MEMBER, NOT_ALLOWED),
    "feedback_qr_png": (MEMBER, NOT_ALLOWED),
    "feedback_card": (MEMBER, NOT_ALLOWED),
    # Customers' comments: every member reads them; managers make ideas and actions of them.
    "feedback_comments": (MEMBER, NOT_ALLOWED),
    "feedback_comment_read": (NOT_ALLOWED, EDITOR),
    "feedback_comment_idea": (NOT_ALLOWED, EDITOR),
    "feedback_comment_action": (NOT_ALLOWED, EDITOR),
    # Scores imported from other survey tools: managers and owners.
    "feedback_scores_import": (EDITOR, EDITOR),
}
# Pages that show the organisation's name to whoever holds the link, by design (the link is the
# secret): invitations, one-click unsubscribe, the private calendar feed.
SHOWS_ORG_NAME_TO_LINK_HOLDER = {
    "invitation_accept",
    "unsubscribe",
    "calendar_feed",
    "feedback_respond",  # the moment's name (not the organisation's), to whoever has the card
    "feedback_kiosk",
}
NORDIC_SECRETS = ["Business trip", "Check-in desk", "Nordic Air"]
MALLORY_SECRETS = ["Mallory secret journey", "Mallory till"]


def _project_url_names(resolver=None, namespace=""):
    names = set()
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace in ("admin", "api"):
                # The Django admin: see test_admin_needs_an_operator. The REST API answers
                # tokens as well as sessions, with 401/403/404 JSON instead of login redirects:
                # it has its own matrix in tests/api/test_permission_matrix.py.
                continue
            names |= _project_url_names(entry, namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            names.add(entry.name)
    return names


def test_every_url_is_in_the_matrix():
    assert _project_url_names() == set(ACCESS), "add new URLs to ACCESS with who may use them"


def _full_route_converters():
    """url name -> the names of all the kwargs in its full route (prefixes included)."""
    result = {}

    def walk(resolver, inherited):
        for entry in resolver.url_patterns:
            keys = inherited | set(entry.pattern.converters)
            if isinstance(entry, URLResolver):
                if entry.namespace not in ("admin", "api"):
                    walk(entry, keys)
            elif entry.name:
                result[entry.name] = keys

    walk(get_resolver(), set())
    return result


ROUTE_KWARGS = _full_route_converters()


def build_url(name, world):
    kwargs = {k: world[k] for k in ROUTE_KWARGS[name] if k in world}
    if name == "password_reset_confirm":
        kwargs = {"uidb64": world["uidb64"], "token": world["reset_token"]}
    elif name == "invitation_accept":
        kwargs = {"token": world["token"]}
    elif name == "unsubscribe":
        kwargs = {"token": world["unsubscribe_token"]}
    elif name == "calendar_feed":
        kwargs = {"token": world["calendar_token"]}
    elif name == "feedback_respond":
        kwargs = {"code": world["feedback_code"]}
    elif name == "feedback_kiosk":
        kwargs = {"code": world["kiosk_code"]}
    return reverse(name, kwargs=kwargs)


def expected(level, persona, url_is_org):
    if level == NOT_ALLOWED:
        return {405}
    if level == PUBLIC:
        return {200, 302, 410}
    if level == PUBLIC_FORM:
        return {200, 302, 400, 410}
    if persona == "anonymous":
        return {"login"}
    if level == LOGIN:
        return {200, 302}
    if persona == "mallory" and url_is_org:
        return {404}
    if level == AUTHOR:
        return {200, 302} if persona == "carol" else {403}
    if LEVEL[persona] >= NEEDED[level]:
        return {200, 302}
    return {403}


def level_of(name, method):
    return ACCESS[name][0 if method == "GET" else 1]


OBJECT_URLS = sorted(
    name for name, keys in ROUTE_KWARGS.items() if "org_slug" in keys and len(keys) > 1
)


METHODS_NOT_ALLOWED = [
    (name, method)
    for name in sorted(ACCESS)
    for method in ("GET", "POST")
    if level_of(name, method) == NOT_ALLOWED
]
CASES = [
    (name, method, persona)
    for name in sorted(ACCESS)
    for method in ("GET", "POST")
    for persona in PERSONAS
    if level_of(name, method) != NOT_ALLOWED
]


def send(client, method, url, data=None):
    return client.get(url) if method == "GET" else client.post(url, data or {})


@pytest.mark.parametrize("name,method,persona", CASES)
def test_permission_matrix(name, method, persona, page_world, db):
    url = build_url(name, page_world)
    response = send(client_with_session(page_world["sessions"][persona]), method, url)
    check_answer(name, method, persona, url, response)


def test_a_method_not_allowed_answers_405_to_everyone(page_world, db):
    """Every URL x method that ACCESS marks 405, for every persona (and for mallory under her own
    organisation's address): 405 before anything else, so one request each suffices."""
    assert METHODS_NOT_ALLOWED
    clients = {p: client_with_session(page_world["sessions"][p]) for p in PERSONAS}
    for name, method in METHODS_NOT_ALLOWED:
        url = build_url(name, page_world)
        for persona in PERSONAS:
            check_answer(name, method, persona, url, send(clients[persona], method, url))
        if name in OBJECT_URLS:
            url = build_url(name, page_world | {"org_slug": "mallory-mart"})
            response = send(clients["mallory"], method, url, {"direction": "up"})
            assert response.status_code == 405, (url, method, response.status_code)


def check_answer(name, method, persona, url, response):
    assert_security_headers(response, (url, method, persona))
    want = expected(level_of(name, method), persona, url.startswith("/o/"))
    if want == {"login"}:
        assert response.status_code == 302, (url, response.status_code)
        assert response["Location"].startswith(reverse("login")), response["Location"]
    else:
        assert response.status_code in want, (url, method, persona, response.status_code)
    content = b"".join(response.streaming_content) if response.streaming else response.content
    body = content.decode(errors="replace")
    if persona == "mallory" and name not in SHOWS_ORG_NAME_TO_LINK_HOLDER:
        leaked = [s for s in NORDIC_SECRETS if s in body]
        assert not leaked, f"{url} showed mallory {leaked}"
    if persona in ("alice", "bob", "carol"):
        assert not [s for s in MALLORY_SECRETS if s in body], url


@pytest.mark.parametrize(
    "name,method",
    [(n, m) for n in OBJECT_URLS for m in ("GET", "POST") if level_of(n, m) != NOT_ALLOWED],
)
def test_own_org_slug_with_another_orgs_object_is_404(name, method, page_world, db):
    """mallory puts Nordic Air's ids under her own organisation's address: 404, nothing changes.
    (The methods not allowed: 405, in test_a_method_not_allowed_answers_405_to_everyone.)"""
    url = build_url(name, page_world | {"org_slug": "mallory-mart"})
    client = client_with_session(page_world["sessions"]["mallory"])
    response = send(client, method, url, {"direction": "up"})
    assert response.status_code == 404, url


def test_admin_needs_an_operator(page_world, db):
    response = client_with_session(page_world["sessions"]["alice"]).get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_admin_lists_every_model(client_for, db):
    from django.apps import apps
    from django.contrib import admin

    from tests.factories import UserFactory

    operator = UserFactory(email="ops@example.com", is_staff=True, is_superuser=True)
    for model in apps.get_app_config("motmap").get_models():
        assert admin.site.is_registered(model), model
    for label in ("journeys", "touchpoints", "reviews"):
        for model in apps.get_app_config(label).get_models():
            assert admin.site.is_registered(model), model
    client = client_for(operator)
    for model in admin.site._registry:
        meta = model._meta
        url = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        assert client.get(url).status_code == 200, url
