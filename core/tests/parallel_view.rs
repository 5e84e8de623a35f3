//! `Store::query_view_parallel`: a big view read by several connections, split by customer, must
//! give exactly the rows one query gives, on one snapshot, interruptibly; and fall back to one
//! query where it cannot split.

use std::ops::ControlFlow;
use std::sync::{Arc, Condvar, Mutex};

use licstore::{
    Clock, Error, Params, QueryOptions, RowSink, Store, Value, ValueRef, PARALLEL_VIEWS,
};

/// Collects rows; optionally waits, before its first row, until `gate` opens.
#[derive(Default)]
struct Rows {
    columns: Vec<String>,
    rows: Vec<Vec<Value>>,
    gate: Option<Arc<(Mutex<bool>, Condvar)>>,
}

impl RowSink for Rows {
    fn columns(&mut self, names: &[String], _decl: &[Option<String>]) -> licstore::Result<()> {
        self.columns = names.to_vec();
        Ok(())
    }
    fn row(&mut self, values: &[ValueRef<'_>]) -> licstore::Result<()> {
        if let Some(gate) = self.gate.take() {
            let (open, cv) = &*gate;
            let mut o = open.lock().unwrap();
            while !*o {
                o = cv.wait(o).unwrap();
            }
        }
        self.rows
            .push(values.iter().map(ValueRef::to_owned_value).collect());
        Ok(())
    }
}

fn demo_file() -> licstore::Result<(tempfile::TempDir, std::path::PathBuf)> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.licstore");
    let mut s = Store::open(&path)?;
    s.set_clock(Clock::Fixed("2025-06-01T12:00:00Z".parse().unwrap()));
    licstore::demo::build(&mut s, 7)?;
    Ok((dir, path))
}

fn sorted(mut rows: Vec<Vec<Value>>) -> Vec<String> {
    let mut v: Vec<String> = rows.drain(..).map(|r| format!("{r:?}")).collect();
    v.sort();
    v
}

fn whole(s: &mut Store, view: &str) -> licstore::Result<(Vec<String>, Vec<Vec<Value>>)> {
    let r = s.query(&format!("SELECT * FROM {view}"), &Params::None)?;
    Ok((r.columns, r.rows))
}

/// The parts of `view` read with `threads` readers, into plain sinks, never interrupted.
fn read(s: &mut Store, view: &str, threads: usize) -> licstore::Result<Vec<Rows>> {
    s.query_view_parallel(
        view,
        threads,
        QueryOptions::default(),
        &Rows::default,
        &mut || ControlFlow::Continue(()),
    )
}

#[test]
fn the_parts_hold_every_row_of_the_view_exactly_once() -> licstore::Result<()> {
    let (_dir, path) = demo_file()?;
    let mut s = Store::open(&path)?;
    for view in PARALLEL_VIEWS {
        let (columns, expected) = whole(&mut s, view)?;
        assert!(expected.len() > 10, "{view}: the demo has rows");
        for threads in 1..=4 {
            let parts = read(&mut s, view, threads)?;
            if threads > 1 {
                assert!(parts.len() > 1, "{view} with {threads} threads is split");
            }
            let mut rows = Vec::new();
            for p in parts {
                if !p.columns.is_empty() {
                    assert_eq!(p.columns, columns);
                }
                rows.extend(p.rows);
            }
            assert_eq!(
                sorted(rows),
                sorted(expected.clone()),
                "{view} with {threads} threads"
            );
        }
    }
    Ok(())
}

#[test]
fn other_views_and_stores_are_read_in_one_part() -> licstore::Result<()> {
    let (_dir, path) = demo_file()?;
    let mut s = Store::open(&path)?;
    let (_, expected) = whole(&mut s, "customers")?;
    let parts = read(&mut s, "customers", 4)?;
    assert_eq!(parts.len(), 1);
    assert_eq!(
        sorted(parts.into_iter().next().unwrap().rows),
        sorted(expected)
    );

    let mut m = Store::open_in_memory()?;
    licstore::demo::build(&mut m, 7)?;
    let (_, expected) = whole(&mut m, "subscriber_licenses")?;
    let parts = read(&mut m, "subscriber_licenses", 4)?;
    assert_eq!(parts.len(), 1, "an in-memory store has one reader");
    assert_eq!(
        sorted(parts.into_iter().next().unwrap().rows),
        sorted(expected)
    );

    for name in ["no_such_view", "subscriber", "sqlite_schema"] {
        match read(&mut s, name, 2) {
            Err(Error::NotFound { .. }) => {}
            Err(e) => panic!("{name}: {e}"),
            Ok(_) => panic!("{name} is not a public view"),
        }
    }
    Ok(())
}

