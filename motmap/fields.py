"""Helpers every app's services share for the fields they are given."""

from collections.abc import Iterable, Mapping

from django.db import models


def require_known(fields: Mapping[str, object], allowed: Iterable[str]) -> None:
    """TypeError naming each of `fields` that is not in `allowed`.

    A service is called by forms and serializers that offer only the fields it writes; a name
    outside them is a programming error, never a user's mistake, so it is not a ValidationError.
    """
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(", ".join(sorted(unknown)))


def max_length(model: type[models.Model], name: str) -> int:
    """The `max_length` of `model`'s field `name`, read from `_meta`: a text limit has one home,
    the model field, and the services, forms and serializers that check it read it there."""
    limit = getattr(model._meta.get_field(name), "max_length", None)
    if not isinstance(limit, int):
        raise TypeError(f"{model.__name__}.{name} has no max_length")
    return limit
