//! A store file opened for a principal (docs/access.md, "Scoped handles"): it reads only its
//! licensing IDs' rows by every route of the API and of the SQL channel, acts only with its roles,
//! and sees a revocation made by the owner through another handle at once.

use licstore::{ErrorCode, NewCustomer, Params, Result, Role, Store, Value};

const LYNNE: &str = "lynne.robbins@contoso.com";
const CONTOSO_EA: &str = "5612345";

/// The views a scoped channel shows, with the column naming each row's licensing ID (or `None`
/// when the view is checked otherwise).
const SHOWN: &[(&str, Option<&str>)] = &[
    ("licensing_ids", Some("number")),
    ("entitlements", Some("licensing_id")),
    ("product_keys", Some("licensing_id")),
    ("key_activations", Some("licensing_id")),
    ("limit_increase_requests", Some("licensing_id")),
    ("sa_benefits", Some("licensing_id")),
    ("reservations", Some("licensing_id")),
    ("permissions", Some("licensing_id")),
    ("permission_requests", Some("licensing_id")),
    ("agreement_contacts", Some("licensing_id")),
    ("customers", None),
    ("principals", None),
    ("products", None),
    ("license_summary", None),
];

fn text(v: &Value) -> String {
    match v {
        Value::Text(t) => t.clone(),
        other => panic!("expected text, got {other:?}"),
    }
}

fn column(s: &mut Store, sql: &str) -> Result<Vec<String>> {
    Ok(s.query(sql, &Params::None)?
        .rows
        .iter()
        .map(|r| text(&r[0]))
        .collect())
}

#[test]
fn a_scoped_file_handle_reads_and_acts_only_within_its_roles() -> Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.licstore");
    let mut owner = Store::open(&path)?;
    licstore::demo::build(&mut owner, 7)?;
    let other_lids: Vec<String> = owner
        .licensing_ids(None)?
        .into_iter()
        .map(|l| l.number)
        .filter(|n| n != CONTOSO_EA)
        .collect();
    assert!(!other_lids.is_empty());

    assert_eq!(
        Store::open_scoped(&path, "nobody@contoso.com")
            .unwrap_err()
            .code(),
        ErrorCode::NotFound
    );
    assert_eq!(
        Store::open_scoped(dir.path().join("missing.licstore"), LYNNE)
            .unwrap_err()
            .code(),
        ErrorCode::NotFound
    );
    let mut lynne = Store::open_scoped(&path, LYNNE)?;
    assert_eq!(lynne.principal_scope(), Some(LYNNE));

    // Every view of the store is either shown with only Lynne's rows, or refused.
    for view in owner.views()? {
        let sql = format!("SELECT * FROM {view}");
        match SHOWN.iter().find(|(v, _)| *v == view) {
            Some((_, Some(col))) => {
                // Rows about Lynne herself (her own requests, roles) may name other IDs.
                let own = if view.starts_with("permission") || view == "agreement_contacts" {
                    format!(" WHERE email <> '{LYNNE}'")
                } else {
                    String::new()
                };
                let lids = column(
                    &mut lynne,
                    &format!("SELECT DISTINCT {col} FROM {view}{own}"),
                )?;
                assert!(lids.iter().all(|l| l == CONTOSO_EA), "{view}: {lids:?}");
                let all = owner.query(&sql, &Params::None)?.rows.len();
                let mine = lynne.query(&sql, &Params::None)?.rows.len();
                assert!(mine <= all, "{view}");
            }
            Some((_, None)) => {
                lynne.query(&sql, &Params::None)?;
            }
            None => {
                let e = lynne.query(&sql, &Params::None).unwrap_err();
                assert_eq!(e.code(), ErrorCode::QueryRefused, "{view}: {e}");
            }
        }
        // No other route reads the unfiltered view.
        for route in [
            format!("SELECT * FROM main.{view}"),
            format!("SELECT count(*) FROM \"main\".\"{view}\""),
            format!("SELECT (SELECT count(*) FROM main.{view})"),
            format!("SELECT * FROM licensing_ids, main.{view}"),
            format!("WITH {view} AS (SELECT * FROM main.{view}) SELECT * FROM {view}"),
            format!("WITH x AS (SELECT * FROM main.{view}) SELECT count(*) FROM x"),
        ] {
            if view == "products" || view == "license_summary" {
                continue;
            }
            let e = lynne.query(&route, &Params::None).unwrap_err();
            assert_eq!(e.code(), ErrorCode::QueryRefused, "{route}: {e}");
        }
    }
    assert_eq!(
        column(&mut lynne, "SELECT DISTINCT customer FROM license_summary")?,
        ["Contoso"]
    );
    for lid in &other_lids {
        let r = lynne.query(
            "SELECT count(*) FROM license_summary(NULL, ?)",
            &Params::Positional(vec![lid.as_str().into()]),
        )?;
        assert_eq!(r.rows[0][0], Value::Integer(0), "{lid}");
        assert_eq!(
            lynne.product_keys(Some(lid)).unwrap_err().code(),
            ErrorCode::PermissionDenied
        );
    }
    assert_eq!(
        column(&mut lynne, "SELECT name FROM customers")?,
        ["Contoso"]
    );

    // The API: reads are filtered, actions need their role, the audit log names Lynne.
    assert!(lynne
        .licensing_ids(None)?
        .iter()
        .all(|l| l.number == CONTOSO_EA));
    let key = lynne.product_keys(None)?[0].id;
    assert_eq!(lynne.reveal_key(key, "re-image")?.len(), 29);
    let last = owner.audit_entries(None)?.pop().unwrap();
    assert_eq!(
        (last.action.as_str(), last.actor.as_str()),
        ("product_key.reveal", LYNNE)
    );
    let foreign = owner.product_keys(Some(&other_lids[0]))?[0].id;
    let e = lynne.reveal_key(foreign, "curious").unwrap_err();
    assert_eq!(e.code(), ErrorCode::PermissionDenied);
    assert!(e.to_string().contains(LYNNE) && e.to_string().contains("ProductKeys"));
    assert_eq!(
        lynne
            .add_customer(&NewCustomer::named("Lynne's own"))
            .unwrap_err()
            .code(),
        ErrorCode::PermissionDenied
    );

    // The owner revokes ProductKeys through its own handle: Lynne's open channel loses the keys.
    owner.revoke_roles(LYNNE, CONTOSO_EA, &[Role::ProductKeys])?;
    assert!(column(&mut lynne, "SELECT licensing_id FROM product_keys")?.is_empty());
    assert_eq!(
        lynne.reveal_key(key, "again").unwrap_err().code(),
        ErrorCode::PermissionDenied
    );
    assert!(!column(&mut lynne, "SELECT licensing_id FROM entitlements")?.is_empty());
    Ok(())
}
