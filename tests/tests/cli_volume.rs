//! End-to-end tests of the volume-licensing commands of the `licstore` binary: licensing IDs,
//! products, entitlements, the license summary, product keys (masked everywhere but reveal),
//! activations, the VLSC download, limit requests, SA benefits, reservations and `demo`.

use serde_json::Value as Json;

use crate::cli::{Env, Run};

/// A well-formed MAK (the core's test key) and a KMS key.
const MAK: &str = "BCDFG-HJKMN-PQRTV-WXY23-46789";
const KMS: &str = "W269N-WFGWX-YVC9B-4J6C9-T83GX";

/// Today by the store's clock (the binary uses the system clock too).
fn today() -> String {
    licstore::Store::open_in_memory()
        .unwrap()
        .now()
        .date_naive()
        .to_string()
}

/// Every full product key in `text`: five groups of five key characters, no `*`.
fn full_keys(text: &str) -> Vec<String> {
    const ALPHABET: &str = "BCDFGHJKMNPQRTVWXY2346789";
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '*'))
        .flat_map(|t| t.split(['\t', ',']))
        .filter(|t| {
            let groups: Vec<&str> = t.split('-').collect();
            groups.len() == 5
                && groups
                    .iter()
                    .all(|g| g.len() == 5 && g.chars().all(|c| ALPHABET.contains(c)))
        })
        .map(String::from)
        .collect()
}

#[test]
fn full_keys_finds_keys_and_ignores_masked_ones() {
    assert_eq!(full_keys(&format!("key: {MAK}\n")), vec![MAK.to_string()]);
    assert!(full_keys("*****-*****-*****-*****-46789 and 2026-11-22").is_empty());
}

/// A store with Contoso's Enterprise enrollment E100 (and Fabrikam's Select S200), Office
/// products, and a MAK (limit 3) and a KMS key on E100.
fn volume_env() -> Env {
    let env = Env::init();
    for c in ["Contoso", "Fabrikam"] {
        env.run(&["customers", "add", c]).ok();
    }
    env.run(&[
        "licensing-ids",
        "add",
        "E100",
        "--customer",
        "contoso",
        "--program",
        "enterprise",
        "--start",
        "2020-01-01",
        "--end",
        "2099-12-31",
    ])
    .ok();
    env.run(&[
        "licensing-ids",
        "add",
        "S200",
        "--customer",
        "Fabrikam",
        "--program",
        "SelectPlus",
    ])
    .ok();
    for (family, version) in [
        ("Office Professional Plus", "2019"),
        ("Office Professional Plus", "2021"),
    ] {
        env.run(&["products", "add", family, version, "--pool", "Applications"])
            .ok();
    }
    env.with_stdin(
        &[
            "keys",
            "add",
            "-",
            "--licensing-id",
            "E100",
            "--product",
            "Office Professional Plus 2021",
            "--type",
            "MAK",
            "--limit",
            "3",
        ],
        &format!("{MAK}\n"),
    )
    .ok();
    env.run(&[
        "keys",
        "add",
        KMS,
        "--licensing-id",
        "E100",
        "--product",
        "Windows Server 2022",
        "--type",
        "kms",
    ])
    .ok();
    env
}

fn add_line(env: &Env, extra: &[&str]) -> Run {
    let mut args = vec![
        "entitlements",
        "add",
        "--licensing-id",
        "E100",
        "--family",
        "Office Professional Plus",
        "--order-date",
        "2024-03-01",
    ];
    args.extend_from_slice(extra);
    env.run(&args)
}

