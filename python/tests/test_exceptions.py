"""The exception classes, error_codes(), the package's exports and the .pyi declarations agree.

Keep in sync: core/src/error.rs (ErrorCode, which creates the classes), licstore/__init__.py
(imports and __all__) and licstore/_native.pyi (declarations).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import licstore
import licstore._native as native

PACKAGE = Path(licstore.__file__).parent


def stub_classes() -> dict[str, list[str]]:
    tree = ast.parse((PACKAGE / "_native.pyi").read_text(encoding="utf-8"))
    return {
        node.name: [ast.unparse(b) for b in node.bases]
        for node in tree.body
        if isinstance(node, ast.ClassDef)
    }


def test_one_class_per_code() -> None:
    codes = licstore.error_codes()
    assert codes["InvalidArgument"] == 1 and codes["CsvError"] == 7 and codes["CountViolation"] == 100
    assert list(codes.values()) == sorted(codes.values())
    assert len(set(codes.values())) == len(codes)
    for name, number in codes.items():
        cls = getattr(licstore, name)
        assert cls is getattr(native, name)
        assert issubclass(cls, licstore.LicstoreError)
        assert cls.__name__ == name and cls.__module__ == "licstore"
        assert (cls.code, cls.code_name) == (number, name)
        assert cls.__doc__ and cls.__doc__.endswith(".")


def test_package_exports_every_class() -> None:
    names = set(licstore.error_codes()) | {"LicstoreError"}
    assert names <= set(licstore.__all__)
    assert names <= set(native.__all__)
    assert set(licstore.__all__) == set(native.__all__)


def test_stub_declares_every_class_with_its_bases() -> None:
    stubs = stub_classes()
    assert stubs["LicstoreError"] == ["Exception"]
    declared = {n for n, bases in stubs.items() if bases and bases[0] == "LicstoreError"}
    assert declared == set(licstore.error_codes())
    for name in declared:
        runtime = [b.__name__ for b in getattr(licstore, name).__bases__]
        assert stubs[name] == runtime, name


def test_extra_bases() -> None:
    assert issubclass(licstore.InvalidArgument, ValueError)
    assert issubclass(licstore.NotFound, LookupError)
    assert issubclass(licstore.IoError, OSError)
    assert not issubclass(licstore.AlreadyExists, ValueError)


def test_errors_carry_their_code(store: licstore.Store) -> None:
    with pytest.raises(licstore.LicstoreError) as e:
        store.customer("nobody")
    assert type(e.value) is licstore.NotFound
    assert (e.value.code, e.value.code_name) == (2, "NotFound")


def test_classes_can_be_raised_and_caught_by_users() -> None:
    with pytest.raises(licstore.CountViolation):
        raise licstore.CountViolation("no units left")
    err = licstore.InvalidArgument("bad")
    assert str(err) == "bad" and err.code == 1
