//! Foundation costs: one committed write, one query round trip through the read-only channel.

use criterion::{criterion_group, criterion_main, Criterion};
use licstore::{NewCustomer, Params, Store};

fn writes(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = Store::open(dir.path().join("bench.licstore")).expect("store");
    let mut i = 0u64;
    c.bench_function(
        "customer add (one committed transaction, file store)",
        |b| {
            b.iter(|| {
                i += 1;
                store
                    .add_customer(&NewCustomer::named(format!("Customer {i}")))
                    .expect("add");
            })
        },
    );
}

fn queries(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = Store::open(dir.path().join("bench.licstore")).expect("store");
    for i in 0..1000 {
        store
            .add_customer(&NewCustomer::named(format!("Customer {i}")))
            .expect("add");
    }
    c.bench_function("query: one row by name through the SQL channel", |b| {
        b.iter(|| {
            store
                .query(
                    "SELECT * FROM customers WHERE name = ?",
                    &Params::Positional(vec!["Customer 500".into()]),
                )
                .expect("query")
        })
    });
    c.bench_function("query: 1000 rows of customers", |b| {
        b.iter(|| {
            store
                .query("SELECT * FROM customers", &Params::None)
                .expect("query")
        })
    });
}

criterion_group!(benches, writes, queries);
criterion_main!(benches);