#[test]
fn licensing_ids_products_and_entitlements() {
    let env = volume_env();
    let r = env.run(&["licensing-ids", "show", "e100"]).ok();
    assert!(r.stdout.contains("program:") && r.stdout.contains("Enterprise"));
    let all = env
        .run(&["licensing-ids", "list", "--format", "json"])
        .ok()
        .json();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0]["number"], "E100");
    assert_eq!(all[0]["customer"], "Contoso");
    assert_eq!(all[0]["start_date"], "2020-01-01");
    assert_eq!(all[0]["active"], 1);
    assert_eq!(all[1]["program"], "SelectPlus");
    assert_eq!(all[1]["end_date"], Json::Null);
    let (header, rows) = env
        .run(&[
            "licensing-ids",
            "list",
            "--customer",
            "Fabrikam",
            "--format",
            "csv",
        ])
        .ok()
        .csv(b',');
    assert_eq!(header[0], "number");
    assert_eq!(
        rows,
        vec![vec![
            "S200",
            "Fabrikam",
            "SelectPlus",
            "",
            "",
            "",
            "",
            "",
            "1"
        ]]
    );

    // Refusals: a taken number, an unknown customer, a bad program or date.
    env.run(&[
        "licensing-ids",
        "add",
        "e100",
        "--customer",
        "Contoso",
        "--program",
        "Open",
    ])
    .fails(5);
    env.run(&[
        "licensing-ids",
        "add",
        "X",
        "--customer",
        "Nobody",
        "--program",
        "Open",
    ])
    .fails(4);
    let r = env
        .run(&[
            "licensing-ids",
            "add",
            "X",
            "--customer",
            "Contoso",
            "--program",
            "Gold",
        ])
        .fails(3);
    assert!(
        r.stderr.contains("Enterprise, EnterpriseSubscription"),
        "{}",
        r.stderr
    );
    env.run(&[
        "licensing-ids",
        "add",
        "X",
        "--customer",
        "Contoso",
        "--program",
        "Open",
        "--start",
        "2024-13-01",
    ])
    .fails(3);
    env.run(&["licensing-ids", "show", "nope"]).fails(4);

    // Products, in reading order of versions.
    env.run(&[
        "products",
        "add",
        "Office Professional Plus",
        "2021",
        "--pool",
        "Applications",
    ])
    .fails(5);
    env.run(&["products", "add", "Visio", "2021", "--pool", "Moon"])
        .fails(3);
    let (_, rows) = env
        .run(&["products", "list", "--format", "tsv"])
        .ok()
        .csv(b'\t');
    assert_eq!(
        rows,
        vec![
            vec!["Office Professional Plus", "2019", "Applications"],
            vec!["Office Professional Plus", "2021", "Applications"],
        ]
    );

    // Entitlements: a base line, an upgrade, a grant marked with `*`.
    add_line(
        &env,
        &[
            "--version",
            "2019",
            "--kind",
            "license_and_sa",
            "--quantity",
            "10",
        ],
    )
    .ok();
    add_line(
        &env,
        &["--version", "2021", "--kind", "upgrade", "--quantity", "4"],
    )
    .ok();
    let r = add_line(
        &env,
        &[
            "--version",
            "2021",
            "--kind",
            "grant",
            "--granted-by",
            "1",
            "--quantity",
            "2",
        ],
    )
    .ok();
    assert!(
        r.stdout.contains("grant_mark:  *") || r.stdout.contains("*\n"),
        "{}",
        r.stdout
    );
    let lines = env
        .run(&[
            "entitlements",
            "list",
            "--licensing-id",
            "e100",
            "--format",
            "jsonl",
        ])
        .ok();
    let lines: Vec<Json> = lines
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[2]["kind"], "grant");
    assert_eq!(lines[2]["granted_by"], 1);
    assert_eq!(lines[2]["grant_mark"], "*");
    assert_eq!(lines[0]["grant_mark"], "");

    // Entitlement refusals name the input and write nothing.
    add_line(
        &env,
        &["--version", "2021", "--kind", "full", "--quantity", "0"],
    )
    .fails(3);
    add_line(
        &env,
        &["--version", "2021", "--kind", "bogus", "--quantity", "1"],
    )
    .fails(3);
    add_line(
        &env,
        &["--version", "2030", "--kind", "full", "--quantity", "1"],
    )
    .fails(4);
    add_line(
        &env,
        &[
            "--version",
            "2021",
            "--kind",
            "full",
            "--quantity",
            "1",
            "--sa-end",
            "2030-01-01",
        ],
    )
    .fails(3);
    let r = env
        .run(&[
            "entitlements",
            "add",
            "--licensing-id",
            "NOPE",
            "--family",
            "Office Professional Plus",
            "--version",
            "2021",
            "--kind",
            "full",
            "--quantity",
            "1",
            "--order-date",
            "2024-01-01",
        ])
        .fails(4);
    assert!(
        r.stderr.contains("licensing ID not found: \"NOPE\""),
        "{}",
        r.stderr
    );
    env.run(&["entitlements", "list", "--licensing-id", "NOPE"])
        .fails(4);
    assert_eq!(
        env.run(&["entitlements", "list", "--format", "json"])
            .ok()
            .json()
            .len(),
        3
    );
}

