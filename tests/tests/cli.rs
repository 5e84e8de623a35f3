//! End-to-end tests of the `licstore` command line: the real binary on real files.
//!
//! The binary is found next to this test's own target directory and rebuilt first with the same
//! cargo (a no-op when it is fresh): `cargo test` does not build a workspace member's binary for
//! another package's tests, and a stale binary would test old code. Set `LICSTORE_BIN` to test a
//! binary built elsewhere.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use serde_json::Value as Json;

fn build_binary() -> PathBuf {
    if let Some(p) = std::env::var_os("LICSTORE_BIN") {
        return PathBuf::from(p);
    }
    // target/<profile>/deps/integration-<hash>
    let exe = std::env::current_exe().expect("the test knows its own path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("the test binary lives in target/<profile>/deps");
    let target_dir = profile_dir.parent().expect("target/<profile> has a parent");
    let profile = match profile_dir.file_name().and_then(|n| n.to_str()) {
        Some("debug") | None => "dev".to_string(),
        Some(p) => p.to_string(),
    };
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.toml");
    let status = Command::new(cargo)
        .args([
            "build",
            "--quiet",
            "--locked",
            "-p",
            "licstore-cli",
            "--bin",
            "licstore",
        ])
        .arg("--profile")
        .arg(&profile)
        .arg("--manifest-path")
        .arg(&manifest)
        .arg("--target-dir")
        .arg(target_dir)
        .status()
        .expect("cargo runs");
    assert!(status.success(), "building the licstore binary failed");
    let bin = profile_dir.join(format!("licstore{}", std::env::consts::EXE_SUFFIX));
    assert!(bin.is_file(), "{} was not built", bin.display());
    bin
}

fn binary() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(build_binary)
}

/// One run of the binary.
#[derive(Debug)]
pub(crate) struct Run {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Run {
    fn from(o: Output) -> Run {
        Run {
            code: o.status.code().expect("exited, not killed"),
            stdout: String::from_utf8(o.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(o.stderr).expect("stderr is UTF-8"),
        }
    }

    #[track_caller]
    pub(crate) fn ok(self) -> Run {
        assert_eq!(self.code, 0, "expected success: {self:#?}");
        assert!(
            self.stderr.is_empty(),
            "success writes nothing to stderr: {self:#?}"
        );
        self
    }

    #[track_caller]
    pub(crate) fn fails(self, code: i32) -> Run {
        assert_eq!(self.code, code, "exit code: {self:#?}");
        assert!(
            self.stdout.is_empty(),
            "a failure prints no result: {self:#?}"
        );
        assert!(
            self.stderr.starts_with("licstore: error: "),
            "errors start with `licstore: error: `: {self:#?}"
        );
        assert!(!self.stderr.contains("panicked"), "{self:#?}");
        self
    }

    pub(crate) fn json(&self) -> Vec<serde_json::Map<String, Json>> {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("{e}: {}", self.stdout))
    }

    pub(crate) fn csv(&self, delimiter: u8) -> (Vec<String>, Vec<Vec<String>>) {
        let mut r = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .from_reader(self.stdout.as_bytes());
        let header = r.headers().unwrap().iter().map(String::from).collect();
        let rows = r
            .records()
            .map(|rec| rec.unwrap().iter().map(String::from).collect())
            .collect();
        (header, rows)
    }
}

/// A scratch directory with a store path in it.
pub(crate) struct Env {
    pub(crate) dir: tempfile::TempDir,
    pub(crate) db: PathBuf,
}

impl Env {
    pub(crate) fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("test.licstore");
        Env { dir, db }
    }

    /// A store created with `init`.
    pub(crate) fn init() -> Env {
        let e = Env::new();
        e.run(&["init"]).ok();
        e
    }

    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub(crate) fn cmd(&self) -> Command {
        let mut c = Command::new(binary());
        c.current_dir(self.dir.path())
            .env_remove("LICSTORE_DB")
            .env_remove("LICSTORE_ACTOR")
            .env("USER", "tester")
            .stdin(Stdio::null());
        c
    }

    /// Runs `licstore --db <db> args...`.
    pub(crate) fn run(&self, args: &[&str]) -> Run {
        Run::from(
            self.cmd()
                .arg("--db")
                .arg(&self.db)
                .args(args)
                .output()
                .unwrap(),
        )
    }

    /// Runs `licstore args...` without `--db`.
    pub(crate) fn bare(&self, args: &[&str]) -> Run {
        Run::from(self.cmd().args(args).output().unwrap())
    }

    pub(crate) fn with_stdin(&self, args: &[&str], input: &str) -> Run {
        use std::io::Write;
        let mut child = self
            .cmd()
            .arg("--db")
            .arg(&self.db)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        Run::from(child.wait_with_output().unwrap())
    }

