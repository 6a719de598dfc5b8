"""Every setting of `fluide.settings.Settings` is documented, so a new one cannot hide."""

from __future__ import annotations

from pathlib import Path

from fluide.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_every_fluide_setting_is_named_in_the_docs() -> None:
    text = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "docs").rglob("*.md"))
    variables = {f"FLUIDE_{name.upper()}" for name in Settings.model_fields}
    missing = sorted(v for v in variables if f"`{v}`" not in text)
    assert not missing, f"not in docs/*.md (write them in docs/settings.md): {missing}"
