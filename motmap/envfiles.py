"""Settings from files: NAME_FILE holds the path of a file whose content is NAME's value.

Docker and Kubernetes hand secrets to a container as files (`/run/secrets/...`); naming the file
instead of putting the secret itself into the environment keeps it out of `ps`, crash reports
and `docker inspect`. Every setting read through `FileAwareEnv` accepts this form. The value is
the file's content without its trailing line break (`echo secret > file` adds one). Giving both
NAME and NAME_FILE, or a file that cannot be read, stops the start with a message that says so.
"""

import os
from collections.abc import Iterator, MutableMapping

import environ
from django.core.exceptions import ImproperlyConfigured

SUFFIX = "_FILE"


class FileAwareMapping(MutableMapping):
    """os.environ, where a key is also found through KEY_FILE (read when asked for: settings
    ask once, at start)."""

    def __init__(self, env: MutableMapping[str, str] | None = None) -> None:
        self.env = os.environ if env is None else env

    def __getitem__(self, key: str) -> str:
        path = self.env.get(key + SUFFIX)
        if not path:
            return self.env[key]
        if key in self.env:
            raise ImproperlyConfigured(
                f"Both {key} and {key}{SUFFIX} are set: give only one of them."
            )
        try:
            with open(path, encoding="utf-8") as handle:
                value = handle.read()
        except (OSError, UnicodeError) as exc:
            raise ImproperlyConfigured(
                f"{key}{SUFFIX} names {path}, which cannot be read: {exc}"
            ) from None
        return value.rstrip("\r\n")

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and (key in self.env or bool(self.env.get(key + SUFFIX)))

    def __iter__(self) -> Iterator[str]:
        seen = set()
        for key in list(self.env):
            for name in (key, key.removesuffix(SUFFIX) if key.endswith(SUFFIX) else None):
                if name and name not in seen:
                    seen.add(name)
                    yield name

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __setitem__(self, key: str, value: str) -> None:
        self.env[key] = value

    def __delitem__(self, key: str) -> None:
        del self.env[key]


class FileAwareEnv(environ.Env):
    """django-environ's Env, reading NAME_FILE wherever NAME is asked for."""

    ENVIRON = FileAwareMapping()
