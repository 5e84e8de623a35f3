//! Canonical CSV of the online-services entities: round trips and bad input, on in-memory stores.

use std::ops::ControlFlow;

use super::*;
use crate::customers::NewCustomer;
use crate::io::{ImportMode, Progress};
use crate::store::Clock;

const MINE: &[Entity] = &[
    Entity::Customers,
    Entity::Skus,
    Entity::Subscribers,
    Entity::Groups,
    Entity::GroupMembers,
    Entity::Numbers,
];

fn fixed(s: &mut Store) {
    s.set_clock(Clock::Fixed(
        chrono::DateTime::parse_from_rfc3339("2026-03-01T09:00:00Z")
            .unwrap()
            .to_utc(),
    ));
}

fn export(s: &mut Store, e: Entity) -> Result<String> {
    let mut out = Vec::new();
    s.export_entity(e, Format::Csv, &mut out)?;
    Ok(String::from_utf8(out).expect("exports are UTF-8"))
}

/// Everything the six entities hold, plus the audit log's length: equal snapshots mean the
/// store did not change.
fn snapshot(s: &mut Store) -> Result<String> {
    let mut all = String::new();
    for e in MINE {
        all.push_str(&export(s, *e)?);
    }
    all.push_str(&format!("audit rows: {}\n", s.audit_entries(None)?.len()));
    Ok(all)
}

fn import(s: &mut Store, e: Entity, file: &str, text: &str) -> Result<ImportReport> {
    s.import_entity(e, text.as_bytes(), ImportOptions::new(file))
}

/// A store with two customers, SKUs, users (one staged, one offboarded), groups with members and
/// numbers (one assigned), every entity loaded through its canonical import.
fn populated() -> Result<Store> {
    let mut s = Store::open_in_memory()?;
    fixed(&mut s);
    import(
        &mut s,
        Entity::Customers,
        "customers.csv",
        "name,tenant_domain,default_usage_location\nContoso,contoso.onmicrosoft.com,US\nFabrikam,,PL\n",
    )?;
    let r = import(
        &mut s,
        Entity::Skus,
        "skus.csv",
        "customer,sku_part_number,enabled,warning,term_end,reported_consumed\n\
         Contoso,ENTERPRISEPACK,25,5,2026-12-31,\n\
         Contoso,MCOEV,10,0,,3\n\
         Fabrikam,c7df2760-2c81-4ef7-b578-5b5392b571df,4,,,\n",
    )?;
    assert_eq!(r.inserted, 3);
    let r = import(
        &mut s,
        Entity::Subscribers,
        "subscribers.csv",
        "customer,user_principal_name,display_name,usage_location,department,status\n\
         Contoso,adele@contoso.com,Adele Vance,US,Sales,Active\n\
         Contoso,\"megan@contoso.com\",\"Bowen, Megan\",,Marketing,\n\
         Contoso,new.hire@contoso.com,New Hire,,,Staged\n\
         Fabrikam,jan@fabrikam.pl,Jan Kowalski,PL,,\n",
    )?;
    assert_eq!(r.inserted, 4);
    import(
        &mut s,
        Entity::Groups,
        "groups.csv",
        "customer,name\nContoso,Sales team\nContoso,Empty\nFabrikam,Sales team\n",
    )?;
    import(
        &mut s,
        Entity::GroupMembers,
        "members.csv",
        "customer,group,user_principal_name\nContoso,Sales team,adele@contoso.com\n\
         Contoso,sales TEAM,megan@contoso.com\nFabrikam,Sales team,jan@fabrikam.pl\n",
    )?;
    import(
        &mut s,
        Entity::Numbers,
        "numbers.csv",
        "customer,number,status,user_principal_name\nContoso,+1 425 555 0100,,adele@contoso.com\n\
         Contoso,+14255550101,Available,\nContoso,+14255550102,Reserved,\nFabrikam,+48221234567,,\n",
    )?;
    Ok(s)
}

#[test]
fn columns_and_import_specs_agree() {
    for (e, spec) in [
        (Entity::Skus, SKUS),
        (Entity::Subscribers, SUBSCRIBERS),
        (Entity::Groups, GROUPS),
        (Entity::GroupMembers, GROUP_MEMBERS),
        (Entity::Numbers, NUMBERS),
    ] {
        let names: Vec<&str> = spec.iter().map(|c| c.name).collect();
        assert_eq!(names, e.columns(), "{e}");
    }
}

