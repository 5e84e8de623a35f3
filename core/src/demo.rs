//! The demo store: realistic sample data generated deterministically (same seed, same store), so
//! `make demo`, the docs and the benchmarks all show the same figures.
//!
//! Each capability adds its own section; [`build`] runs them in order inside one transaction per
//! section.

use crate::customers::NewCustomer;
use crate::error::Result;
use crate::online::{
    AssignOptions, BulkMode, BulkOp, BulkRequest, NewSku, NewSubscriber, SkuRule, SubscriberFilter,
    SubscriberStatus, Targets, Units,
};
use crate::store::Store;

/// A small deterministic pseudo-random generator (SplitMix64): the demo must not depend on a
/// crate's algorithm changing between versions.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// One element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// The demo's customers: (name, tenant domain, default usage location).
pub const CUSTOMERS: &[(&str, &str, &str)] = &[
    ("Contoso", "contoso.onmicrosoft.com", "US"),
    ("Fabrikam", "fabrikam.onmicrosoft.com", "DE"),
    (
        "Northwind Traders",
        "northwindtraders.onmicrosoft.com",
        "PL",
    ),
    ("Tailspin Toys", "tailspintoys.onmicrosoft.com", "FR"),
];

/// What [`build`] made, for the summary the CLI prints.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DemoSummary {
    /// Customers added.
    pub customers: usize,
    /// Online services: subscribed SKUs added.
    pub skus: usize,
    /// Online services: users added.
    pub subscribers: usize,
    /// Online services: licenses held at the end.
    pub assignments: usize,
    /// Online services: phone numbers in the inventory.
    pub numbers: usize,
}

/// Fills an empty store with the demo data. The actor is `demo`. Dates are laid out relative to
/// the store's clock ("today"), so the same seed and the same clock give the same store.
pub fn build(store: &mut Store, seed: u64) -> Result<DemoSummary> {
    let mut rng = Rng::new(seed);
    let previous = store.actor().to_string();
    store.set_actor("demo")?;
    let result = (|| {
        let mut summary = DemoSummary::default();
        for (name, domain, country) in CUSTOMERS {
            store.add_customer(&NewCustomer {
                name: (*name).into(),
                tenant_domain: Some((*domain).into()),
                default_usage_location: Some((*country).into()),
            })?;
            summary.customers += 1;
        }
        online_services(store, &mut rng, &mut summary)?;
        Ok(summary)
    })();
    store.set_actor(&previous)?;
    result
}

/// Users per demo customer (same order as [`CUSTOMERS`]).
pub const USERS: &[usize] = &[1500, 800, 500, 300];

const FIRST: &[&str] = &[
    "Ada",
    "Alan",
    "Grace",
    "Linus",
    "Margaret",
    "Ken",
    "Barbara",
    "Dennis",
    "Frances",
    "Edsger",
    "Radia",
    "Tim",
    "Hedy",
    "John",
    "Katherine",
    "Donald",
    "Anita",
    "Niklaus",
    "Sophie",
    "Jean",
];
const LAST: &[&str] = &[
    "Lovelace",
    "Turing",
    "Hopper",
    "Torvalds",
    "Hamilton",
    "Thompson",
    "Liskov",
    "Ritchie",
    "Allen",
    "Dijkstra",
    "Perlman",
    "Berners-Lee",
    "Lamarr",
    "Backus",
    "Johnson",
    "Knuth",
    "Borg",
    "Wirth",
    "Wilson",
    "Sammet",
];
const DEPARTMENTS: &[&str] = &["Sales", "Finance", "Engineering", "Support", "Marketing"];