#[test]
fn the_license_summary_in_every_format() {
    let env = volume_env();
    add_line(
        &env,
        &[
            "--version",
            "2019",
            "--kind",
            "license_and_sa",
            "--quantity",
            "10",
        ],
    )
    .ok();
    add_line(
        &env,
        &["--version", "2021", "--kind", "upgrade", "--quantity", "4"],
    )
    .ok();
    add_line(
        &env,
        &[
            "--version",
            "2021",
            "--kind",
            "grant",
            "--granted-by",
            "1",
            "--quantity",
            "2",
        ],
    )
    .ok();
    env.run(&["keys", "proxy-activate", "1", "PC1", "PC2", "PC3"])
        .ok();

    // People: a heading with the date, `*` after a quantity that includes grants, the note.
    let r = env.run(&["summary", "--customer", "contoso"]).ok();
    assert!(
        r.stdout
            .starts_with(&format!("License summary as of {}\n", today())),
        "{}",
        r.stdout
    );
    let line = r
        .stdout
        .lines()
        .find(|l| l.contains(" 2021 "))
        .unwrap_or_else(|| panic!("{}", r.stdout));
    assert!(line.contains("6*"), "{line}");
    assert!(
        r.stdout.contains("* includes promotional grants"),
        "{}",
        r.stdout
    );

    // Scripts: the view's columns, numbers as numbers; csv and json agree.
    let json = env.run(&["summary", "--format", "json"]).ok().json();
    assert_eq!(json.len(), 2, "{json:?}");
    let v21 = &json[1];
    assert_eq!(v21["customer"], "Contoso");
    assert_eq!(v21["version"], "2021");
    assert_eq!(v21["effective_quantity"], 6);
    assert_eq!(v21["granted_quantity"], 2);
    assert_eq!(v21["grant_mark"], "*");
    assert_eq!(v21["deployed_quantity"], 3);
    assert_eq!(v21["surplus"], 3);
    assert_eq!(v21["shortfall"], 0);
    assert_eq!(v21["as_of"], today().as_str());
    assert_eq!(json[0]["effective_quantity"], 6);
    assert_eq!(json[0]["active_sa_quantity"], 6);
    let (header, rows) = env
        .run(&["summary", "--licensing-id", "E100", "--format", "csv"])
        .ok()
        .csv(b',');
    assert_eq!(header.len(), 14);
    assert_eq!(header[4], "effective_quantity");
    assert_eq!(rows.len(), 2);
    for (row, obj) in rows.iter().zip(&json) {
        for (h, cell) in header.iter().zip(row) {
            let expected = match &obj[h] {
                Json::String(s) => s.clone(),
                other => other.to_string(),
            };
            assert_eq!(cell, &expected, "{h}");
        }
    }

    // As of a date before any order: the lines are there, with nothing effective.
    let past = env
        .run(&[
            "summary",
            "--customer",
            "Contoso",
            "--as-of",
            "2020-01-01",
            "--format",
            "json",
        ])
        .ok()
        .json();
    assert!(
        past.iter().all(|l| l["effective_quantity"] == 0),
        "{past:?}"
    );
    assert!(past.iter().all(|l| l["as_of"] == "2020-01-01"));

    // Unknown names, another customer's licensing ID, a bad date.
    env.run(&["summary", "--licensing-id", "NOPE"]).fails(4);
    env.run(&["summary", "--customer", "Nobody"]).fails(4);
    let r = env
        .run(&["summary", "--customer", "Contoso", "--licensing-id", "S200"])
        .fails(3);
    assert!(r.stderr.contains("Fabrikam"), "{}", r.stderr);
    env.run(&["summary", "--as-of", "yesterday"]).fails(3);
    env.run(&["summary", "--format", "jsonl"]).ok();
}

