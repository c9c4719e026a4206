"""No input from a user gives a 500: every URL, as an owner, as staff and (public pages)
anonymous, with hostile values.

Values a form might meet from a broken client or an attacker: NUL bytes (PostgreSQL refuses
them in text), huge numbers, 100,000 characters, markup, SQL, emoji, malformed ids.

A form stops at the first field that is not valid, and nothing behind it (a service, a query)
sees the rest: so one hostile value goes into one field at a time, every other field valid.
The fields are those of the URL's own forms, read from the page as the persona sees it (or from
the page the form is on, FORM_ON), with the values the page gives them; a required field left
empty gets one from VALID. Every request runs in a savepoint rolled back after it, the session
and the cache as they were, so that each meets the same world (tests/conftest.py `page_world`,
built once for the module).
"""

import copy
import re
from datetime import date, timedelta
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.http import HttpResponse

from exports.writer import export_zip
from motmap.models import Organisation
from tests.conftest import client_with_session, reset_shared_state
from tests.factories import PASSWORD
from tests.test_permission_matrix import ACCESS, LOGIN, MEMBER, PUBLIC, build_url, expected

FIELDS = [
    "name",
    "title",
    "today",
    "proposal",
    "body",
    "note",
    "status",
    "duplicate_of",
    "direction",
    "move_to",
    "stage",
    "owner",
    "touchpoint",
    "habits",
    "rating_current",
    "rating_target",
    "contacts_per_day",
    "duration_seconds",
    "version",
    "email",
    "role",
    "time_zone",
    "paper_size",
    "review_cadence",
    "review_every_weeks",
    "submission_token",
    "anonymous",
    "q",
    "sort",
    "page",
    "journey",
    "mine",
    "next",
    "password1",
    "password2",
    "organisation_name",
    "full_name",
    "channel",
    "description",
    "segment",
    "frontline_role",
    "moment",
    "desired_outcome",
    "customer_wants",
    "username",
    "password",
    "new_password1",
    "new_password2",
    "reminders",
    "decisions",
    "new_ideas",
    "comments",
    "action",
    "reminder_days_before",
    "List-Unsubscribe",
    "paper",
    "quarter",
    "review",
    "held_on",
    "attendees",
    "guests",
    "rating",
    "due_on",
    "summary",
    "next_review_on",
    "back",
    "read_only",
    "file",
    "payload",
    "url",
    "events",
    "event",
    "external_id",
    "face",
    "reason",
    "comment",
    "form_token",
    "step",
    "via",
    "lang",
    "unread",
    "question",
    "reasons",
    "kiosk_pause_seconds",
    "alert_answers",
    "alert_share_percent",
    *(
        f"{text}_{language}"
        for text in ("question", "reasons")
        for language in ("sv", "nb", "da", "fi")
    ),
]
HOSTILE = {
    "nul": "a\x00b",
    "huge-number": "99999999999999999999999",
    "negative": "-1",
    "long": "x" * 100_000,
    "markup": "<script>alert(1)</script>",
    "sql": "' OR 1=1 --",
    "emoji-rtl": "💥 \u202eevil",
    "bad-uuid": "00000000-0000-0000-0000-00000000000g",
}


