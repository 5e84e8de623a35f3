//! Several real processes assign from the same SKU pool at once: the pool is never exceeded and
//! no "database is locked" reaches a caller. The test re-executes its own binary in a child mode
//! (selected by the `LICSTORE_CONCURRENCY_CHILD` environment variable).

use std::process::Command;

use licstore::{
    AssignOptions, BulkMode, BulkOp, BulkRequest, Error, ErrorCode, NewCustomer, NewSku,
    NewSubscriber, Result, Store, Targets, Units,
};

const CHILD_ENV: &str = "LICSTORE_CONCURRENCY_CHILD";
const PROCESSES: usize = 4;
const USERS_PER_PROCESS: usize = 25;
const SEATS: i64 = 40;
const TEST_NAME: &str = "processes_share_one_sku_pool_without_exceeding_it";

fn upn(p: usize, i: usize) -> String {
    format!("p{p}u{i}@contoso.com")
}

/// A child: half its users one call at a time, the other half as one best-effort bulk job.
/// Prints how many assignments it made; exits non-zero on any error other than CountViolation.
fn child(path: &str, p: usize) -> Result<u64> {
    let mut s = Store::open_existing(path)?;
    s.set_actor(&format!("process-{p}"))?;
    let mut made = 0;
    for i in 0..USERS_PER_PROCESS / 2 {
        match s.assign_license(&upn(p, i), "ENTERPRISEPACK", &AssignOptions::default()) {
            Ok(true) => made += 1,
            Ok(false) => {}
            Err(e) if e.code() == ErrorCode::CountViolation => {}
            Err(e) => return Err(e),
        }
    }
    let rest: Vec<String> = (USERS_PER_PROCESS / 2..USERS_PER_PROCESS)
        .map(|i| upn(p, i))
        .collect();
    let o = s.run_bulk(&BulkRequest {
        customer: "Contoso".into(),
        targets: Targets::Users(rest),
        op: BulkOp::Assign {
            skus: vec!["ENTERPRISEPACK".into()],
            options: AssignOptions::default(),
        },
        mode: BulkMode::BestEffort,
    })?;
    made += o.ok;
    Ok(made)
}

#[test]
fn processes_share_one_sku_pool_without_exceeding_it() -> Result<()> {
    if let Ok(spec) = std::env::var(CHILD_ENV) {
        let (path, p) = spec.rsplit_once('|').expect("path|index");
        match child(path, p.parse().expect("index")) {
            Ok(n) => {
                println!("\nMADE {n}");
                return Ok(());
            }
            Err(e) => {
                eprintln!("CHILD ERROR {:?}: {e}", e.code());
                std::process::exit(3);
            }
        }
    }
    let dir = tempfile::tempdir().map_err(|e| Error::Io {
        path: None,
        source: e,
    })?;
    let path = dir.path().join("pool.licstore");
    {
        let mut s = Store::open(&path)?;
        s.add_customer(&NewCustomer {
            default_usage_location: Some("US".into()),
            ..NewCustomer::named("Contoso")
        })?;
        s.set_sku(&NewSku {
            customer: "Contoso".into(),
            sku: "ENTERPRISEPACK".into(),
            units: Units {
                enabled: SEATS,
                ..Units::default()
            },
            ..NewSku::default()
        })?;
        let subs: Vec<NewSubscriber> = (0..PROCESSES)
            .flat_map(|p| (0..USERS_PER_PROCESS).map(move |i| (p, i)))
            .map(|(p, i)| NewSubscriber {
                customer: "Contoso".into(),
                user_principal_name: upn(p, i),
                ..NewSubscriber::default()
            })
            .collect();
        s.add_subscribers(&subs)?;
    }
    let exe = std::env::current_exe().expect("the test binary");
    // Spawn them all before waiting for any, so that they really overlap.
    let handles: Vec<_> = (0..PROCESSES)
        .map(|p| {
            Command::new(&exe)
                .args([TEST_NAME, "--exact", "--nocapture", "--test-threads=1"])
                .env(CHILD_ENV, format!("{}|{p}", path.display()))
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawn a child")
        })
        .collect();
    let mut made = 0u64;
    for h in handles {
        let out = h.wait_with_output().expect("wait for a child");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "child failed: {stdout}\n{stderr}");
        assert!(!stderr.contains("database is locked"), "{stderr}");
        made += stdout
            .lines()
            .find_map(|l| l.split_once("MADE ").map(|(_, n)| n))
            .and_then(|n| n.split_whitespace().next()?.parse::<u64>().ok())
            .expect("a child reports its count");
    }
    let s = Store::open_existing(&path)?;
    let sku = s.sku("Contoso", "ENTERPRISEPACK")?;
    assert_eq!(sku.assigned, SEATS, "every seat taken, none twice");
    assert_eq!(sku.available, 0);
    assert_eq!(made, SEATS as u64, "the children's own counts agree");
    Ok(())
}
