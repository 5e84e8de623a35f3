#!/usr/bin/env python3
"""Issue 5's import comparison, side by side: licstore's canonical assignments import against the
sqlite3 shell's `.import` and pandas (`read_csv` + `to_sql`) into one flat table with a unique
index on (UPN, SKU), and licstore's CSV export of the `subscriber_licenses` view against
`sqlite3 -csv` of the same query.

It also measures a floor: the sqlite3 shell storing the import's normalized rows (users, their
assignments; and, in a second variant, the history rows too) in the store's real tables, with
licstore's connection settings, from a staging database prepared beforehand (not timed; see
benches/sqlite_floor_stage.sql and benches/sqlite_floor.sql): no parsing, no validation, rows in
key order, secondary indexes built after the rows. What the import does beyond that is its own
cost; what the floor takes, no importer into these tables can avoid.

    python3 benches/compare_import.py [--sizes 10000,100000,1000000] [--repeat N]

(`make bench-import`). It builds the release example `import_compare` (generator and licstore
runner), creates a venv with pandas under target/ when needed, and needs the sqlite3 shell
(installed with apt-get when missing and running as root). Every run is a separate process
measured by /usr/bin/time (wall time, CPU time, peak resident memory); each figure is the
median of --repeat runs. The 1-minute load average is printed with every size: the machine may
be shared, and wall times are only comparable within one size.
"""

import argparse
import csv
import itertools
import json
import os
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "target" / "bench-import"
VENV = ROOT / "target" / "bench-venv"
EXAMPLE = ROOT / "target" / "release" / "examples" / "import_compare"

FLAT_SCHEMA = (
    "CREATE TABLE assignments(customer TEXT, user_principal_name TEXT, display_name TEXT, "
    "usage_location TEXT, sku TEXT, assigned_at TEXT, expires_at TEXT);\n"
    "CREATE UNIQUE INDEX assignments_upn_sku ON assignments(user_principal_name, sku);\n"
)

PANDAS_SCRIPT = """
import sqlite3, sys
import pandas as pd
csv_path, db_path, schema = sys.argv[1], sys.argv[2], sys.argv[3]
con = sqlite3.connect(db_path)
con.executescript(schema)
df = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
df.to_sql("assignments", con, if_exists="append", index=False)
con.commit()
con.close()
"""

EXPORT_SQL = "SELECT * FROM subscriber_licenses"

FLOOR_STAGE_SQL = ROOT / "benches" / "sqlite_floor_stage.sql"
FLOOR_SQL = ROOT / "benches" / "sqlite_floor.sql"
FLOOR = "sqlite3 floor (normalized rows only)"
FLOOR_HISTORY = "sqlite3 floor (+ history rows)"


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def timed(cmd, stdin=None, stdout=None):
    """Runs cmd under /usr/bin/time; returns (wall s, cpu s, peak RSS MB, its stdout text)."""
    fmt = "%e %U %S %M"
    tfile = WORK / "time.txt"
    with open(stdin, "rb") if stdin else open(os.devnull, "rb") as fin:
        out = open(stdout, "wb") if stdout else subprocess.PIPE
        p = subprocess.run(
            ["/usr/bin/time", "-f", fmt, "-o", str(tfile)] + cmd,
            stdin=fin,
            stdout=out,
            stderr=subprocess.PIPE,
        )
        if stdout:
            out.close()
    if p.returncode != 0:
        sys.exit(f"{cmd[0]} failed: {p.stderr.decode(errors='replace')[-2000:]}")
    wall, user, sys_, rss = tfile.read_text().split()[-4:]
    text = p.stdout.decode() if not stdout else ""
    return float(wall), float(user) + float(sys_), int(rss) / 1024, text