# url name -> the page its form is on, when that is not its own page; for review_rating_save
# also the form: each card of the meeting posts the whole meeting form there.
FORM_ON = {
    "logout": "organisation_list",
    "api_token_revoke": "api_token_list",
    "idea_vote": "idea_detail",
    "comment_add": "idea_detail",
    "comment_delete": "idea_detail",
    "idea_status": "idea_detail",
    "member_role": "member_list",
    "member_remove": "member_list",
    "invitation_revoke": "member_list",
    "journey_archive": "journey_board",
    "stage_move": "stage_list",
    "touchpoint_move": "journey_board",
    "touchpoint_quick_edit": "journey_board",
    "calendar_link": "notification_settings",
    "action_close": "review_dashboard",
    "review_save": "review_detail",
    "review_rating_save": ("review_detail", "review_save"),
    "webhook_ping": "webhook_detail",
    "webhook_disable": "webhook_detail",
    "webhook_rotate_secret": "webhook_detail",
    "webhook_delivery_replay": "webhook_delivery",
    "feedback_comment_read": "feedback_comments",
    "feedback_comment_idea": "feedback_comments",
    "feedback_comment_action": "feedback_comments",
    "feedback_close": "touchpoint_detail",
    "feedback_reopen": "touchpoint_detail",
}
# What the board's script sends besides what the forms show (a drag: the place, as seen), and the
# one field mail clients post to unsubscribe (RFC 8058). Values valid in page_world.
SCRIPT_FIELDS = {
    "touchpoint_move": lambda world: {"stage": world["touchpoint_stage_id"], "index": "0"},
    "stage_move": lambda world: {"index": "0", "seen": world["stage_ids"], "back": "board"},
    "unsubscribe": lambda world: {"List-Unsubscribe": "One-Click"},
}
# Query parameters a page reads besides the fields of its own GET form. journey_pack_pdf reads
# the print view's options through the same form as journey_pack (swept there): each valid
# request of it makes a PDF, a second or more.
QUERY = {
    "idea_list": ["page"],
    "idea_export": ["q", "status", "journey", "habit", "mine", "sort"],  # the list's filters
    "idea_submit": ["touchpoint"],
    "idea_detail": ["sent"],
    "touchpoint_create": ["stage"],
    "journey_pack": ["review", "download"],
    "webhook_detail": ["page"],
    "login": ["next"],
    "feedback_respond": ["via", "lang"],
    "feedback_kiosk": ["lang"],
    "feedback_comments": ["page"],
}
# A PDF made anew on each request (a second or more), and no form on it: the permission matrix
# fetches it, and its options are swept on journey_pack.
NOT_A_PAGE = {"journey_pack_pdf"}
# Pages whose form is on the page they redirect to (the reset link keeps its token in the
# session and sends the browser on to the form).
FOLLOW = {"password_reset_confirm"}
NEW_PASSWORD = "a-new-horse-battery-43"
IN_A_MONTH = (date.today() + timedelta(days=30)).isoformat()
# A public address written as one: the tests run without DNS, where the world's own webhook
# host (hooks.example.com) cannot be looked up, so its edit form would not be valid as shown.
WEBHOOK_URL = "https://93.184.215.14/motmap"
INSTEAD = {"url": WEBHOOK_URL}
# A valid value for a required field that the page leaves empty (by name).
VALID = {
    "username": "carol@nordic-air.example",
    "password": PASSWORD,
    "email": "dana@example.com",
    "full_name": "Dana Dahl",
    "organisation_name": "Dana's Dairy",
    "password1": NEW_PASSWORD,
    "password2": NEW_PASSWORD,
    "new_password1": NEW_PASSWORD,
    "new_password2": NEW_PASSWORD,
    "name": "Kiosk",
    "title": "Warm towels",
    "today": "The towels are cold.",
    "proposal": "Warm them.",
    "body": "Good point.",
    "note": "Looked at it.",
    "summary": "We went through every touchpoint.",
    "url": WEBHOOK_URL,
    "events": "idea.created",
    "next_review_on": IN_A_MONTH,
    "due_on": IN_A_MONTH,
    "held_on": date.today().isoformat(),
    "current_password": PASSWORD,
    "confirm_name": "Nordic Air",
}
# The button a valid form is sent with, where a form is answered by pressing one of several
# (the five faces of the feedback page).
PRESSED = {"face": "2"}
# The file a form takes: the board's own export, one touchpoint renamed (so that the preview
# offers the confirming step, which is swept too).
FILES = {"touchpoint_import": "touchpoint_export"}
# Or a file of its own: scores of yesterday for the world's touchpoint (external ID desk-1).
FILE_TEXTS = {
    "feedback_scores_import": lambda world: (
        f"external_id,date,score,count\r\ndesk-1,{date.today() - timedelta(days=1)},4,12\r\n"
    ).encode(),
    # A whole export of the world's organisation, as its export page gives it.
    "organisation_import": lambda world: export_zip(
        Organisation.objects.get(slug=world["org_slug"])
    ),
}


def personas_for(name):
    """Alice (owner) and carol (staff); anonymous too where a method is public: the forms of
    the public pages (log in, sign up, reset, accept) are only shown to someone logged out."""
    return ["alice", "carol"] + (["anonymous"] if PUBLIC in ACCESS[name] else [])


CASES = [(name, persona) for name in sorted(ACCESS) for persona in personas_for(name)]


