//! Tests of the online-services rules and the bulk engine, on in-memory stores.

use super::*;
use crate::customers::NewCustomer;
use crate::query::{Params, Value};
use crate::store::Clock;

const E3: &str = "ENTERPRISEPACK"; // Office 365 E3
const M365E3: &str = "SPE_E3"; // Microsoft 365 E3
const PHONE: &str = "MCOEV"; // Microsoft Teams Phone Standard (add-on)
const BI: &str = "POWER_BI_PRO";

fn at(s: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

fn users(n: usize, prefix: &str, domain: &str) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}{i}@{domain}")).collect()
}

/// Contoso (default US) with E3 (5 seats), M365 E3 (2), Phone (2), Power BI (10) and users
/// u0..u5; Fabrikam without a default usage location.
fn fixture() -> Result<Store> {
    let mut s = Store::open_in_memory()?;
    s.set_clock(Clock::Fixed(at("2026-01-10T08:00:00Z")));
    s.set_actor("admin@contoso.com")?;
    s.add_customer(&NewCustomer {
        default_usage_location: Some("US".into()),
        ..NewCustomer::named("Contoso")
    })?;
    s.add_customer(&NewCustomer::named("Fabrikam"))?;
    for (sku, n) in [(E3, 5), (M365E3, 2), (PHONE, 2), (BI, 10)] {
        s.set_sku(&NewSku {
            customer: "Contoso".into(),
            sku: sku.into(),
            units: Units {
                enabled: n,
                ..Units::default()
            },
            ..NewSku::default()
        })?;
    }
    s.set_sku(&NewSku {
        customer: "Fabrikam".into(),
        sku: E3.into(),
        units: Units {
            enabled: 5,
            ..Units::default()
        },
        ..NewSku::default()
    })?;
    let subs: Vec<NewSubscriber> = users(6, "u", "contoso.com")
        .into_iter()
        .map(|u| NewSubscriber {
            customer: "Contoso".into(),
            user_principal_name: u,
            ..NewSubscriber::default()
        })
        .collect();
    s.add_subscribers(&subs)?;
    s.add_subscriber(&NewSubscriber {
        customer: "Fabrikam".into(),
        user_principal_name: "nobody@fabrikam.com".into(),
        ..NewSubscriber::default()
    })?;
    s.add_sku_rule(&SkuRule::Requires {
        sku: PHONE.into(),
        any_of: vec![E3.into(), M365E3.into()],
    })?;
    s.add_sku_rule(&SkuRule::Excludes {
        sku: E3.into(),
        other: M365E3.into(),
    })?;
    s.add_sku_rule(&SkuRule::BlockedIn {
        sku: BI.into(),
        countries: vec!["CN".into()],
    })?;
    Ok(s)
}

fn code_of(e: &Error) -> ErrorCode {
    e.code()
}

fn bulk(customer: &str, targets: Targets, op: BulkOp, mode: BulkMode) -> BulkRequest {
    BulkRequest {
        customer: customer.into(),
        targets,
        op,
        mode,
    }
}

fn assign(skus: &[&str]) -> BulkOp {
    BulkOp::Assign {
        skus: skus.iter().map(|s| s.to_string()).collect(),
        options: AssignOptions::default(),
    }
}

#[test]
fn sku_shows_friendly_name_and_derived_figures() -> Result<()> {
    let mut s = fixture()?;
    s.assign_license("u0@contoso.com", E3, &AssignOptions::default())?;
    s.set_sku(&NewSku {
        customer: "Contoso".into(),
        sku: "6FD2C87F-B296-42F0-B197-1E91E994B900".into(),
        units: Units {
            enabled: 5,
            warning: 1,
            suspended: 3,
            locked_out: 0,
        },
        reported_consumed: Some(4),
        ..NewSku::default()
    })?;
    let k = s.sku("Contoso", E3)?;
    assert_eq!(k.display_name, "Office 365 E3");
    assert_eq!((k.assigned, k.available, k.drift), (1, 5, Some(3)));
    let r = s.query(
        "SELECT display_name, assigned, available, drift FROM sku_usage WHERE customer = 'Contoso' AND sku_part_number = 'ENTERPRISEPACK'",
        &Params::None,
    )?;
    assert_eq!(
        r.rows[0],
        vec![
            Value::Text("Office 365 E3".into()),
            Value::Integer(1),
            Value::Integer(5),
            Value::Integer(3)
        ]
    );
    Ok(())
}

