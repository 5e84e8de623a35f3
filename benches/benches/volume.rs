//! License summary over 100,000 entitlement lines and 1,000,000 MAK activation records
//! (issue 4: at most 50 ms). Figures go into docs/performance.md, section "Volume licensing".
//!
//! The store is built once per run in a temporary file: one customer, two licensing IDs,
//! 12 families x 5 versions, 100,000 lines of every kind and 100 MAK keys with 10,000 proxy
//! activations each, spread over 100 days.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use criterion::{criterion_group, criterion_main, Criterion};
use licstore::demo::Rng;
use licstore::{
    Clock, EntitlementKind, KeyType, NewCustomer, NewEntitlement, NewLicensingId, NewProduct,
    NewProductKey, Params, Pool, Program, Store, SummaryQuery,
};

const LINES: usize = 100_000;
const KEYS: usize = 100;
const ACTIVATIONS_PER_KEY: usize = 10_000;
const FAMILIES: usize = 12;
const VERSIONS: &[&str] = &["2013", "2016", "2019", "2021", "2024"];
const ALPHABET: &[u8] = b"BCDFGHJKMNPQRTVWXY2346789";

fn key(rng: &mut Rng) -> String {
    let s: Vec<u8> = (0..25).map(|_| *rng.pick(ALPHABET)).collect();
    s.chunks(5)
        .map(|c| String::from_utf8(c.to_vec()).unwrap())
        .collect::<Vec<_>>()
        .join("-")
}

fn build(path: &std::path::Path) -> licstore::Result<Store> {
    let start: DateTime<Utc> = DateTime::parse_from_rfc3339("2025-01-01T08:00:00Z")
        .unwrap()
        .to_utc();
    let mut s = Store::open(path)?;
    s.set_clock(Clock::Fixed(start));
    s.add_customer(&NewCustomer::named("Contoso"))?;
    for (n, p) in [("E-1", Program::Enterprise), ("S-2", Program::SelectPlus)] {
        let mut l = NewLicensingId::new(n, "Contoso", p);
        l.start_date = NaiveDate::from_ymd_opt(2020, 1, 1);
        l.end_date = NaiveDate::from_ymd_opt(2027, 12, 31);
        s.add_licensing_id(&l)?;
    }
    let families: Vec<String> = (0..FAMILIES).map(|f| format!("Family {f:02}")).collect();
    for f in &families {
        for v in VERSIONS {
            s.add_product(&NewProduct {
                family: f.clone(),
                version: (*v).into(),
                pool: Pool::Applications,
            })?;
        }
    }
    let mut rng = Rng::new(42);
    let kinds = [
        EntitlementKind::Full,
        EntitlementKind::Full,
        EntitlementKind::LicenseAndSa,
        EntitlementKind::Grant,
        EntitlementKind::Upgrade,
        EntitlementKind::Sa,
        EntitlementKind::StepUp,
    ];
    let base = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap();
    let lines: Vec<NewEntitlement> = (0..LINES)
        .map(|_| {
            let kind = *rng.pick(&kinds);
            let fi = rng.below(FAMILIES as u64) as usize;
            let order = base + Duration::days(rng.below(1800) as i64);
            NewEntitlement {
                licensing_id: if rng.below(2) == 0 { "E-1" } else { "S-2" }.into(),
                family: families[fi].clone(),
                version: (*rng.pick(VERSIONS)).into(),
                quantity: 1 + rng.below(50) as i64,
                kind,
                from_family: (kind == EntitlementKind::StepUp)
                    .then(|| families[(fi + 1) % FAMILIES].clone()),
                order_date: order,
                sa_end: kind.has_coverage().then(|| order + Duration::days(365 * 3)),
                granted_by: None,
            }
        })
        .collect();
    s.add_entitlements(&lines)?;
    let machines: Vec<String> = (0..ACTIVATIONS_PER_KEY)
        .map(|i| format!("PC-{i:06}"))
        .collect();
    for k in 0..KEYS {
        let fi = k % FAMILIES;
        let v = VERSIONS[k % VERSIONS.len()];
        let pk = s.add_product_key(&NewProductKey {
            licensing_id: "E-1".into(),
            product: format!("{} {v}", families[fi]),
            key: key(&mut rng),
            key_type: KeyType::Mak,
            activation_limit: Some(ACTIVATIONS_PER_KEY as i64 + 500),
            baseline_used: 500,
        })?;
        // 100 proxy batches per key, one per day.
        for (day, chunk) in machines.chunks(ACTIVATIONS_PER_KEY / 100).enumerate() {
            s.set_clock(Clock::Fixed(start + Duration::days(day as i64)));
            let refs: Vec<&str> = chunk.iter().map(String::as_str).collect();
            s.proxy_activate(pk.id, &refs)?;
        }
    }
    s.set_clock(Clock::Fixed(start_of_bench()));
    Ok(s)
}

