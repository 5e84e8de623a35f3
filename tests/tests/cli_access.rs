//! End-to-end tests of the access commands (`principals`, `roles`, `requests`) and of `--as`, the
//! global option that runs any command as a principal (docs/access.md).

use crate::cli::Env;

const ANN: &str = "ann@contoso.com";
const BOB: &str = "bob@contoso.com";

/// A store with Contoso's Enterprise enrollment E1, Fabrikam's F1, Ann and Bob.
fn setup() -> Env {
    let e = Env::init();
    for c in ["Contoso", "Fabrikam"] {
        e.run(&["customers", "add", c]).ok();
    }
    for (lid, c) in [("E1", "Contoso"), ("F1", "Fabrikam")] {
        e.run(&[
            "licensing-ids",
            "add",
            lid,
            "--customer",
            c,
            "--program",
            "Enterprise",
        ])
        .ok();
    }
    for (email, first) in [(ANN, "Ann"), (BOB, "Bob")] {
        e.run(&[
            "principals",
            "add",
            email,
            "--first-name",
            first,
            "--last-name",
            "Lee",
        ])
        .ok();
    }
    e
}

#[test]
fn roles_are_granted_with_a_single_administrator_warning() {
    let e = setup();
    let r = e.run(&["roles", "grant", ANN, "E1", "Administrator"]);
    assert_eq!(r.code, 0, "{r:#?}");
    assert!(
        r.stderr.starts_with("licstore: warning: licensing ID E1 (Contoso) has a single Administrator (ann@contoso.com)"),
        "{r:#?}"
    );
    let r = e.run(&["roles", "warnings", "--format", "csv"]).ok();
    assert_eq!(
        r.stdout,
        "licensing_id,customer,administrator\nE1,Contoso,ann@contoso.com\n"
    );
    e.run(&[
        "roles",
        "grant",
        BOB,
        "E1",
        "--group",
        "online services manager",
    ])
    .ok();
    let j = e
        .run(&["roles", "list", "--email", BOB, "--format", "json"])
        .ok()
        .json();
    let roles: Vec<&str> = j.iter().map(|o| o["role"].as_str().unwrap()).collect();
    assert_eq!(roles, ["LicensingInfoViewer", "OnlineServicesManager"]);
    e.run(&["roles", "grant", BOB, "E1", "ManageReservation"])
        .ok();
    let r = e
        .run(&["roles", "revoke", ANN, "E1", "Administrator"])
        .fails(7);
    assert!(r.stderr.contains("only Administrator"), "{r:#?}");
    e.run(&["roles", "grant", ANN, "E1", "Bogus"]).fails(3);
    e.run(&[
        "principals",
        "add",
        "x@gmail.com",
        "--first-name",
        "X",
        "--last-name",
        "Y",
    ])
    .fails(3);
}

#[test]
fn a_principal_requests_and_an_administrator_decides() {
    let e = setup();
    let _ = e.run(&["roles", "grant", ANN, "E1", "Administrator"]);
    let r = e
        .run(&[
            "--as",
            BOB,
            "requests",
            "add",
            BOB,
            "E1",
            "ProductKeys",
            "--comment",
            "rollout",
            "--format",
            "json",
        ])
        .ok()
        .json();
    let id = r[0]["id"].as_i64().unwrap().to_string();
    // Bob may not decide, Ann may.
    e.run(&["--as", BOB, "requests", "accept", &id]).fails(21);
    let r = e
        .run(&[
            "--as", ANN, "requests", "list", "--status", "pending", "--format", "csv",
        ])
        .ok();
    assert_eq!(r.stdout.lines().count(), 2, "{}", r.stdout);
    e.run(&["--as", ANN, "requests", "accept", &id, "--note", "welcome"])
        .ok();
    let r = e
        .run(&[
            "--as",
            BOB,
            "sql",
            "SELECT role FROM permissions",
            "--format",
            "csv",
        ])
        .ok();
    assert_eq!(r.stdout, "role\nProductKeys\n");
}

#[test]
fn as_a_principal_every_command_sees_only_its_licensing_ids() {
    let e = setup();
    let _ = e.run(&["roles", "grant", ANN, "E1", "Administrator"]);
    let r = e
        .run(&["--as", ANN, "licensing-ids", "list", "--format", "csv"])
        .ok();
    assert!(
        r.stdout.contains("\nE1,") && !r.stdout.contains("F1"),
        "{}",
        r.stdout
    );
    let r = e
        .run(&["--as", ANN, "licensing-ids", "show", "F1"])
        .fails(21);
    assert!(
        r.stderr.contains("ann@contoso.com lacks the role"),
        "{r:#?}"
    );
    let r = e
        .run(&["--as", ANN, "sql", "SELECT number FROM main.licensing_ids"])
        .fails(9);
    assert!(r.stderr.contains("scoped to a principal"), "{r:#?}");
    e.run(&["--as", ANN, "sql", "SELECT * FROM audit_log"])
        .fails(9);
    e.run(&["--as", ANN, "customers", "add", "Mine"]).fails(21);
    e.run(&["--as", ANN, "--actor", "someone", "licensing-ids", "list"])
        .fails(2);
    e.run(&["--as", "nobody@contoso.com", "licensing-ids", "list"])
        .fails(4);
    let r = e
        .cmd()
        .env("LICSTORE_AS", BOB)
        .arg("--db")
        .arg(&e.db)
        .args(["licensing-ids", "list", "--format", "csv"])
        .output()
        .unwrap();
    assert!(r.status.success());
    assert_eq!(
        String::from_utf8(r.stdout).unwrap().lines().count(),
        1,
        "Bob holds no role"
    );
}