#[test]
fn every_per_user_rule_has_its_error_code() -> Result<()> {
    let mut s = fixture()?;
    let o = AssignOptions::default();
    // UserNotFound
    let e = s.assign_license("ghost@contoso.com", E3, &o).unwrap_err();
    assert_eq!(code_of(&e), ErrorCode::UserNotFound);
    assert!(e.to_string().contains("ghost@contoso.com"));
    // SkuNotFound: not in the catalog, and not subscribed by the customer.
    let e = s
        .assign_license("u0@contoso.com", "NO_SUCH_SKU", &o)
        .unwrap_err();
    assert_eq!(code_of(&e), ErrorCode::SkuNotFound);
    assert!(e.to_string().contains("NO_SUCH_SKU"));
    let e = s
        .assign_license("u0@contoso.com", "SPE_E5", &o)
        .unwrap_err();
    assert_eq!(code_of(&e), ErrorCode::SkuNotFound);
    // DependencyViolation: the add-on without a base.
    let e = s.assign_license("u0@contoso.com", PHONE, &o).unwrap_err();
    assert_eq!(code_of(&e), ErrorCode::DependencyViolation);
    assert!(e.to_string().contains("Microsoft Teams Phone Standard"));
    assert!(s.assign_license("u0@contoso.com", E3, &o)?);
    assert!(s.assign_license("u0@contoso.com", PHONE, &o)?);
    // AlreadyAssigned is a skip.
    assert!(!s.assign_license("u0@contoso.com", PHONE, &o)?);
    // Removing the last base while the add-on stays.
    let e = s.remove_license("u0@contoso.com", E3).unwrap_err();
    assert_eq!(code_of(&e), ErrorCode::DependencyViolation);
    // MutuallyExclusiveViolation
    let e = s.assign_license("u0@contoso.com", M365E3, &o).unwrap_err();
    assert_eq!(code_of(&e), ErrorCode::MutuallyExclusiveViolation);
    // ProhibitedInUsageLocationViolation
    s.update_subscriber(
        "u1@contoso.com",
        &SubscriberUpdate {
            usage_location: Some(Some("cn".into())),
            ..SubscriberUpdate::default()
        },
    )?;
    let e = s.assign_license("u1@contoso.com", BI, &o).unwrap_err();
    assert_eq!(code_of(&e), ErrorCode::ProhibitedInUsageLocationViolation);
    // UsageLocationMissing: Fabrikam has no default; an explicit location fixes it.
    let e = s.assign_license("nobody@fabrikam.com", E3, &o).unwrap_err();
    assert_eq!(code_of(&e), ErrorCode::UsageLocationMissing);
    assert!(s.assign_license(
        "nobody@fabrikam.com",
        E3,
        &AssignOptions {
            usage_location: Some("PL".into()),
            ..o.clone()
        }
    )?);
    assert_eq!(
        s.subscriber("NOBODY@fabrikam.com")?
            .usage_location
            .as_deref(),
        Some("PL")
    );
    // CountViolation: M365 E3 has 2 seats.
    assert!(s.assign_license("u2@contoso.com", M365E3, &o)?);
    assert!(s.assign_license("u3@contoso.com", M365E3, &o)?);
    let e = s.assign_license("u4@contoso.com", M365E3, &o).unwrap_err();
    assert_eq!(code_of(&e), ErrorCode::CountViolation);
    // UserOffboarded
    s.offboard("u3@contoso.com")?;
    let e = s.assign_license("u3@contoso.com", E3, &o).unwrap_err();
    assert_eq!(code_of(&e), ErrorCode::UserOffboarded);
    // NotAssigned is a skip.
    assert!(!s.remove_license("u5@contoso.com", E3)?);
    // The offboarded user's seat is free again.
    assert!(s.assign_license("u4@contoso.com", M365E3, &o)?);
    Ok(())
}

