//! End-to-end tests of `licstore import ENTITY FILE`, `licstore export ENTITY|VIEW` and
//! `licstore users import`: every entity's canonical CSV of a demo store parsed back in every
//! format, exports imported back unchanged, online entities round-tripped into a fresh store, and
//! bad input (unknown entity, wrong file, a bad row) leaving the store unchanged.

use licstore::Entity;
use serde_json::Value as Json;

use crate::cli::{Env, Run};

fn demo() -> Env {
    let env = Env::new();
    env.run(&["demo"]).ok();
    env
}

/// The one-row report of `import ... --format json`.
fn report(r: &Run) -> serde_json::Map<String, Json> {
    let rows = r.json();
    assert_eq!(rows.len(), 1, "{r:#?}");
    rows[0].clone()
}

fn n(v: &Json) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("not a count: {v}"))
}

#[test]
fn every_entity_exports_in_every_format_and_parses_back() {
    let env = demo();
    for e in Entity::ALL {
        let name = e.name();
        let csv = env.run(&["export", name]).ok();
        let (header, rows) = csv.csv(b',');
        let expected: Vec<String> = e.columns().iter().map(|c| c.to_string()).collect();
        assert_eq!(header, expected, "{name} header");
        let (theader, trows) = env
            .run(&["export", name, "--format", "tsv"])
            .ok()
            .csv(b'\t');
        assert_eq!((theader, &trows), (expected.clone(), &rows), "{name} tsv");
        let json = env.run(&["export", name, "--format", "json"]).ok().json();
        assert_eq!(json.len(), rows.len(), "{name} json");
        let jsonl = env.run(&["export", name, "--format", "jsonl"]).ok();
        let lines: Vec<serde_json::Map<String, Json>> = jsonl
            .stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines, json, "{name}: jsonl and json hold the same objects");
        for obj in &json {
            let mut keys: Vec<&String> = obj.keys().collect();
            keys.sort();
            let mut want: Vec<&String> = expected.iter().collect();
            want.sort();
            assert_eq!(keys, want, "{name} json keys");
        }
    }
    // The demo fills the entities the report is about.
    for name in ["customers", "skus", "subscribers", "assignments", "keys"] {
        let (_, rows) = env.run(&["export", name]).ok().csv(b',');
        assert!(!rows.is_empty(), "{name}");
    }
    // Product keys stay masked.
    let keys = env.run(&["export", "keys"]).ok().stdout;
    assert!(keys.contains("*****-*****-*****-*****-"), "{keys}");
}

#[test]
fn an_export_imports_back_unchanged() {
    let env = demo();
    for e in Entity::ALL {
        let name = e.name();
        let file = format!("{name}.csv");
        env.run(&["export", name, "-o", &file]).ok();
        let rows = csv::Reader::from_path(env.path(&file))
            .unwrap()
            .records()
            .count() as u64;
        let r = report(&env.run(&["import", name, &file, "--format", "json"]).ok());
        assert_eq!(n(&r["rows"]), rows, "{name}: {r:?}");
        assert_eq!(n(&r["unchanged"]), rows, "{name}: {r:?}");
        assert_eq!(
            n(&r["added"]) + n(&r["updated"]) + n(&r["rejected"]),
            0,
            "{name}"
        );
    }
    // Nothing changed: every entity exports exactly as before.
    for e in Entity::ALL {
        let before = std::fs::read_to_string(env.path(&format!("{}.csv", e.name()))).unwrap();
        assert_eq!(
            env.run(&["export", e.name()]).ok().stdout,
            before,
            "{}",
            e.name()
        );
    }
}

#[test]
fn online_entities_round_trip_into_a_fresh_store() {
    let env = demo();
    let fresh = Env::init();
    // In dependency order: customers before their SKUs and users, users before groups'
    // members and licenses.
    let order = [
        "customers",
        "skus",
        "subscribers",
        "groups",
        "group_members",
        "numbers",
        "assignments",
    ];
    for name in order {
        let text = env.run(&["export", name]).ok().stdout;
        let file = fresh.path(&format!("{name}.csv"));
        std::fs::write(&file, &text).unwrap();
        let r = fresh.run(&["import", name, file.to_str().unwrap()]).ok();
        assert!(r.stdout.contains("rejected."), "{}", r.stdout);
        assert_eq!(
            fresh.run(&["export", name]).ok().stdout,
            text,
            "{name} differs after the round trip"
        );
    }
}

