"""No input from a user gives a 500: every URL, as an owner and as staff, with hostile values.

Values a form might meet from a broken client or an attacker: NUL bytes (PostgreSQL refuses
them in text), huge numbers, 100,000 characters, markup, SQL, emoji, malformed ids.
"""

import pytest

from tests.test_permission_matrix import ACCESS, build_url, world  # noqa: F401  (fixture)

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


@pytest.mark.parametrize("persona", ["alice", "carol"])
@pytest.mark.parametrize("value", list(HOSTILE), ids=list(HOSTILE))
@pytest.mark.parametrize("name", sorted(ACCESS))
def test_hostile_input_never_gives_a_500(name, value, persona, world, personas, client_for):  # noqa: F811
    url = build_url(name, world)
    client = client_for(personas[persona])
    data = {field: HOSTILE[value] for field in FIELDS}
    get = client.get(url, data)
    assert get.status_code < 500, (url, value, get.status_code)
    post = client.post(url, data)
    assert post.status_code < 500, (url, value, post.status_code)
