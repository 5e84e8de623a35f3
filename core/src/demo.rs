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
    /// Volume licensing: what [`volume`] added.
    pub volume: VolumeDemo,
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
        summary.volume = volume(store, &mut rng)?;
        access(store)?;
        Ok(summary)
    })();
    store.set_actor(&previous)?;
    result
}

// ---------------------------------------------------------------------------------------------
// Volume licensing

/// What the volume-licensing section of the demo added.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VolumeDemo {
    /// Licensing IDs (agreements).
    pub licensing_ids: usize,
    /// Products.
    pub products: usize,
    /// Entitlement lines.
    pub entitlements: usize,
    /// Product keys.
    pub product_keys: usize,
    /// Recorded key activations.
    pub activations: usize,
    /// Software Assurance benefits.
    pub benefits: usize,
}

/// A fake but well-formed product key (five groups of five key characters).
pub fn fake_key(rng: &mut Rng) -> String {
    let alphabet = crate::volume::keys::KEY_ALPHABET.as_bytes();
    let chars: Vec<u8> = (0..25).map(|_| *rng.pick(alphabet)).collect();
    chars
        .chunks(5)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

/// Three agreements (Contoso's Enterprise enrollment, Fabrikam's Select Plus, Northwind's Open
/// Value), Office, Windows, Windows Server and Visio at several versions, lines of every kind
/// (upgrades, SA, a step-up, a grant, coverage that has ended), MAK and KMS keys with
/// activations, SA benefits and a reservation. Dates are relative to the store's "today".
pub fn volume(store: &mut Store, rng: &mut Rng) -> Result<VolumeDemo> {
    use crate::volume::{
        BenefitStatus, EntitlementKind as K, KeyType, NewEntitlement, NewLicensingId, NewProduct,
        NewProductKey, NewReservation, NewSaBenefit, Pool, Program,
    };
    use chrono::{Datelike, Duration, Months};
    let today = store.now().date_naive();
    let year_start = today.with_ordinal(1).unwrap_or(today);
    let ago = |months: u32| {
        today
            .checked_sub_months(Months::new(months))
            .unwrap_or(today)
    };
    let ahead = |months: u32| {
        today
            .checked_add_months(Months::new(months))
            .unwrap_or(today)
    };
    let mut out = VolumeDemo::default();

    let agreements = [
        (
            "Contoso",
            "5612345",
            Program::Enterprise,
            "Enterprise Agreement",
            ago(30),
            ahead(6 + 12),
        ),
        (
            "Fabrikam",
            "7810042",
            Program::SelectPlus,
            "Select Plus",
            ago(48),
            ahead(24),
        ),
        (
            "Northwind Traders",
            "V3309871",
            Program::OpenValue,
            "Open Value",
            ago(26),
            ahead(10),
        ),
    ];
    for (customer, number, program, parent, start, end) in agreements {
        store.add_licensing_id(&NewLicensingId {
            number: number.into(),
            customer: customer.into(),
            program,
            parent_program: Some(parent.into()),
            mbsa: Some(format!("U{}", 1_000_000 + rng.below(8_999_999))),
            partner: Some(
                rng.pick(&["SoftwareONE", "Crayon", "Insight", "SHI"])
                    .to_string(),
            ),
            start_date: Some(start),
            end_date: Some(end),
        })?;
        out.licensing_ids += 1;
    }
    let products: &[(&str, &str, Pool)] = &[
        ("Office Standard", "2016", Pool::Applications),
        ("Office Standard", "2019", Pool::Applications),
        ("Office Standard", "2021", Pool::Applications),
        ("Office Professional Plus", "2016", Pool::Applications),
        ("Office Professional Plus", "2019", Pool::Applications),
        ("Office Professional Plus", "2021", Pool::Applications),
        ("Visio Professional", "2021", Pool::Applications),
        ("Windows Enterprise", "10", Pool::Systems),
        ("Windows Enterprise", "11", Pool::Systems),
        ("Windows Server Standard", "2019", Pool::Servers),
        ("Windows Server Standard", "2022", Pool::Servers),
    ];
    for (family, version, pool) in products {
        store.add_product(&NewProduct {
            family: (*family).into(),
            version: (*version).into(),
            pool: *pool,
        })?;
        out.products += 1;
    }
    let q = |rng: &mut Rng, base: i64| base + rng.below((base / 5).max(1) as u64) as i64;
    let line =
        |lid: &str, family: &str, version: &str, quantity: i64, kind: K, order| NewEntitlement {
            licensing_id: lid.into(),
            family: family.into(),
            version: version.into(),
            quantity,
            kind,
            from_family: None,
            order_date: order,
            sa_end: None,
            granted_by: None,
        };
    let ea = "5612345";
    let sp = "7810042";
    let ov = "V3309871";
    let mut lines = vec![
        // Contoso: Office 2016 bought outright, upgraded to 2019, then 2021 with SA.
        line(
            ea,
            "Office Professional Plus",
            "2016",
            q(rng, 400),
            K::Full,
            ago(30),
        ),
        line(
            ea,
            "Office Professional Plus",
            "2019",
            q(rng, 250),
            K::Upgrade,
            ago(24),
        ),
        line(
            ea,
            "Office Professional Plus",
            "2021",
            q(rng, 300),
            K::LicenseAndSa,
            ago(20),
        ),
        line(ea, "Office Standard", "2019", q(rng, 120), K::Full, ago(28)),
        line(
            ea,
            "Windows Enterprise",
            "10",
            q(rng, 500),
            K::LicenseAndSa,
            ago(30),
        ),
        line(
            ea,
            "Windows Enterprise",
            "11",
            q(rng, 200),
            K::Upgrade,
            ago(6),
        ),
        line(
            ea,
            "Windows Server Standard",
            "2022",
            q(rng, 16),
            K::LicenseAndSa,
            ago(12),
        ),
        // Fabrikam: Office Standard stepped up to Professional Plus; SA renewed on part of it.
        line(sp, "Office Standard", "2019", q(rng, 150), K::Full, ago(40)),
        line(sp, "Office Standard", "2021", q(rng, 60), K::Full, ago(14)),
        line(
            sp,
            "Office Professional Plus",
            "2019",
            q(rng, 40),
            K::Sa,
            ago(12),
        ),
        line(
            sp,
            "Visio Professional",
            "2021",
            q(rng, 25),
            K::Full,
            ago(10),
        ),
        line(
            sp,
            "Windows Server Standard",
            "2019",
            q(rng, 24),
            K::Full,
            ago(36),
        ),
        line(
            sp,
            "Windows Server Standard",
            "2022",
            q(rng, 30),
            K::Upgrade,
            ago(8),
        ),
        // Northwind: Open Value with SA that has ended on the 2016 licenses.
        line(
            ov,
            "Office Standard",
            "2016",
            q(rng, 80),
            K::LicenseAndSa,
            ago(26),
        ),
        line(
            ov,
            "Office Standard",
            "2021",
            q(rng, 20),
            K::Upgrade,
            ago(4),
        ),
        line(ov, "Windows Enterprise", "10", q(rng, 90), K::Full, ago(26)),
    ];
    lines[13].sa_end = Some(year_start - Duration::days(1));
    let mut step = line(
        sp,
        "Office Professional Plus",
        "2019",
        q(rng, 50),
        K::StepUp,
        ago(18),
    );
    step.from_family = Some("Office Standard".into());
    lines.push(step);
    let added = store.add_entitlements(&lines)?;
    out.entitlements += added.len();
    let grant = store.add_entitlement(&NewEntitlement {
        granted_by: Some(added[2].id),
        ..line(ea, "Visio Professional", "2021", 10, K::Grant, ago(20))
    })?;
    let _ = grant;
    out.entitlements += 1;

    // Keys: a MAK and a KMS key per agreement and pool in use.
    let keys: &[(&str, &str, KeyType, i64)] = &[
        (ea, "Office Professional Plus 2021", KeyType::Mak, 350),
        (ea, "Office Professional Plus 2021", KeyType::Kms, 0),
        (ea, "Windows Enterprise 11", KeyType::Mak, 250),
        (ea, "Windows Server Standard 2022", KeyType::Kms, 0),
        (sp, "Office Professional Plus 2019", KeyType::Mak, 100),
        (sp, "Office Standard 2021", KeyType::Mak, 50),
        (ov, "Office Standard 2016", KeyType::Mak, 100),
        (ov, "Windows Enterprise 10", KeyType::Mak, 120),
    ];
    for (lid, product, key_type, limit) in keys {
        let mak = *key_type == KeyType::Mak;
        let baseline = if mak {
            rng.below((*limit / 3) as u64) as i64
        } else {
            0
        };
        let k = store.add_product_key(&NewProductKey {
            licensing_id: (*lid).into(),
            product: (*product).into(),
            key: fake_key(rng),
            key_type: *key_type,
            activation_limit: mak.then_some(*limit),
            baseline_used: baseline,
        })?;
        out.product_keys += 1;
        let prefix: String = product.split_whitespace().map(|w| &w[..1]).collect();
        if mak {
            let n = (*limit - baseline) as u64 / 2 + rng.below((*limit - baseline) as u64 / 2);
            let machines: Vec<String> = (0..n).map(|i| format!("{prefix}-{lid}-{i:04}")).collect();
            let refs: Vec<&str> = machines.iter().map(String::as_str).collect();
            for chunk in refs.chunks(25) {
                store.proxy_activate(k.id, chunk)?;
            }
            out.activations += machines.len();
        } else {
            for h in 0..(2 + rng.below(3)) {
                store.activate_key(k.id, &format!("KMS-{prefix}-{h:02}"))?;
                out.activations += 1;
            }
        }
    }
    // One Northwind MAK ran out: a limit increase is pending.
    let full = store
        .product_keys(Some(ov))?
        .into_iter()
        .find(|k| k.product == "Windows Enterprise 10")
        .map(|k| k.id);
    if let Some(id) = full {
        store.request_limit_increase(id, 50, "New branch office in Gdansk")?;
    }

    let benefits: &[(&str, &str, i64, BenefitStatus, i64)] = &[
        (ea, "Training Vouchers", 30, BenefitStatus::Activated, 12),
        (ea, "Planning Services", 15, BenefitStatus::Activated, 5),
        (ea, "Home Use Program", 500, BenefitStatus::Activated, 0),
        (
            ea,
            "24x7 Problem Resolution Support",
            20,
            BenefitStatus::RequiresActivation,
            0,
        ),
        (
            sp,
            "E-Learning",
            100,
            BenefitStatus::HoldAwaitingReactivation,
            0,
        ),
        (ov, "Training Vouchers", 5, BenefitStatus::Expired, 0),
    ];
    for (lid, name, eligible, status, used) in benefits {
        let b = store.add_sa_benefit(&NewSaBenefit {
            licensing_id: (*lid).into(),
            benefit: (*name).into(),
            eligible_quantity: *eligible,
            status: *status,
        })?;
        if *used > 0 {
            store.use_sa_benefit(b.id, *used)?;
        }
        out.benefits += 1;
    }
    store.submit_reservation(&NewReservation {
        licensing_id: ea.into(),
        service: "Microsoft 365 E3".into(),
        sku: "AAA-10732".into(),
        quantity: q(rng, 100),
        usage_date: ahead(1),
    })?;
    Ok(out)
}

/// Access (docs/access.md): each licensing ID's primary contact (an Administrator), a second
/// Administrator, viewers and key holders, an Online Services Manager allowed to reserve on the
/// Enterprise enrollment, one accepted, one denied and one pending permission request.
pub fn access(store: &mut Store) -> Result<()> {
    use crate::access::{ContactKind, Role, RoleGroup};
    let people = [
        ("Contoso", "5612345", "megan.bowen", "Megan", "Bowen"),
        (
            "Fabrikam",
            "7810042",
            "diego.siciliani",
            "Diego",
            "Siciliani",
        ),
        (
            "Northwind Traders",
            "V3309871",
            "lidia.holloway",
            "Lidia",
            "Holloway",
        ),
    ];
    let email = |customer: &str, local: &str| {
        format!("{local}@{}.com", customer.to_lowercase().replace(' ', ""))
    };
    for (customer, lid, local, first, last) in people {
        if store.licensing_id(lid).is_err() {
            continue;
        }
        let e = email(customer, local);
        store.set_agreement_contact(lid, ContactKind::PrimaryContact, &e, first, last)?;
    }
    let (alex, lynne, pradeep) = (
        email("Contoso", "alex.wilber"),
        email("Contoso", "lynne.robbins"),
        email("Contoso", "pradeep.gupta"),
    );
    store.add_principal(&alex, "Alex", "Wilber")?;
    store.add_principal(&lynne, "Lynne", "Robbins")?;
    store.add_principal(&pradeep, "Pradeep", "Gupta")?;
    store.grant_roles(&alex, "5612345", &[Role::Administrator])?;
    store.grant_roles(
        &lynne,
        "5612345",
        &[Role::LicensingInfoViewer, Role::ProductKeys],
    )?;
    store.grant_role_group(&pradeep, "5612345", RoleGroup::OnlineServicesManager)?;
    store.grant_roles(&pradeep, "5612345", &[Role::ManageReservation])?;
    let id = store.request_permission(
        &lynne,
        "5612345",
        &[Role::SoftwareAssuranceManager],
        Some("to manage the training vouchers"),
    )?;
    store.decide_permission_request(id, true, Some("approved for the FY plan"))?;
    let id = store.request_permission(&pradeep, "5612345", &[Role::Administrator], None)?;
    store.decide_permission_request(id, false, Some("one more Administrator is enough"))?;
    store.request_permission(
        &lynne,
        "7810042",
        &[Role::LicensingInfoViewer],
        Some("group-wide report"),
    )?;
    Ok(())
}

/// The license summary of every customer and the MAK usage of every key, as plain-text tables
/// (what `make demo` prints).
pub fn volume_report(store: &Store) -> Result<String> {
    use std::fmt::Write as _;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "License summary as of {}\n{:<18} {:<26} {:>8} {:<12} {:>9} {:>6} {:>10} {:>8} {:>8}",
        store.now().date_naive(),
        "customer",
        "family",
        "version",
        "pool",
        "effective",
        "SA",
        "unresolved",
        "deployed",
        "balance"
    );
    for c in store.customers()? {
        for l in store.license_summary(&crate::volume::SummaryQuery::customer(&c.name))? {
            let _ = writeln!(
                s,
                "{:<18} {:<26} {:>8} {:<12} {:>8}{} {:>6} {:>10} {:>8} {:>8}",
                l.customer,
                l.family,
                l.version,
                l.pool,
                l.effective_quantity,
                if l.has_grants() { "*" } else { " " },
                l.active_sa_quantity,
                l.unresolved_quantity,
                l.deployed_quantity,
                l.balance
            );
        }
    }
    let _ = writeln!(
        s,
        "(* includes promotional grants; balance < 0 is a shortfall)\n"
    );
    let _ = writeln!(
        s,
        "MAK usage\n{:<10} {:<32} {:<30} {:>6} {:>6} {:>9}",
        "licensing", "product", "key", "limit", "used", "available"
    );
    for k in store.product_keys(None)? {
        if let Some(limit) = k.activation_limit {
            let _ = writeln!(
                s,
                "{:<10} {:<32} {:<30} {:>6} {:>6} {:>9}",
                k.licensing_id,
                k.product,
                k.masked,
                limit,
                k.activations_used,
                k.activations_available.unwrap_or(0)
            );
        }
    }
    Ok(s)
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
        // A group (the groups and group_members views and exports have rows).
        store.add_group(name, "Phone users")?;
        let members: Vec<&str> = phone_users.iter().map(String::as_str).collect();
        store.add_group_members(name, "Phone users", &members)?;
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
        let qv = |s: &mut Store| {
            s.query(
                "SELECT * FROM license_summary ORDER BY customer, family, version",
                &crate::Params::None,
            )
            .map(|r| r.rows)
        };
        let usage = |s: &mut Store| {
            s.query(
                "SELECT customer, display_name, assigned, available, drift FROM sku_usage ORDER BY 1, 2",
                &crate::Params::None,
            )
            .map(|r| r.rows)
        };
        let (va, vb) = (qv(&mut a)?, qv(&mut b)?);
        assert!(va.len() > 10, "the demo has a license summary");
        assert_eq!(va, vb);
        let report = volume_report(&a)?;
        assert!(report.contains("Office Professional Plus"), "{report}");
        assert!(report.contains("*****-*****-*****-*****-"), "{report}");
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