#[test]
fn export_import_export_is_byte_identical_for_every_entity() -> Result<()> {
    let mut a = populated()?;
    let exports: Vec<(Entity, String)> = MINE
        .iter()
        .map(|e| Ok((*e, export(&mut a, *e)?)))
        .collect::<Result<_>>()?;
    for (e, text) in &exports {
        let header = text.lines().next().unwrap();
        assert_eq!(
            header,
            e.columns().join(","),
            "{e}: header is the canonical one"
        );
        assert!(
            text.lines().count() > 2,
            "{e}: the fixture has rows: {text}"
        );
    }
    // Spot checks of what the exports say.
    let subs = &exports[2].1;
    assert!(
        subs.contains("Contoso,megan@contoso.com,\"Bowen, Megan\",,Marketing,,Active\n"),
        "{subs}"
    );
    assert!(
        subs.contains("new.hire@contoso.com,New Hire,,,,Staged"),
        "{subs}"
    );
    let numbers = &exports[5].1;
    assert!(
        numbers.contains("Contoso,+14255550100,Assigned,adele@contoso.com\n"),
        "{numbers}"
    );
    let skus = &exports[1].1;
    assert!(
        skus.contains(",ENTERPRISEPACK,25,5,0,0,Enabled,User,2026-12-31,\n"),
        "{skus}"
    );
    // Into a fresh store, in dependency order, then out again: the same bytes.
    let mut b = Store::open_in_memory()?;
    fixed(&mut b);
    for (e, text) in &exports {
        let r = import(&mut b, *e, &format!("{e}.csv"), text)?;
        assert_eq!(r.inserted, r.rows, "{e}");
    }
    for (e, text) in &exports {
        assert_eq!(
            &export(&mut b, *e)?,
            text,
            "{e}: export -> import -> export"
        );
    }
    // And into the store they came from: nothing changes, nothing is audited.
    let audit = a.audit_entries(None)?.len();
    for (e, text) in &exports {
        let r = import(&mut a, *e, &format!("{e}.csv"), text)?;
        assert_eq!((r.unchanged, r.inserted, r.updated), (r.rows, 0, 0), "{e}");
    }
    assert_eq!(a.audit_entries(None)?.len(), audit);
    // TSV and JSON Lines carry the same columns.
    let mut tsv = Vec::new();
    a.export_entity(Entity::Numbers, Format::Tsv, &mut tsv)?;
    assert!(String::from_utf8(tsv)
        .unwrap()
        .starts_with("customer\tnumber\tstatus\tuser_principal_name\n"));
    let mut opts = ImportOptions::new("numbers.tsv");
    opts.delimiter = b'\t';
    let mut tsv = Vec::new();
    a.export_entity(Entity::Numbers, Format::Tsv, &mut tsv)?;
    assert_eq!(
        a.import_entity(Entity::Numbers, &tsv[..], opts)?.unchanged,
        4
    );
    Ok(())
}