#[test]
fn bad_input_names_the_input_and_writes_nothing() -> Result<()> {
    let mut s = fixture()?;
    let audit_before = s.audit_entries(None)?.len();
    let cases: Vec<(AssignOptions, &str)> = vec![
        (
            AssignOptions {
                expires_at: Some("12/31/2026".into()),
                ..AssignOptions::default()
            },
            "12/31/2026",
        ),
        (
            AssignOptions {
                usage_location: Some("XX".into()),
                ..AssignOptions::default()
            },
            "XX",
        ),
        (
            AssignOptions {
                disabled_plans: vec!["not-a-guid".into()],
                ..AssignOptions::default()
            },
            "not-a-guid",
        ),
        (
            // A real plan GUID (Teams Phone's MCOEV) that Office 365 E3 does not include.
            AssignOptions {
                disabled_plans: vec!["4828c8ec-dc2e-4779-b502-87ac9ce28ab7".into()],
                ..AssignOptions::default()
            },
            "4828c8ec-dc2e-4779-b502-87ac9ce28ab7",
        ),
    ];
    for (o, needle) in cases {
        let e = s.assign_license("u0@contoso.com", E3, &o).unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidArgument, "{e}");
        assert!(e.to_string().contains(needle), "{e}");
    }
    let e = s
        .add_subscriber(&NewSubscriber {
            customer: "Contoso".into(),
            user_principal_name: "not an upn".into(),
            ..NewSubscriber::default()
        })
        .unwrap_err();
    assert!(e.to_string().contains("not an upn"));
    let e = s
        .run_bulk(&bulk(
            "Contoso",
            Targets::Groups(vec!["No Such Group".into()]),
            assign(&[E3]),
            BulkMode::Atomic,
        ))
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::NotFound);
    assert!(e.to_string().contains("No Such Group"));
    let e = s.holders_at("Contoso", E3, "2026/01/01").unwrap_err();
    assert!(e.to_string().contains("2026/01/01"));
    assert_eq!(s.audit_entries(None)?.len(), audit_before);
    assert!(s.licenses("u0@contoso.com")?.is_empty());
    // A disabled plan that belongs to the SKU is accepted and stored.
    let exchange = "efb87545-963c-4e0d-99df-69c6916d9eb0";
    s.assign_license(
        "u0@contoso.com",
        E3,
        &AssignOptions {
            disabled_plans: vec![exchange.to_uppercase()],
            ..AssignOptions::default()
        },
    )?;
    let r = s.query(
        "SELECT disabled_plans, sku_display_name FROM subscriber_licenses WHERE user_principal_name = 'u0@contoso.com'",
        &Params::None,
    )?;
    assert_eq!(r.rows[0][0], Value::Text(format!("[\"{exchange}\"]")));
    Ok(())
}

#[test]
fn upns_are_unique_without_regard_to_case() -> Result<()> {
    let mut s = fixture()?;
    let e = s
        .add_subscriber(&NewSubscriber {
            customer: "Fabrikam".into(),
            user_principal_name: "U0@Contoso.com".into(),
            ..NewSubscriber::default()
        })
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::AlreadyExists);
    assert_eq!(
        s.subscriber("U0@CONTOSO.COM")?.user_principal_name,
        "u0@contoso.com"
    );
    Ok(())
}

#[test]
fn part_number_with_two_guids_is_ambiguous_and_aliases_resolve() -> Result<()> {
    let mut s = fixture()?;
    let e = s.catalog_sku("MCOPSTN5").unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidArgument);
    assert!(e
        .to_string()
        .contains("54a152dc-90de-4996-93d2-bc47e670fc06"));
    let c = s.catalog_sku("4b74a65c-8b4a-4fc8-9f6b-5177ed11ddfa")?;
    assert_eq!(c.display_name, "Microsoft Copilot Studio User License");
    assert_eq!(
        s.catalog_by_name("power virtual agent user license")?,
        vec!["4b74a65c-8b4a-4fc8-9f6b-5177ed11ddfa".to_string()]
    );
    Ok(())
}

