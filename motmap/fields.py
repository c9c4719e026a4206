"""Helpers every app's services share for the fields they are given."""

from collections.abc import Iterable, Mapping


def require_known(fields: Mapping[str, object], allowed: Iterable[str]) -> None:
    """TypeError naming each of `fields` that is not in `allowed`.

    A service is called by forms and serializers that offer only the fields it writes; a name
    outside them is a programming error, never a user's mistake, so it is not a ValidationError.
    """
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(", ".join(sorted(unknown)))