@pytest.mark.parametrize("name,persona", CASES)
def test_hostile_input_never_gives_a_500(name, persona, page_world, db):
    """Each hostile value in each field the URL's forms take, one at a time, the others valid;
    then every name in FIELDS at once with the values spread over them (for a persona refused
    before any form, and for what no form shows)."""
    url = build_url(name, page_world)
    client = client_with_session(page_world["sessions"][persona])
    page = client.get(url) if name not in NOT_A_PAGE else HttpResponse(status=204)
    assert page.status_code < 500, (url, page.status_code)
    if name in FOLLOW and page.status_code == 302:
        url = page["Location"]
        page = client.get(url)
        assert page.status_code < 500, (url, page.status_code)
    sweep = Sweep(client, url, name, persona)

    if page.status_code == 200:  # else the persona is refused before any query is read
        query = forms_on(page, url, "get")
        for field in QUERY.get(name, []):
            query.setdefault(field, {"values": [], "kind": "query"})
        sweep.each_field("get", query)

    post = post_fields(name, client, page, url, page_world)
    if post:
        answer = sweep.each_field("post", post)
        # A next step of the same form (the import's confirmation): its own fields too.
        if answer.status_code == 200:
            following = forms_on(answer, url, "post")
            if set(following) - set(post):
                sweep.each_field("post", following)
    if name in SCRIPT_FIELDS and may_post(name, persona, url):
        script = {
            field: {"values": value if isinstance(value, list) else [value], "kind": "script"}
            for field, value in SCRIPT_FIELDS[name](page_world).items()
        }
        sweep.each_field("post", script)

    spread = {field: list(HOSTILE.values())[i % len(HOSTILE)] for i, field in enumerate(FIELDS)}
    sweep.send("get", spread)
    sweep.send("post", spread)


def may_post(name, persona, url):
    """Whether the permission matrix lets the persona's POST through to what the view reads."""
    return bool(expected(ACCESS[name][1], persona, url.startswith("/o/")) & {200, 302, 410})


def post_fields(name, client, page, url, world):
    """The fields of the form that posts to the URL, from its own page or FORM_ON's."""
    page_url = url
    target_url = url
    if name in FORM_ON:
        on = FORM_ON[name]
        page_name, form_name = (on, name) if isinstance(on, str) else on
        page_url, target_url = build_url(page_name, world), build_url(form_name, world)
        page = client.get(page_url)
        assert page.status_code < 500, (page_url, page.status_code)
    if page.status_code != 200:
        return {}
    fields = forms_on(page, page_url, "post", target_url)
    if name == "review_rating_save":
        # The card's own row is read, the rest of the meeting form is sent as it is.
        row = f"r{world['rating_position']}-"
        for field_name, field in fields.items():
            field["sweep"] = field_name.removeprefix("initial-").startswith(row)
    for field in fields.values():
        if field["kind"] == "file" and name in FILES:
            field["file"] = renamed_export(client, build_url(FILES[name], world))
        elif field["kind"] == "file" and name in FILE_TEXTS:
            field["file"] = FILE_TEXTS[name](world)
    return fields