#[test]
fn keys_are_masked_everywhere_but_reveal() {
    let env = volume_env();
    env.run(&["keys", "activate", MAK, "PC-1"]).ok();
    let outputs: Vec<Run> = vec![
        env.run(&["keys", "list"]).ok(),
        env.run(&["keys", "list", "--format", "csv"]).ok(),
        env.run(&["keys", "list", "--format", "json"]).ok(),
        env.run(&["keys", "show", "1"]).ok(),
        env.run(&["keys", "show", MAK, "--format", "jsonl"]).ok(),
        env.run(&["keys", "activations", "1", "--format", "tsv"])
            .ok(),
        env.run(&["keys", "export-vlsc"]).ok(),
        env.run(&[
            "keys",
            "limit-request",
            "add",
            "1",
            "--activations",
            "2",
            "--justification",
            "lab",
        ])
        .ok(),
        env.run(&["keys", "limit-request", "list", "--format", "json"])
            .ok(),
        env.run(&["audit", "--format", "json"]).ok(),
        env.run(&["sql", "SELECT * FROM product_keys"]).ok(),
        env.run(&["sql", "SELECT * FROM key_activations", "--format", "csv"])
            .ok(),
    ];
    for r in &outputs {
        assert!(
            full_keys(&r.stdout).is_empty(),
            "a full key in:\n{}",
            r.stdout
        );
        assert!(
            r.stdout.contains("46789"),
            "the last 5 are shown:\n{}",
            r.stdout
        );
    }
    let keys = outputs[2].json();
    assert_eq!(keys[0]["key"], "*****-*****-*****-*****-46789");
    assert_eq!(keys[0]["type"], "MAK");
    assert_eq!(keys[0]["activation_limit"], 3);
    assert_eq!(keys[0]["activations_used"], 1);
    assert_eq!(keys[0]["activations_available"], 2);
    assert_eq!(keys[1]["type"], "KMS");
    assert_eq!(keys[1]["host_limit"], 6);

    // Reveal: the full key, saying it is audited, and an audit row with actor and reason.
    let r = env
        .run(&[
            "--actor",
            "alice",
            "keys",
            "reveal",
            "1",
            "--reason",
            "reinstall PC-1",
        ])
        .ok();
    assert_eq!(full_keys(&r.stdout), vec![MAK.to_string()]);
    assert!(r.stdout.contains("audit log"), "{}", r.stdout);
    let r = env.run(&["keys", "reveal", KMS, "--format", "json"]).ok();
    assert_eq!(r.json()[0]["key"], KMS);
    let reveals = env
        .run(&[
            "audit",
            "--action",
            "product_key.reveal",
            "--format",
            "json",
        ])
        .ok()
        .json();
    assert_eq!(reveals.len(), 2);
    assert_eq!(reveals[0]["actor"], "alice");
    assert!(reveals[0]["after"]
        .as_str()
        .unwrap()
        .contains("reinstall PC-1"));
    assert!(full_keys(&reveals[0]["after"].to_string()).is_empty());

    // A revealed export holds the full keys and imports back into another store unchanged.
    let out = env.path("keys-full.tsv");
    env.run(&[
        "keys",
        "export-vlsc",
        "--reveal",
        "-o",
        out.to_str().unwrap(),
    ])
    .ok();
    let exported = std::fs::read_to_string(&out).unwrap();
    let mut found = full_keys(&exported);
    found.sort();
    assert_eq!(found, vec![MAK.to_string(), KMS.to_string()]);
    let other = Env::init();
    let r = other
        .run(&["keys", "import-vlsc", out.to_str().unwrap()])
        .ok();
    assert!(r.stdout.contains("2 rows: 2 added"), "{}", r.stdout);
    let back = other.run(&["keys", "list", "--format", "json"]).ok().json();
    assert_eq!(back[0]["activations_used"], 1);
    assert_eq!(back[0]["activation_limit"], 3);
    assert_eq!(
        other
            .run(&["keys", "show", MAK, "--format", "json"])
            .ok()
            .json()[0]["id"],
        back[0]["id"]
    );
    // csv export for scripts; json refused.
    let (header, rows) = env
        .run(&["keys", "export-vlsc", "--format", "csv"])
        .ok()
        .csv(b',');
    assert_eq!(header[0], "Licensing ID");
    assert_eq!(rows[0][4], "*****-*****-*****-*****-46789");
    env.run(&["keys", "export-vlsc", "--format", "json"])
        .fails(2);
}

