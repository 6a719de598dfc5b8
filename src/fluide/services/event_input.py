"""What the decision path reads of an event, without depending on the HTTP model.

``fluide.inputs.requests.EventIn`` (the API's body) fits these protocols, and so
does any object with the same read-only attributes (the demo's, a test's).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol


class UserInput(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def email(self) -> str | None: ...
    @property
    def locale(self) -> str | None: ...
    @property
    def attributes(self) -> dict[str, Any]: ...


class EventInput(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def occurred_at(self) -> datetime: ...
    @property
    def user(self) -> UserInput: ...
    @property
    def outcome(self) -> str | None: ...
    @property
    def channel(self) -> str | None: ...
    @property
    def properties(self) -> dict[str, Any]: ...