class Sweep:
    """The requests of one case, each in a savepoint rolled back after it, with the client's
    cookies and the cache as they were before it: every request meets the same world."""

    def __init__(self, client, url, name, persona):
        self.client, self.url, self.name, self.persona = client, url, name, persona

    def send(self, method, data):
        cookies = copy.deepcopy(self.client.cookies)
        try:
            with transaction.atomic():
                if method == "get":
                    response = self.client.get(self.url, data)
                else:
                    response = self.client.post(self.url, data)
                transaction.set_rollback(True)
        finally:
            self.client.cookies = cookies
            reset_shared_state()
        assert response.status_code < 500, (self.url, method, self.persona, response.status_code)
        return response

    def each_field(self, method, fields):
        """First the valid form as it is (it must be taken: else no hostile value would get past
        the other fields), then each hostile value in each field. Fields repeated per row of
        the same form (r1-note, r2-note) share the values out: each row gets some, each value
        goes into one row. Returns the answer to the valid form."""
        if not fields:
            return None
        valid = valid_data(fields)
        answer = self.send(method, valid)
        if method == "post" and answer.status_code in (200, 400):
            assert not has_errors(answer), (
                f"{self.url} as {self.persona} refused the valid form {valid}: give the field a"
                " valid value in VALID, or hostile values never reach what is behind it"
            )
        mine, shares = share_of(self.name, method, self.persona)
        for group in rows_of(name for name, f in fields.items() if f.get("sweep", True)):
            for i, value in enumerate(HOSTILE.values()):
                if i % shares != mine:
                    continue
                field = group[i // shares % len(group)]
                data = dict(valid)
                if fields[field]["kind"] == "file":
                    data[field] = SimpleUploadedFile("touchpoints.csv", value.encode())
                else:
                    data[field] = value
                self.send(method, data)
        return answer


def share_of(name, method, persona):
    """(this persona's share, shares) of the hostile values for a form. Alice (owner) and carol
    (staff) fill in the same forms where any member (or anyone logged in) may: each sends half
    of the values, the other half is the other's case."""
    level = ACCESS[name][0 if method == "get" else 1]
    if level in (MEMBER, LOGIN) and persona in ("alice", "carol"):
        return ("alice", "carol").index(persona), 2
    return 0, 1


def valid_data(fields):
    """What a browser sends for the form as the page shows it, required empty fields filled."""
    data = {}
    for name, field in fields.items():
        if field["kind"] == "submit":
            if name in PRESSED:
                data[name] = PRESSED[name]
            continue  # a button is sent only when it is the one pressed
        if field["kind"] == "file":
            if "file" in field:
                data[name] = SimpleUploadedFile("touchpoints.csv", field["file"])
            continue
        values = [v for v in field["values"] if v != ""] or field["values"]
        if name in INSTEAD:
            values = [INSTEAD[name]]
        elif not any(values) and name in VALID:
            values = [VALID[name]]
        elif not any(values) and field.get("required") and not ROW.match(name):
            # The first real choice (a row of a formset, a1-owner, may stay empty as a whole).
            values = [next((c for c in field["choices"] if c), "")]
        if values or field["kind"] not in ("checkbox", "radio", "select-multiple"):
            data[name] = values if len(values) > 1 else (values[0] if values else "")
    return data


ROW = re.compile(r"^(initial-)?([a-z]+)\d+-(.+)$")


def rows_of(names):
    """The fields in groups: one per field, fields repeated per row (r1-note, r2-note) together."""
    groups = {}
    for name in names:
        found = ROW.match(name)
        groups.setdefault(found.groups() if found else name, []).append(name)
    return list(groups.values())


def has_errors(response):
    body = response.content.decode(errors="replace")
    return response.status_code == 400 or 'class="errors"' in body or 'class="errorlist"' in body


def renamed_export(client, export_url):
    export = client.get(export_url)
    assert export.status_code == 200, (export_url, export.status_code)
    return export.content.decode("utf-8-sig").replace("Check-in desk", "Check-in kiosk").encode()


def forms_on(response, page_url, method, target_url=None):
    """{field name: field} of the forms on the page that send `method` to target_url (default:
    the page itself); several such forms: their fields together."""
    if "html" not in response.get("Content-Type", ""):
        return {}
    target = urlsplit(target_url or page_url).path
    fields = {}
    for form in PageForms.read(response.content.decode(errors="replace")):
        action = urlsplit(urljoin("http://testserver" + page_url, form["action"])).path
        if form["method"] == method and action == target:
            for name, field in form["fields"].items():
                fields.setdefault(name, field)
    fields.pop("csrfmiddlewaretoken", None)  # the test client does not check it
    return fields


class PageForms(HTMLParser):
    """Every <form> of a page as a browser sees it: its method, its action, and for each field
    its kind, whether it is required, its choices and the values a browser would send. Fields
    outside a form that name it (`form="id"`) count, as in tests/htmlform.py."""

    @classmethod
    def read(cls, html):
        reader = cls()
        reader.feed(html)
        reader.close()
        return reader.forms

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms = []
        self.by_id = {}
        self.form = None
        self.select = None
        self.textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            method = (attrs.get("method") or "get").lower()
            self.form = {"method": method, "action": attrs.get("action") or "", "fields": {}}
            self.forms.append(self.form)
            if attrs.get("id"):
                self.by_id[attrs["id"]] = self.form
            return
        if tag == "option" and self.select is not None:
            value = attrs.get("value", "")
            self.select["choices"].append(value)
            if "selected" in attrs:
                self.select["values"].append(value)
            return
        if tag not in ("input", "select", "textarea", "button"):
            return
        form = self.by_id.get(attrs["form"]) if attrs.get("form") else self.form
        name = attrs.get("name")
        if form is None or not name:
            return
        kind = (attrs.get("type") or ("submit" if tag == "button" else "text")).lower()
        if tag == "select":
            kind = "select-multiple" if "multiple" in attrs else "select"
        elif tag == "textarea":
            kind = "textarea"
        if kind in ("button", "reset", "image"):
            return
        if kind == "submit":
            kind = "submit"
        field = form["fields"].setdefault(
            name, {"kind": kind, "values": [], "choices": [], "required": False}
        )
        field["required"] = field["required"] or "required" in attrs
        if kind in ("radio", "checkbox", "submit"):
            field["choices"].append(attrs.get("value", "on"))
            if "checked" in attrs:
                field["values"].append(attrs.get("value", "on"))
        elif kind in ("select", "select-multiple"):
            self.select = field
        elif kind == "textarea":
            field["values"].append("")
            self.textarea = field
        elif kind != "file":
            field["values"].append(attrs.get("value", ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "textarea":
            self.textarea = None
        elif tag == "select" and self.select is not None:
            if self.select["kind"] == "select" and not self.select["values"]:
                self.select["values"] = self.select["choices"][:1]  # a browser sends the first
            self.select = None

    def handle_data(self, data):
        if self.textarea is not None:
            if not self.textarea["values"][-1]:
                # A browser drops the newline that directly follows <textarea>.
                data = data.removeprefix("\r").removeprefix("\n")
            self.textarea["values"][-1] += data
