"""The workspace's e-mail wording: ``/v1/email-templates``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import ConfigDict, Field

from fluide.api.deps import FactoryDep, SessionDep, WorkspaceDep
from fluide.api.schemas import Input
from fluide.services import email_templates as service

router = APIRouter(prefix="/v1/email-templates", tags=["email templates"])
LangPath = Path(pattern=r"^(fr|en)$", description="The language of the wording: fr or en")


class EmailTemplateIn(Input):
    """Plain text; ``{task}`` is replaced by the task's name, and no other brace is allowed."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "subject": "{task} : était-ce facile ?",
                    "intro": "Bonjour,\n\nVous venez de {task} chez Boutique.",
                    "signature": "L'équipe Boutique",
                }
            ]
        },
    )
    subject: Annotated[str, Field(min_length=1, max_length=service.MAX_SUBJECT)]
    intro: Annotated[str, Field(max_length=service.MAX_TEXT)]
    signature: Annotated[str, Field(max_length=service.MAX_TEXT)]


@router.get(
    "",
    summary="The e-mail wording in French and English: the workspace's own, or the default",
)
def list_templates(ws: WorkspaceDep, session: SessionDep) -> dict[str, Any]:
    """``default: true`` marks the built-in wording (its subject depends on the question's
    polarity: "was it easy?" or "how much effort did it take?")."""
    return service.list_templates(session, ws)


@router.put("/{lang}", summary="Set the workspace's e-mail wording in one language")
def put_template(
    body: EmailTemplateIn, ws: WorkspaceDep, factory: FactoryDep, lang: str = LangPath
) -> dict[str, Any]:
    return service.save(
        factory, ws, lang, subject=body.subject, intro=body.intro, signature=body.signature
    )


@router.delete("/{lang}", summary="Go back to the default e-mail wording in one language")
def delete_template(ws: WorkspaceDep, factory: FactoryDep, lang: str = LangPath) -> dict[str, Any]:
    return service.reset(factory, ws, lang)
