"""Warnings attached to a result: a stable code plus its parameters.

The domain never writes prose: renderers turn a code into French or English
text through the message catalogue (`fluide.messages`).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Notice:
    code: str
    params: dict[str, object] = field(default_factory=dict)
