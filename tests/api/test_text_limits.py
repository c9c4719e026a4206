"""Text limits have one home, the model field: the API's serializers and forms, the token and
webhook forms and services read it from there (`Model._meta.get_field(name).max_length`)."""

import ast
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from api import serializers as s
from api import services as api_services
from api.forms import ApiTokenForm
from api.models import ApiToken
from api.reviews import ActionFilter
from ideas.models import Comment, Idea
from journeys.models import Journey, Stage
from reviews.models import Action
from touchpoints.models import Touchpoint
from webhooks import delivery, services, urlcheck
from webhooks.forms import EndpointForm
from webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEventOnce

ROOT = Path(__file__).resolve().parents[2]


def limit(model, name):
    return model._meta.get_field(name).max_length


@pytest.mark.parametrize(
    "serializer,field,model,model_field",
    [
        (s.JourneySerializer, "name", Journey, "name"),
        (s.JourneySerializer, "description", Journey, "description"),
        (s.JourneySerializer, "segment", Journey, "segment"),
        (s.StageSerializer, "name", Stage, "name"),
        (s.TouchpointSerializer, "name", Touchpoint, "name"),
        (s.TouchpointSerializer, "moment", Touchpoint, "moment"),
        (s.TouchpointSerializer, "desired_outcome", Touchpoint, "desired_outcome"),
        (s.TouchpointSerializer, "customer_wants", Touchpoint, "customer_wants"),
        (s.TouchpointSerializer, "frontline_role", Touchpoint, "frontline_role"),
        (s.IdeaSerializer, "title", Idea, "title"),
        (s.IdeaSerializer, "today", Idea, "today"),
        (s.IdeaSerializer, "proposal", Idea, "proposal"),
        (s.IdeaStatusSerializer, "note", Idea, "decision_note"),
        (s.CommentSerializer, "body", Comment, "body"),
        (s.ActionSerializer, "title", Action, "title"),
    ],
)
def test_serializer_limits_are_the_model_fields(serializer, field, model, model_field):
    assert serializer().fields[field].max_length == limit(model, model_field) is not None


def test_form_and_service_limits_are_the_model_fields():
    assert ApiTokenForm().fields["name"].max_length == limit(ApiToken, "name")
    assert api_services.NAME_MAX == limit(ApiToken, "name")
    assert EndpointForm().fields["description"].max_length == limit(WebhookEndpoint, "description")
    assert EndpointForm().fields["url"].max_length == limit(WebhookEndpoint, "url")
    assert urlcheck.MAX_URL_LENGTH == limit(WebhookEndpoint, "url")
    assert services.DESCRIPTION_MAX == limit(WebhookEndpoint, "description")
    assert services.REASON_MAX == delivery.REASON_MAX == limit(WebhookEndpoint, "disabled_reason")
    assert services.ONCE_KEY_MAX == limit(WebhookEventOnce, "key")
    assert delivery.ERROR_MAX == limit(WebhookDelivery, "last_error")
    owner = ActionFilter.base_filters["owner"].extra["max_length"]
    assert owner == limit(get_user_model(), "email")


@pytest.mark.django_db
def test_a_token_name_over_the_limit_is_refused_with_the_limit(alice, nordic):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        api_services.api_token_create(
            actor=alice, organisation=nordic, name="x" * (api_services.NAME_MAX + 1)
        )
    assert f"under {api_services.NAME_MAX} characters" in str(error.value)


TEXT_FIELDS = {"CharField", "EmailField", "URLField", "CharFilter"}


@pytest.mark.parametrize(
    "path", ["api/serializers.py", "api/forms.py", "api/reviews.py", "webhooks/forms.py"]
)
def test_no_text_limit_is_written_as_a_number(path):
    tree = ast.parse((ROOT / path).read_text())
    literal = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and getattr(node.func, "attr", getattr(node.func, "id", None)) in TEXT_FIELDS
        for keyword in node.keywords
        if keyword.arg == "max_length" and isinstance(keyword.value, ast.Constant)
    ]
    assert not literal, f"{path}: max_length written as a number on lines {literal}"