#[test]
fn upserts_update_only_the_columns_the_file_has() -> Result<()> {
    let mut s = populated()?;
    // Subscribers: a subset of columns; a blank clears; the customer may be left out.
    let r = import(
        &mut s,
        Entity::Subscribers,
        "s.csv",
        "user_principal_name,department\nADELE@contoso.com,Finance\nmegan@contoso.com,\nnew.hire@contoso.com,\n",
    )?;
    assert_eq!((r.updated, r.unchanged), (2, 1));
    let adele = s.subscriber("adele@contoso.com")?;
    assert_eq!(
        (
            adele.department.as_deref(),
            adele.display_name.as_deref(),
            adele.usage_location.as_deref()
        ),
        (Some("Finance"), Some("Adele Vance"), Some("US"))
    );
    assert_eq!(s.subscriber("megan@contoso.com")?.department, None);
    let audit = s.audit_entries(Some(("subscriber", "adele@contoso.com")))?;
    assert_eq!(audit.last().unwrap().action, "subscriber.update");
    // Staged -> Active by import.
    import(
        &mut s,
        Entity::Subscribers,
        "s.csv",
        "user_principal_name,status\nnew.hire@contoso.com,active\n",
    )?;
    assert_eq!(
        s.subscriber("new.hire@contoso.com")?.status,
        SubscriberStatus::Active
    );
    // SKUs: units only, by part number; other fields stay.
    let r = import(
        &mut s,
        Entity::Skus,
        "k.csv",
        "customer,sku_part_number,enabled\ncontoso,enterprisepack,30\n",
    )?;
    assert_eq!(r.updated, 1);
    let e3 = s.sku("Contoso", "ENTERPRISEPACK")?;
    assert_eq!(
        (e3.units.enabled, e3.units.warning, e3.term_end.as_deref()),
        (30, 5, Some("2026-12-31"))
    );
    // Numbers: naming a user assigns; a blank user with the column present releases.
    let r = import(
        &mut s,
        Entity::Numbers,
        "n.csv",
        "customer,number,user_principal_name\nContoso,+14255550101,megan@contoso.com\nContoso,+14255550100,\n",
    )?;
    assert_eq!(r.updated, 2);
    let rows = s.query(
        "SELECT number, status, user_principal_name, assigned_name FROM numbers WHERE customer = 'Contoso' ORDER BY number",
        &Params::None,
    )?;
    let got: Vec<String> = rows.rows.iter().map(|r| format!("{:?}", r)).collect();
    assert!(
        got[0].contains("Available") && got[0].contains("Null"),
        "{got:?}"
    );
    assert!(
        got[1].contains("Assigned") && got[1].contains("Bowen, Megan"),
        "{got:?}"
    );
    Ok(())
}

/// One bad-input case: the file, the entity, and what the first error must say.
struct Bad {
    entity: Entity,
    text: &'static [u8],
    line: u64,
    column: Option<&'static str>,
    value: Option<&'static str>,
    reason: &'static str,
}