#[test]
fn users_import_is_import_subscribers() {
    let env = Env::init();
    env.run(&["customers", "add", "Contoso", "--usage-location", "US"])
        .ok();
    let csv = "customer,user_principal_name,display_name,department,status\n\
               Contoso,ada@contoso.com,Ada Lovelace,Engineering,Active\n\
               Contoso,alan@contoso.com,Alan Turing,,Staged\n";
    std::fs::write(env.path("users.csv"), csv).unwrap();
    let r = env.run(&["users", "import", "users.csv"]).ok();
    assert_eq!(
        r.stdout,
        "users.csv: 2 rows: 2 added, 0 updated, 0 unchanged, 0 rejected.\n"
    );
    let users = env
        .run(&["users", "list", "--customer", "Contoso", "--format", "json"])
        .ok()
        .json();
    let names: Vec<(&str, &str)> = users
        .iter()
        .map(|u| {
            (
                u["user_principal_name"].as_str().unwrap(),
                u["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            ("ada@contoso.com", "Active"),
            ("alan@contoso.com", "Staged")
        ]
    );
    // The same file through the generic command: nothing to change.
    let r = report(
        &env.run(&["import", "subscribers", "users.csv", "--format", "json"])
            .ok(),
    );
    assert_eq!(n(&r["unchanged"]), 2);
}

#[test]
fn bad_imports_and_exports_leave_the_store_unchanged() {
    let env = Env::init();
    env.run(&["customers", "add", "Contoso", "--usage-location", "US"])
        .ok();
    std::fs::write(
        env.path("users.csv"),
        "customer,user_principal_name\nContoso,ada@contoso.com\nContoso,not-an-upn\nNobody,bob@contoso.com\n",
    )
    .unwrap();
    let before = env.bytes();

    // An unknown entity is a usage error, before the file is read.
    let r = env.run(&["import", "widgets", "users.csv"]).fails(2);
    assert!(r.stderr.contains("customers, skus"), "{}", r.stderr);
    // A file of another entity: its columns do not fit.
    env.run(&["export", "customers", "-o", "customers.csv"])
        .ok();
    env.run(&["import", "skus", "customers.csv"]).fails(8);
    // All-or-nothing: two bad rows, nothing imported, each named with its line.
    let r = env.run(&["import", "subscribers", "users.csv"]).fails(8);
    assert!(r.stderr.contains("users.csv:3"), "{}", r.stderr);
    assert!(r.stderr.contains("users.csv:4"), "{}", r.stderr);
    assert!(r.stderr.contains("nothing was imported"), "{}", r.stderr);
    assert_eq!(env.bytes(), before, "a refused import changed the store");
    // A missing file.
    env.run(&["import", "subscribers", "nope.csv"]).fails(30);
    // Skip-invalid: the good row in, the bad ones in the rejects file.
    let r = env.run(&[
        "users",
        "import",
        "users.csv",
        "--skip-invalid",
        "--rejects",
        "rejected.csv",
    ]);
    assert_eq!(r.code, 0, "{r:#?}");
    assert!(r
        .stderr
        .starts_with("licstore: warning: users.csv: 2 rows rejected"));
    let rejected = std::fs::read_to_string(env.path("rejected.csv")).unwrap();
    assert_eq!(rejected.lines().count(), 3, "{rejected}");
    assert!(rejected.contains("not-an-upn") && rejected.contains("Nobody"));

    // Exports: an unknown name, a private table, the table format, the store as output.
    env.run(&["export", "widgets"]).fails(3);
    env.run(&["export", "audit_event"]).fails(3);
    env.run(&["export", "customers", "--format", "table"])
        .fails(2);
    let db = env.db.display().to_string();
    env.run(&["export", "customers", "-o", &db]).fails(2);
    // A view exports with its own columns.
    let (header, rows) = env
        .run(&["export", "subscribers", "--format", "csv"])
        .ok()
        .csv(b',');
    assert_eq!(header[1], "user_principal_name");
    assert_eq!(rows.len(), 1);
    let (header, _) = env.run(&["export", "sku_usage"]).ok().csv(b',');
    assert!(header.contains(&"drift".to_string()), "{header:?}");
}