    pub(crate) fn bytes(&self) -> Vec<u8> {
        std::fs::read(&self.db).unwrap()
    }

    pub(crate) fn customer_names(&self) -> Vec<String> {
        self.run(&["customers", "list", "--format", "json"])
            .ok()
            .json()
            .iter()
            .map(|o| o["name"].as_str().unwrap().to_string())
            .collect()
    }
}

/// The subcommands `--help` lists under "Commands:" (without `help`).
pub(crate) fn subcommands(help: &str) -> Vec<String> {
    help.split("Commands:\n")
        .nth(1)
        .map(|s| {
            s.lines()
                .take_while(|l| l.starts_with("  "))
                .filter_map(|l| l.split_whitespace().next())
                .filter(|n| *n != "help")
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn every_command_has_help_with_examples() {
    let env = Env::new();
    let mut stack = vec![vec![]];
    let mut seen = vec![];
    while let Some(path) = stack.pop() {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let run = env.bare(&args).ok();
        assert!(
            run.stdout.contains("Examples:\n  licstore"),
            "`licstore {}` has no examples:\n{}",
            path.join(" "),
            run.stdout
        );
        for sub in subcommands(&run.stdout) {
            let mut p = path.clone();
            p.push(sub);
            stack.push(p);
        }
        seen.push(path.join(" "));
    }
    seen.sort();
    for expected in [
        "",
        "init",
        "customers",
        "customers add",
        "customers update",
        "customers show",
        "customers list",
        "customers remove",
        "customers import",
        "customers export",
        "licensing-ids add",
        "licensing-ids list",
        "licensing-ids show",
        "products add",
        "products list",
        "entitlements add",
        "entitlements list",
        "summary",
        "keys add",
        "keys list",
        "keys show",
        "keys reveal",
        "keys activate",
        "keys proxy-activate",
        "keys activations",
        "keys import-vlsc",
        "keys export-vlsc",
        "keys limit-request add",
        "keys limit-request decide",
        "keys limit-request list",
        "benefits add",
        "benefits list",
        "benefits set-status",
        "benefits use",
        "reservations submit",
        "reservations cancel",
        "reservations list",
        "sql",
        "audit",
        "import",
        "export",
        "users import",
        "rules list",
        "report",
        "demo",
        "completions",
    ] {
        assert!(
            seen.iter().any(|s| s == expected),
            "{expected:?} not in {seen:?}"
        );
    }
    let v = env.bare(&["--version"]).ok();
    assert_eq!(v.stdout.trim(), format!("licstore {}", licstore::VERSION));
}

#[test]
fn usage_errors_exit_2() {
    let env = Env::init();
    for args in [
        vec!["frobnicate"],
        vec!["customers", "list", "--bogus"],
        vec!["customers", "add"],
        vec!["customers", "update", "Contoso"],
        vec![
            "customers",
            "update",
            "Contoso",
            "--usage-location",
            "US",
            "--clear-usage-location",
        ],
        vec!["customers", "list", "--format", "xml"],
        vec!["customers", "export", "--format", "table"],
        vec!["sql", "SELECT 1", "--named", "novalue"],
        vec!["sql", "SELECT 1", "--timeout", "-1"],
        vec!["demo", "--format", "csv"],
    ] {
        let r = env.run(&args).fails(2);
        assert!(r.stderr.lines().count() >= 1, "{args:?}");
    }
    let r = env.bare(&["customers", "list"]).fails(2);
    assert!(r.stderr.contains("--db FILE"), "{}", r.stderr);
    // `licstore` alone prints the usage on stderr.
    assert_eq!(env.bare(&[]).code, 2);
}

#[test]
fn a_missing_store_is_not_created_except_by_init_and_demo() {
    let env = Env::new();
    for args in [
        vec!["customers", "list"],
        vec!["customers", "add", "Contoso"],
        vec!["sql", "SELECT 1"],
        vec!["audit"],
    ] {
        let r = env.run(&args).fails(4);
        assert!(
            r.stderr
                .contains("no such store; create it with `licstore --db"),
            "{}",
            r.stderr
        );
        assert!(r.stderr.contains("init`"), "{}", r.stderr);
        assert!(!env.db.exists(), "{args:?} created the store");
    }
    // LICSTORE_DB names the store too.
    let r = Run::from(
        env.cmd()
            .env("LICSTORE_DB", &env.db)
            .args(["init"])
            .output()
            .unwrap(),
    )
    .ok();
    assert!(r.stdout.contains("Created"), "{}", r.stdout);
    assert!(env.db.is_file());
}

#[test]
fn init_refuses_existing_files_and_other_commands_refuse_foreign_ones() {
    let env = Env::init();
    let before = env.bytes();
    let r = env.run(&["init"]).fails(5);
    assert!(r.stderr.contains("already exists"), "{}", r.stderr);
    assert_eq!(env.bytes(), before);

    let text = env.path("notes.txt");
    std::fs::write(&text, "these are not licenses\n").unwrap();
    let text_s = text.to_str().unwrap();
    let r = env.bare(&["--db", text_s, "customers", "list"]).fails(33);
    assert!(r.stderr.contains("not a SQLite database"), "{}", r.stderr);
    env.bare(&["--db", text_s, "demo"]).fails(33);
    env.bare(&["--db", text_s, "init"]).fails(5);
    assert_eq!(
        std::fs::read_to_string(&text).unwrap(),
        "these are not licenses\n"
    );
    // A directory is an I/O error naming it.
    let dir = env.dir.path().to_str().unwrap();
    let r = env.bare(&["--db", dir, "customers", "list"]).fails(30);
    assert!(r.stderr.contains(dir), "{}", r.stderr);
}

#[test]
fn customers_from_add_to_remove() {
    let env = Env::init();
    let added = env
        .run(&[
            "customers",
            "add",
            "Contoso",
            "--tenant-domain",
            "Contoso.onmicrosoft.com",
            "--usage-location",
            "us",
            "--format",
            "json",
        ])
        .ok()
        .json();
    assert_eq!(added.len(), 1);
    assert_eq!(added[0]["tenant_domain"], "contoso.onmicrosoft.com");
    assert_eq!(added[0]["default_usage_location"], "US");

    let r = env.run(&["customers", "add", "Société Générale"]).ok();
    assert!(r.stdout.contains("name:") && r.stdout.contains("Société Générale"));

    // Invalid input, each with its exit code, and nothing written.
    let r = env.run(&["customers", "add", "contoso"]).fails(5);
    assert!(r.stderr.contains("already exists"), "{}", r.stderr);
    let r = env
        .run(&["customers", "add", "Adatum", "--usage-location", "XX"])
        .fails(3);
    assert!(r.stderr.contains("\"XX\""), "{}", r.stderr);
    env.run(&["customers", "add", "  "]).fails(3);
    env.run(&["customers", "show", "Nobody"]).fails(4);
    env.run(&["customers", "remove", "Nobody"]).fails(4);
    assert_eq!(env.customer_names(), ["Contoso", "Société Générale"]);

    // The table for people is aligned: every line of the table has the columns at the same
    // character offsets as the header.
    let table = env.run(&["customers", "list"]).ok().stdout;
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].starts_with("name "), "{table}");
    assert!(lines[1].starts_with("----"), "{table}");
    let col = |l: &str| l.chars().position(|c| c == '2').unwrap(); // created_at starts with 2
    let header_col = lines[0].find("created_at").unwrap();
    for l in &lines[2..] {
        assert_eq!(col(l), header_col, "{table}");
    }

    let updated = env
        .run(&[
            "customers",
            "update",
            "CONTOSO",
            "--name",
            "Contoso Ltd",
            "--clear-tenant-domain",
            "--usage-location",
            "PL",
            "--format",
            "json",
        ])
        .ok()
        .json();
    assert_eq!(updated[0]["name"], "Contoso Ltd");
    assert_eq!(updated[0]["tenant_domain"], Json::Null);
    assert_eq!(updated[0]["default_usage_location"], "PL");
    let shown = env
        .run(&["customers", "show", "contoso ltd", "--format", "json"])
        .ok()
        .json();
    assert_eq!(shown, updated);

    let r = env.run(&["customers", "remove", "contoso ltd"]).ok();
    assert_eq!(r.stdout.trim(), "Removed customer \"Contoso Ltd\".");
    assert_eq!(env.customer_names(), ["Société Générale"]);
}

#[test]
fn actor_comes_from_the_option_the_environment_or_the_user() {
    let env = Env::init();
    env.run(&["customers", "add", "A"]).ok();
    env.run(&["--actor", "alice@contoso.com", "customers", "add", "B"])
        .ok();
    Run::from(
        env.cmd()
            .env("LICSTORE_ACTOR", "bob@contoso.com")
            .arg("--db")
            .arg(&env.db)
            .args(["customers", "add", "C"])
            .output()
            .unwrap(),
    )
    .ok();
    env.run(&["--actor", " ", "customers", "add", "D"]).fails(3);
    let log = env.run(&["audit", "--format", "json"]).ok().json();
    let actors: Vec<&str> = log.iter().map(|e| e["actor"].as_str().unwrap()).collect();
    assert_eq!(actors, ["tester", "alice@contoso.com", "bob@contoso.com"]);
}

fn sql_env() -> Env {
    let env = Env::init();
    env.run(&["customers", "add", "Contoso", "--usage-location", "US"])
        .ok();
    env.run(&[
        "customers",
        "add",
        "Adatum, \"Inc.\"",
        "--tenant-domain",
        "adatum.onmicrosoft.com",
    ])
    .ok();
    env
}

#[test]
fn sql_prints_every_format_and_they_parse_back() {
    let env = sql_env();
    let q = "SELECT name, tenant_domain, length(name) AS len FROM customers ORDER BY name";

    let (h, rows) = env.run(&["sql", q, "--format", "csv"]).ok().csv(b',');
    assert_eq!(h, ["name", "tenant_domain", "len"]);
    assert_eq!(
        rows,
        [
            vec!["Adatum, \"Inc.\"", "adatum.onmicrosoft.com", "14"],
            vec!["Contoso", "", "7"]
        ]
    );
    let (h2, rows2) = env.run(&["sql", q, "--format", "tsv"]).ok().csv(b'\t');
    assert_eq!((h2, rows2), (h, rows));

    let json = env.run(&["sql", q, "--format", "json"]).ok().json();
    assert_eq!(json.len(), 2);
    assert_eq!(json[0]["name"], "Adatum, \"Inc.\"");
    assert_eq!(json[0]["len"], 14);
    assert_eq!(json[1]["tenant_domain"], Json::Null);

    let jsonl = env.run(&["sql", q, "--format", "jsonl"]).ok().stdout;
    let parsed: Vec<serde_json::Map<String, Json>> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(parsed, json);

    let table = env.run(&["sql", q]).ok().stdout;
    assert!(table.starts_with("name "), "{table}");
    assert!(table.ends_with("(2 rows)\n"), "{table}");
    // Numbers are right-aligned under their header.
    let len_end = table.lines().next().unwrap().len();
    for l in table.lines().skip(2).take(2) {
        assert_eq!(l.len(), len_end, "{table}");
    }

    let empty = env
        .run(&[
            "sql",
            "SELECT name FROM customers WHERE 0",
            "--format",
            "json",
        ])
        .ok()
        .json();
    assert!(empty.is_empty());
    let empty = env.run(&["sql", "SELECT name FROM customers WHERE 0"]).ok();
    assert!(empty.stdout.contains("(no rows)"), "{}", empty.stdout);
}

#[test]
fn sql_binds_parameters() {
    let env = sql_env();
    let r = env
        .run(&[
            "sql",
            "SELECT name FROM customers WHERE name = ? AND length(name) = ?",
            "--param",
            "contoso",
            "--param",
            "7",
            "--format",
            "json",
        ])
        .ok()
        .json();
    assert_eq!(r.len(), 1);
    assert_eq!(r[0]["name"], "Contoso");
    let r = env
        .run(&[
            "sql",
            "SELECT :n AS n, typeof(:n) AS t, typeof(:z) AS zt, :z AS z",
            "--named",
            "n=3.5",
            "--named",
            "z=007",
            "--format",
            "json",
        ])
        .ok()
        .json();
    assert_eq!(r[0]["n"], 3.5);
    assert_eq!(r[0]["t"], "real");
    assert_eq!(r[0]["z"], "007");
    assert_eq!(r[0]["zt"], "text");
    let e = env
        .run(&["sql", "SELECT * FROM customers WHERE name = ?"])
        .fails(3);
    assert!(e.stderr.contains("1 parameter"), "{}", e.stderr);
}

#[test]
fn sql_refuses_writes_and_leaves_the_file_unchanged() {
    let env = sql_env();
    let before = env.bytes();
    for q in [
        "DELETE FROM customers",
        "DROP VIEW customers",
        "UPDATE customer SET name = 'x'",
        "SELECT * FROM customer",
        "PRAGMA user_version = 99",
        "ATTACH DATABASE 'other.db' AS o",
        "SELECT 1; DELETE FROM customer",
    ] {
        let r = env.run(&["sql", q]).fails(9);
        assert!(r.stderr.contains("query refused"), "{q}: {}", r.stderr);
        assert_eq!(r.stderr.lines().count(), 1, "{q}: {}", r.stderr);
    }
    assert_eq!(env.bytes(), before, "the store file changed");
    assert!(!env.path("other.db").exists());
    assert_eq!(env.customer_names().len(), 2);
    // Not SQL at all is invalid input.
    env.run(&["sql", "SELEKT name FROM customers"]).fails(3);
}

#[test]
fn sql_timeout_interrupts_a_long_query() {
    let env = sql_env();
    let r = env
        .run(&[
            "sql",
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n",
            "--timeout",
            "0.3",
        ])
        .fails(10);
    assert!(r.stderr.contains("timeout"), "{}", r.stderr);
}

#[test]
fn import_of_a_malformed_file_names_file_line_and_column_and_writes_nothing() {
    let env = Env::init();
    let before = env.bytes();
    let file = env.path("customers.csv");
    std::fs::write(
        &file,
        "name,tenant_domain,default_usage_location\nContoso,contoso.onmicrosoft.com,US\nAdatum,,XX\n,,PL\nFabrikam,not a domain,DE\n",
    )
    .unwrap();
    let r = env.run(&["customers", "import", "customers.csv"]).fails(8);
    let lines: Vec<&str> = r.stderr.lines().collect();
    assert_eq!(lines[0], "licstore: error: customers.csv: 3 rows rejected");
    assert!(
        lines[1].starts_with("  customers.csv:3: column \"default_usage_location\": value \"XX\""),
        "{}",
        r.stderr
    );
    assert!(
        lines[2].starts_with("  customers.csv:4: column \"name\""),
        "{}",
        r.stderr
    );
    assert!(
        lines[3].starts_with("  customers.csv:5: column \"tenant_domain\": value \"not a domain\""),
        "{}",
        r.stderr
    );
    assert!(lines[4].contains("nothing was imported"), "{}", r.stderr);
    assert_eq!(env.bytes(), before, "the store file changed");
    assert!(env.customer_names().is_empty());
    assert!(env
        .run(&["audit", "--format", "json"])
        .ok()
        .json()
        .is_empty());

    // With a rejects file: same refusal, and the rows to fix.
    env.run(&[
        "customers",
        "import",
        "customers.csv",
        "--rejects",
        "rejects.csv",
    ])
    .fails(8);
    let rejects = std::fs::read_to_string(env.path("rejects.csv")).unwrap();
    let mut rdr = csv::Reader::from_reader(rejects.as_bytes());
    assert_eq!(
        rdr.headers().unwrap().iter().collect::<Vec<_>>(),
        [
            "name",
            "tenant_domain",
            "default_usage_location",
            "error_line",
            "error_column",
            "error_reason"
        ]
    );
    let lines: Vec<String> = rdr.records().map(|r| r.unwrap()[3].to_string()).collect();
    assert_eq!(lines, ["3", "4", "5"]);

    // A rejects file or an export never overwrites the input or the store.
    let input = std::fs::read(&file).unwrap();
    for args in [
        vec![
            "customers",
            "import",
            "customers.csv",
            "--rejects",
            "./customers.csv",
        ],
        vec![
            "customers",
            "import",
            "customers.csv",
            "--rejects",
            "test.licstore",
        ],
        vec!["customers", "export", "-o", "test.licstore"],
    ] {
        env.run(&args).fails(2);
    }
    assert_eq!(std::fs::read(&file).unwrap(), input);
    assert_eq!(env.bytes(), before);

    // A broken header is one line.
    std::fs::write(env.path("bad.csv"), "nom,pays\nContoso,US\n").unwrap();
    let r = env.run(&["customers", "import", "bad.csv"]).fails(8);
    assert!(
        r.stderr.starts_with("licstore: error: bad.csv:1: "),
        "{}",
        r.stderr
    );
    // A file that does not exist is an I/O error naming it.
    let r = env.run(&["customers", "import", "missing.csv"]).fails(30);
    assert!(r.stderr.contains("missing.csv"), "{}", r.stderr);
    assert!(env.customer_names().is_empty());
}

#[test]
fn import_skip_invalid_imports_the_valid_rows() {
    let env = Env::init();
    std::fs::write(
        env.path("c.csv"),
        "name,default_usage_location\nContoso,US\nAdatum,XX\nFabrikam,DE\n",
    )
    .unwrap();
    let r = Run::from(
        env.cmd()
            .arg("--db")
            .arg(&env.db)
            .args([
                "customers",
                "import",
                "c.csv",
                "--skip-invalid",
                "--rejects",
                "r.csv",
            ])
            .output()
            .unwrap(),
    );
    assert_eq!(r.code, 0, "{r:#?}");
    assert!(r.stderr.starts_with("licstore: warning: c.csv: 1 rows rejected\n  c.csv:3: column \"default_usage_location\""), "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "c.csv: 3 rows: 2 added, 0 updated, 0 unchanged, 1 rejected.\n"
    );
    assert!(std::fs::read_to_string(env.path("r.csv"))
        .unwrap()
        .contains("Adatum,XX,3,"));
    assert_eq!(env.customer_names(), ["Contoso", "Fabrikam"]);

    // Clean input: no rejects file is left behind; the result parses as JSON.
    std::fs::write(
        env.path("ok.csv"),
        "name,default_usage_location\nContoso,PL\nNorthwind,FR\n",
    )
    .unwrap();
    let report = env
        .run(&[
            "customers",
            "import",
            "ok.csv",
            "--rejects",
            "r2.csv",
            "--format",
            "json",
        ])
        .ok()
        .json();
    assert_eq!(report[0]["added"], 1);
    assert_eq!(report[0]["updated"], 1);
    assert_eq!(report[0]["rejected"], 0);
    assert!(!env.path("r2.csv").exists());
}

#[test]
fn export_round_trips_through_import_and_stdin() {
    let env = sql_env();
    let csv_out = env.run(&["customers", "export"]).ok().stdout;
    let r = env.run(&["customers", "export", "-o", "out.csv"]).ok();
    assert!(r.stdout.is_empty());
    assert_eq!(
        std::fs::read_to_string(env.path("out.csv")).unwrap(),
        csv_out
    );
    // No temporary file is left next to it.
    let names: Vec<_> = std::fs::read_dir(env.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.contains(".tmp"))
        .collect();
    assert!(names.is_empty(), "{names:?}");

    let tsv = env.run(&["customers", "export", "--format", "tsv"]).ok();
    assert_eq!(
        tsv.csv(b'\t'),
        Run {
            code: 0,
            stdout: csv_out.clone(),
            stderr: String::new()
        }
        .csv(b',')
    );
    let jsonl = env
        .run(&["customers", "export", "--format", "jsonl"])
        .ok()
        .stdout;
    let names: Vec<String> = jsonl
        .lines()
        .map(|l| {
            serde_json::from_str::<Json>(l).unwrap()["name"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(names, ["Adatum, \"Inc.\"", "Contoso"]);

    // Into a new store, from standard input, and back out unchanged.
    let other = Env::init();
    let r = other.with_stdin(&["customers", "import", "-"], &csv_out);
    let r = r.ok();
    assert_eq!(
        r.stdout,
        "<stdin>: 2 rows: 2 added, 0 updated, 0 unchanged, 0 rejected.\n"
    );
    assert_eq!(other.run(&["customers", "export"]).ok().stdout, csv_out);
    // TSV is chosen by the file's extension.
    std::fs::write(
        other.path("more.tsv"),
        "name\tdefault_usage_location\nTailspin Toys\tFR\n",
    )
    .unwrap();
    other.run(&["customers", "import", "more.tsv"]).ok();
    assert_eq!(other.customer_names().len(), 3);
}

#[test]
fn audit_lists_and_filters_the_log() {
    let env = Env::init();
    env.run(&[
        "--actor",
        "alice",
        "customers",
        "add",
        "Contoso",
        "--usage-location",
        "US",
    ])
    .ok();
    env.run(&["--actor", "bob", "customers", "add", "Adatum"])
        .ok();
    env.run(&[
        "--actor",
        "alice",
        "customers",
        "update",
        "Contoso",
        "--usage-location",
        "PL",
    ])
    .ok();

    let all = env.run(&["audit", "--format", "json"]).ok().json();
    let actions: Vec<&str> = all.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["customer.add", "customer.add", "customer.update"]);
    let before: Json = serde_json::from_str(all[2]["before"].as_str().unwrap()).unwrap();
    assert_eq!(before["default_usage_location"], "US");

    let count = |args: &[&str]| {
        let mut a = vec!["audit", "--format", "json"];
        a.extend_from_slice(args);
        env.run(&a).ok().json().len()
    };
    assert_eq!(count(&["--by", "alice"]), 2);
    assert_eq!(count(&["--key", "Contoso", "--entity", "customer"]), 2);
    assert_eq!(count(&["--action", "customer.update"]), 1);
    assert_eq!(count(&["--since", "2000-01-01"]), 3);
    assert_eq!(count(&["--until", "2000-01-01"]), 0);
    let last = env
        .run(&["audit", "--last", "1", "--format", "json"])
        .ok()
        .json();
    assert_eq!(last[0]["id"], all[2]["id"]);
    env.run(&["audit", "--since", "yesterday"]).fails(3);

    let table = env.run(&["audit", "--key", "Contoso"]).ok().stdout;
    assert!(
        table.contains("default_usage_location: US -> PL"),
        "{table}"
    );
    assert!(table.lines().next().unwrap().ends_with("change"), "{table}");
}

#[test]
fn demo_fills_a_new_store_once() {
    let env = Env::new();
    let r = env.run(&["demo"]).ok();
    let n = licstore::demo::CUSTOMERS.len();
    assert!(
        r.stdout.contains(&format!("Customers ({n})\n")),
        "{}",
        r.stdout
    );
    for (name, domain, country) in licstore::demo::CUSTOMERS {
        let line = r
            .stdout
            .lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("{name} missing:\n{}", r.stdout));
        assert!(line.contains(domain) && line.ends_with(country), "{line}");
    }
    let before = env.bytes();
    let again = env.run(&["demo"]).fails(7);
    assert!(again.stderr.contains("not empty"), "{}", again.stderr);
    assert_eq!(env.bytes(), before, "the second demo changed the store");

    // JSON summaries for scripts; and an existing empty store is accepted.
    let fresh = Env::init();
    let r = fresh.run(&["demo", "--format", "json"]).ok();
    let v: Json = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["customers"].as_array().unwrap().len(), n);
    assert_eq!(v["customers"][0]["name"], licstore::demo::CUSTOMERS[0].0);
}

#[test]
fn completions_for_each_shell() {
    let env = Env::new();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let r = env.bare(&["completions", shell]).ok();
        // Every top-level command, and the options of a nested one, complete.
        for word in [
            "customers",
            "report",
            "import",
            "export",
            "skip-invalid",
            "html",
        ] {
            assert!(r.stdout.contains(word), "{shell}: {word}");
        }
    }
    // The bash script is valid shell.
    let script = env.path("licstore.bash");
    std::fs::write(&script, env.bare(&["completions", "bash"]).ok().stdout).unwrap();
    let check = Command::new("bash")
        .arg("-n")
        .arg(&script)
        .output()
        .unwrap();
    assert!(check.status.success(), "{check:?}");
    env.bare(&["completions", "tcsh"]).fails(2);
}

