//! End-to-end tests of the online-services commands of the `licstore` binary: catalog, SKUs,
//! users, groups, rules, bulk assign / remove / replace with preview and confirmation, jobs
//! (items, export, rerun), expiry, offboarding, numbers, profiles, sync from the real M365 export
//! header and Graph's documented subscribedSkus response, history, and the demo's SKU usage.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value as Json;

use crate::cli::Env;

const E3: &str = "ENTERPRISEPACK";
const E5: &str = "SPE_E5";
const BI: &str = "POWER_BI_PRO";

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("data")
        .join(name)
}

/// Contoso (default usage location US) with Office 365 E3 (`e3` units) and Power BI Pro (10),
/// and users ada, alan, grace (Engineering) and joan (Sales) in the group Eng.
fn online_env(e3: u32) -> Env {
    let env = Env::init();
    env.run(&["customers", "add", "Contoso", "--usage-location", "US"])
        .ok();
    env.run(&[
        "skus",
        "set",
        E3,
        "--customer",
        "Contoso",
        "--enabled",
        &e3.to_string(),
    ])
    .ok();
    env.run(&[
        "skus",
        "set",
        BI,
        "--customer",
        "contoso",
        "--enabled",
        "10",
    ])
    .ok();
    for (u, dept) in [
        ("ada", "Engineering"),
        ("alan", "Engineering"),
        ("grace", "Engineering"),
        ("joan", "Sales"),
    ] {
        env.run(&[
            "users",
            "add",
            &format!("{u}@contoso.com"),
            "--customer",
            "Contoso",
            "--department",
            dept,
        ])
        .ok();
    }
    env.run(&["groups", "add", "Eng", "--customer", "Contoso"])
        .ok();
    env.run(&[
        "groups",
        "add-members",
        "Eng",
        "ada@contoso.com",
        "alan@contoso.com",
        "grace@contoso.com",
        "--customer",
        "Contoso",
    ])
    .ok();
    env
}

/// One SKU's row of `skus list --format json`.
fn sku(env: &Env, part: &str) -> serde_json::Map<String, Json> {
    env.run(&["skus", "list", "--customer", "Contoso", "--format", "json"])
        .ok()
        .json()
        .into_iter()
        .find(|r| r["sku_part_number"] == part)
        .unwrap_or_else(|| panic!("{part} is listed"))
}

fn licenses(env: &Env, upn: &str) -> String {
    let r = env.run(&["users", "show", upn, "--format", "json"]).ok();
    r.json()[0]["licenses"].as_str().unwrap().to_string()
}

#[test]
fn every_online_command_has_help_with_examples() {
    let env = Env::new();
    for cmd in [
        "catalog show",
        "catalog search",
        "catalog import",
        "skus set",
        "skus list",
        "skus show",
        "users add",
        "users list",
        "users show",
        "users update",
        "groups add",
        "groups members",
        "groups add-members",
        "rules add requires",
        "rules add excludes",
        "rules add blocked-in",
        "rules list",
        "assign",
        "remove",
        "replace",
        "jobs list",
        "jobs show",
        "jobs items",
        "jobs export",
        "jobs rerun",
        "expire",
        "expiring",
        "offboard",
        "numbers add",
        "numbers list",
        "numbers assign",
        "numbers set-status",
        "profiles set",
        "profiles list",
        "profiles apply",
        "sync m365-users",
        "sync graph-skus",
        "history",
    ] {
        let mut args: Vec<&str> = cmd.split(' ').collect();
        args.push("--help");
        let r = env.bare(&args).ok();
        assert!(
            r.stdout.contains("Examples:\n  licstore"),
            "{cmd} --help has examples: {}",
            r.stdout
        );
    }
}

#[test]
fn catalog_show_search_and_import() {
    let env = Env::init();
    let r = env
        .run(&["catalog", "show", E3, "--format", "json"])
        .ok()
        .stdout;
    let v: Json = serde_json::from_str(&r).unwrap();
    assert_eq!(v["display_name"], "Office 365 E3");
    assert_eq!(v["sku_id"], "6fd2c87f-b296-42f0-b197-1e91e994b900");
    assert!(v["plans"].as_array().unwrap().len() > 5);
    let table = env.run(&["catalog", "show", E3]).ok().stdout;
    assert!(table.contains("display_name:") && table.contains("plan_name"));
    let (header, rows) = env
        .run(&["catalog", "search", "office 365 e3", "--format", "csv"])
        .ok()
        .csv(b',');
    assert_eq!(header[1], "sku_part_number");
    assert!(rows.iter().any(|r| r[1] == E3), "{rows:?}");
    env.run(&["catalog", "show", "NOPE"]).fails(20);

    // A refreshed catalog (here a tiny one) replaces the built-in one; names follow it.
    let file = env.path("catalog.csv");
    std::fs::write(
        &file,
        "\u{feff}Product_Display_Name,String_Id,GUID,Service_Plan_Name,Service_Plan_Id,Service_Plans_Included_Friendly_Names\r\n\
         Office 365 E3 (renamed),ENTERPRISEPACK,6fd2c87f-b296-42f0-b197-1e91e994b900,EXCHANGE_S_ENTERPRISE,efb87545-963c-4e0d-99df-69c6916d9eb0,Exchange Online (Plan 2)\r\n",
    )
    .unwrap();
    let r = env
        .run(&[
            "catalog",
            "import",
            file.to_str().unwrap(),
            "--format",
            "json",
        ])
        .ok()
        .json();
    assert_eq!(r[0]["skus"], 1);
    let r = env.run(&["catalog", "show", E3, "--format", "json"]).ok();
    let v: Json = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["display_name"], "Office 365 E3 (renamed)");
    env.run(&["catalog", "show", E5]).fails(20);
}

