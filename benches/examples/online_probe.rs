//! Times one bulk assignment of one SKU to N users (default 100,000) on a file store, outside
//! criterion: `cargo run --release -p licstore-benches --example online_probe -- 100000`.
use std::time::Instant;

use licstore::{
    AssignOptions, BulkMode, BulkOp, BulkRequest, NewCustomer, NewSku, NewSubscriber, Store,
    Targets, Units,
};

/// This process's CPU time (user + system) in seconds, from /proc (Linux), to tell the job's own
/// cost from the wall time that other processes on a shared machine add.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .map_or(100_000, |a| a.parse().expect("a user count"));
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(dir.path().join("probe.licstore")).unwrap();
    s.add_customer(&NewCustomer {
        default_usage_location: Some("US".into()),
        ..NewCustomer::named("Contoso")
    })
    .unwrap();
    s.set_sku(&NewSku {
        customer: "Contoso".into(),
        sku: "ENTERPRISEPACK".into(),
        units: Units {
            enabled: n as i64,
            ..Units::default()
        },
        ..NewSku::default()
    })
    .unwrap();
    let upns: Vec<String> = (0..n).map(|i| format!("user{i}@contoso.com")).collect();
    let subs: Vec<NewSubscriber> = upns
        .iter()
        .map(|u| NewSubscriber {
            customer: "Contoso".into(),
            user_principal_name: u.clone(),
            ..NewSubscriber::default()
        })
        .collect();
    let t = Instant::now();
    s.add_subscribers(&subs).unwrap();
    println!("add {n} subscribers: {:?}", t.elapsed());
    let req = BulkRequest {
        customer: "Contoso".into(),
        targets: Targets::Users(upns),
        op: BulkOp::Assign {
            skus: vec!["ENTERPRISEPACK".into()],
            options: AssignOptions::default(),
        },
        mode: BulkMode::Atomic,
    };
    let t = Instant::now();
    let p = s.preview_bulk(&req).unwrap();
    println!("preview: {:?} ({} ok)", t.elapsed(), p.ok);
    let t = Instant::now();
    let c = cpu_seconds();
    let o = s.run_bulk(&req).unwrap();
    println!(
        "bulk assign {n}: {:?} wall, {:.2} s CPU ({} ok)",
        t.elapsed(),
        cpu_seconds() - c,
        o.ok
    );
}