#[test]
fn atomic_bulk_refuses_everything_and_records_a_failed_job() -> Result<()> {
    let mut s = fixture()?;
    let all = users(6, "u", "contoso.com");
    let mut targets = all.clone();
    targets.push("ghost@contoso.com".into());
    // Office 365 E3 has 5 seats for 6 users, and one UPN is unknown.
    let req = bulk(
        "Contoso",
        Targets::Users(targets.clone()),
        assign(&[E3]),
        BulkMode::Atomic,
    );
    let p = s.preview_bulk(&req)?;
    assert_eq!(p.targets, 7);
    assert_eq!(p.skus[0].held_by, HeldBy::None);
    assert_eq!((p.skus[0].seats_needed, p.skus[0].seats_available), (6, 5));
    let codes: Vec<&str> = p
        .failures
        .iter()
        .map(|f| f.code.as_deref().unwrap())
        .collect();
    assert_eq!(codes, vec!["CountViolation", "UserNotFound"]);
    assert_eq!(s.sku("Contoso", E3)?.assigned, 0, "preview writes nothing");

    let e = s.run_bulk(&req).unwrap_err();
    assert_eq!(e.code(), ErrorCode::BulkOperationFailed);
    assert_eq!(e.failures().len(), 2);
    let Error::BulkOperationFailed {
        job_id: Some(job), ..
    } = e
    else {
        panic!("a job id is recorded")
    };
    assert_eq!(s.sku("Contoso", E3)?.assigned, 0, "nothing applied");
    let j = s.job(job)?;
    assert_eq!((j.status, j.failed), (JobStatus::Failed, 7));

    // More seats, the unknown user created: the rerun retries the failed items only.
    s.set_sku(&NewSku {
        customer: "Contoso".into(),
        sku: E3.into(),
        units: Units {
            enabled: 10,
            ..Units::default()
        },
        ..NewSku::default()
    })?;
    s.add_subscriber(&NewSubscriber {
        customer: "Contoso".into(),
        user_principal_name: "ghost@contoso.com".into(),
        ..NewSubscriber::default()
    })?;
    let o = s.rerun_job(job)?;
    assert_eq!((o.status, o.ok, o.failed), (JobStatus::Finished, 7, 0));
    assert_eq!(s.job(o.job_id)?.rerun_of, Some(job));
    assert_eq!(s.sku("Contoso", E3)?.assigned, 7);
    // Now all hold it: tri-state All, and a second run only skips.
    let p = s.preview_bulk(&bulk(
        "Contoso",
        Targets::Users(all),
        assign(&[E3]),
        BulkMode::Atomic,
    ))?;
    assert_eq!(p.skus[0].held_by, HeldBy::All);
    assert_eq!((p.ok, p.skipped), (0, 6));
    Ok(())
}

#[test]
fn best_effort_applies_what_passes_and_exports_results() -> Result<()> {
    let mut s = fixture()?;
    s.add_group("Contoso", "Sales")?;
    s.add_group_members(
        "Contoso",
        "Sales",
        &["u0@contoso.com", "u1@contoso.com", "u2@contoso.com"],
    )?;
    let o = s.run_bulk(&bulk(
        "Contoso",
        Targets::Groups(vec!["sales".into()]),
        assign(&[M365E3]),
        BulkMode::BestEffort,
    ))?;
    assert_eq!(
        (o.status, o.ok, o.failed),
        (JobStatus::FinishedWithException, 2, 1)
    );
    let items = s.job_items(o.job_id)?;
    assert_eq!(items[2].code.as_deref(), Some("CountViolation"));
    let r = s.query(
        "SELECT DISTINCT source FROM subscriber_licenses WHERE job_id = ?1",
        &Params::Positional(vec![Value::Integer(o.job_id)]),
    )?;
    assert_eq!(r.rows, vec![vec![Value::Text("group:Sales".into())]]);
    let mut out = Vec::new();
    let n = s.export_job_items(o.job_id, crate::Format::Csv, &mut out)?;
    assert_eq!(n, 3);
    let text = String::from_utf8(out).unwrap();
    assert!(text.starts_with("job_id,item,user_principal_name,outcome,code,message\n"));
    assert!(text.contains("u2@contoso.com,error,CountViolation,"));
    let r = s.query(
        "SELECT status, ok, failed FROM jobs WHERE job_id = ?1",
        &Params::Positional(vec![Value::Integer(o.job_id)]),
    )?;
    assert_eq!(
        r.rows[0],
        vec![
            Value::Text("FinishedWithException".into()),
            Value::Integer(2),
            Value::Integer(1)
        ]
    );
    Ok(())
}

