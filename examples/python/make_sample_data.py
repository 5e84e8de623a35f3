"""Writes data/m365-users-export.csv: a Microsoft 365 admin center "Export users" file with the
real 29-column header (tests/data) and synthetic users, for examples/audit.ipynb.

Run from this folder: ``python make_sample_data.py``. The output is committed; rerunning it gives
the same bytes.
"""

from __future__ import annotations

import csv
from pathlib import Path

HERE = Path(__file__).parent
HEADER = (HERE.parent.parent / "python" / "tests" / "data" / "m365-admin-export-users-header.csv")
DEPARTMENTS = ["Sales", "Finance", "IT", "Research", "Legal"]
COUNTRIES = ["US", "US", "GB", "DE", "FR"]


def main() -> None:
    names = HEADER.read_text(encoding="utf-8-sig").strip().split(",")
    out = HERE / "data" / "m365-users-export.csv"
    with out.open("w", encoding="utf-8-sig", newline="") as f:
        f.write(",".join(names) + "\n")
        w = csv.writer(f, lineterminator="\n")
        for i in range(24):
            row = {
                "Display name": f"User {i:02d}",
                "User principal name": f"user{i:02d}@contoso.com",
                "Department": DEPARTMENTS[i % len(DEPARTMENTS)],
                "Usage location": COUNTRIES[i % len(COUNTRIES)],
                "When created": f"2024-0{1 + i % 5}-1{i % 10} 09:00:00Z",
                "Block credential": "False",
                "DirSyncEnabled": "True",
                "Licenses": "Office 365 E5" if i < 18 else "Unlicensed",
            }
            w.writerow([row.get(n, "") for n in names])


if __name__ == "__main__":
    main()