/// A write that commits while the parts are being read is in none of them: every reader started
/// on the same snapshot, before the write.
#[test]
fn the_parts_read_one_snapshot_while_another_connection_writes() -> licstore::Result<()> {
    let (_dir, path) = demo_file()?;
    let mut s = Store::open(&path)?;
    let (columns, before) = whole(&mut s, "subscriber_licenses")?;
    let col = |name: &str| columns.iter().position(|c| c == name).unwrap();
    let text = |v: &Value| match v {
        Value::Text(t) => t.clone(),
        other => panic!("{other:?}"),
    };
    let candidates: Vec<(String, String)> = before
        .iter()
        .map(|r| {
            (
                text(&r[col("user_principal_name")]),
                text(&r[col("sku_part_number")]),
            )
        })
        .collect();
    let mut writer = Store::open(&path)?;
    let gate = Arc::new((Mutex::new(false), Condvar::new()));
    // The readers wait before they run a statement: their transactions began with the
    // snapshot, their statements begin after the write.
    let make = || {
        let (open, cv) = &*gate;
        let mut o = open.lock().unwrap();
        while !*o {
            o = cv.wait(o).unwrap();
        }
        Rows::default()
    };
    let mut wrote = None;
    let mut poll = || {
        if wrote.is_none() {
            // (The first license whose removal breaks no rule.)
            wrote = Some(
                candidates
                    .iter()
                    .find_map(|(upn, sku)| writer.remove_license(upn, sku).ok())
                    .unwrap_or(false),
            );
            *gate.0.lock().unwrap() = true;
            gate.1.notify_all();
        }
        ControlFlow::Continue(())
    };
    let parts = s.query_view_parallel(
        "subscriber_licenses",
        2,
        QueryOptions::default(),
        &make,
        &mut poll,
    )?;
    assert!(wrote.expect("poll ran"), "a license was removed");
    assert!(parts.len() > 1);
    let rows: Vec<Vec<Value>> = parts.into_iter().flat_map(|p| p.rows).collect();
    assert_eq!(
        sorted(rows),
        sorted(before.clone()),
        "the read saw one snapshot"
    );
    let (_, after) = whole(&mut s, "subscriber_licenses")?;
    assert_eq!(
        after.len(),
        before.len() - 1,
        "the write is there for the next read"
    );
    Ok(())
}

#[test]
fn poll_breaking_interrupts_the_read() -> licstore::Result<()> {
    let (_dir, path) = demo_file()?;
    let mut s = Store::open(&path)?;
    let gate = Arc::new((Mutex::new(false), Condvar::new()));
    let make = || Rows {
        gate: Some(Arc::clone(&gate)),
        ..Rows::default()
    };
    let mut poll = || {
        *gate.0.lock().unwrap() = true;
        gate.1.notify_all();
        ControlFlow::Break(())
    };
    for threads in [1, 3] {
        *gate.0.lock().unwrap() = false;
        match s.query_view_parallel(
            "subscriber_licenses",
            threads,
            QueryOptions::default(),
            &make,
            &mut poll,
        ) {
            Err(Error::Interrupted(m)) => assert!(m.contains("interrupted"), "{m}"),
            other => panic!("{threads} threads: {:?}", other.map(|p| p.len())),
        }
        // The store is usable afterwards, its readers' transactions ended.
        let (_, rows) = whole(&mut s, "subscriber_licenses")?;
        assert!(!rows.is_empty());
        s.add_customer(&licstore::NewCustomer {
            name: format!("After interrupt {threads}"),
            tenant_domain: None,
            default_usage_location: None,
        })?;
    }
    Ok(())
}

#[test]
fn a_writer_holding_the_lock_makes_it_read_in_one_part_at_once() -> licstore::Result<()> {
    let (_dir, path) = demo_file()?;
    let mut writer = Store::open(&path)?;
    let mut s = Store::open(&path)?;
    let (_, expected) = whole(&mut s, "subscriber_licenses")?;
    writer.write(|_ctx| {
        let started = std::time::Instant::now();
        let parts = read(&mut s, "subscriber_licenses", 4)?;
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "no waiting"
        );
        assert_eq!(parts.len(), 1);
        assert_eq!(
            sorted(parts.into_iter().next().unwrap().rows),
            sorted(expected.clone())
        );
        Ok(())
    })?;
    // The store's own busy timeout is back: a write waits for another as before.
    s.add_customer(&licstore::NewCustomer {
        name: "After".into(),
        tenant_domain: None,
        default_usage_location: None,
    })?;
    Ok(())
}

/// A sink that takes its time over every row, so that a read outlasts a short timeout.
struct Slow(usize);

impl RowSink for Slow {
    fn columns(&mut self, _: &[String], _: &[Option<String>]) -> licstore::Result<()> {
        Ok(())
    }
    fn row(&mut self, _: &[ValueRef<'_>]) -> licstore::Result<()> {
        std::thread::sleep(std::time::Duration::from_micros(200));
        self.0 += 1;
        Ok(())
    }
}

#[test]
fn a_timeout_interrupts_every_reader() -> licstore::Result<()> {
    let (_dir, path) = demo_file()?;
    let mut s = Store::open(&path)?;
    let (_, rows) = whole(&mut s, "subscriber_licenses")?;
    assert!(
        rows.len() > 1000,
        "the demo's rows outlast the timeout at 200 us each"
    );
    for threads in [1, 3] {
        let opts = QueryOptions {
            timeout: Some(std::time::Duration::from_millis(50)),
            ..QueryOptions::default()
        };
        let started = std::time::Instant::now();
        match s.query_view_parallel(
            "subscriber_licenses",
            threads,
            opts,
            &|| Slow(0),
            &mut || ControlFlow::Continue(()),
        ) {
            Err(Error::Interrupted(m)) => assert!(m.contains("timeout"), "{m}"),
            other => panic!("{threads} threads: {:?}", other.map(|p| p.len())),
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(10));
    }
    Ok(())
}
