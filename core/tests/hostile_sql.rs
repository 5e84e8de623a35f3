//! The read-only SQL channel against a corpus of hostile statements (tests/data/hostile.sql):
//! writes, schema changes, ATTACH, PRAGMA, extension loading, file functions, reads of private
//! tables by every route, transactions, several statements at once, runaway and oversized
//! results. Each is refused (never run), and the store file and its WAL are unchanged byte for
//! byte; nothing is created next to it or where the statements point.

use std::path::Path;
use std::time::Duration;

use licstore::{ErrorCode, Params, QueryOptions, Store};

fn bytes(path: &Path) -> (Vec<u8>, Vec<u8>) {
    let wal = path.with_file_name(format!(
        "{}-wal",
        path.file_name().unwrap().to_string_lossy()
    ));
    (
        std::fs::read(path).unwrap(),
        std::fs::read(wal).unwrap_or_default(),
    )
}

fn corpus() -> Vec<String> {
    let text = include_str!("data/hostile.sql");
    text.split("\n----\n")
        .skip(1)
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

#[test]
fn every_hostile_statement_is_refused_and_the_file_is_unchanged() -> licstore::Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.licstore");
    let mut s = Store::open(&path)?;
    licstore::demo::build(&mut s, 7)?;
    let before = bytes(&path);
    let files_before = std::fs::read_dir(dir.path()).unwrap().count();
    let statements = corpus();
    assert!(statements.len() >= 80, "the corpus is loaded");
    for sql in &statements {
        let opts = QueryOptions {
            timeout: Some(Duration::from_millis(500)),
            max_rows: 1_000,
        };
        let e = match s.query_with(sql, &Params::None, opts) {
            Ok(r) => panic!("not refused: {sql}\n(returned {} rows)", r.rows.len()),
            Err(e) => e,
        };
        assert!(
            matches!(
                e.code(),
                ErrorCode::QueryRefused
                    | ErrorCode::InvalidArgument
                    | ErrorCode::Interrupted
                    | ErrorCode::NotFound
            ),
            "{sql}: refused with an unexpected code {:?}: {e}",
            e.code()
        );
        assert!(!e.to_string().is_empty());
        assert!(
            bytes(&path) == before,
            "the store file or its WAL changed after: {sql}"
        );
    }
    // The channel still answers, and the store's own writes still work.
    let r = s.query("SELECT count(*) FROM customers", &Params::None)?;
    assert_eq!(r.rows.len(), 1);
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        files_before,
        "no file was created next to the store"
    );
    for p in [
        "/tmp/licstore-hostile.db",
        "/tmp/licstore-hostile.txt",
        "/tmp/licstore-hostile-copy.db",
    ] {
        assert!(!Path::new(p).exists(), "{p} was created");
    }
    drop(s);
    Ok(())
}
