//! Microsoft 365 admin center "Active users > Export users" CSV: sync a customer's users and
//! their licenses from it.
//!
//! Columns are matched by header name (case-insensitive; a BOM is skipped), never by position, so
//! the 29-column layout, the 28-column one without `AgeGroup` and the older alphabetical layout
//! (`Country/Region`, `State`, `License assignment details`) all read; columns licstore does not
//! use are ignored. Only `User principal name` is required. Used: `Display name`, `Object Id`,
//! `Department`, `Usage location`, `Licenses`.
//!
//! `Licenses` holds friendly product names joined by `+`, or `Unlicensed`. Names can contain
//! ` + ` themselves (`Enterprise Mobility + Security E5`), so the value is split by matching
//! known catalog names (primary names and aliases, without regard to case), never on every `+`.
//! A name the catalog does not know (a localized name, a trial the catalog lacks) is reported
//! with its line and nothing is guessed; a name that several SKUs share resolves to the one the
//! customer subscribes to.
//!
//! Sync is two steps: [`Store::diff_m365_users`] shows new, changed and gone users (nothing
//! written), [`Store::apply_m365_users`] applies the file as one `sync_users` job: new users are
//! added as **Staged** (a sync brings users in; profiles or an admin provision them), changed fields
//! are updated, and every listed user's licenses are set to what the export lists, through the
//! same rules as a bulk replace (a user that breaks a rule keeps what it had and its item is an
//! error). Gone users (in the store, not in the file) are reported and left as they are:
//! offboarding is a decision, not a side effect of a partial export. Any row error (bad UPN, bad
//! usage location, unknown license name) refuses the apply.

use std::collections::{HashMap, HashSet};
use std::io::Read;

use serde::Serialize;

use crate::error::{CsvErrors, Error, Result, RowError};
use crate::online::{self, assignments, NewSubscriber, SubscriberStatus, SubscriberUpdate};
use crate::store::Store;
use crate::validate;

/// What a sync would do to one user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum UserChangeKind {
    /// Not in the store: added as Staged.
    New,
    /// Fields or licenses differ.
    Changed,
    /// Identical.
    Unchanged,
    /// In the store, not in the file (left as it is).
    Gone,
}

/// One user of a sync difference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserChange {
    /// New, changed, unchanged or gone.
    pub kind: UserChangeKind,
    /// The line of the file (0 for gone users).
    pub line: u64,
    /// The UPN.
    pub user_principal_name: String,
    /// What differs, as `field: old -> new`, and `+License` / `-License` lines.
    pub changes: Vec<String>,
    #[serde(skip)]
    row: Option<Row>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Row {
    display_name: Option<String>,
    object_id: Option<String>,
    department: Option<String>,
    usage_location: Option<String>,
    /// SKU GUIDs.
    licenses: Vec<String>,
}

/// The difference between an export and the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserSyncDiff {
    /// One entry per user of the file, then the gone users.
    pub users: Vec<UserChange>,
    /// Rejected rows (with line, column and value); an apply refuses the file when any exist.
    pub errors: Vec<RowError>,
}

/// Splits a `Licenses` value into catalog names (longest match first); `Err` holds the part that
/// matches no known name.
fn split_licenses(
    value: &str,
    known: &HashMap<String, Vec<String>>,
) -> std::result::Result<Vec<String>, String> {
    let v = value.trim();
    if v.is_empty() || v.eq_ignore_ascii_case("Unlicensed") {
        return Ok(vec![]);
    }
    let parts: Vec<&str> = v.split('+').collect();
    let n = parts.len();
    // back[j] = Some(i): parts[i..j] is a known name and parts[..i] splits completely.
    let mut back: Vec<Option<usize>> = vec![None; n + 1];
    let mut reach = vec![false; n + 1];
    reach[0] = true;
    let mut furthest = 0;
    for i in 0..n {
        if !reach[i] {
            continue;
        }
        for j in (i + 1..=n).rev() {
            let cand = parts[i..j].join("+");
            if known.contains_key(&cand.trim().to_lowercase()) && !reach[j] {
                reach[j] = true;
                back[j] = Some(i);
                furthest = furthest.max(j);
            }
        }
    }
    if !reach[n] {
        return Err(parts[furthest..].join("+").trim().to_string());
    }
    let mut out = Vec::new();
    let mut j = n;
    while j > 0 {
        let i = back[j].expect("reachable");
        out.push(parts[i..j].join("+").trim().to_string());
        j = i;
    }
    out.reverse();
    Ok(out)
}