#[test]
fn skus_users_and_groups() {
    let env = online_env(5);
    let k = sku(&env, E3);
    assert_eq!(k["display_name"], "Office 365 E3");
    assert_eq!(k["enabled_units"], 5);
    assert_eq!(k["available"], 5);
    let show = env
        .run(&["skus", "show", E3, "--customer", "contoso"])
        .ok()
        .stdout;
    assert!(show.contains("Office 365 E3") && show.contains("available:"));
    let table = env.run(&["skus", "list"]).ok().stdout;
    assert!(table.lines().next().unwrap().starts_with("customer  sku"));
    assert!(table.contains("Power BI Pro"));
    // Units update, and a reported count gives drift.
    env.run(&[
        "skus",
        "set",
        E3,
        "--customer",
        "Contoso",
        "--enabled",
        "7",
        "--reported-consumed",
        "2",
        "--term-end",
        "2099-06-30",
    ])
    .ok();
    let k = sku(&env, E3);
    assert_eq!(
        (k["enabled_units"].as_i64(), k["drift"].as_i64()),
        (Some(7), Some(2))
    );
    env.run(&["skus", "set", "NOT_A_SKU", "--customer", "Contoso"])
        .fails(20);
    env.run(&[
        "skus",
        "set",
        E3,
        "--customer",
        "Contoso",
        "--term-end",
        "30/06/2099",
    ])
    .fails(3);

    let (header, rows) = env
        .run(&["users", "list", "--customer", "Contoso", "--format", "csv"])
        .ok()
        .csv(b',');
    assert_eq!(header[0], "user_principal_name");
    assert_eq!(rows.len(), 4);
    let r = env
        .run(&[
            "users",
            "update",
            "ADA@contoso.com",
            "--usage-location",
            "gb",
            "--display-name",
            "Ada Lovelace",
            "--format",
            "json",
        ])
        .ok()
        .json();
    assert_eq!(r[0]["usage_location"], "GB");
    assert_eq!(r[0]["display_name"], "Ada Lovelace");
    env.run(&["users", "update", "ada@contoso.com"]).fails(2);
    let before = env.bytes();
    env.run(&["users", "add", "ada@CONTOSO.com", "--customer", "Contoso"])
        .fails(5);
    env.run(&["users", "add", "not-a-upn", "--customer", "Contoso"])
        .fails(3);
    env.run(&[
        "users",
        "add",
        "x@contoso.com",
        "--customer",
        "Contoso",
        "--usage-location",
        "XX",
    ])
    .fails(3);
    assert_eq!(env.bytes(), before, "refused adds write nothing");
    env.run(&["users", "show", "nobody@contoso.com"]).fails(20);

    let (_, members) = env
        .run(&[
            "groups",
            "members",
            "Eng",
            "--customer",
            "Contoso",
            "--format",
            "csv",
        ])
        .ok()
        .csv(b',');
    assert_eq!(members.len(), 3);
    let r = env
        .run(&[
            "groups",
            "add-members",
            "Eng",
            "ada@contoso.com",
            "joan@contoso.com",
            "--customer",
            "Contoso",
            "--format",
            "json",
        ])
        .ok()
        .json();
    assert_eq!(
        (r[0]["added"].as_i64(), r[0]["members"].as_i64()),
        (Some(1), Some(4))
    );
    env.run(&[
        "groups",
        "add-members",
        "Eng",
        "nobody@contoso.com",
        "--customer",
        "Contoso",
    ])
    .fails(20);
    env.run(&["groups", "members", "Nope", "--customer", "Contoso"])
        .fails(4);
}

