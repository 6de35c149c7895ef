"""Code-shaped input: what counts as a code and in which systems it could be."""

from __future__ import annotations

import pytest

from medcode.search import codes


@pytest.mark.parametrize(
    ("query", "norm"),
    [
        ("e114", "E114"),
        ("S72.0", "S720"),
        ("j2680", "J2680"),
        ("j 3420", "J3420"),
        ("E11.-", "E11"),
        ("0DTJ4ZZ", "0DTJ4ZZ"),
        ("99213", "99213"),
        ("diabetes", None),
        ("type 2 diabetes", None),
        ("", None),
        ("a b c", None),
    ],
)
def test_code_norm(query: str, norm: str | None) -> None:
    assert codes.code_norm(query) == norm


def test_systems_for_shapes() -> None:
    assert "icd10cm" in codes.systems_for("E114")
    assert "hcpcs" in codes.systems_for("J2680")
    assert codes.systems_for("0DTJ4ZZ") == ["icd10pcs"]