struct Parsed {
    rows: Vec<(u64, String, Row, Vec<String>)>,
    errors: Vec<RowError>,
}

const USED: &[&str] = &[
    "User principal name",
    "Display name",
    "Object Id",
    "Department",
    "Usage location",
    "Licenses",
];

fn parse(store: &mut Store, customer: &str, input: impl Read, file: &str) -> Result<Parsed> {
    store.write(online::ensure_catalog)?;
    let conn = store.conn();
    let c = crate::customers::require(conn, customer)?;
    let mut known: HashMap<String, Vec<String>> = HashMap::new();
    {
        let mut q = conn.prepare("SELECT display_name, sku_id FROM catalog_name")?;
        let rows = q.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        for r in rows {
            let (n, g) = r?;
            known.entry(n.to_lowercase()).or_default().push(g);
        }
    }
    let subscribed: HashSet<String> = conn
        .prepare("SELECT sku_id FROM sku WHERE customer_id = ?1")?
        .query_map([c.id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(input);
    let mut rec = csv::StringRecord::new();
    let err = |line: u64, column: Option<&str>, value: Option<&str>, reason: String| RowError {
        file: file.to_string(),
        line,
        column: column.map(String::from),
        value: value.map(String::from),
        reason,
    };
    let csv_err = |e: csv::Error| {
        let line = e.position().map_or(0, |p| p.line());
        Error::csv(err(line, None, None, format!("malformed CSV: {e}")))
    };
    if !rdr.read_record(&mut rec).map_err(csv_err)? {
        return Err(Error::csv(err(
            1,
            None,
            None,
            "the file is empty: a header line is required".into(),
        )));
    }
    let names: Vec<String> = rec
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let h = if i == 0 {
                h.trim_start_matches('\u{feff}')
            } else {
                h
            };
            h.trim().to_string()
        })
        .collect();
    let pos: Vec<Option<usize>> = USED
        .iter()
        .map(|u| names.iter().position(|n| n.eq_ignore_ascii_case(u)))
        .collect();
    if pos[0].is_none() {
        return Err(Error::csv(err(
            1,
            Some(USED[0]),
            None,
            "missing required column (is this a Microsoft 365 \"Export users\" file?)".into(),
        )));
    }
    let mut out = Parsed {
        rows: vec![],
        errors: vec![],
    };
    let mut seen = HashSet::new();
    while rdr.read_record(&mut rec).map_err(csv_err)? {
        let line = rec.position().map_or(0, |p| p.line());
        let get = |ci: usize| {
            pos[ci]
                .and_then(|p| rec.get(p))
                .map(str::trim)
                .filter(|v| !v.is_empty())
        };
        let upn_raw = get(0).unwrap_or("");
        let upn = match online::validate_upn(upn_raw) {
            Ok(u) => u,
            Err(_) => {
                out.errors.push(err(
                    line,
                    Some(USED[0]),
                    Some(upn_raw),
                    "not a user principal name".into(),
                ));
                continue;
            }
        };
        if !seen.insert(upn.to_ascii_lowercase()) {
            out.errors.push(err(
                line,
                Some(USED[0]),
                Some(&upn),
                "the user is listed twice".into(),
            ));
            continue;
        }
        let usage_location = match get(4)
            .map(|v| validate::country("usage location", v))
            .transpose()
        {
            Ok(v) => v,
            Err(_) => {
                out.errors.push(err(
                    line,
                    Some(USED[4]),
                    get(4),
                    "not an ISO 3166 alpha-2 country code".into(),
                ));
                continue;
            }
        };
        let object_id = match get(2).map(|v| validate::guid("object id", v)).transpose() {
            Ok(v) => v,
            Err(_) => {
                out.errors
                    .push(err(line, Some(USED[2]), get(2), "not a GUID".into()));
                continue;
            }
        };
        let license_names = match split_licenses(get(5).unwrap_or(""), &known) {
            Ok(v) => v,
            Err(unknown) => {
                out.errors.push(err(
                    line,
                    Some(USED[5]),
                    Some(&unknown),
                    "no SKU of the catalog has this name (import a newer catalog, or fix the name)"
                        .into(),
                ));
                continue;
            }
        };
        let mut licenses = Vec::new();
        let mut bad = None;
        for n in &license_names {
            let ids = &known[&n.to_lowercase()];
            let pick: Vec<&String> = if ids.len() == 1 {
                ids.iter().collect()
            } else {
                ids.iter().filter(|g| subscribed.contains(*g)).collect()
            };
            match pick.as_slice() {
                [one] => licenses.push((*one).clone()),
                _ => {
                    bad = Some(err(
                        line,
                        Some(USED[5]),
                        Some(n),
                        format!("the name fits {} SKUs ({}) and the customer does not subscribe to exactly one of them", ids.len(), ids.join(", ")),
                    ));
                    break;
                }
            }
        }
        if let Some(e) = bad {
            out.errors.push(e);
            continue;
        }
        let row = Row {
            display_name: get(1).map(String::from),
            object_id,
            department: get(3).map(String::from),
            usage_location,
            licenses,
        };
        out.rows.push((line, upn, row, license_names));
    }
    Ok(out)
}

