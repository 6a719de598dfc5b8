from __future__ import annotations

from pathlib import Path

import pytest

from fluide.ingest.errors import InputError
from fluide.tagging.files import read_examples, read_texts


def write(tmp_path: Path, text: str, name: str = "f.csv") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_texts_keep_row_order_multiline_fields_and_empty_cells(tmp_path: Path) -> None:
    p = write(tmp_path, 'id,comment\n1,"deux\nlignes"\n2,\n3,trois\n')
    assert read_texts(p) == ["deux\nlignes", "", "trois"]


def test_text_column_is_required(tmp_path: Path) -> None:
    p = write(tmp_path, "id,avis\n1,x\n")
    with pytest.raises(InputError) as e:
        read_texts(p)
    assert "text or comment" in e.value.message
    assert e.value.params["columns"] == "id, avis"


def test_examples_report_every_bad_key_with_its_line(tmp_path: Path) -> None:
    p = write(tmp_path, 'text,tags\nok,delay\n"a\nb",Bad Key\nfine,\n,delay\nz,a|b-c\n')
    with pytest.raises(InputError) as e:
        read_examples(p)
    lines = [(x.line, x.field, x.kind) for x in e.value.problems]
    assert lines == [(3, "tags", "bad_value"), (6, "text", "empty"), (7, "tags", "bad_value")]


def test_examples_tags_column_is_required(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="tags"):
        read_examples(write(tmp_path, "text\nx\n"))


def test_examples_empty_tags_mean_no_tag(tmp_path: Path) -> None:
    (ex,) = read_examples(write(tmp_path, "text,tags\nMerci,\n"))
    assert ex.tags == frozenset()
