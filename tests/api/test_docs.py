"""Run the curl examples of docs/api.md, in order, with the test client."""

import datetime
import re
import shlex
import uuid
from pathlib import Path
from urllib.parse import urlsplit

from django.test import Client

from api import services
from feedback.services import feedback_open
from tests.factories import ActionFactory, IdeaFactory

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def examples():
    """(curl argv, expected status) for each ```sh block holding a curl command."""
    found = []
    for block in re.findall(r"```sh\n(.*?)```", DOC.read_text(), re.S):
        if "curl" not in block:
            continue
        status = int(re.search(r"# -> (\d{3})", block).group(1))
        command = block.split("# ->")[0].replace("\\\n", " ")
        found.append((command, status))
    return found


def run_curl(client, command, variables):
    for name, value in variables.items():
        command = command.replace(f"${name}", value)
    argv = shlex.split(command)
    assert argv[0] == "curl", argv
    method, headers, data, url = "GET", {}, None, None
    args = iter(argv[1:])
    for arg in args:
        if arg == "-X":
            method = next(args)
        elif arg == "-H":
            key, value = next(args).split(":", 1)
            headers["HTTP_" + key.strip().upper().replace("-", "_")] = value.strip()
        elif arg == "-d":
            data = next(args)
            method = method if method != "GET" else "POST"
        elif arg.startswith("-"):
            continue  # -s, -i
        else:
            url = arg
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    content_type = headers.pop("HTTP_CONTENT_TYPE", "application/json")
    if method == "GET":
        return client.get(path, **headers)
    return client.generic(method, path, data or "", content_type=content_type, **headers)


def test_examples_exist():
    assert len(examples()) >= 8


def test_every_curl_example_answers_as_documented(bob, nordic, journey, touchpoint):
    _, raw = services.api_token_create(actor=bob, organisation=nordic, name="docs")
    idea = IdeaFactory(touchpoint=touchpoint)
    action = ActionFactory(journey=journey, owner=bob)
    feedback_open(actor=bob, touchpoint=touchpoint)
    variables = {
        "BASE": "http://testserver/api/v1/orgs/nordic-air",
        "TOKEN": raw,
        "JOURNEY_ID": str(journey.pk),
        "STAGE_ID": str(touchpoint.stage_id),
        "TOUCHPOINT_ID": str(touchpoint.pk),
        "IDEA_ID": str(idea.pk),
        "ACTION_ID": str(action.pk),
        "DUE_ON": (datetime.date.today() + datetime.timedelta(days=30)).isoformat(),
        "SUBMISSION_ID": str(uuid.uuid4()),
        "YESTERDAY": (datetime.date.today() - datetime.timedelta(days=1)).isoformat(),
    }
    client = Client()
    for command, status in examples():
        response = run_curl(client, command, variables)
        assert response.status_code == status, (command, response.content[:300])