#[test]
fn replace_frees_seats_in_one_step_and_history_answers_past_dates() -> Result<()> {
    let mut s = fixture()?;
    // Fill M365 E3 (2 seats), then move both holders to Office 365 E3 and two others onto M365 E3.
    s.run_bulk(&bulk(
        "Contoso",
        Targets::Users(vec!["u0@contoso.com".into(), "u1@contoso.com".into()]),
        assign(&[M365E3]),
        BulkMode::Atomic,
    ))?;
    s.set_clock(Clock::Fixed(at("2026-02-01T08:00:00Z")));
    let o = s.run_bulk(&bulk(
        "Contoso",
        Targets::Users(vec!["u0@contoso.com".into(), "u1@contoso.com".into()]),
        BulkOp::Replace {
            from: ReplaceFrom::All,
            to: vec![E3.into()],
            options: AssignOptions::default(),
        },
        BulkMode::Atomic,
    ))?;
    assert_eq!(o.ok, 2);
    let p = s.preview_bulk(&bulk(
        "Contoso",
        Targets::Users(vec!["u2@contoso.com".into(), "u3@contoso.com".into()]),
        assign(&[M365E3]),
        BulkMode::Atomic,
    ))?;
    assert!(p.failures.is_empty());
    assert_eq!(s.sku("Contoso", M365E3)?.assigned, 0);
    assert_eq!(
        s.holders_at("Contoso", M365E3, "2026-01-20")?,
        vec!["u0@contoso.com", "u1@contoso.com"]
    );
    assert!(s.holders_at("Contoso", M365E3, "2026-02-02")?.is_empty());
    assert_eq!(
        s.holders_at("Contoso", E3, "2026-02-01T08:00:00Z")?.len(),
        2
    );
    let r = s.query(
        "SELECT sku_display_name, from_at, to_at, end_reason FROM assignment_history \
         WHERE user_principal_name = 'u0@contoso.com' ORDER BY from_at",
        &Params::None,
    )?;
    assert_eq!(r.rows.len(), 2);
    assert_eq!(r.rows[0][0], Value::Text("Microsoft 365 E3".into()));
    assert_eq!(r.rows[0][2], Value::Text("2026-02-01T08:00:00Z".into()));
    assert_eq!(r.rows[0][3], Value::Text("replace".into()));
    Ok(())
}

#[test]
fn filter_targets_expiry_and_offboarding() -> Result<()> {
    let mut s = fixture()?;
    s.update_subscriber(
        "u4@contoso.com",
        &SubscriberUpdate {
            department: Some(Some("Finance".into())),
            ..SubscriberUpdate::default()
        },
    )?;
    s.update_subscriber(
        "u5@contoso.com",
        &SubscriberUpdate {
            department: Some(Some("finance".into())),
            ..SubscriberUpdate::default()
        },
    )?;
    let o = s.run_bulk(&bulk(
        "Contoso",
        Targets::Filter(SubscriberFilter {
            department: Some("FINANCE".into()),
            ..SubscriberFilter::default()
        }),
        BulkOp::Assign {
            skus: vec![BI.into()],
            options: AssignOptions {
                expires_at: Some("2026-01-31".into()),
                ..AssignOptions::default()
            },
        },
        BulkMode::Atomic,
    ))?;
    assert_eq!(o.ok, 2);
    let r = s.query(
        "SELECT kind, user_principal_name, display_name, at FROM expiring WHERE at <= '2026-02-10' ORDER BY user_principal_name",
        &Params::None,
    )?;
    assert_eq!(r.rows.len(), 2);
    assert_eq!(r.rows[0][2], Value::Text("Power BI Pro".into()));
    assert_eq!(r.rows[0][3], Value::Text("2026-01-31T00:00:00Z".into()));
    s.set_sku(&NewSku {
        customer: "Contoso".into(),
        sku: M365E3.into(),
        units: Units {
            enabled: 2,
            ..Units::default()
        },
        term_end: Some("2026-01-25".into()),
        ..NewSku::default()
    })?;
    let report = s.expiring(30, Some("contoso"))?;
    let kinds: Vec<(&str, &str)> = report
        .iter()
        .map(|e| (e.kind.as_str(), e.display_name.as_str()))
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("sku_term", "Microsoft 365 E3"),
            ("license", "Power BI Pro"),
            ("license", "Power BI Pro")
        ]
    );
    assert_eq!(s.expiring(10, None)?.len(), 0);
    // Nothing has expired yet at Jan 30; both at Feb 1.
    assert_eq!(s.expire("2026-01-30T00:00:00Z")?.ok, 0);
    s.set_clock(Clock::Fixed(at("2026-02-01T00:00:00Z")));
    let e = s.expire("2026-02-01T00:00:00Z")?;
    assert_eq!(e.ok, 2);
    assert_eq!(s.sku("Contoso", BI)?.assigned, 0);
    assert_eq!(
        s.job_items(e.job_id)?[0].message.as_deref(),
        Some("Power BI Pro expired")
    );
    // Offboarding keeps the user and its history.
    s.assign_license("u0@contoso.com", E3, &AssignOptions::default())?;
    assert_eq!(s.offboard("u0@contoso.com")?, 1);
    assert_eq!(
        s.subscriber("u0@contoso.com")?.status,
        SubscriberStatus::Offboarded
    );
    let r = s.query(
        "SELECT count(*) FROM assignment_history WHERE user_principal_name = 'u0@contoso.com' AND end_reason = 'offboard'",
        &Params::None,
    )?;
    assert_eq!(r.rows[0][0], Value::Integer(1));
    assert_eq!(
        s.offboard("u0@contoso.com").unwrap_err().code(),
        ErrorCode::UserOffboarded
    );
    Ok(())
}