#[test]
fn preview_writes_nothing_and_shows_seats_and_failures() {
    let env = online_env(2);
    let before = env.bytes();
    let args = [
        "assign",
        "--sku",
        E3,
        "--group",
        "Eng",
        "--customer",
        "Contoso",
        "--preview",
    ];
    let people = env.run(&args).ok().stdout;
    assert!(people.contains("nothing written"), "{people}");
    assert!(people.contains("Office 365 E3") && people.contains("seats_needed"));
    assert!(people.contains("CountViolation"), "{people}");
    let mut json_args = args.to_vec();
    json_args.extend(["--format", "json"]);
    let v: Json = serde_json::from_str(&env.run(&json_args).ok().stdout).unwrap();
    assert_eq!(v["targets"], 3);
    assert_eq!(v["ok"], 2);
    assert_eq!(v["would_refuse"], true);
    assert_eq!(v["skus"][0]["held_by"], "None");
    assert_eq!(v["skus"][0]["seats_needed"], 3);
    assert_eq!(v["skus"][0]["seats_available"], 2);
    assert_eq!(v["failures"].as_array().unwrap().len(), 1);
    assert_eq!(v["failures"][0]["code"], "CountViolation");
    let mut csv_args = args.to_vec();
    csv_args.extend(["--format", "csv"]);
    let (header, rows) = env.run(&csv_args).ok().csv(b',');
    assert_eq!(header[0], "sku");
    assert_eq!(rows[0][2], "none");
    assert_eq!(env.bytes(), before, "a preview writes nothing");
    env.run(&["jobs", "list", "--format", "json"]).ok();
    assert!(env
        .run(&["jobs", "list", "--format", "json"])
        .ok()
        .json()
        .is_empty());
}

#[test]
fn an_atomic_refusal_applies_nothing_and_names_every_failing_user() {
    let env = online_env(1);
    let r = env
        .run(&[
            "assign",
            "--sku",
            E3,
            "--filter",
            "department=engineering",
            "--customer",
            "Contoso",
        ])
        .fails(20);
    let lines: Vec<&str> = r.stderr.lines().collect();
    assert!(lines[0].contains("nothing applied"), "{}", r.stderr);
    assert!(lines[0].contains("2 user(s) would fail"), "{}", r.stderr);
    assert!(lines[0].contains("job 1"), "{}", r.stderr);
    assert_eq!(
        lines.len(),
        3,
        "one detail line per failing user: {}",
        r.stderr
    );
    for l in &lines[1..] {
        assert!(l.starts_with("  CountViolation: "), "{l}");
        assert!(l.contains("@contoso.com: "), "{l}");
    }
    assert_eq!(sku(&env, E3)["assigned"], 0, "nothing applied");
    for u in ["ada", "alan", "grace"] {
        assert_eq!(licenses(&env, &format!("{u}@contoso.com")), "");
    }
    let j = env
        .run(&["jobs", "show", "1", "--format", "json"])
        .ok()
        .json();
    assert_eq!(j[0]["status"], "Failed");
    assert_eq!(j[0]["failed"], 3);
    // An unknown SKU or user: a clear error naming it, nothing written.
    let before = env.bytes();
    env.run(&["assign", "--sku", "NOPE", "--user", "ada@contoso.com"])
        .fails(20);
    env.run(&["assign", "--sku", E3, "--user", "nobody@contoso.com"])
        .fails(20);
    env.run(&[
        "assign",
        "--sku",
        E3,
        "--filter",
        "colour=blue",
        "--customer",
        "Contoso",
    ])
    .fails(2);
    env.run(&["assign", "--sku", E3, "--group", "Eng"]).fails(2);
    env.run(&["assign", "--sku", E3, "--customer", "Contoso"])
        .fails(2);
    env.run(&[
        "assign",
        "--sku",
        E3,
        "--user",
        "ada@contoso.com",
        "--expires",
        "31.12.2099",
    ])
    .fails(3);
    assert_eq!(env.bytes(), before);
}

#[test]
fn best_effort_rerun_items_and_export() {
    let env = online_env(2);
    // Not a terminal: no prompt even for several users.
    let r = env
        .run(&[
            "assign",
            "--sku",
            E3,
            "--group",
            "Eng",
            "--customer",
            "Contoso",
            "--best-effort",
        ])
        .ok();
    assert!(r.stdout.contains("FinishedWithException"), "{}", r.stdout);
    assert!(r.stdout.contains("jobs rerun 1"), "{}", r.stdout);
    assert_eq!(
        sku(&env, E3)["assigned"],
        2,
        "the users that pass are applied"
    );
    let items = env
        .run(&["jobs", "items", "1", "--format", "json"])
        .ok()
        .json();
    assert_eq!(items.len(), 3);
    let errors = env
        .run(&["jobs", "items", "1", "--errors", "--format", "json"])
        .ok()
        .json();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["code"], "CountViolation");
    let failed_user = errors[0]["user_principal_name"]
        .as_str()
        .unwrap()
        .to_string();

    // Export parsed back, to stdout and to a file, csv and jsonl.
    let (header, rows) = env.run(&["jobs", "export", "1"]).ok().csv(b',');
    assert!(
        header.contains(&"user_principal_name".to_string()),
        "{header:?}"
    );
    let outcome = header.iter().position(|h| h == "outcome").unwrap();
    assert_eq!(rows.iter().filter(|r| r[outcome] == "error").count(), 1);
    let out = env.path("job1.csv");
    env.run(&["jobs", "export", "1", "-o", out.to_str().unwrap()])
        .ok();
    let mut rd = csv::Reader::from_path(&out).unwrap();
    assert_eq!(rd.records().count(), 3);
    let jl = env
        .run(&["jobs", "export", "1", "--format", "jsonl"])
        .ok()
        .stdout;
    assert_eq!(jl.lines().count(), 3);
    for l in jl.lines() {
        serde_json::from_str::<Json>(l).unwrap();
    }
    env.run(&["jobs", "export", "1", "--format", "table"])
        .fails(2);
    env.run(&["jobs", "show", "99"]).fails(4);

    // More seats, then the rerun retries only the failed user.
    env.run(&["skus", "set", E3, "--customer", "Contoso", "--enabled", "3"])
        .ok();
    let r = env
        .run(&["jobs", "rerun", "1", "--format", "json"])
        .ok()
        .json();
    assert_eq!(r[0]["status"], "Finished");
    assert_eq!(
        (r[0]["ok"].as_i64(), r[0]["rerun_of"].as_i64()),
        (Some(1), Some(1))
    );
    assert!(licenses(&env, &failed_user).contains("Office 365 E3"));
    let jobs = env.run(&["jobs", "list", "--format", "json"]).ok().json();
    assert_eq!(jobs.len(), 2);
    assert_eq!(jobs[0]["job_id"], 2, "newest first");
    env.run(&["jobs", "rerun", "2"]).fails(7);
}