#[test]
fn bad_input_is_reported_with_file_line_column_value_and_reason_and_writes_nothing() -> Result<()> {
    let cases = [
        Bad {
            entity: Entity::Subscribers,
            text: b"customer,display_name\nContoso,Someone\n",
            line: 1,
            column: None,
            value: None,
            reason: "missing required column(s): user_principal_name",
        },
        Bad {
            entity: Entity::Skus,
            text: b"customer,display_name\nContoso,x\n",
            line: 1,
            column: Some("display_name"),
            value: None,
            reason: "unknown column",
        },
        Bad {
            entity: Entity::Skus,
            text: b"customer,enabled\nContoso,3\n",
            line: 1,
            column: None,
            value: None,
            reason: "sku_id or sku_part_number",
        },
        Bad {
            entity: Entity::Groups,
            text: b"customer,name,Name\nContoso,a,b\n",
            line: 1,
            column: Some("Name"),
            value: None,
            reason: "duplicate column",
        },
        Bad {
            entity: Entity::Groups,
            text: b"customer,name\nContoso,Ops\nContoso,Dev,extra\n",
            line: 3,
            column: None,
            value: None,
            reason: "too many fields",
        },
        Bad {
            entity: Entity::Skus,
            text: b"customer,sku_part_number,term_end\nContoso,MCOEV,2026-02-30\n",
            line: 2,
            column: Some("term_end"),
            value: Some("2026-02-30"),
            reason: "must be a date",
        },
        Bad {
            entity: Entity::Skus,
            text: b"customer,sku_part_number,enabled\r\nContoso,MCOEV,ten\r\n",
            line: 2,
            column: Some("enabled"),
            value: Some("ten"),
            reason: "must be a whole number",
        },
        Bad {
            entity: Entity::Skus,
            text: b"customer,sku_part_number,enabled\nContoso,MCOEV,-1\n",
            line: 2,
            column: Some("enabled"),
            value: Some("-1"),
            reason: "must not be negative",
        },
        Bad {
            entity: Entity::Skus,
            text: b"customer,sku_part_number\nContoso,NO_SUCH_SKU\n",
            line: 2,
            column: Some("sku_part_number"),
            value: Some("NO_SUCH_SKU"),
            reason: "SkuNotFound",
        },
        Bad {
            entity: Entity::Subscribers,
            text: b"\xEF\xBB\xBFcustomer,user_principal_name,display_name\r\nContoso,a@contoso.com,\"Two\r\nLines\"\r\n",
            line: 2,
            column: Some("display_name"),
            value: Some("Two\r\nLines"),
            reason: "control characters",
        },
        Bad {
            entity: Entity::Subscribers,
            text: b"customer,user_principal_name,display_name\nContoso,b@contoso.com,Caf\xe9\n",
            line: 2,
            column: Some("display_name"),
            value: Some("Caf\u{fffd}"),
            reason: "not valid UTF-8",
        },
        Bad {
            entity: Entity::Subscribers,
            text: b"customer,user_principal_name\nNowhere Inc,c@contoso.com\n",
            line: 2,
            column: Some("customer"),
            value: Some("Nowhere Inc"),
            reason: "customer not found",
        },
        Bad {
            entity: Entity::Subscribers,
            text: b"customer,user_principal_name,usage_location\nContoso,d@contoso.com,XX\n",
            line: 2,
            column: Some("usage_location"),
            value: Some("XX"),
            reason: "ISO 3166",
        },
        Bad {
            entity: Entity::Subscribers,
            text: b"user_principal_name,status\nadele@contoso.com,Offboarded\n",
            line: 2,
            column: Some("status"),
            value: Some("Offboarded"),
            reason: "use offboard",
        },
        Bad {
            entity: Entity::Subscribers,
            text: b"customer,user_principal_name\nFabrikam,adele@contoso.com\n",
            line: 2,
            column: Some("customer"),
            value: Some("Fabrikam"),
            reason: "does not move users",
        },
        Bad {
            entity: Entity::GroupMembers,
            text: b"customer,group,user_principal_name\nContoso,Nope,adele@contoso.com\n",
            line: 2,
            column: Some("group"),
            value: Some("Nope"),
            reason: "import groups first",
        },
        Bad {
            entity: Entity::GroupMembers,
            text: b"customer,group,user_principal_name\nContoso,Sales team,jan@fabrikam.pl\n",
            line: 2,
            column: Some("user_principal_name"),
            value: Some("jan@fabrikam.pl"),
            reason: "not a user of customer",
        },
        Bad {
            entity: Entity::Numbers,
            text: b"customer,number\nContoso,555-0100\n",
            line: 2,
            column: Some("number"),
            value: Some("555-0100"),
            reason: "E.164",
        },
        Bad {
            entity: Entity::Numbers,
            text: b"customer,number,status\nContoso,+14255550199,Assigned\n",
            line: 2,
            column: Some("user_principal_name"),
            value: Some(""),
            reason: "needs its user",
        },
        Bad {
            entity: Entity::Numbers,
            text: b"customer,number,status\nFabrikam,+14255550100,Available\n",
            line: 2,
            column: Some("number"),
            value: Some("+14255550100"),
            reason: "another customer",
        },
    ];
    let mut s = populated()?;
    let before = snapshot(&mut s)?;
    for c in &cases {
        let file = format!("{}.csv", c.entity);
        let e = s
            .import_entity(c.entity, c.text, ImportOptions::new(file.clone()))
            .unwrap_err();
        let what = String::from_utf8_lossy(c.text);
        assert_eq!(e.code(), ErrorCode::CsvError, "{what}: {e}");
        let first = e.csv_errors().unwrap().first();
        assert_eq!(first.file, file, "{what}");
        assert_eq!(first.line, c.line, "{what}: {e}");
        assert_eq!(first.column.as_deref(), c.column, "{what}: {e}");
        assert_eq!(first.value.as_deref(), c.value, "{what}: {e}");
        assert!(first.reason.contains(c.reason), "{what}: {first:?}");
        assert!(
            e.to_string().starts_with(&format!("{file}:{}", c.line)),
            "{e}"
        );
        assert_eq!(
            snapshot(&mut s)?,
            before,
            "{what}: all-or-nothing leaves the store as it was"
        );
    }
    Ok(())
}