fn catalog_name(store: &Store, guid: &str) -> String {
    store
        .conn()
        .query_row(
            "SELECT display_name FROM catalog_sku WHERE sku_id = ?1",
            [guid],
            |r| r.get(0),
        )
        .unwrap_or_else(|_| guid.to_string())
}

impl Store {
    /// The difference between a Microsoft 365 "Export users" file and a customer's users; nothing written.
    pub fn diff_m365_users(
        &mut self,
        customer: &str,
        input: impl Read,
        file: &str,
    ) -> Result<UserSyncDiff> {
        let parsed = parse(self, customer, input, file)?;
        let mut users = Vec::new();
        let mut listed = HashSet::new();
        for (line, upn, row, _) in parsed.rows {
            listed.insert(upn.to_ascii_lowercase());
            let (kind, changes) = match self.subscriber(&upn) {
                Err(_) => {
                    let ch = row
                        .licenses
                        .iter()
                        .map(|g| format!("+{}", catalog_name(self, g)))
                        .collect();
                    (UserChangeKind::New, ch)
                }
                Ok(cur) => {
                    if !cur.customer.eq_ignore_ascii_case(customer) {
                        return Err(Error::csv(RowError {
                            file: file.to_string(),
                            line,
                            column: Some(USED[0].into()),
                            value: Some(upn.clone()),
                            reason: format!("the user belongs to customer {:?}", cur.customer),
                        }));
                    }
                    let mut ch = Vec::new();
                    let mut cmp = |f: &str, a: &Option<String>, b: &Option<String>| {
                        if b.is_some() && a != b {
                            ch.push(format!("{f}: {a:?} -> {b:?}"));
                        }
                    };
                    cmp("display_name", &cur.display_name, &row.display_name);
                    cmp("object_id", &cur.object_id, &row.object_id);
                    cmp("department", &cur.department, &row.department);
                    cmp("usage_location", &cur.usage_location, &row.usage_location);
                    let held: Vec<String> = self.licenses(&upn)?.into_iter().map(|l| l.0).collect();
                    for g in row.licenses.iter().filter(|g| !held.contains(g)) {
                        ch.push(format!("+{}", catalog_name(self, g)));
                    }
                    for g in held.iter().filter(|g| !row.licenses.contains(g)) {
                        ch.push(format!("-{}", catalog_name(self, g)));
                    }
                    let kind = if ch.is_empty() {
                        UserChangeKind::Unchanged
                    } else {
                        UserChangeKind::Changed
                    };
                    (kind, ch)
                }
            };
            users.push(UserChange {
                kind,
                line,
                user_principal_name: upn,
                changes,
                row: Some(row),
            });
        }
        for s in self.subscribers(customer)? {
            if s.status != SubscriberStatus::Offboarded
                && !listed.contains(&s.user_principal_name.to_ascii_lowercase())
            {
                users.push(UserChange {
                    kind: UserChangeKind::Gone,
                    line: 0,
                    user_principal_name: s.user_principal_name,
                    changes: vec!["not in the export (left as it is)".into()],
                    row: None,
                });
            }
        }
        Ok(UserSyncDiff {
            users,
            errors: parsed.errors,
        })
    }