def ensure_tools():
    if shutil.which("sqlite3") is None:
        if os.geteuid() == 0 and shutil.which("apt-get"):
            run(["apt-get", "install", "-y", "-q", "sqlite3"], stdout=subprocess.DEVNULL)
        else:
            sys.exit("the sqlite3 shell is needed: apt-get install sqlite3")
    if not Path("/usr/bin/time").exists():
        if os.geteuid() == 0 and shutil.which("apt-get"):
            run(["apt-get", "install", "-y", "-q", "time"], stdout=subprocess.DEVNULL)
        else:
            sys.exit("/usr/bin/time is needed: apt-get install time")
    py = VENV / "bin" / "python"
    if not py.exists() or subprocess.run([py, "-c", "import pandas"]).returncode != 0:
        run([sys.executable, "-m", "venv", str(VENV)])
        run([py, "-m", "pip", "install", "--quiet", "pandas"])
    run(
        ["cargo", "build", "--locked", "--release", "-q", "-p", "licstore-benches",
         "--example", "import_compare"],
        cwd=ROOT,
    )
    return py


def fresh(path):
    for suffix in ("", "-wal", "-shm", "-journal"):
        p = Path(str(path) + suffix)
        if p.exists():
            p.unlink()


def same_rows(a, b):
    """Whether two CSV files hold the same rows (quoting and line endings aside)."""
    with open(a, newline="") as fa, open(b, newline="") as fb:
        return all(x == y for x, y in itertools.zip_longest(csv.reader(fa), csv.reader(fb)))


def median_of(runs):
    return tuple(statistics.median(r[i] for r in runs) for i in range(3))


def store_indexes(store, tables):
    """The store's own secondary indexes of `tables`, as (name, CREATE statement), read from its
    sqlite_schema (the UNIQUE constraints' automatic indexes are not among them: they stay)."""
    con = sqlite3.connect(store)
    try:
        marks = ",".join("?" * len(tables))
        return con.execute(
            "SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL "
            f"AND tbl_name IN ({marks}) ORDER BY tbl_name DESC, name",
            tables,
        ).fetchall()
    finally:
        con.close()


