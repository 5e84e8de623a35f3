//! Online-services performance (issue 3):
//! - `bulk_assign_100k`: one SKU to 100,000 users in one bulk job (rules, history, job items and
//!   audit included), on a file store (WAL, synchronous=NORMAL). Target: <= 1 s.
//! - `single_assign_10k`: the same work one `assign_license` call per user, 10,000 users; the
//!   throughput line gives the per-assignment cost to compare with the bulk job's.
//! - `sku_usage_1m`: one customer's SKU usage with 1,000,000 assignments in the store
//!   (10 customers x 100,000 users). Target: <= 5 ms.
//!
//! Run: `cargo bench -p licstore-benches --bench online`.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use licstore::{
    AssignOptions, BulkMode, BulkOp, BulkRequest, NewCustomer, NewSku, NewSubscriber, Store,
    Targets, Units,
};

const SKU: &str = "ENTERPRISEPACK";

/// A file store with `customers` customers of `users` users each, and `SKU` with enough seats.
fn build(dir: &tempfile::TempDir, customers: usize, users: usize) -> Store {
    let mut s = Store::open(dir.path().join("bench.licstore")).unwrap();
    s.set_actor("bench").unwrap();
    for c in 0..customers {
        let name = format!("Customer {c}");
        s.add_customer(&NewCustomer {
            default_usage_location: Some("US".into()),
            ..NewCustomer::named(&name)
        })
        .unwrap();
        s.set_sku(&NewSku {
            customer: name.clone(),
            sku: SKU.into(),
            units: Units {
                enabled: users as i64,
                ..Units::default()
            },
            ..NewSku::default()
        })
        .unwrap();
        let subs: Vec<NewSubscriber> = (0..users)
            .map(|i| NewSubscriber {
                customer: name.clone(),
                user_principal_name: format!("user{i}@c{c}.example.com"),
                department: Some(["Sales", "Finance", "IT"][i % 3].into()),
                ..NewSubscriber::default()
            })
            .collect();
        s.add_subscribers(&subs).unwrap();
    }
    s
}

fn upns(c: usize, n: usize) -> Vec<String> {
    (0..n)
        .map(|i| format!("user{i}@c{c}.example.com"))
        .collect()
}

fn assign_all(c: usize, n: usize) -> BulkRequest {
    BulkRequest {
        customer: format!("Customer {c}"),
        targets: Targets::Users(upns(c, n)),
        op: BulkOp::Assign {
            skus: vec![SKU.into()],
            options: AssignOptions::default(),
        },
        mode: BulkMode::Atomic,
    }
}

fn bulk_assign_100k(cr: &mut Criterion) {
    const N: usize = 100_000;
    let mut g = cr.benchmark_group("online");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(20));
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("bulk_assign_100k", |b| {
        b.iter_batched(
            || {
                let dir = tempfile::tempdir().unwrap();
                let s = build(&dir, 1, N);
                let req = assign_all(0, N);
                (dir, s, req)
            },
            |(dir, mut s, req)| {
                let o = s.run_bulk(&req).unwrap();
                assert_eq!(o.ok, N as u64);
                (dir, s)
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

fn single_assign_10k(cr: &mut Criterion) {
    const N: usize = 10_000;
    let mut g = cr.benchmark_group("online");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(30));
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("single_assign_10k", |b| {
        b.iter_batched(
            || {
                let dir = tempfile::tempdir().unwrap();
                let s = build(&dir, 1, N);
                (dir, s, upns(0, N))
            },
            |(dir, mut s, users)| {
                let o = AssignOptions::default();
                for u in &users {
                    assert!(s.assign_license(u, SKU, &o).unwrap());
                }
                (dir, s)
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

fn sku_usage_1m(cr: &mut Criterion) {
    const C: usize = 10;
    const N: usize = 100_000;
    let dir = tempfile::tempdir().unwrap();
    let mut s = build(&dir, C, N);
    for c in 0..C {
        s.run_bulk(&assign_all(c, N)).unwrap();
    }
    let total: i64 = (0..C)
        .map(|c| s.sku_usage(&format!("Customer {c}")).unwrap()[0].assigned)
        .sum();
    assert_eq!(total, (C * N) as i64);
    let mut g = cr.benchmark_group("online");
    g.bench_function("sku_usage_1m", |b| {
        b.iter(|| {
            let u = s.sku_usage("Customer 7").unwrap();
            assert_eq!(u[0].assigned, N as i64);
            u
        })
    });
    g.bench_function("sku_usage_view_1m", |b| {
        b.iter(|| {
            s.query(
                "SELECT display_name, assigned, available FROM sku_usage WHERE customer = 'Customer 7'",
                &licstore::Params::None,
            )
            .unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, bulk_assign_100k, single_assign_10k, sku_usage_1m);
criterion_main!(benches);