#[test]
fn odd_but_valid_files_import() -> Result<()> {
    let mut s = populated()?;
    // BOM, CRLF, quoted newline-free quoting, trailing empty columns in header and rows.
    let r = s.import_entity(
        Entity::Subscribers,
        &b"\xEF\xBB\xBFcustomer,user_principal_name,display_name,,\r\nContoso,e@contoso.com,\"Evans, Eve\",,\r\nContoso,f@contoso.com,Frank,,\r\n"[..],
        ImportOptions::new("s.csv"),
    )?;
    assert_eq!(r.inserted, 2);
    assert_eq!(
        s.subscriber("e@contoso.com")?.display_name.as_deref(),
        Some("Evans, Eve")
    );
    // An empty file and a header-only file.
    let e = import(&mut s, Entity::Groups, "g.csv", "").unwrap_err();
    assert!(e.to_string().contains("the file is empty"), "{e}");
    assert_eq!(
        import(&mut s, Entity::Groups, "g.csv", "customer,name\r\n")?.rows,
        0
    );
    Ok(())
}

#[test]
fn skip_invalid_writes_rejects_that_reimport_once_fixed() -> Result<()> {
    let mut s = populated()?;
    let text = "customer,user_principal_name,usage_location\n\
                Contoso,g1@contoso.com,US\n\
                Contoso,g2@contoso.com,XX\n\
                Nowhere,g3@contoso.com,DE\n\
                Contoso,g4@contoso.com,\n";
    let mut rejects = Vec::new();
    let mut opts = ImportOptions::new("s.csv");
    opts.mode = ImportMode::SkipInvalid;
    opts.rejects = Some(&mut rejects);
    let r = s.import_entity(Entity::Subscribers, text.as_bytes(), opts)?;
    assert_eq!((r.rows, r.inserted, r.rejected), (4, 2, 2));
    assert_eq!(
        r.errors.iter().map(|e| e.line).collect::<Vec<_>>(),
        vec![3, 4]
    );
    let rejects = String::from_utf8(rejects).unwrap();
    let mut lines = rejects.lines();
    assert_eq!(
        lines.next(),
        Some("customer,user_principal_name,usage_location,error_line,error_column,error_reason")
    );
    assert!(lines
        .next()
        .unwrap()
        .starts_with("Contoso,g2@contoso.com,XX,3,usage_location,"));
    assert!(lines
        .next()
        .unwrap()
        .starts_with("Nowhere,g3@contoso.com,DE,4,customer,"));
    // The user fixes the two rows and imports the rejects file as it is: its error columns
    // are ignored.
    let fixed = rejects
        .replace(",XX,", ",GB,")
        .replace("Nowhere,", "Contoso,");
    let r = import(&mut s, Entity::Subscribers, "fixed.csv", &fixed)?;
    assert_eq!(r.inserted, 2);
    assert_eq!(
        s.subscriber("g2@contoso.com")?.usage_location.as_deref(),
        Some("GB")
    );
    Ok(())
}

#[test]
fn progress_reports_and_break_cancels_leaving_the_store_unchanged() -> Result<()> {
    let mut s = populated()?;
    let before = snapshot(&mut s)?;
    let mut text = String::from("customer,user_principal_name\n");
    for i in 0..10_000 {
        text.push_str(&format!("Contoso,user{i}@contoso.com\n"));
    }
    let mut seen = Vec::new();
    let mut stop = |p: Progress| {
        seen.push(p);
        if p.rows >= 8192 {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    };
    let mut opts = ImportOptions::new("many.csv");
    opts.total_bytes = Some(text.len() as u64);
    opts.progress = Some(&mut stop);
    let e = s
        .import_entity(Entity::Subscribers, text.as_bytes(), opts)
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Interrupted, "{e}");
    assert_eq!(
        seen.iter().map(|p| p.rows).collect::<Vec<_>>(),
        vec![4096, 8192]
    );
    assert!(seen
        .iter()
        .all(|p| p.total_bytes == Some(text.len() as u64) && p.bytes > 0));
    assert!(seen[1].bytes > seen[0].bytes);
    assert_eq!(snapshot(&mut s)?, before);
    // Uninterrupted: a last report at the end with every row and byte.
    let mut last = None;
    let mut keep = |p: Progress| {
        last = Some(p);
        ControlFlow::Continue(())
    };
    let mut opts = ImportOptions::new("many.csv");
    opts.progress = Some(&mut keep);
    let r = s.import_entity(Entity::Subscribers, text.as_bytes(), opts)?;
    assert_eq!(r.inserted, 10_000);
    let last = last.unwrap();
    assert_eq!(
        (last.rows, last.bytes, last.total_bytes),
        (10_000, text.len() as u64, None)
    );
    Ok(())
}

