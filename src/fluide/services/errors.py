"""Errors a use case reports to its caller, in one shape for every API error."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from pydantic import BaseModel

from fluide.i18n import N_


class ServiceError(Exception):
    """A refusal with a stable ``code``, an HTTP ``status``, and a message.

    ``message`` is an English msgid with ``%(name)s`` placeholders filled from
    ``params``, translated when shown (``Accept-Language``).
    """

    def __init__(
        self,
        code: str,
        message: str,
        *,
        status: int = 422,
        details: Any = None,
        **params: object,
    ) -> None:
        super().__init__(message % params if params else message)
        self.code = code
        self.message = message
        self.status = status
        self.details = details
        self.params = params


def not_found(message: str, value: str) -> ServiceError:
    """A 404 whose ``message`` (a msgid) names the missing thing with ``%(value)s``."""
    return ServiceError("not_found", message, status=404, value=value)


def patch_changes(patch: BaseModel, nullable: tuple[str, ...] = ()) -> dict[str, Any]:
    """The fields a PATCH body sets; a field set to ``null`` is refused (it cannot be emptied),
    except the ``nullable`` ones (``null`` means their default)."""
    changes = patch.model_dump(exclude_unset=True)
    nulls = [k for k, v in changes.items() if v is None and k not in nullable]
    if nulls:
        raise ServiceError(
            "invalid_patch", "These fields cannot be emptied: %(fields)s.", fields=", ".join(nulls)
        )
    return changes


def invalid(field: str, message: str, /, **params: Any) -> ServiceError:
    """A 422 in the shape of request validation errors, naming the parameter."""
    problem = message % params if params else message
    details = [{"field": field, "problem": problem, "type": "value_error"}]
    return ServiceError("invalid", message, details=details, **params)


def check_groupings(by: Sequence[str], allowed: Collection[str]) -> None:
    """A 422 on ``by`` naming the first grouping not in ``allowed``."""
    for name in by:
        if name not in allowed:
            raise invalid(
                "by",
                N_("Unknown grouping %(value)s; allowed: %(allowed)s."),
                value=str(name)[:64],
                allowed=", ".join(allowed),
            )
