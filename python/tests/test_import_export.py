"""Customer CSV import and export on real files."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

import licstore


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_import_then_export_round_trips(store: licstore.Store, tmp_path: Path) -> None:
    src = write(
        tmp_path / "customers.csv",
        "name,tenant_domain,default_usage_location\n"
        "Contoso,contoso.onmicrosoft.com,us\n"
        "Adatum,,DE\n",
    )
    report = store.import_customers(src)
    assert isinstance(report, licstore.ImportReport)
    assert (report.rows, report.inserted, report.updated, report.unchanged, report.rejected) == (2, 2, 0, 0, 0)
    assert report.errors == []
    assert repr(report) == "ImportReport(rows=2, inserted=2, updated=0, unchanged=0, rejected=0)"

    out = tmp_path / "out.csv"
    assert store.export_customers(out) == 2
    with out.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows == [
        ["name", "tenant_domain", "default_usage_location"],
        ["Adatum", "", "DE"],
        ["Contoso", "contoso.onmicrosoft.com", "US"],
    ]
    # Importing the export again changes nothing.
    again = store.import_customers(out)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 2)

    tsv = tmp_path / "out.tsv"
    assert store.export_customers(tsv, format="tsv") == 2
    assert tsv.read_text(encoding="utf-8").splitlines()[2] == "Contoso\tcontoso.onmicrosoft.com\tUS"
    assert store.import_customers(tsv, format="tsv").unchanged == 2

    jsonl = tmp_path / "out.jsonl"
    assert store.export_customers(jsonl, format="jsonl") == 2
    first = json.loads(jsonl.read_text(encoding="utf-8").splitlines()[0])
    assert first["name"] == "Adatum" and first["tenant_domain"] is None


def test_malformed_row_names_line_and_column_and_writes_nothing(
    store: licstore.Store, tmp_path: Path
) -> None:
    store.add_customer("Existing")
    before = (store.customers(), store.audit_log())
    src = write(
        tmp_path / "bad.csv",
        "name,tenant_domain,default_usage_location\n"
        "Contoso,contoso.onmicrosoft.com,US\n"
        "Adatum,,XX\n"
        "Fabrikam,,DE\n",
    )
    with pytest.raises(licstore.CsvError) as e:
        store.import_customers(src)
    err = e.value
    assert (err.file, err.line, err.column, err.value) == (str(src), 3, "default_usage_location", "XX")
    assert err.rejected == 1 and len(err.errors) == 1
    assert isinstance(err.errors[0], licstore.RowError)
    assert err.errors[0].line == 3 and err.errors[0].reason == err.reason
    assert str(err).startswith(f"{src}:3: column \"default_usage_location\": value \"XX\"")
    assert str(err.errors[0]) == str(err)
    assert (store.customers(), store.audit_log()) == before


def test_broken_records_are_rejected_with_their_line(store: licstore.Store, tmp_path: Path) -> None:
    src = write(
        tmp_path / "broken.csv",
        "name,tenant_domain,default_usage_location\n"
        "Contoso,contoso.onmicrosoft.com,US,extra\n"
        ",,DE\n",
    )
    with pytest.raises(licstore.CsvError) as e:
        store.import_customers(src)
    assert [x.line for x in e.value.errors] == [2, 3]
    assert e.value.rejected == 2
    assert store.customers() == []


def test_missing_header_column(store: licstore.Store, tmp_path: Path) -> None:
    src = write(tmp_path / "nohead.csv", "tenant_domain\ncontoso.onmicrosoft.com\n")
    with pytest.raises(licstore.CsvError) as e:
        store.import_customers(src)
    assert e.value.line == 1


def test_skip_invalid_applies_good_rows_and_writes_rejects(store: licstore.Store, tmp_path: Path) -> None:
    src = write(
        tmp_path / "mixed.csv",
        "name,tenant_domain,default_usage_location\n"
        "Contoso,contoso.onmicrosoft.com,US\n"
        "Adatum,,XX\n"
        "Fabrikam,,DE\n",
    )
    rejects = tmp_path / "rejects.csv"
    report = store.import_customers(src, mode="skip_invalid", rejects=rejects)
    assert (report.rows, report.inserted, report.rejected) == (3, 2, 1)
    assert [(r.line, r.column, r.value) for r in report.errors] == [(3, "default_usage_location", "XX")]
    assert [c.name for c in store.customers()] == ["Contoso", "Fabrikam"]
    with rejects.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 1 and rows[0]["name"] == "Adatum" and rows[0]["error_line"] == "3"


def test_bad_import_arguments(store: licstore.Store, tmp_path: Path) -> None:
    with pytest.raises(licstore.IoError) as e:
        store.import_customers(tmp_path / "missing.csv")
    assert isinstance(e.value, OSError)
    assert "missing.csv" in str(e.value)
    src = write(tmp_path / "c.csv", "name\nContoso\n")
    with pytest.raises(licstore.InvalidArgument, match="all_or_nothing"):
        store.import_customers(src, mode="best_effort")
    with pytest.raises(licstore.InvalidArgument):
        store.import_customers(src, format="jsonl")
    with pytest.raises(licstore.InvalidArgument):
        store.export_customers(tmp_path / "x.xml", format="xml")
    assert not (tmp_path / "x.xml").exists()
    with pytest.raises(licstore.IoError):
        store.export_customers(tmp_path / "no" / "such" / "dir.csv")
    assert store.customers() == []