#[test]
fn a_killed_import_writes_nothing() {
    let env = Env::init();
    let mut text = String::from("name,default_usage_location\n");
    for i in 0..400_000 {
        text.push_str(&format!("Customer {i:06},US\n"));
    }
    std::fs::write(env.path("big.csv"), &text).unwrap();
    let mut child = env
        .cmd()
        .arg("--db")
        .arg(&env.db)
        .args(["customers", "import", "big.csv"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Kill it mid-transaction: once the uncommitted rows have reached the write-ahead log.
    let wal = env.path("test.licstore-wal");
    let started = std::time::Instant::now();
    let mut finished = false;
    while started.elapsed() < std::time::Duration::from_secs(60) {
        if child.try_wait().unwrap().is_some() {
            finished = true;
            break;
        }
        if std::fs::metadata(&wal).is_ok_and(|m| m.len() > 1_000_000) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let n = env.customer_names().len();
    if finished {
        // The machine was fast enough to finish: then everything is there.
        assert_eq!(n, 400_000);
    } else {
        assert_eq!(n, 0, "a killed import left a partial store");
    }
}

#[test]
fn a_closed_pipe_ends_output_quietly() {
    use std::io::BufRead;
    let env = Env::init();
    let mut child = env
        .cmd()
        .arg("--db")
        .arg(&env.db)
        .args([
            "sql",
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n LIMIT 2000000) SELECT i FROM n",
            "--format",
            "csv",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert_eq!(first, "i\n");
    // The reader is gone (like `| head -1`): no panic, no error message, status 0.
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

/// Ctrl-C (SIGINT) during an import: the import is cancelled, nothing is written, the exit status
/// is 10 (Interrupted) and the message says so. The file is large enough that the import is still
/// running when the signal comes (once rows reach the write-ahead log); should a fast machine finish
/// first, the test retries with a file four times larger.
#[test]
fn ctrl_c_cancels_an_import_and_writes_nothing() {
    let env = Env::init();
    let wal = env.path("test.licstore-wal");
    let before = env.customer_names();
    let mut rows = 400_000;
    for _ in 0..3 {
        let mut text = String::from("name,default_usage_location\n");
        for i in 0..rows {
            text.push_str(&format!("Customer {i:07},US\n"));
        }
        std::fs::write(env.path("big.csv"), &text).unwrap();
        let mut child = env
            .cmd()
            .arg("--db")
            .arg(&env.db)
            .args(["customers", "import", "big.csv"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let started = std::time::Instant::now();
        let wal_len = || std::fs::metadata(&wal).map_or(0, |m| m.len());
        let at_start = wal_len();
        let mut finished = false;
        while started.elapsed() < std::time::Duration::from_secs(60) {
            if child.try_wait().unwrap().is_some() {
                finished = true;
                break;
            }
            // The import is under way once its rows reach the write-ahead log.
            if wal_len() > at_start + 100_000 {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        if !finished {
            let status = Command::new("kill")
                .args(["-INT", &child.id().to_string()])
                .status()
                .unwrap();
            assert!(status.success());
        }
        let out = Run::from(child.wait_with_output().unwrap());
        if finished || out.code == 0 {
            // Too fast for this size: the import completed. Start again from an empty store,
            // with a bigger file.
            assert_eq!(out.code, 0, "{out:#?}");
            assert_eq!(env.customer_names().len() - before.len(), rows);
            for f in ["test.licstore", "test.licstore-wal", "test.licstore-shm"] {
                let _ = std::fs::remove_file(env.path(f));
            }
            env.run(&["init"]).ok();
            rows *= 4;
            continue;
        }
        assert_eq!(
            out.code, 10,
            "exit status of an interrupted import: {out:#?}"
        );
        assert!(out.stdout.is_empty(), "{out:#?}");
        assert!(
            out.stderr
                .contains("licstore: error: big.csv: interrupted (Ctrl-C) after "),
            "{out:#?}"
        );
        assert!(out.stderr.contains("nothing was imported"), "{out:#?}");
        assert_eq!(env.customer_names(), before, "the store changed");
        return;
    }
    panic!("the import always finished before Ctrl-C could interrupt it");
}

/// The exit code table of docs/cli.md: each backquoted error code name to its documented exit.
fn documented_exit_codes() -> std::collections::BTreeMap<String, i32> {
    let doc = include_str!("../../docs/cli.md");
    let table = doc
        .split("## Exit codes")
        .nth(1)
        .expect("docs/cli.md has an Exit codes section");
    let mut map = std::collections::BTreeMap::new();
    for line in table.lines().take_while(|l| !l.starts_with("## ")) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let Some(code) = cells.get(1).and_then(|c| c.parse::<i32>().ok()) else {
            continue;
        };
        for name in cells[3].split('`').skip(1).step_by(2) {
            map.insert(name.to_string(), code);
        }
    }
    map
}

/// The real binary exits with the documented code for one error of each kind (cli/src/exit.rs's
/// unit test compares the mapping with the table; this checks what users actually get).
#[test]
fn each_kind_of_error_exits_with_its_documented_code() {
    let doc = documented_exit_codes();
    let env = Env::init();
    env.run(&["customers", "add", "Contoso", "--usage-location", "US"])
        .ok();
    env.run(&[
        "skus",
        "set",
        "ENTERPRISEPACK",
        "--customer",
        "Contoso",
        "--enabled",
        "0",
    ])
    .ok();
    env.run(&["users", "add", "ada@contoso.com", "--customer", "Contoso"])
        .ok();
    std::fs::write(env.path("bad.csv"), "name,default_usage_location\nX,XX\n").unwrap();
    std::fs::write(
        env.path("text.licstore"),
        "not a database at all, just text\n",
    )
    .unwrap();
    let slow =
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n";
    let cases: Vec<(&str, Vec<&str>)> = vec![
        (
            "InvalidArgument",
            vec!["customers", "add", "X", "--usage-location", "XX"],
        ),
        ("NotFound", vec!["customers", "show", "Nobody"]),
        ("AlreadyExists", vec!["customers", "add", "contoso"]),
        ("InUse", vec!["customers", "remove", "Contoso"]),
        ("InvalidState", vec!["demo"]),
        ("CsvError", vec!["customers", "import", "bad.csv"]),
        ("QueryRefused", vec!["sql", "DELETE FROM customers"]),
        ("Interrupted", vec!["sql", slow, "--timeout", "0.2"]),
        (
            "BulkOperationFailed",
            vec![
                "assign",
                "--sku",
                "ENTERPRISEPACK",
                "--user",
                "ada@contoso.com",
            ],
        ),
        ("IoError", vec!["customers", "import", "no-such-file.csv"]),
    ];
    for (name, args) in cases {
        let want = *doc
            .get(name)
            .unwrap_or_else(|| panic!("{name} is not in the docs table"));
        let r = env.run(&args).fails(want);
        assert!(!r.stderr.is_empty(), "{name}");
    }
    // A file that is not a store.
    let r = Run::from(
        env.cmd()
            .args(["--db", "text.licstore", "customers", "list"])
            .output()
            .unwrap(),
    );
    assert_eq!(r.code, doc["NotADatabase"], "{r:#?}");
    // Usage errors are the documented 2.
    assert_eq!(env.run(&["frobnicate"]).code, 2);
}

/// On a terminal an import draws a progress bar on stderr (and clears it); off a terminal it
/// draws nothing (every other test checks that a successful command writes nothing to stderr).
/// util-linux's `script` gives the command a pseudo-terminal.
#[test]
fn an_import_shows_a_progress_bar_only_on_a_terminal() {
    let env = Env::init();
    let mut text = String::from("name,default_usage_location\n");
    for i in 0..20_000 {
        text.push_str(&format!("Customer {i:05},US\n"));
    }
    std::fs::write(env.path("many.csv"), &text).unwrap();
    let command = format!(
        "{} --db {} customers import many.csv",
        binary().display(),
        env.db.display()
    );
    let out = Command::new("script")
        .current_dir(env.dir.path())
        .env_remove("LICSTORE_DB")
        .args(["-qec", &command, "/dev/null"])
        .stdin(Stdio::null())
        .output()
        .expect("util-linux's script runs");
    let tty = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{tty}");
    assert!(
        tty.contains("importing many.csv ["),
        "no bar drawn: {tty:?}"
    );
    assert!(tty.contains("MiB") || tty.contains("KiB"), "{tty:?}");
    assert!(
        tty.contains("many.csv: 20000 rows: 20000 added"),
        "the result follows the bar: {tty:?}"
    );
    assert_eq!(env.customer_names().len(), 20_000);
}