#[test]
fn add_subscribers_goes_through_the_import_path_and_stays_all_or_nothing() -> Result<()> {
    let mut s = Store::open_in_memory()?;
    s.add_customer(&NewCustomer::named("Contoso"))?;
    let subs: Vec<NewSubscriber> = (0..50)
        .map(|i| NewSubscriber {
            customer: "contoso".into(),
            user_principal_name: format!("u{i}@contoso.com"),
            ..NewSubscriber::default()
        })
        .collect();
    assert_eq!(s.add_subscribers(&subs)?, 50);
    assert_eq!(s.subscriber("u7@contoso.com")?.customer, "Contoso");
    let again = [
        NewSubscriber {
            customer: "Contoso".into(),
            user_principal_name: "new@contoso.com".into(),
            ..NewSubscriber::default()
        },
        subs[3].clone(),
    ];
    let e = s.add_subscribers(&again).unwrap_err();
    assert!(matches!(e, Error::AlreadyExists { .. }), "{e}");
    assert!(s.subscriber("new@contoso.com").is_err());
    Ok(())
}

#[test]
fn the_demo_store_round_trips_through_canonical_csv() -> Result<()> {
    let mut a = Store::open_in_memory()?;
    fixed(&mut a);
    crate::demo::build(&mut a, 11)?;
    let mut b = Store::open_in_memory()?;
    fixed(&mut b);
    for e in MINE {
        let text = export(&mut a, *e)?;
        assert!(text.lines().count() > 1, "{e}: the demo has rows");
        let r = import(&mut b, *e, &format!("{e}.csv"), &text)?;
        assert_eq!(r.inserted, r.rows, "{e}");
        assert_eq!(export(&mut b, *e)?, text, "{e}");
    }
    Ok(())
}

#[test]
fn many_bad_rows_among_good_ones_are_all_counted_and_nothing_is_written() -> Result<()> {
    let mut s = populated()?;
    let before = snapshot(&mut s)?;
    let mut text = String::from("customer,user_principal_name,usage_location\n");
    for i in 0..10_000 {
        let loc = if i % 5 == 2 { "ZZ" } else { "US" };
        text.push_str(&format!("Contoso,bulk{i}@contoso.com,{loc}\n"));
    }
    let e = import(&mut s, Entity::Subscribers, "bulk.csv", &text).unwrap_err();
    let errs = e.csv_errors().unwrap();
    assert_eq!(errs.rejected, 2_000);
    assert_eq!(errs.errors.len(), crate::error::CsvErrors::MAX_KEPT);
    assert_eq!(errs.errors[0].line, 4);
    assert!(e.to_string().contains("more rejected rows"), "{e}");
    assert_eq!(snapshot(&mut s)?, before);
    // Skip-invalid applies the 8,000 good rows.
    let mut opts = ImportOptions::new("bulk.csv");
    opts.mode = ImportMode::SkipInvalid;
    let r = s.import_entity(Entity::Subscribers, text.as_bytes(), opts)?;
    assert_eq!((r.inserted, r.rejected), (8_000, 2_000));
    Ok(())
}

#[test]
fn a_file_mixing_known_and_new_users_upserts_each_row() -> Result<()> {
    let mut s = populated()?;
    // Known users first (the writer switches to looking up first), then new ones, then known.
    let r = import(
        &mut s,
        Entity::Subscribers,
        "mixed.csv",
        "customer,user_principal_name,department\n\
         Contoso,adele@contoso.com,Sales\nContoso,megan@contoso.com,Legal\n\
         Contoso,h1@contoso.com,Ops\nContoso,h2@contoso.com,Ops\nContoso,h3@contoso.com,Ops\n\
         Contoso,new.hire@contoso.com,Ops\n,h1@contoso.com,Finance\n",
    )?;
    assert_eq!((r.inserted, r.updated, r.unchanged), (3, 3, 1), "{r:?}");
    assert_eq!(
        s.subscriber("h1@contoso.com")?.department.as_deref(),
        Some("Finance")
    );
    assert_eq!(
        s.subscriber("megan@contoso.com")?.department.as_deref(),
        Some("Legal")
    );
    Ok(())
}