/// The online-services section: SKUs from the real catalog (friendly names come from it), users,
/// rules (Teams Phone needs a base suite, Office 365 E3 and Microsoft 365 E5 exclude each other),
/// bulk jobs, temporary Power BI licenses, phone numbers, a Graph-like consumed report with drift.
fn online_services(store: &mut Store, rng: &mut Rng, summary: &mut DemoSummary) -> Result<()> {
    const E3: &str = "ENTERPRISEPACK";
    const E5: &str = "SPE_E5";
    const PHONE: &str = "MCOEV";
    const BI: &str = "POWER_BI_PRO";
    const BASIC: &str = "O365_BUSINESS_ESSENTIALS";
    store.add_sku_rule(&SkuRule::Requires {
        sku: PHONE.into(),
        any_of: vec![E3.into(), E5.into()],
    })?;
    store.add_sku_rule(&SkuRule::Excludes {
        sku: E3.into(),
        other: E5.into(),
    })?;
    let today = store.now().date_naive();
    for (ci, ((name, domain, _), users)) in CUSTOMERS.iter().zip(USERS).enumerate() {
        let n = *users as i64;
        let skus = [
            (E3, n * 7 / 10 + 5),
            (E5, n / 5 + 2),
            (PHONE, n / 4),
            (BI, n / 10),
            (BASIC, n / 10 + 10),
        ];
        for (k, (sku, units)) in skus.iter().enumerate() {
            let term_end = today + chrono::Days::new(20 + 45 * k as u64 + 11 * ci as u64);
            store.set_sku(&NewSku {
                customer: (*name).into(),
                sku: (*sku).into(),
                units: Units {
                    enabled: *units,
                    ..Units::default()
                },
                term_end: Some(term_end.to_string()),
                ..NewSku::default()
            })?;
            summary.skus += 1;
        }
        let upn_domain = domain.replace(".onmicrosoft.com", ".com");
        let subs: Vec<NewSubscriber> = (0..*users)
            .map(|i| {
                let first = rng.pick(FIRST);
                let last = rng.pick(LAST);
                NewSubscriber {
                    customer: (*name).into(),
                    user_principal_name: format!(
                        "{}.{}{i}@{upn_domain}",
                        first.to_lowercase(),
                        last.to_lowercase()
                    ),
                    display_name: Some(format!("{first} {last}")),
                    // One user in eight has its own location; the rest use the customer's.
                    usage_location: (rng.below(8) == 0).then(|| "GB".to_string()),
                    department: Some(rng.pick(DEPARTMENTS).to_string()),
                    object_id: None,
                    status: if i % 50 == 49 {
                        SubscriberStatus::Staged
                    } else {
                        SubscriberStatus::Active
                    },
                }
            })
            .collect();
        store.add_subscribers(&subs)?;
        summary.subscribers += subs.len();
        let numbers: Vec<String> = (0..20)
            .map(|i| format!("+1425555{:02}{:02}", ci, i))
            .collect();
        let refs: Vec<&str> = numbers.iter().map(String::as_str).collect();
        store.add_numbers(name, &refs)?;
        summary.numbers += numbers.len();
        let upns: Vec<String> = subs
            .iter()
            .filter(|s| s.status == SubscriberStatus::Active)
            .map(|s| s.user_principal_name.clone())
            .collect();
        let cut = upns.len() * 3 / 4;
        let run = |store: &mut Store, targets: Targets, op: BulkOp| {
            store.run_bulk(&BulkRequest {
                customer: (*name).into(),
                targets,
                op,
                mode: BulkMode::BestEffort,
            })
        };
        let assign = |skus: &[&str], options: AssignOptions| BulkOp::Assign {
            skus: skus.iter().map(|s| s.to_string()).collect(),
            options,
        };
        run(
            store,
            Targets::Users(upns[..cut].to_vec()),
            assign(&[E3], AssignOptions::default()),
        )?;
        run(
            store,
            Targets::Users(upns[cut..].to_vec()),
            assign(&[E5], AssignOptions::default()),
        )?;
        let phone_users: Vec<String> = upns.iter().step_by(9).take(15).cloned().collect();
        run(
            store,
            Targets::Users(phone_users),
            assign(
                &[PHONE],
                AssignOptions {
                    take_number: true,
                    ..AssignOptions::default()
                },
            ),
        )?;
        let expires = today + chrono::Days::new(14);
        run(
            store,
            Targets::Filter(SubscriberFilter {
                department: Some("Finance".into()),
                ..SubscriberFilter::default()
            }),
            assign(
                &[BI],
                AssignOptions {
                    expires_at: Some(expires.to_string()),
                    ..AssignOptions::default()
                },
            ),
        )?;
        // A report from "Microsoft" that disagrees slightly: the drift the sync would show.
        let usage = store.sku_usage(name)?;
        for u in usage {
            store.set_sku(&NewSku {
                customer: (*name).into(),
                sku: u.sku_id.clone(),
                units: u.units,
                term_end: u.term_end.clone(),
                reported_consumed: Some(u.assigned + rng.below(3) as i64),
                ..NewSku::default()
            })?;
            summary.assignments += u.assigned as usize;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_is_deterministic() -> Result<()> {
        let t = chrono::DateTime::parse_from_rfc3339("2026-06-01T09:00:00Z")
            .unwrap()
            .to_utc();
        let mut a = Store::open_in_memory()?;
        let mut b = Store::open_in_memory()?;
        a.set_clock(crate::Clock::Fixed(t));
        b.set_clock(crate::Clock::Fixed(t));
        assert_eq!(build(&mut a, 7)?, build(&mut b, 7)?);
        let q = |s: &mut Store| {
            s.query(
                "SELECT * FROM customers ORDER BY name",
                &crate::Params::None,
            )
            .map(|r| r.rows)
        };
        assert_eq!(q(&mut a)?, q(&mut b)?);
        let usage = |s: &mut Store| {
            s.query(
                "SELECT customer, display_name, assigned, available, drift FROM sku_usage ORDER BY 1, 2",
                &crate::Params::None,
            )
            .map(|r| r.rows)
        };
        let ua = usage(&mut a)?;
        assert_eq!(ua, usage(&mut b)?);
        assert_eq!(ua.len(), 20);
        assert!(ua
            .iter()
            .any(|r| r[1] == crate::Value::Text("Microsoft Teams Phone Standard".into())));
        let sum = build_summary_assignments(&mut a)?;
        assert!(sum > 2500, "thousands of licenses: {sum}");
        fn build_summary_assignments(s: &mut Store) -> Result<i64> {
            let r = s.query("SELECT sum(assigned) FROM sku_usage", &crate::Params::None)?;
            Ok(match r.rows[0][0] {
                crate::Value::Integer(n) => n,
                _ => 0,
            })
        }
        let mut r = Rng::new(1);
        assert_ne!(r.next_u64(), r.next_u64());
        Ok(())
    }
}