#[test]
fn voice_licenses_take_numbers_and_offboarding_returns_them() -> Result<()> {
    let mut s = fixture()?;
    s.add_numbers("Contoso", &["+1 425 555 0101", "+14255550100"])?;
    assert!(s
        .add_numbers("Contoso", &["0042"])
        .unwrap_err()
        .to_string()
        .contains("0042"));
    s.update_subscriber(
        "u0@contoso.com",
        &SubscriberUpdate {
            display_name: Some(Some("Ada Lovelace".into())),
            ..SubscriberUpdate::default()
        },
    )?;
    let base = bulk(
        "Contoso",
        Targets::Users(users(3, "u", "contoso.com")),
        assign(&[E3]),
        BulkMode::Atomic,
    );
    s.run_bulk(&base)?;
    let voice = BulkOp::Assign {
        skus: vec![PHONE.into()],
        options: AssignOptions {
            take_number: true,
            ..AssignOptions::default()
        },
    };
    // Three users, two numbers: the third fails with NumberUnavailable (and Phone has 2 seats).
    let p = s.preview_bulk(&bulk(
        "Contoso",
        Targets::Users(users(3, "u", "contoso.com")),
        voice.clone(),
        BulkMode::BestEffort,
    ))?;
    assert_eq!(p.failures.len(), 1);
    s.set_sku(&NewSku {
        customer: "Contoso".into(),
        sku: PHONE.into(),
        units: Units {
            enabled: 3,
            ..Units::default()
        },
        ..NewSku::default()
    })?;
    let o = s.run_bulk(&bulk(
        "Contoso",
        Targets::Users(users(3, "u", "contoso.com")),
        voice,
        BulkMode::BestEffort,
    ))?;
    assert_eq!((o.ok, o.failed), (2, 1));
    assert_eq!(
        s.job_items(o.job_id)?[2].code.as_deref(),
        Some("NumberUnavailable")
    );
    let r = s.query(
        "SELECT number, status, user_principal_name, assigned_name FROM numbers ORDER BY number",
        &Params::None,
    )?;
    assert_eq!(
        r.rows[0],
        vec![
            Value::Text("+14255550100".into()),
            Value::Text("Assigned".into()),
            Value::Text("u0@contoso.com".into()),
            Value::Text("Ada Lovelace".into())
        ]
    );
    s.offboard("u0@contoso.com")?;
    assert_eq!(s.assign_number("u2@contoso.com", None)?, "+14255550100");
    let e = s.assign_number("u3@contoso.com", None).unwrap_err();
    assert_eq!(e.code(), ErrorCode::NumberUnavailable);
    s.set_number_status("+14255550101", "Reserved")?;
    let r = s.query(
        "SELECT status FROM numbers WHERE number = '+14255550101'",
        &Params::None,
    )?;
    assert_eq!(r.rows[0][0], Value::Text("Reserved".into()));
    Ok(())
}