#[test]
fn replace_and_remove_by_group_user_and_filter() {
    let env = online_env(5);
    env.run(&["skus", "set", E5, "--customer", "Contoso", "--enabled", "5"])
        .ok();
    env.run(&[
        "assign",
        "--sku",
        E3,
        BI,
        "--group",
        "Eng",
        "--customer",
        "Contoso",
    ])
    .ok();
    assert_eq!(
        licenses(&env, "ada@contoso.com"),
        "Office 365 E3; Power BI Pro"
    );
    let r = env
        .run(&[
            "replace",
            "--from",
            E3,
            "--to",
            E5,
            "--group",
            "Eng",
            "--customer",
            "Contoso",
            "--format",
            "json",
        ])
        .ok()
        .json();
    assert_eq!(
        (r[0]["kind"].as_str(), r[0]["ok"].as_i64()),
        (Some("replace"), Some(3))
    );
    assert_eq!(
        licenses(&env, "alan@contoso.com"),
        "Microsoft 365 E5; Power BI Pro"
    );
    env.run(&[
        "remove",
        "--sku",
        BI,
        "--filter",
        "department=Engineering",
        "--filter",
        "domain=contoso.com",
        "--customer",
        "Contoso",
    ])
    .ok();
    assert_eq!(sku(&env, BI)["assigned"], 0);
    env.run(&[
        "replace",
        "--from-all",
        "--to",
        E3,
        "--user",
        "grace@contoso.com",
    ])
    .ok();
    assert_eq!(licenses(&env, "grace@contoso.com"), "Office 365 E3");
    // Removing what a user does not hold is a skip, not an error.
    let r = env
        .run(&[
            "remove",
            "--sku",
            BI,
            "--user",
            "joan@contoso.com",
            "--format",
            "json",
        ])
        .ok()
        .json();
    assert_eq!(
        (r[0]["skipped"].as_i64(), r[0]["status"].as_str()),
        (Some(1), Some("Finished"))
    );
}