#[test]
fn activation_past_the_limit_is_a_rule_violation_and_writes_nothing() {
    let env = volume_env();
    let r = env.run(&["keys", "activate", "1", "PC-1"]).ok();
    assert!(
        r.stdout.contains("1 of 3 activations used, 2 available"),
        "{}",
        r.stdout
    );
    let before = env.bytes();
    let r = env
        .run(&["keys", "proxy-activate", "1", "PC-2", "PC-3", "PC-4"])
        .fails(20);
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    assert!(
        r.stderr
            .starts_with("licstore: error: ActivationLimitReached: "),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("*****-*****-*****-*****-46789"),
        "{}",
        r.stderr
    );
    assert!(full_keys(&r.stderr).is_empty());
    assert_eq!(
        env.bytes(),
        before,
        "a refused activation changed the store"
    );

    // The machines file (and `-` for standard input) works like the arguments.
    let file = env.path("machines.txt");
    std::fs::write(&file, "PC-2\n\n  PC-3 \n").unwrap();
    let acts = env
        .run(&[
            "keys",
            "proxy-activate",
            MAK,
            "--machines-file",
            file.to_str().unwrap(),
            "--format",
            "json",
        ])
        .ok()
        .json();
    assert_eq!(acts.len(), 2);
    assert_eq!(acts[1]["machine"], "PC-3");
    assert_eq!(acts[1]["method"], "Proxy");
    let r = env.run(&["keys", "activate", "1", "PC-4"]).fails(20);
    assert!(r.stderr.contains("ActivationLimitReached"), "{}", r.stderr);
    let acts = env
        .run(&["keys", "activations", "1", "--format", "json"])
        .ok()
        .json();
    assert_eq!(acts.len(), 3);
    assert_eq!(acts[0]["method"], "Independent");

    // KMS: hosts are counted; a proxy activation with a machine twice is refused.
    env.run(&["keys", "proxy-activate", "2", "H1", "h1"])
        .fails(3);
    env.run(&["keys", "proxy-activate", "2"]).fails(2);

    // Naming keys: unknown id, unknown key, malformed key (masked in the message).
    env.run(&["keys", "show", "99"]).fails(4);
    env.run(&["keys", "activate", "BCDFG-HJKMN-PQRTV-WXY23-46788", "PC"])
        .fails(4);
    let r = env
        .run(&[
            "keys",
            "add",
            "BCDFG-HJKMN-PQRTV-WXY23-4678A",
            "--licensing-id",
            "E100",
            "--product",
            "Office Professional Plus 2021",
            "--type",
            "MAK",
            "--limit",
            "5",
        ])
        .fails(3);
    assert!(
        r.stderr.contains("*****-*****-*****-*****-4678A"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("BCDFG-HJKMN"), "{}", r.stderr);
    let r = env
        .run(&[
            "keys",
            "add",
            "BCDFG-HJKMN-PQRTV-WXY23-46788",
            "--licensing-id",
            "NOPE",
            "--product",
            "Office Professional Plus 2021",
            "--type",
            "MAK",
            "--limit",
            "5",
        ])
        .fails(4);
    assert!(
        r.stderr.contains("NOPE") && !r.stderr.contains("BCDFG-HJKMN"),
        "{}",
        r.stderr
    );
    env.run(&["keys", "list", "--licensing-id", "NOPE"])
        .fails(4);
    // A MAK without a limit, a bad type.
    env.run(&[
        "keys",
        "add",
        "BCDFG-HJKMN-PQRTV-WXY23-46788",
        "--licensing-id",
        "E100",
        "--product",
        "X",
        "--type",
        "MAK",
    ])
    .fails(3);
    env.run(&[
        "keys",
        "add",
        "BCDFG-HJKMN-PQRTV-WXY23-46788",
        "--licensing-id",
        "E100",
        "--product",
        "X",
        "--type",
        "Gold",
    ])
    .fails(3);
}

#[test]
fn limit_requests_raise_the_limit_once() {
    let env = volume_env();
    let r = env
        .run(&[
            "keys",
            "limit-request",
            "add",
            MAK,
            "--activations",
            "10",
            "--justification",
            "Lab rebuild",
        ])
        .ok();
    assert!(r.stdout.contains("Pending"), "{}", r.stdout);
    env.run(&[
        "keys",
        "limit-request",
        "add",
        "1",
        "--activations",
        "0",
        "--justification",
        "x",
    ])
    .fails(3);
    let r = env
        .run(&[
            "keys",
            "limit-request",
            "decide",
            "1",
            "--grant",
            "--format",
            "json",
        ])
        .ok()
        .json();
    assert_eq!(r[0]["status"], "Granted");
    let k = env
        .run(&["keys", "show", "1", "--format", "json"])
        .ok()
        .json();
    assert_eq!(k[0]["activation_limit"], 13);
    env.run(&["keys", "limit-request", "decide", "1", "--deny"])
        .fails(7);
    env.run(&["keys", "limit-request", "decide", "1"]).fails(2);
    env.run(&["keys", "limit-request", "decide", "1", "--grant", "--deny"])
        .fails(2);
    let list = env
        .run(&[
            "keys",
            "limit-request",
            "list",
            "--key",
            "1",
            "--format",
            "json",
        ])
        .ok()
        .json();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["key_last5"], "46789");
    assert!(env
        .run(&[
            "keys",
            "limit-request",
            "list",
            "--key",
            "2",
            "--format",
            "json"
        ])
        .ok()
        .json()
        .is_empty());
}

