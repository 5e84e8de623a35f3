//! Reading never writes: queries on the SQL channel (the computed `license_summary` included)
//! and the volume-licensing read APIs leave the store file and its WAL byte-for-byte unchanged,
//! even when the clock has moved on (a new day, reservations past their 72 hours), and they work
//! while another connection holds the write lock.

use chrono::{DateTime, Duration, Utc};
use licstore::{Clock, Params, ReservationHistory, Store, SummaryQuery};

fn at(t: &str) -> Clock {
    Clock::Fixed(DateTime::parse_from_rfc3339(t).unwrap().to_utc())
}

fn bytes(path: &std::path::Path) -> (Vec<u8>, Vec<u8>) {
    let wal = path.with_file_name(format!(
        "{}-wal",
        path.file_name().unwrap().to_string_lossy()
    ));
    (
        std::fs::read(path).unwrap(),
        std::fs::read(&wal).unwrap_or_default(),
    )
}

/// Every read a user can make of volume licensing, through SQL and through the API.
fn read_everything(s: &mut Store) -> licstore::Result<usize> {
    let mut rows = 0;
    for view in s.views()? {
        rows += s
            .query(&format!("SELECT * FROM {view}"), &Params::None)?
            .rows
            .len();
    }
    let lid = match &s
        .query("SELECT min(number) FROM licensing_ids", &Params::None)?
        .rows[0][0]
    {
        licstore::Value::Text(t) => t.clone(),
        other => panic!("no licensing ID: {other:?}"),
    };
    for sql in [
        "SELECT * FROM license_summary('2025-06-30')".to_string(),
        format!("SELECT * FROM license_summary('2031-01-01', '{lid}')"),
        "SELECT count(*) FROM license_summary WHERE customer = 'Contoso'".to_string(),
        "SELECT status, count(*) FROM reservations GROUP BY status".to_string(),
    ] {
        rows += s.query(&sql, &Params::None)?.rows.len();
    }
    s.query_describe("SELECT * FROM license_summary")?;
    // The parallel reads of the big views (several connections, one snapshot taken under the
    // write lock, released without writing).
    struct Count(usize);
    impl licstore::RowSink for Count {
        fn columns(&mut self, _: &[String], _: &[Option<String>]) -> licstore::Result<()> {
            Ok(())
        }
        fn row(&mut self, _: &[licstore::ValueRef<'_>]) -> licstore::Result<()> {
            self.0 += 1;
            Ok(())
        }
    }
    for view in licstore::PARALLEL_VIEWS {
        let parts = s.query_view_parallel(
            view,
            3,
            licstore::QueryOptions::default(),
            &|| Count(0),
            &mut || std::ops::ControlFlow::Continue(()),
        )?;
        rows += parts.iter().map(|c| c.0).sum::<usize>();
    }
    for c in s.customers()? {
        rows += s.license_summary(&SummaryQuery::customer(c.name))?.len();
    }
    rows += s.reservations(&ReservationHistory::All)?.len();
    rows += s.product_keys(None)?.len();
    Ok(rows)
}

#[test]
fn queries_leave_the_file_and_its_wal_unchanged() -> licstore::Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.licstore");
    let mut s = Store::open(&path)?;
    let start = at("2025-06-01T12:00:00Z");
    s.set_clock(start);
    licstore::demo::build(&mut s, 7)?;
    let before = bytes(&path);
    assert!(!before.1.is_empty(), "the demo's writes are in the WAL");
    let Clock::Fixed(t0) = start else {
        unreachable!()
    };
    // Same day, then days and months later: the summary's date moves and reservations commit.
    for later in [Duration::zero(), Duration::days(4), Duration::days(200)] {
        let now: DateTime<Utc> = t0 + later;
        s.set_clock(Clock::Fixed(now));
        assert!(read_everything(&mut s)? > 0);
        assert!(
            bytes(&path) == before,
            "reading at {now} changed the store file or its WAL"
        );
    }
    let committed = s.query(
        "SELECT count(*) FROM reservations WHERE status = 'Committed'",
        &Params::None,
    )?;
    assert_ne!(committed.rows[0][0], licstore::Value::Integer(0));
    Ok(())
}

#[test]
fn queries_run_while_another_connection_writes() -> licstore::Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.licstore");
    let mut writer = Store::open(&path)?;
    writer.set_clock(at("2025-06-01T12:00:00Z"));
    licstore::demo::build(&mut writer, 7)?;
    let mut reader = Store::open(&path)?;
    // A day later, with the write lock held by the other store.
    reader.set_clock(at("2025-06-05T12:00:00Z"));
    reader.set_busy_timeout(std::time::Duration::from_millis(50))?;
    writer.write(|_ctx| {
        assert!(read_everything(&mut reader)? > 0);
        Ok(())
    })?;
    Ok(())
}