/// On a terminal, destructive runs ask first; an answer other than yes applies nothing.
/// (`script` gives the binary a pseudo-terminal; util-linux has it on every Debian.)
#[test]
fn destructive_runs_ask_on_a_terminal() {
    let env = online_env(5);
    env.run(&[
        "assign",
        "--sku",
        BI,
        "--group",
        "Eng",
        "--customer",
        "Contoso",
    ])
    .ok();
    if !Path::new("/usr/bin/script").exists() {
        eprintln!("skipped: no /usr/bin/script to give the binary a terminal");
        return;
    }
    let bin = env.cmd().get_program().to_owned();
    let line = format!(
        "{} --db {} remove --sku {BI} --group Eng --customer Contoso",
        Path::new(&bin).display(),
        env.db.display()
    );
    let run = |answer: &str| {
        let mut c = Command::new("/usr/bin/script")
            .args(["-qec", &line, "/dev/null"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        c.stdin
            .take()
            .unwrap()
            .write_all(answer.as_bytes())
            .unwrap();
        let o = c.wait_with_output().unwrap();
        String::from_utf8_lossy(&o.stdout).to_string()
    };
    let before = env.bytes();
    let out = run("n\n");
    assert!(
        out.contains("Apply to 3 user(s) of Contoso? [y/N]"),
        "{out}"
    );
    assert!(out.contains("cancelled; nothing applied"), "{out}");
    assert_eq!(env.bytes(), before);
    let out = run("y\n");
    assert!(out.contains("Finished"), "{out}");
    assert_eq!(sku(&env, BI)["assigned"], 0);
}

#[test]
fn expiry_expiring_history_and_offboarding() {
    let env = online_env(5);
    env.run(&[
        "assign",
        "--sku",
        BI,
        "--user",
        "ada@contoso.com",
        "alan@contoso.com",
        "--expires",
        "2099-12-31",
    ])
    .ok();
    env.run(&["assign", "--sku", E3, "--user", "ada@contoso.com"])
        .ok();
    let (header, rows) = env
        .run(&["expiring", "--days", "40000", "--format", "csv"])
        .ok()
        .csv(b',');
    assert_eq!(header[0], "at");
    let licenses_rows: Vec<_> = rows.iter().filter(|r| r[1] == "license").collect();
    assert_eq!(licenses_rows.len(), 2);
    assert!(licenses_rows.iter().all(|r| r[4] == "Power BI Pro"));
    assert!(env
        .run(&["expiring", "--days", "30", "--format", "json"])
        .ok()
        .json()
        .is_empty());

    let (_, then) = env
        .run(&[
            "history",
            "--customer",
            "Contoso",
            "--sku",
            BI,
            "--at",
            "2099-01-01",
            "--format",
            "csv",
        ])
        .ok()
        .csv(b',');
    assert_eq!(then.len(), 2);
    assert_eq!(then[0][0], "ada@contoso.com");
    assert_eq!(then[0][1], "Power BI Pro");
    let (_, long_ago) = env
        .run(&[
            "history",
            "--customer",
            "Contoso",
            "--sku",
            BI,
            "--at",
            "2000-01-01",
            "--format",
            "csv",
        ])
        .ok()
        .csv(b',');
    assert!(long_ago.is_empty());
    env.run(&[
        "history",
        "--customer",
        "Contoso",
        "--sku",
        BI,
        "--at",
        "yesterday",
    ])
    .fails(3);

    // Nothing has expired yet; as of 2100 both temporary licenses go, as one job.
    let r = env.run(&["expire", "--format", "json"]).ok().json();
    assert_eq!(
        (r[0]["kind"].as_str(), r[0]["ok"].as_i64()),
        (Some("expire"), Some(0))
    );
    let r = env
        .run(&[
            "expire",
            "--now",
            "2100-01-01T00:00:00Z",
            "--format",
            "json",
        ])
        .ok()
        .json();
    assert_eq!(r[0]["ok"], 2);
    assert_eq!(sku(&env, BI)["assigned"], 0);
    assert_eq!(licenses(&env, "ada@contoso.com"), "Office 365 E3");

    let r = env
        .run(&["offboard", "ada@contoso.com", "--format", "json"])
        .ok()
        .json();
    assert_eq!(r[0]["status"], "Offboarded");
    assert_eq!(r[0]["licenses_removed"], 1);
    assert_eq!(sku(&env, E3)["assigned"], 0);
    env.run(&["offboard", "ada@contoso.com"]).fails(20);
    env.run(&["assign", "--sku", E3, "--user", "ada@contoso.com"])
        .fails(20);
}

#[test]
fn rules_numbers_and_profiles() {
    let env = online_env(5);
    env.run(&["skus", "set", E5, "--customer", "Contoso", "--enabled", "5"])
        .ok();
    env.run(&["rules", "add", "excludes", E3, E5]).ok();
    env.run(&["rules", "add", "excludes", E3, E5]).ok();
    env.run(&["rules", "add", "requires", BI, "--any-of", E3, E5])
        .ok();
    env.run(&["rules", "add", "blocked-in", E5, "--countries", "cn", "RU"])
        .ok();
    let rules = env.run(&["rules", "list", "--format", "json"]).ok().json();
    // One line per rule as added (the repeated add shows once), by kind then SKU, with
    // friendly names; an add-on's base SKUs are one "any of" list.
    assert_eq!(rules.len(), 3, "{rules:?}");
    assert_eq!(rules[0]["kind"], "requires any of");
    assert_eq!(rules[0]["sku"], "Power BI Pro (POWER_BI_PRO)");
    assert_eq!(
        rules[0]["other"],
        "Office 365 E3 (ENTERPRISEPACK); Microsoft 365 E5 (SPE_E5)"
    );
    assert_eq!(rules[1]["kind"], "excludes");
    assert_eq!(rules[1]["sku"], "Office 365 E3 (ENTERPRISEPACK)");
    assert_eq!(rules[1]["other"], "Microsoft 365 E5 (SPE_E5)");
    assert_eq!(rules[2]["kind"], "blocked in");
    assert_eq!(rules[2]["other"], "CN; RU");
    // Adding a country again lists it once.
    env.run(&["rules", "add", "blocked-in", E5, "--countries", "RU"])
        .ok();
    let again = env.run(&["rules", "list", "--format", "json"]).ok().json();
    assert_eq!(again, rules);
    env.run(&["rules", "add", "excludes", E3, E3]).fails(3);

    env.run(&["assign", "--sku", E3, "--user", "ada@contoso.com"])
        .ok();
    let r = env
        .run(&["assign", "--sku", E5, "--user", "ada@contoso.com"])
        .fails(20);
    assert!(
        r.stderr.contains("MutuallyExclusiveViolation"),
        "{}",
        r.stderr
    );
    let r = env
        .run(&["assign", "--sku", BI, "--user", "joan@contoso.com"])
        .fails(20);
    assert!(r.stderr.contains("DependencyViolation"), "{}", r.stderr);

    // Numbers.
    env.run(&[
        "numbers",
        "add",
        "+1 425 555 0100",
        "+14255550101",
        "--customer",
        "Contoso",
    ])
    .ok();
    env.run(&["numbers", "add", "0100", "--customer", "Contoso"])
        .fails(3);
    let r = env
        .run(&["numbers", "assign", "ada@contoso.com", "--format", "json"])
        .ok()
        .json();
    assert_eq!(r[0]["number"], "+14255550100");
    let r = env
        .run(&[
            "numbers",
            "set-status",
            "+14255550101",
            "reserved",
            "--format",
            "json",
        ])
        .ok()
        .json();
    assert_eq!(r[0]["status"], "Reserved");
    let (_, nums) = env
        .run(&[
            "numbers",
            "list",
            "--customer",
            "Contoso",
            "--format",
            "csv",
        ])
        .ok()
        .csv(b',');
    assert_eq!(nums.len(), 2);
    assert_eq!(
        (nums[0][2].as_str(), nums[0][3].as_str()),
        ("Assigned", "ada@contoso.com")
    );

    // Profiles provision Staged users.
    env.run(&[
        "users",
        "add",
        "new@contoso.com",
        "--customer",
        "Contoso",
        "--department",
        "Sales",
        "--status",
        "staged",
    ])
    .ok();
    env.run(&[
        "profiles",
        "set",
        "sales",
        "--customer",
        "Contoso",
        "--department",
        "Sales",
        "--sku",
        E3,
    ])
    .ok();
    let p = env
        .run(&[
            "profiles",
            "list",
            "--customer",
            "Contoso",
            "--format",
            "json",
        ])
        .ok()
        .json();
    assert_eq!(
        (p[0]["name"].as_str(), p[0]["skus"].as_str()),
        (Some("sales"), Some("Office 365 E3"))
    );
    let jobs = env
        .run(&[
            "profiles",
            "apply",
            "--customer",
            "Contoso",
            "--format",
            "json",
        ])
        .ok()
        .json();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0]["ok"], 1);
    let u = env
        .run(&["users", "show", "new@contoso.com", "--format", "json"])
        .ok()
        .json();
    assert_eq!(u[0]["status"], "Active");
    assert_eq!(u[0]["licenses"], "Office 365 E3");
}