fn start_of_bench() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2025-05-01T08:00:00Z")
        .unwrap()
        .to_utc()
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let t = std::time::Instant::now();
    let mut s = build(&dir.path().join("volume.licstore")).unwrap();
    eprintln!("built the store in {:.1?}", t.elapsed());
    let q = SummaryQuery {
        customer: "Contoso".into(),
        as_of: NaiveDate::from_ymd_opt(2025, 3, 1),
        licensing_ids: vec![],
    };
    let lines = s.license_summary(&q).unwrap();
    assert_eq!(lines.len(), FAMILIES * VERSIONS.len());
    let deployed: i64 = lines.iter().map(|l| l.deployed_quantity).sum();
    assert!(
        deployed > 500 * KEYS as i64,
        "activations counted: {deployed}"
    );
    let mut g = c.benchmark_group("volume");
    g.sample_size(20);
    g.bench_function("license_summary_100k_lines_1m_activations", |b| {
        b.iter(|| s.license_summary(&q).unwrap())
    });
    let filtered = SummaryQuery {
        licensing_ids: vec!["E-1".into()],
        ..q.clone()
    };
    g.bench_function("license_summary_filtered_one_licensing_id", |b| {
        b.iter(|| s.license_summary(&filtered).unwrap())
    });
    // The SQL table, computed at query time for every customer, as of the store clock's today
    // and as of a date.
    g.bench_function("license_summary_table_select_all", |b| {
        b.iter(|| {
            s.query("SELECT * FROM license_summary", &Params::None)
                .unwrap()
        })
    });
    g.bench_function("license_summary_table_as_of_a_date", |b| {
        b.iter(|| {
            s.query("SELECT * FROM license_summary('2025-03-01')", &Params::None)
                .unwrap()
        })
    });
    g.finish();
    // On a shared machine wall time depends on the load; CPU time of this thread much less.
    // Report both (medians over 30 runs) for the record in docs/performance.md.
    let report = |name: &str, f: &mut dyn FnMut()| {
        let mut cpu = Vec::new();
        let mut wall = Vec::new();
        for _ in 0..30 {
            let (c0, w0) = (thread_cpu_ns(), std::time::Instant::now());
            f();
            cpu.push(thread_cpu_ns().saturating_sub(c0) as f64 / 1e6);
            wall.push(w0.elapsed().as_secs_f64() * 1e3);
        }
        let median = |v: &mut Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        eprintln!(
            "{name}: median CPU {:.1} ms, wall {:.1} ms (30 runs)",
            median(&mut cpu),
            median(&mut wall)
        );
    };
    report("license_summary (API)", &mut || {
        s.license_summary(&q).unwrap();
    });
    report("SELECT * FROM license_summary", &mut || {
        s.query("SELECT * FROM license_summary", &Params::None)
            .unwrap();
    });
}

/// CPU time of the calling thread in nanoseconds (Linux: /proc/thread-self/schedstat), or 0.
fn thread_cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|t| t.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

criterion_group!(benches, bench);
criterion_main!(benches);
