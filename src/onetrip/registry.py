"""One kind of plugin point for every app: a ``Registry`` of entries under unique ids.

- ids are unique: adding a different entry under an id already taken raises ``DuplicateId``
  (adding the same entry again, or an equal one, is harmless, so a module imported twice is
  fine);
- entries keep their order (``first=True`` puts one in front);
- a ``check`` hook, given to the registry, vets each entry as it is added (a wrong entry fails
  at start-up, not at the first request that uses it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from django.core.exceptions import ImproperlyConfigured

T = TypeVar("T")


class DuplicateId(ImproperlyConfigured):
    pass


class Registry(Generic[T]):
    def __init__(self, name: str, *, check: Callable[[str, T], None] | None = None) -> None:
        self.name = name
        self._check = check
        self._entries: dict[str, T] = {}

    def add(self, id: str, entry: T, *, first: bool = False) -> T:
        if not id:
            raise ImproperlyConfigured(f"{self.name}: an entry needs an id")
        if id in self._entries:
            if self._entries[id] is entry or self._entries[id] == entry:
                return self._entries[id]
            raise DuplicateId(f"{self.name}: the id {id!r} is taken")
        if self._check is not None:
            self._check(id, entry)
        if first:
            self._entries = {id: entry, **self._entries}
        else:
            self._entries[id] = entry
        return entry

    def register(self, id: str, *, first: bool = False) -> Callable[[T], T]:
        """``add`` as a decorator."""

        def wrap(entry: T) -> T:
            return self.add(id, entry, first=first)

        return wrap

    def remove(self, id: str) -> None:
        self._entries.pop(id, None)

    def get(self, id: str) -> T:
        try:
            return self._entries[id]
        except KeyError:
            raise LookupError(f"{self.name}: no entry {id!r}") from None

    def find(self, id: str) -> T | None:
        """The entry under ``id``, or None."""
        return self._entries.get(id)

    def items(self) -> list[tuple[str, T]]:
        return list(self._entries.items())

    def ids(self) -> list[str]:
        return list(self._entries)

    def __contains__(self, id: object) -> bool:
        return id in self._entries

    def __iter__(self) -> Iterator[T]:
        return iter(list(self._entries.values()))

    def __len__(self) -> int:
        return len(self._entries)