def floor_runs(n, repeat, template, flat):
    """The sqlite3 floor, without and with the history rows: {name: (wall, cpu, MB)} and each
    variant's per-statement wall times (the median run's)."""
    stage = WORK / "floor-stage.db"
    fresh(stage)
    store = WORK / "floor.licstore"
    # (The template is only ever read through copies: a read-only connection to a WAL database
    # leaves its -wal and -shm files behind.)
    fresh(store)
    shutil.copy(template, store)
    script = WORK / "floor-stage.sql"
    script.write_text(
        FLOOR_STAGE_SQL.read_text().replace("@FLAT@", str(flat)).replace("@STORE@", str(store))
    )
    with open(script, "rb") as fin:
        run(["sqlite3", str(stage)], stdin=fin, stdout=subprocess.DEVNULL)
    results, breakdown = {}, {}
    for name, history in [(FLOOR, False), (FLOOR_HISTORY, True)]:
        tables = ["subscriber", "assignment"] + (["assignment_interval"] if history else [])
        fresh(store)
        shutil.copy(template, store)
        indexes = store_indexes(store, tables)
        lines = []
        for line in FLOOR_SQL.read_text().replace("@STAGE@", str(stage)).splitlines():
            if "@HISTORY@" in line:
                if not history:
                    continue
                line = line.replace(" @HISTORY@", "")
            if line == "@CREATE_INDEXES@":
                lines.extend(sql + ";" for _, sql in indexes)
                continue
            lines.append(line)
        timed_sql = WORK / ("floor-history.sql" if history else "floor.sql")
        timed_sql.write_text("\n".join(lines) + "\n")
        labels = ["BEGIN", "INSERT subscriber", "INSERT assignment"]
        labels += ["INSERT assignment_interval"] if history else []
        labels += [f"CREATE INDEX {i}" for i, _ in indexes] + ["COMMIT"]
        runs = []
        for _ in range(repeat):
            fresh(store)
            shutil.copy(template, store)
            drops = "".join(f'DROP INDEX "{i}";' for i, _ in indexes)
            run(["sqlite3", str(store), drops])
            w, c, m, out = timed(["sqlite3", str(store)], stdin=timed_sql)
            steps = [float(x) for x in re.findall(r"Run Time: real ([0-9.]+)", out)]
            if len(steps) != len(labels):
                sys.exit(f"sqlite3 floor: {len(steps)} timed statements, expected {len(labels)}")
            con = sqlite3.connect(store)
            got = con.execute("SELECT count(*) FROM assignment").fetchone()[0]
            hist = con.execute("SELECT count(*) FROM assignment_interval").fetchone()[0]
            con.close()
            if got != n or hist != (n if history else 0):
                sys.exit(f"sqlite3 floor stored {got} assignments, {hist} history rows (of {n})")
            runs.append((w, c, m, dict(zip(labels, steps))))
        runs.sort(key=lambda r: r[0])
        results[name] = median_of([r[:3] for r in runs])
        breakdown[name] = runs[len(runs) // 2][3]
    fresh(store)
    fresh(stage)
    return results, breakdown


def bench_size(n, repeat, py):
    csv_path = WORK / f"assignments-{n}.csv"
    run([EXAMPLE, "gen", str(n), csv_path])
    template = WORK / f"prepared-{n}.licstore"
    fresh(template)
    run([EXAMPLE, "prepare", template, str(n)])
    store = WORK / "store.licstore"
    flat = WORK / "flat.db"
    results = {}

    runs = []
    for _ in range(repeat):
        fresh(store)
        shutil.copy(template, store)
        w, c, m, out = timed([str(EXAMPLE), "import", str(store), str(csv_path)])
        if f"inserted {n}" not in out:
            sys.exit(f"licstore import did not insert {n} rows: {out}")
        runs.append((w, c, m))
    results["licstore import"] = median_of(runs)

    script = WORK / "flat.sql"
    script.write_text(FLAT_SCHEMA + f".import --csv --skip 1 {csv_path} assignments\n")
    runs = []
    for _ in range(repeat):
        fresh(flat)
        runs.append(timed(["sqlite3", str(flat)], stdin=script)[:3])
    results["sqlite3 .import"] = median_of(runs)
    floor, breakdown = floor_runs(n, repeat, template, flat)

    runs = []
    for _ in range(repeat):
        fresh(flat)
        runs.append(timed([str(py), "-c", PANDAS_SCRIPT, str(csv_path), str(flat), FLAT_SCHEMA])[:3])
    results["pandas read_csv + to_sql"] = median_of(runs)

    # Exports of the store the last licstore import left.
    ours, theirs = WORK / "export-licstore.csv", WORK / "export-sqlite3.csv"
    runs = []
    for _ in range(repeat):
        runs.append(timed([str(EXAMPLE), "export", str(store), str(ours)])[:3])
    results["licstore export"] = median_of(runs)
    runs = []
    for _ in range(repeat):
        runs.append(timed(["sqlite3", "-csv", "-header", str(store), EXPORT_SQL], stdout=theirs)[:3])
    results["sqlite3 -csv export"] = median_of(runs)
    same = same_rows(ours, theirs)
    results.update(floor)
    load = os.getloadavg()[0]
    return results, breakdown, same, load


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    py = ensure_tools()
    report = {}
    for n in [int(s) for s in args.sizes.split(",")]:
        repeat = args.repeat if n < 1_000_000 else max(1, min(args.repeat, 2))
        res, breakdown, same, load = bench_size(n, repeat, py)
        report[n] = {
            "results": res,
            "floor_statements_wall_s": breakdown,
            "exports_identical": same,
            "load": load,
        }
        print(f"\n{n:,} rows (median of {repeat}; 1-min load average {load:.1f})")
        print(f"{'':38} {'wall s':>8} {'CPU s':>8} {'peak MB':>8} {'wall vs licstore':>17}")
        base = res["licstore import"][0]
        for name in ["licstore import", "sqlite3 .import", "pandas read_csv + to_sql", FLOOR,
                     FLOOR_HISTORY]:
            w, c, m = res[name]
            print(f"{name:38} {w:8.2f} {c:8.2f} {m:8.0f} {w / base:16.2f}x")
        base = res["licstore export"][0]
        for name in ["licstore export", "sqlite3 -csv export"]:
            w, c, m = res[name]
            print(f"{name:38} {w:8.2f} {c:8.2f} {m:8.0f} {w / base:16.2f}x")
        for name, steps in breakdown.items():
            print(f"{name}, by statement (wall s): "
                  + ", ".join(f"{k} {v:.2f}" for k, v in steps.items()))
        print(f"exports hold the same rows: {same}")
    (WORK / "results.json").write_text(json.dumps(report, indent=2))
    print(f"\nresults: {WORK / 'results.json'}")


if __name__ == "__main__":
    main()