#[test]
fn profiles_provision_staged_users() -> Result<()> {
    let mut s = fixture()?;
    let staged = |upn: &str, dep: &str| NewSubscriber {
        customer: "Contoso".into(),
        user_principal_name: upn.into(),
        department: Some(dep.into()),
        status: SubscriberStatus::Staged,
        ..NewSubscriber::default()
    };
    s.add_subscribers(&[
        staged("New.Sales@Contoso.com", "Sales"),
        staged("new.finance@contoso.com", "Finance"),
    ])?;
    s.set_profile(&Profile {
        customer: "Contoso".into(),
        name: "Sales gets E3 and Power BI".into(),
        filter: SubscriberFilter {
            department: Some("sales".into()),
            ..SubscriberFilter::default()
        },
        skus: vec![E3.into(), BI.into()],
    })?;
    assert_eq!(s.profiles("Contoso")?[0].skus.len(), 2);
    let jobs = s.apply_profiles("Contoso")?;
    assert_eq!(jobs[0].ok, 1);
    let u = s.subscriber("new.sales@contoso.com")?;
    assert_eq!(u.status, SubscriberStatus::Active);
    assert_eq!(s.licenses("new.sales@contoso.com")?.len(), 2);
    // No profile matched: stays Staged. Active users are not touched by profiles.
    assert_eq!(
        s.subscriber("new.finance@contoso.com")?.status,
        SubscriberStatus::Staged
    );
    assert!(s.licenses("u0@contoso.com")?.is_empty());
    // UPN targets match without regard to case.
    let o = s.run_bulk(&bulk(
        "Contoso",
        Targets::Users(vec![
            "NEW.FINANCE@contoso.com".into(),
            "new.finance@CONTOSO.com".into(),
        ]),
        assign(&[E3]),
        BulkMode::Atomic,
    ))?;
    assert_eq!(o.ok, 1, "the same user twice is one target");
    assert_eq!(s.job_items(o.job_id)?[0].subject, "new.finance@contoso.com");
    Ok(())
}

#[test]
fn a_newer_catalog_replaces_the_built_in_one() -> Result<()> {
    let mut s = fixture()?;
    let newer = "\u{feff}Product_Display_Name,String_Id,GUID,Service_Plan_Name,Service_Plan_Id,Service_Plans_Included_Friendly_Names\r\n\
        Office 365 E3 (renamed),ENTERPRISEPACK,6fd2c87f-b296-42f0-b197-1e91e994b900,EXCHANGE_S_ENTERPRISE,efb87545-963c-4e0d-99df-69c6916d9eb0,Exchange Online (Plan 2)\r\n";
    let r = s.import_catalog(newer.as_bytes(), "newer.csv")?;
    assert_eq!((r.skus, r.plans), (1, 1));
    assert_eq!(
        s.sku("Contoso", E3)?.display_name,
        "Office 365 E3 (renamed)"
    );
    assert_eq!(s.catalog_sku(E3)?.plans.len(), 1);
    // A broken file changes nothing.
    let e = s
        .import_catalog(&b"GUID\nx\n"[..], "broken.csv")
        .unwrap_err();
    assert!(e.to_string().contains("broken.csv"), "{e}");
    assert_eq!(
        s.sku("Contoso", E3)?.display_name,
        "Office 365 E3 (renamed)"
    );
    Ok(())
}

#[test]
fn adding_a_rule_again_stores_and_audits_nothing() -> Result<()> {
    let mut s = fixture()?;
    let count = |s: &mut Store, sql: &str| -> Result<i64> {
        match s.query(sql, &Params::None)?.rows[0][0] {
            Value::Integer(n) => Ok(n),
            ref other => panic!("{other:?}"),
        }
    };
    let rules = count(&mut s, "SELECT count(*) FROM sku_rules")?;
    let audit = count(&mut s, "SELECT count(*) FROM audit_log")?;
    assert_eq!(rules, 4, "two requires, one excludes, one blocked_in");
    // The same rules again, the excludes named the other way round and by part number.
    s.add_sku_rule(&SkuRule::Requires {
        sku: PHONE.into(),
        any_of: vec![M365E3.into(), E3.into()],
    })?;
    s.add_sku_rule(&SkuRule::Excludes {
        sku: M365E3.into(),
        other: E3.into(),
    })?;
    s.add_sku_rule(&SkuRule::BlockedIn {
        sku: BI.into(),
        countries: vec!["cn".into()],
    })?;
    assert_eq!(count(&mut s, "SELECT count(*) FROM sku_rules")?, rules);
    assert_eq!(count(&mut s, "SELECT count(*) FROM audit_log")?, audit);
    // A rule with one new country adds that row only, audited once.
    s.add_sku_rule(&SkuRule::BlockedIn {
        sku: BI.into(),
        countries: vec!["CN".into(), "KP".into()],
    })?;
    assert_eq!(count(&mut s, "SELECT count(*) FROM sku_rules")?, rules + 1);
    assert_eq!(count(&mut s, "SELECT count(*) FROM audit_log")?, audit + 1);
    Ok(())
}