#[test]
fn vlsc_import_errors_name_file_line_and_column_and_write_nothing() {
    let env = Env::init();
    let before = env.bytes();
    let file = env.path("Keys.tsv");
    std::fs::write(
        &file,
        "Licensing ID\tParent Program\tOrganization\tProduct\tProduct Key\tType\tMAK Activations-Used/Available\n\
         5612345\tEnterprise Agreement\tContoso\tOffice Standard 2019\tBCDFG-HJKMN-PQRTV-WXY23-46789\tMAK Key\t10/90\n\
         5612345\tEnterprise Agreement\tContoso\tWindows 11\tBCDFG-HJKMN-PQRTV-WXY23-4678Z\tMAK\t1/2\n",
    )
    .unwrap();
    let r = env.run(&["keys", "import-vlsc", "Keys.tsv"]).fails(8);
    let first = r.stderr.lines().next().unwrap();
    assert!(
        first.starts_with("licstore: error: Keys.tsv:3: column \"Product Key\": value \"*****-*****-*****-*****-4678Z\""),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("nothing was imported"), "{}", r.stderr);
    assert!(!r.stderr.contains("BCDFG-HJKMN"), "{}", r.stderr);
    assert_eq!(env.bytes(), before, "the store file changed");
    assert!(env.customer_names().is_empty());
    assert!(env
        .run(&["keys", "list", "--format", "json"])
        .ok()
        .json()
        .is_empty());

    // Skip-invalid: the good row is imported (creating the customer and licensing ID), the bad
    // one goes to the rejects file, masked.
    let rejects = env.path("rejects.csv");
    let r = env.run(&[
        "keys",
        "import-vlsc",
        "Keys.tsv",
        "--skip-invalid",
        "--rejects",
        rejects.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{r:#?}");
    assert!(
        r.stdout
            .contains("2 rows: 1 added, 0 updated, 0 unchanged, 1 rejected"),
        "{}",
        r.stdout
    );
    assert!(r.stderr.contains("Keys.tsv:3"), "{}", r.stderr);
    let rej = std::fs::read_to_string(&rejects).unwrap();
    assert!(
        rej.contains("*****-*****-*****-*****-4678Z") && !rej.contains("BCDFG-HJKMN"),
        "{rej}"
    );
    assert_eq!(env.customer_names(), vec!["Contoso"]);
    let k = env.run(&["keys", "list", "--format", "json"]).ok().json();
    assert_eq!(k.len(), 1);
    assert_eq!(k[0]["activation_limit"], 100);
    assert_eq!(k[0]["activations_used"], 10);
    let l = env
        .run(&["licensing-ids", "show", "5612345", "--format", "json"])
        .ok()
        .json();
    assert_eq!(l[0]["program"], "Enterprise");
    assert_eq!(l[0]["parent_program"], "Enterprise Agreement");
    // From standard input, comma-delimited.
    let r = env.with_stdin(
        &["keys", "import-vlsc", "-"],
        "Licensing ID,Organization,Product,Product Key,Type,MAK Activations-Used/Available\n\
         5612345,Contoso,Office Standard 2019,BCDFG-HJKMN-PQRTV-WXY23-46789,MAK,12/88\n",
    );
    let r = r.ok();
    assert!(
        r.stdout.contains("1 rows: 0 added, 1 updated"),
        "{}",
        r.stdout
    );
    // A missing file is an I/O error.
    env.run(&["keys", "import-vlsc", "missing.tsv"]).fails(30);
}

#[test]
fn benefits_and_reservations() {
    let env = volume_env();
    let b = env
        .run(&[
            "benefits",
            "add",
            "--licensing-id",
            "E100",
            "--benefit",
            "Training Vouchers",
            "--eligible",
            "5",
            "--format",
            "json",
        ])
        .ok()
        .json();
    assert_eq!(b[0]["status"], "RequiresActivation");
    assert_eq!(b[0]["remaining_quantity"], 5);
    env.run(&["benefits", "use", "1", "1"]).fails(7);
    env.run(&["benefits", "set-status", "1", "activated"]).ok();
    let r = env.run(&["benefits", "use", "1", "2"]).ok();
    assert!(r.stdout.contains("remaining_quantity:  3"), "{}", r.stdout);
    let r = env.run(&["benefits", "use", "1", "4"]).fails(20);
    assert!(
        r.stderr.starts_with("licstore: error: BenefitExhausted: "),
        "{}",
        r.stderr
    );
    env.run(&["benefits", "use", "1", "-1"]).fails(3);
    env.run(&["benefits", "set-status", "1", "Expired"]).ok();
    env.run(&["benefits", "set-status", "1", "Activated"])
        .fails(7);
    env.run(&["benefits", "set-status", "1", "Sleeping"])
        .fails(3);
    env.run(&[
        "benefits",
        "add",
        "--licensing-id",
        "NOPE",
        "--benefit",
        "X",
        "--eligible",
        "1",
    ])
    .fails(4);
    let (header, rows) = env
        .run(&[
            "benefits",
            "list",
            "--licensing-id",
            "E100",
            "--format",
            "csv",
        ])
        .ok()
        .csv(b',');
    assert_eq!(header[5], "used_quantity");
    assert_eq!(
        rows,
        vec![vec![
            "1",
            "E100",
            "Training Vouchers",
            "5",
            "3",
            "2",
            "Expired"
        ]]
    );

    // Reservations: under the Enterprise enrollment only.
    let today = today();
    let submit = |lid: &str, service: &str| {
        env.run(&[
            "reservations",
            "submit",
            "--licensing-id",
            lid,
            "--service",
            service,
            "--sku",
            "AAA-22341",
            "--quantity",
            "50",
            "--usage-date",
            &today,
            "--format",
            "json",
        ])
    };
    let r = submit("E100", "Microsoft 365 E3").ok().json();
    assert_eq!(r[0]["status"], "Submitted");
    submit("E100", "Dynamics 365").ok();
    let r = submit("S200", "Microsoft 365 E3").fails(20);
    assert!(
        r.stderr
            .starts_with("licstore: error: ReservationNotAllowed: S200"),
        "{}",
        r.stderr
    );
    submit("NOPE", "Microsoft 365 E3").fails(4);
    let all = env
        .run(&["reservations", "list", "--format", "json"])
        .ok()
        .json();
    assert_eq!(all.len(), 2);
    let by_service = env
        .run(&[
            "reservations",
            "list",
            "--service",
            "microsoft 365 e3",
            "--format",
            "json",
        ])
        .ok()
        .json();
    assert_eq!(by_service.len(), 1);
    assert_eq!(by_service[0]["id"], 1);
    assert_eq!(
        env.run(&[
            "reservations",
            "list",
            "--licensing-id",
            "e100",
            "--format",
            "json"
        ])
        .ok()
        .json()
        .len(),
        2
    );
    env.run(&["reservations", "list", "--licensing-id", "NOPE"])
        .fails(4);
    env.run(&[
        "reservations",
        "list",
        "--service",
        "x",
        "--reservation",
        "1",
    ])
    .fails(2);
    let r = env
        .run(&["reservations", "cancel", "1", "--format", "json"])
        .ok()
        .json();
    assert_eq!(r[0]["status"], "Cancelled");
    env.run(&["reservations", "cancel", "1"]).fails(7);
    let one = env
        .run(&[
            "reservations",
            "list",
            "--reservation",
            "1",
            "--format",
            "json",
        ])
        .ok()
        .json();
    assert_eq!(one[0]["status"], "Cancelled");
    assert!(one[0]["closed_at"].is_string());
}

#[test]
fn demo_prints_the_license_summary_and_mak_usage() {
    let env = Env::new();
    let r = env.run(&["demo"]).ok();
    let out = &r.stdout;
    let customers = out.find("Customers (").expect("customers section");
    let summary = out
        .find(&format!("License summary as of {}\n", today()))
        .unwrap_or_else(|| panic!("no summary section:\n{out}"));
    let mak = out.find("MAK usage (").expect("MAK usage section");
    assert!(customers < summary && summary < mak, "{out}");
    assert!(
        full_keys(out).is_empty(),
        "a full key in the demo output:\n{out}"
    );
    let summary_text = &out[summary..mak];
    assert!(summary_text.contains("shortfall") && summary_text.contains("deployed"));
    assert!(summary_text.contains("Contoso"), "{summary_text}");
    let mak_text = &out[mak..];
    let header = mak_text.lines().nth(2).unwrap();
    for col in ["key", "limit", "used", "available"] {
        assert!(header.split_whitespace().any(|c| c == col), "{header}");
    }
    assert!(mak_text.contains("*****-*****-*****-*****-"), "{mak_text}");

    // The sections agree with the commands.
    let keys = env.run(&["keys", "list", "--format", "json"]).ok().json();
    let maks: Vec<_> = keys.iter().filter(|k| k["type"] == "MAK").collect();
    assert!(!maks.is_empty());
    assert!(mak_text.contains(&format!("MAK usage ({} keys)", maks.len())));
    for k in &maks {
        let row = mak_text
            .lines()
            .find(|l| l.contains(k["key"].as_str().unwrap()))
            .unwrap_or_else(|| panic!("{k:?} missing:\n{mak_text}"));
        let nums: Vec<&str> = row.split_whitespace().rev().take(3).collect();
        assert_eq!(nums[2], k["activation_limit"].to_string(), "{row}");
        assert_eq!(nums[1], k["activations_used"].to_string(), "{row}");
        assert_eq!(nums[0], k["activations_available"].to_string(), "{row}");
    }

    // JSON: the same sections, numbers as numbers, equal to `summary --format json`.
    let fresh = Env::new();
    let r = fresh.run(&["demo", "--format", "json"]).ok();
    let v: Json = serde_json::from_str(&r.stdout).unwrap();
    let lines = v["license_summary"].as_array().unwrap();
    assert!(!lines.is_empty());
    let summary = fresh.run(&["summary", "--format", "json"]).ok().json();
    let summary: Vec<Json> = summary.into_iter().map(Json::Object).collect();
    assert_eq!(lines, &summary);
    assert!(
        lines.iter().any(|l| l["grant_mark"] == "*"),
        "the demo has a grant"
    );
    let usage = v["mak_usage"].as_array().unwrap();
    assert_eq!(usage.len(), maks.len());
    for u in usage {
        assert!(u["key"]
            .as_str()
            .unwrap()
            .starts_with("*****-*****-*****-*****-"));
        assert_eq!(
            u["limit"].as_i64().unwrap(),
            u["used"].as_i64().unwrap() + u["available"].as_i64().unwrap()
        );
    }
    assert!(full_keys(&r.stdout).is_empty());
}