/// A Microsoft 365 "Export users" file: the real header, synthetic rows by column name.
fn m365_file(env: &Env, rows: &[&[(&str, &str)]]) -> PathBuf {
    let header = std::fs::read_to_string(data("m365-admin-export-users-header.csv")).unwrap();
    assert!(
        header.starts_with('\u{feff}'),
        "the real export starts with a BOM"
    );
    let columns: Vec<&str> = header
        .trim_start_matches('\u{feff}')
        .trim_end()
        .split(',')
        .collect();
    assert_eq!(columns.len(), 29);
    let mut w = csv::WriterBuilder::new().from_writer(vec![]);
    for r in rows {
        let rec: Vec<&str> = columns
            .iter()
            .map(|c| r.iter().find(|(k, _)| k == c).map_or("", |(_, v)| *v))
            .collect();
        w.write_record(&rec).unwrap();
    }
    let mut text = header.trim_end().to_string();
    text.push('\n');
    text.push_str(&String::from_utf8(w.into_inner().unwrap()).unwrap());
    let path = env.path("users.csv");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn sync_m365_users_shows_the_difference_then_applies_one_job() {
    let env = online_env(5);
    env.run(&[
        "skus",
        "set",
        "EMSPREMIUM",
        "--customer",
        "Contoso",
        "--enabled",
        "5",
    ])
    .ok();
    env.run(&["assign", "--sku", E3, "--user", "ada@contoso.com"])
        .ok();
    let bad = m365_file(
        &env,
        &[
            &[
                ("User principal name", "ada@contoso.com"),
                ("Display name", "Ada Lovelace"),
                ("Department", "Engineering"),
                (
                    "Licenses",
                    "Office 365 E3+Enterprise Mobility + Security E5",
                ),
            ],
            &[
                ("User principal name", "new.hire@contoso.com"),
                ("Display name", "New Hire"),
                ("Usage location", "DE"),
                ("Licenses", "Unlicensed"),
            ],
            &[
                ("User principal name", "typo@contoso.com"),
                ("Licenses", "Office 365 E33"),
            ],
        ],
    );
    let file = bad.to_str().unwrap().to_string();
    let before = env.bytes();
    let people = env
        .run(&["sync", "m365-users", &file, "--customer", "Contoso"])
        .ok()
        .stdout;
    assert!(
        people.contains("+Enterprise Mobility + Security E5"),
        "{people}"
    );
    assert!(people.contains(":4: column \"Licenses\""), "{people}");
    let v: Json = serde_json::from_str(
        &env.run(&[
            "sync",
            "m365-users",
            &file,
            "--customer",
            "Contoso",
            "--format",
            "json",
        ])
        .ok()
        .stdout,
    )
    .unwrap();
    let users = v["users"].as_array().unwrap();
    let kind = |upn: &str| {
        users
            .iter()
            .find(|u| u["user_principal_name"] == upn)
            .map(|u| u["change"].as_str().unwrap().to_string())
    };
    assert_eq!(kind("ada@contoso.com").as_deref(), Some("changed"));
    assert_eq!(kind("new.hire@contoso.com").as_deref(), Some("new"));
    assert_eq!(kind("joan@contoso.com").as_deref(), Some("gone"));
    assert_eq!(v["errors"].as_array().unwrap().len(), 1);
    // The rejected row refuses the apply; nothing written.
    env.run(&[
        "sync",
        "m365-users",
        &file,
        "--customer",
        "Contoso",
        "--apply",
    ])
    .fails(8);
    assert_eq!(env.bytes(), before);

    let good = m365_file(
        &env,
        &[
            &[
                ("User principal name", "ada@contoso.com"),
                ("Display name", "Ada Lovelace"),
                ("Department", "Engineering"),
                (
                    "Licenses",
                    "Office 365 E3+Enterprise Mobility + Security E5",
                ),
            ],
            &[
                ("User principal name", "new.hire@contoso.com"),
                ("Display name", "New Hire"),
                ("Usage location", "DE"),
                ("Licenses", "Unlicensed"),
            ],
        ],
    );
    let r = env
        .run(&[
            "sync",
            "m365-users",
            good.to_str().unwrap(),
            "--customer",
            "Contoso",
            "--apply",
            "--format",
            "json",
        ])
        .ok()
        .json();
    assert_eq!(r[0]["kind"], "sync_users");
    assert_eq!(r[0]["status"], "Finished");
    assert!(licenses(&env, "ada@contoso.com").contains("Enterprise Mobility + Security E5"));
    let u = env
        .run(&["users", "show", "new.hire@contoso.com", "--format", "json"])
        .ok()
        .json();
    assert_eq!(
        (u[0]["status"].as_str(), u[0]["usage_location"].as_str()),
        (Some("Staged"), Some("DE"))
    );
    // Gone users are reported, never offboarded.
    let u = env
        .run(&["users", "show", "joan@contoso.com", "--format", "json"])
        .ok()
        .json();
    assert_eq!(u[0]["status"], "Active");
}

#[test]
fn sync_graph_skus_from_the_documented_response() {
    let env = online_env(5);
    let file = data("graph-subscribedSkus-docs-example.json");
    let file = file.to_str().unwrap();
    let before = env.bytes();
    let (header, rows) = env
        .run(&[
            "sync",
            "graph-skus",
            file,
            "--customer",
            "Contoso",
            "--format",
            "csv",
        ])
        .ok()
        .csv(b',');
    assert_eq!(header[0], "change");
    let change = |part: &str| {
        rows.iter()
            .find(|r| r[2] == part)
            .map(|r| r[0].clone())
            .unwrap_or_default()
    };
    assert_eq!(change("ENTERPRISEPREMIUM"), "new");
    assert_eq!(change(E3), "gone");
    assert_eq!(env.bytes(), before, "the difference writes nothing");
    let r = env
        .run(&[
            "sync",
            "graph-skus",
            file,
            "--customer",
            "Contoso",
            "--apply",
            "--format",
            "json",
        ])
        .ok()
        .json();
    assert_eq!(r[0]["kind"], "sync_skus");
    let e5 = sku(&env, "ENTERPRISEPREMIUM");
    assert_eq!(e5["display_name"], "Office 365 E5");
    assert_eq!(e5["enabled_units"], 25);
    assert_eq!(e5["reported_consumed"], 14);
    assert_eq!(e5["drift"], 14);
    let bad = env.path("bad.json");
    std::fs::write(&bad, "{\"not\": []}").unwrap();
    env.run(&[
        "sync",
        "graph-skus",
        bad.to_str().unwrap(),
        "--customer",
        "Contoso",
    ])
    .fails(3);
}

#[test]
fn demo_prints_sku_usage_after_customers() {
    let env = Env::new();
    let out = env.run(&["demo"]).ok().stdout;
    let customers = out.find("\nCustomers (").expect("customers section");
    let skus = out.find("\nSKU usage (").expect("SKU usage section");
    let summary = out
        .find("\nLicense summary as of")
        .expect("license summary");
    assert!(customers < skus && skus < summary, "{out}");
    let section = &out[skus..summary];
    let header = section.lines().nth(3).unwrap();
    for col in [
        "customer",
        "sku",
        "part_number",
        "enabled",
        "assigned",
        "available",
        "drift",
    ] {
        assert!(header.split_whitespace().any(|h| h == col), "{header}");
    }
    assert!(section.contains("Office 365 E3") && section.contains("ENTERPRISEPACK"));

    let env = Env::new();
    let v: Json =
        serde_json::from_str(&env.run(&["demo", "--format", "json"]).ok().stdout).unwrap();
    let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert!(keys.contains(&&"sku_usage".to_string()));
    let rows = v["sku_usage"].as_array().unwrap();
    assert!(rows.len() >= 4, "several customers' SKUs");
    for r in rows {
        assert!(!r["display_name"].as_str().unwrap().is_empty());
        let (e, w, a, av) = (
            r["enabled_units"].as_i64().unwrap(),
            r["warning_units"].as_i64().unwrap(),
            r["assigned"].as_i64().unwrap(),
            r["available"].as_i64().unwrap(),
        );
        assert_eq!(av, e + w - a, "{r}");
    }
    // The same figures as the sku_usage view of the store.
    let view = env
        .run(&[
            "sql",
            "SELECT sum(assigned) AS n FROM sku_usage",
            "--format",
            "json",
        ])
        .ok()
        .json();
    let total: i64 = rows.iter().map(|r| r["assigned"].as_i64().unwrap()).sum();
    assert_eq!(view[0]["n"].as_i64(), Some(total));
}

/// Ctrl-C (SIGINT) during a bulk run: the run is cancelled through the core's progress callback,
/// nothing is applied, no job is recorded, and the exit status is 10 (Interrupted).
#[test]
fn ctrl_c_cancels_a_bulk_run_and_applies_nothing() {
    let env = Env::init();
    env.run(&["customers", "add", "Contoso", "--usage-location", "US"])
        .ok();
    env.run(&[
        "skus",
        "set",
        E3,
        "--customer",
        "Contoso",
        "--enabled",
        "200000",
    ])
    .ok();
    // Enough users that the run takes seconds even on a fast, quiet machine (with 50,000 the
    // debug binary finished in about a second there, and the signal met a process already
    // exiting).
    let users = 150_000;
    let mut csv = String::from("customer,user_principal_name\n");
    for i in 0..users {
        csv.push_str(&format!("Contoso,user{i}@contoso.com\n"));
    }
    std::fs::write(env.path("users.csv"), csv).unwrap();
    env.run(&["import", "subscribers", "users.csv"]).ok();
    let jobs_before = env.run(&["jobs", "list", "--format", "json"]).ok().json();

    // Half a second in, the run is under way (it takes several seconds). Should the signal come
    // before the run started (a loaded machine), the command exits 130 having done nothing; try
    // again, waiting longer.
    let mut delay_ms = 500;
    let (out, finished) = loop {
        let mut child = env
            .cmd()
            .arg("--db")
            .arg(&env.db)
            .args([
                "assign",
                "--sku",
                E3,
                "--filter",
                "status=Active",
                "--customer",
                "Contoso",
                "--yes",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let started = std::time::Instant::now();
        let mut finished = false;
        while started.elapsed() < std::time::Duration::from_millis(delay_ms) {
            if child.try_wait().unwrap().is_some() {
                finished = true;
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
        let out = child.wait_with_output().unwrap();
        if out.status.code() == Some(130) && delay_ms < 8_000 {
            assert_eq!(
                env.run(&["jobs", "list", "--format", "json"]).ok().json(),
                jobs_before
            );
            delay_ms *= 2;
            continue;
        }
        break (out, finished);
    };
    let stderr = String::from_utf8_lossy(&out.stderr);
    let sku = env
        .run(&[
            "skus",
            "show",
            E3,
            "--customer",
            "Contoso",
            "--format",
            "json",
        ])
        .ok()
        .json();
    let jobs = env.run(&["jobs", "list", "--format", "json"]).ok().json();
    if out.status.code() == Some(0) {
        // The machine finished the whole run before the signal (or committed it as the signal
        // came): then all of it is there, and the command says so.
        assert!(
            finished || stderr.contains("had already finished when Ctrl-C came: it is applied"),
            "{stderr}"
        );
        assert_eq!(sku[0]["assigned"], users);
        assert_eq!(jobs.len(), jobs_before.len() + 1);
        return;
    }
    assert_eq!(out.status.code(), Some(10), "{stderr}");
    assert!(out.stdout.is_empty());
    assert!(
        stderr.contains("licstore: error: assign: interrupted (Ctrl-C); nothing was applied"),
        "{stderr}"
    );
    assert_eq!(
        sku[0]["assigned"], 0,
        "an interrupted run assigned licenses"
    );
    assert_eq!(jobs, jobs_before, "an interrupted run recorded a job");
}