    /// Applies a Microsoft 365 "Export users" file to a customer as one `sync_users` job (see the
    /// module documentation); returns the job id. Rejected rows refuse the whole file.
    pub fn apply_m365_users(
        &mut self,
        customer: &str,
        input: impl Read,
        file: &str,
    ) -> Result<i64> {
        let diff = self.diff_m365_users(customer, input, file)?;
        if !diff.errors.is_empty() {
            let rejected = diff.errors.len() as u64;
            let mut errors = diff.errors;
            errors.truncate(CsvErrors::MAX_KEPT);
            return Err(Error::Csv(Box::new(CsvErrors { errors, rejected })));
        }
        let file = file.to_string();
        self.write(|ctx| {
            let c = crate::customers::require(ctx.tx, customer)?;
            let job = assignments::start_job(
                ctx,
                c.id,
                "sync_users",
                &serde_json::json!({ "file": file }).to_string(),
            )?;
            let mut wanted = Vec::new();
            for u in &diff.users {
                let Some(row) = &u.row else { continue };
                match u.kind {
                    UserChangeKind::New => {
                        online::insert_subscribers(
                            ctx,
                            &[NewSubscriber {
                                customer: c.name.clone(),
                                user_principal_name: u.user_principal_name.clone(),
                                display_name: row.display_name.clone(),
                                usage_location: row.usage_location.clone(),
                                department: row.department.clone(),
                                object_id: row.object_id.clone(),
                                status: SubscriberStatus::Staged,
                            }],
                        )?;
                    }
                    UserChangeKind::Changed => {
                        let keep = |v: &Option<String>| v.clone().map(Some);
                        online::update_subscriber_tx(
                            ctx,
                            &u.user_principal_name,
                            &SubscriberUpdate {
                                display_name: keep(&row.display_name),
                                usage_location: keep(&row.usage_location),
                                department: keep(&row.department),
                                object_id: keep(&row.object_id),
                                status: None,
                            },
                        )?;
                    }
                    _ => {}
                }
                wanted.push((u.user_principal_name.clone(), row.licenses.clone()));
            }
            let license_items = assignments::set_licenses(ctx, &c.name, job, &wanted)?;
            let mut items = Vec::with_capacity(diff.users.len());
            let mut li = license_items.into_iter();
            for u in &diff.users {
                let mut it = if u.row.is_some() {
                    li.next().expect("one license item per listed user")
                } else {
                    assignments::ItemResult {
                        subject: u.user_principal_name.clone(),
                        outcome: assignments::ItemOutcome::Skipped,
                        code: None,
                        message: None,
                    }
                };
                if it.outcome != assignments::ItemOutcome::Error {
                    it.outcome =
                        if u.kind == UserChangeKind::New || u.kind == UserChangeKind::Changed {
                            assignments::ItemOutcome::Ok
                        } else {
                            assignments::ItemOutcome::Skipped
                        };
                    it.message = Some(format!("{:?}: {}", u.kind, u.changes.join("; ")));
                }
                items.push(it);
            }
            assignments::finish_items(ctx, job, &items)?;
            Ok(job)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::customers::NewCustomer;
    use crate::online::{NewSku, Units};

    const HEADER: &[u8] = include_bytes!("../../tests/data/m365-admin-export-users-header.csv");

    fn store() -> Result<Store> {
        let mut s = Store::open_in_memory()?;
        s.add_customer(&NewCustomer {
            default_usage_location: Some("US".into()),
            ..NewCustomer::named("Contoso")
        })?;
        for k in ["O365_BUSINESS_ESSENTIALS", "FLOW_FREE", "EMSPREMIUM"] {
            s.set_sku(&NewSku {
                customer: "Contoso".into(),
                sku: k.into(),
                units: Units {
                    enabled: 10,
                    ..Units::default()
                },
                ..NewSku::default()
            })?;
        }
        Ok(s)
    }

    /// The real 29-column header with rows built by column name.
    fn file(rows: &[[(&str, &str); 4]]) -> Vec<u8> {
        let header = String::from_utf8(HEADER.to_vec()).unwrap();
        let header = header.trim_end();
        let names: Vec<&str> = header.trim_start_matches('\u{feff}').split(',').collect();
        let mut out = format!("{header}\n");
        for r in rows {
            let fields: Vec<String> = names
                .iter()
                .map(|n| {
                    r.iter()
                        .find(|(k, _)| k == n)
                        .map_or(String::new(), |(_, v)| {
                            if v.contains(',') {
                                format!("\"{v}\"")
                            } else {
                                v.to_string()
                            }
                        })
                })
                .collect();
            out.push_str(&fields.join(","));
            out.push('\n');
        }
        out.into_bytes()
    }

    #[test]
    fn licenses_split_on_known_names_only() -> Result<()> {
        let mut s = store()?;
        let data = file(&[
            [
                ("User principal name", "ada@contoso.com"),
                ("Display name", "Ada"),
                ("Usage location", "GB"),
                (
                    "Licenses",
                    "Microsoft 365 Business Basic+Enterprise Mobility + Security E5",
                ),
            ],
            [
                ("User principal name", "bob@contoso.com"),
                ("Display name", "Bob"),
                ("Usage location", ""),
                ("Licenses", "Unlicensed"),
            ],
        ]);
        let d = s.diff_m365_users("Contoso", &data[..], "users.csv")?;
        assert!(d.errors.is_empty(), "{:?}", d.errors);
        assert_eq!(d.users[0].kind, UserChangeKind::New);
        assert_eq!(
            d.users[0].changes,
            vec![
                "+Microsoft 365 Business Basic",
                "+Enterprise Mobility + Security E5"
            ]
        );
        let job = s.apply_m365_users("Contoso", &data[..], "users.csv")?;
        assert_eq!(s.job(job)?.ok, 2);
        assert_eq!(
            s.subscriber("ada@contoso.com")?.status,
            SubscriberStatus::Staged
        );
        assert_eq!(s.licenses("ada@contoso.com")?.len(), 2);
        assert!(s.licenses("bob@contoso.com")?.is_empty());
        // The same file again changes nothing; dropping a license removes it.
        let again = s.diff_m365_users("Contoso", &data[..], "users.csv")?;
        assert!(again
            .users
            .iter()
            .all(|u| u.kind == UserChangeKind::Unchanged));
        let less = file(
            &[[
                ("User principal name", "ada@contoso.com"),
                ("Display name", "Ada"),
                ("Usage location", "GB"),
                ("Licenses", "Microsoft 365 Business Basic"),
            ]; 1],
        );
        let d = s.diff_m365_users("Contoso", &less[..], "users.csv")?;
        assert_eq!(
            d.users[0].changes,
            vec!["-Enterprise Mobility + Security E5"]
        );
        assert_eq!(d.users[1].kind, UserChangeKind::Gone);
        s.apply_m365_users("Contoso", &less[..], "users.csv")?;
        assert_eq!(s.licenses("ada@contoso.com")?.len(), 1);
        Ok(())
    }

    #[test]
    fn unknown_names_are_reported_with_their_line_and_older_layouts_read() -> Result<()> {
        let mut s = store()?;
        let data = file(&[
            [
                ("User principal name", "ada@contoso.com"),
                ("Display name", "Ada"),
                ("Usage location", "GB"),
                ("Licenses", "Microsoft 365 Empresa Básico"),
            ],
            [
                ("User principal name", "bob@contoso.com"),
                ("Display name", "Bob"),
                ("Usage location", "ZZ"),
                ("Licenses", "Unlicensed"),
            ],
        ]);
        let d = s.diff_m365_users("Contoso", &data[..], "users.csv")?;
        assert_eq!(d.errors.len(), 2);
        assert_eq!(
            (d.errors[0].line, d.errors[0].value.as_deref()),
            (2, Some("Microsoft 365 Empresa Básico"))
        );
        assert_eq!(
            (d.errors[1].line, d.errors[1].column.as_deref()),
            (3, Some("Usage location"))
        );
        let e = s
            .apply_m365_users("Contoso", &data[..], "users.csv")
            .unwrap_err();
        assert_eq!(e.csv_errors().unwrap().rejected, 2);
        assert!(s.subscribers("Contoso")?.is_empty(), "nothing written");
        // Older alphabetical layout: other column names and order; matched by name.
        let old = "City,Country/Region,Department,Display name,Licenses,License assignment details,State,Usage location,User principal name\n\
                   Paris,France,Sales,Carol,Microsoft Power Automate Free,,IDF,FR,carol@contoso.com\n";
        let d = s.diff_m365_users("Contoso", old.as_bytes(), "old.csv")?;
        assert!(d.errors.is_empty());
        assert_eq!(d.users[0].changes, vec!["+Microsoft Power Automate Free"]);
        // 28 columns (no AgeGroup): the real header minus one column still reads.
        let h = String::from_utf8(HEADER.to_vec())
            .unwrap()
            .replace("AgeGroup,", "");
        let d = s.diff_m365_users("Contoso", h.as_bytes(), "28.csv")?;
        assert!(d.users.is_empty() && d.errors.is_empty());
        Ok(())
    }
}
