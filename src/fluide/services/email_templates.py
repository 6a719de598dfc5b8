"""A workspace's own e-mail wording, per language; the built-in wording otherwise.

A template has a subject, an intro (greeting and first sentence) and a
signature, all plain text, each of which may name the task with the
``{task}`` placeholder ("{task} : était-ce facile ?"); any other brace is
refused, so a typo never reaches a customer as ``{tache}``. The question, the
scale, the comment link and the opt-out link are always added by Fluide.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from fluide.channels.email import TASK, default_intro, default_signature, default_subject
from fluide.i18n import N_, SUPPORTED_LANGS, check_lang
from fluide.services.errors import ServiceError
from fluide.storage import repo
from fluide.storage.db import write_session
from fluide.storage.models import EmailTemplate, Workspace
from fluide.storage.types import new_id, utcnow

MAX_SUBJECT = 200
MAX_TEXT = 2000
_LIMITS = {"subject": MAX_SUBJECT, "intro": MAX_TEXT, "signature": MAX_TEXT}


def template_for(s: Session, workspace_id: str, lang: str) -> EmailTemplate | None:
    """The workspace's template in ``lang``, or ``None`` for the built-in wording."""
    return repo.email_template(s, workspace_id, lang)


def _sender(ws: Workspace) -> str:
    return ws.sender_name or ws.name


def _entry(ws: Workspace, lang: str, row: EmailTemplate | None) -> dict[str, Any]:
    if row is None:
        return {
            "lang": lang,
            "default": True,
            "subject": default_subject(lang, "ease"),
            "intro": default_intro(lang, _sender(ws)),
            "signature": default_signature(lang, _sender(ws)),
            "updated_at": None,
        }
    return {
        "lang": lang,
        "default": False,
        "subject": row.subject,
        "intro": row.intro,
        "signature": row.signature,
        "updated_at": row.updated_at.isoformat(),
    }


def list_templates(s: Session, ws: Workspace) -> dict[str, Any]:
    """The wording used in each language, flagged ``default`` when it is the built-in one."""
    return {
        "templates": [_entry(ws, lang, template_for(s, ws.id, lang)) for lang in SUPPORTED_LANGS]
    }


def _invalid(message: str, field: str, **params: int) -> ServiceError:
    return ServiceError(
        "invalid_template", message, details={"field": field}, field=field, **params
    )


def _clean(field: str, value: str) -> str:
    """``value`` checked for ``field``: length, characters, placeholders."""
    text = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise _invalid(
            N_("The %(field)s contains characters that cannot be shown in an e-mail."), field
        ) from None
    allowed = ("\t",) if field == "subject" else ("\n", "\t")
    if any((ord(c) < 32 and c not in allowed) or ord(c) == 127 for c in text):
        if field == "subject" and "\n" in text:
            raise _invalid(N_("The subject must fit on one line."), field)
        raise _invalid(
            N_("The %(field)s contains characters that cannot be shown in an e-mail."), field
        )
    if len(text) > _LIMITS[field]:
        raise _invalid(
            N_("The %(field)s is too long: %(length)s characters, at most %(max)s."),
            field,
            length=len(text),
            max=_LIMITS[field],
        )
    if field == "subject" and not text:
        raise _invalid(N_("The subject cannot be empty."), field)
    rest = text.replace(TASK, "")
    if "{" in rest or "}" in rest:
        raise _invalid(
            N_(
                "The %(field)s may only contain the {task} placeholder (the task's name); "
                "remove or fix the other braces."
            ),
            field,
        )
    return text


def save(
    factory: sessionmaker[Session],
    ws: Workspace,
    lang: str,
    *,
    subject: str,
    intro: str,
    signature: str,
) -> dict[str, Any]:
    """Set the workspace's wording in ``lang`` (replacing any earlier one)."""
    check_lang(lang)
    fields = {
        "subject": _clean("subject", subject),
        "intro": _clean("intro", intro),
        "signature": _clean("signature", signature),
    }
    for attempt in (1, 2):
        try:
            with write_session(factory) as s:
                row = template_for(s, ws.id, lang)
                if row is None:
                    row = EmailTemplate(id=new_id("tpl"), workspace_id=ws.id, locale=lang)
                    s.add(row)
                row.subject = fields["subject"]
                row.intro = fields["intro"]
                row.signature = fields["signature"]
                row.updated_at = utcnow()
                s.flush()
                return _entry(ws, lang, row)
        except IntegrityError:
            if attempt == 2:
                raise
            # Another request created it in between: update that one.
    raise AssertionError("unreachable")  # pragma: no cover


def reset(factory: sessionmaker[Session], ws: Workspace, lang: str) -> dict[str, Any]:
    """Back to the built-in wording in ``lang`` (nothing to do if it already is)."""
    check_lang(lang)
    with write_session(factory) as s:
        row = template_for(s, ws.id, lang)
        if row is not None:
            s.delete(row)
    return _entry(ws, lang, None)
