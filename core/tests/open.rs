//! Opening files: new, existing, foreign, corrupt, newer; and the migration path from every
//! schema version this build knows.

use licstore::{ErrorCode, NewCustomer, Params, Result, Store, Value};
use rusqlite::Connection;

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

#[test]
fn a_new_file_is_created_in_wal_mode_and_reopens() -> Result<()> {
    let dir = tmp();
    let path = dir.path().join("a.licstore");
    {
        let mut s = Store::open(&path)?;
        s.add_customer(&NewCustomer::named("Contoso"))?;
    }
    let c = Connection::open(&path).unwrap();
    let mode: String = c
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let mut s = Store::open_existing(&path)?;
    assert_eq!(s.schema_version()?, Store::END_VERSION);
    let r = s.query("SELECT name FROM customers", &Params::None)?;
    assert_eq!(r.rows, vec![vec![Value::from("Contoso")]]);
    Ok(())
}

#[test]
fn open_existing_refuses_a_missing_file() {
    let dir = tmp();
    let e = Store::open_existing(dir.path().join("nope.licstore")).unwrap_err();
    assert_eq!(e.code(), ErrorCode::NotFound);
    assert!(!dir.path().join("nope.licstore").exists());
}

fn assert_untouched(path: &std::path::Path, bytes: &[u8], code: ErrorCode) {
    let e = Store::open(path).unwrap_err();
    assert_eq!(e.code(), code, "{e}");
    assert!(
        e.to_string().contains(&path.display().to_string()),
        "the error names the file: {e}"
    );
    assert_eq!(
        std::fs::read(path).unwrap(),
        bytes,
        "the file is byte-for-byte untouched"
    );
    let dir = path.parent().unwrap();
    let name = path.file_name().unwrap().to_string_lossy();
    for suffix in ["-wal", "-shm", "-journal"] {
        assert!(
            !dir.join(format!("{name}{suffix}")).exists(),
            "no {suffix} file was left behind"
        );
    }
}

#[test]
fn a_text_file_is_refused_and_untouched() {
    let dir = tmp();
    let path = dir.path().join("notes.txt");
    let bytes = b"name,tenant\nContoso,contoso.com\n".repeat(100);
    std::fs::write(&path, &bytes).unwrap();
    assert_untouched(&path, &bytes, ErrorCode::NotADatabase);
}

#[test]
fn a_corrupt_file_is_refused_and_untouched() {
    let dir = tmp();
    let path = dir.path().join("corrupt.licstore");
    {
        let mut s = Store::open(&path).unwrap();
        for i in 0..200 {
            s.add_customer(&NewCustomer::named(format!("Customer {i}")))
                .unwrap();
        }
    }
    // Checkpoint so that everything is in the main file, then damage the pages after the header.
    Connection::open(&path)
        .unwrap()
        .execute_batch("PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode=DELETE;")
        .unwrap();
    let mut bytes = std::fs::read(&path).unwrap();
    for b in bytes.iter_mut().skip(4096).take(8192) {
        *b = 0xA5;
    }
    std::fs::write(&path, &bytes).unwrap();
    assert_untouched(&path, &bytes, ErrorCode::NotADatabase);
}

#[test]
fn another_applications_database_is_refused_and_untouched() {
    let dir = tmp();
    let path = dir.path().join("places.sqlite");
    Connection::open(&path)
        .unwrap()
        .execute_batch("CREATE TABLE moz_places (url TEXT)")
        .unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert_untouched(&path, &bytes, ErrorCode::NotADatabase);
}

#[test]
fn a_newer_store_is_refused_and_untouched() {
    let dir = tmp();
    let path = dir.path().join("future.licstore");
    drop(Store::open(&path).unwrap());
    {
        let c = Connection::open(&path).unwrap();
        c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode=DELETE;")
            .unwrap();
        c.pragma_update(None, "user_version", Store::END_VERSION + 1)
            .unwrap();
    }
    let bytes = std::fs::read(&path).unwrap();
    let e = Store::open(&path).unwrap_err();
    assert_eq!(e.code(), ErrorCode::SchemaTooNew);
    assert!(e.to_string().contains("newer licstore"), "{e}");
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
}

#[test]
fn an_empty_file_becomes_a_store() -> Result<()> {
    let dir = tmp();
    let path = dir.path().join("empty.licstore");
    std::fs::write(&path, b"").unwrap();
    let s = Store::open(&path)?;
    assert_eq!(s.schema_version()?, Store::END_VERSION);
    Ok(())
}

/// Builds a file at every schema version `v` this build knows (by applying the first `v`
/// migrations, as that older licstore did), puts data in it, and opens it with this build:
/// it must upgrade in place, keep the data, and answer through the views.
#[test]
fn every_schema_version_upgrades_to_the_current_one() -> Result<()> {
    for v in 1..=Store::END_VERSION {
        let dir = tmp();
        let path = dir.path().join(format!("v{v}.licstore"));
        {
            let c = Connection::open(&path).unwrap();
            for sql in licstore::store::migrations().iter().take(v as usize) {
                c.execute_batch(sql).unwrap();
            }
            c.pragma_update(None, "application_id", licstore::store::APPLICATION_ID)
                .unwrap();
            c.pragma_update(None, "user_version", v).unwrap();
            c.execute(
                "INSERT INTO customer (name, created_at, updated_at) VALUES ('Old Customer', '2020-01-01T00:00:00Z', '2020-01-01T00:00:00Z')",
                [],
            )
            .unwrap();
        }
        let mut s = Store::open(&path)?;
        assert_eq!(s.schema_version()?, Store::END_VERSION, "from version {v}");
        let r = s.query("SELECT name, created_at FROM customers", &Params::None)?;
        assert_eq!(
            r.rows,
            vec![vec![
                Value::from("Old Customer"),
                Value::from("2020-01-01T00:00:00Z")
            ]],
            "from version {v}"
        );
        s.add_customer(&NewCustomer::named("New Customer"))?;
    }
    Ok(())
}

#[test]
fn two_handles_on_one_file_see_each_others_writes() -> Result<()> {
    let dir = tmp();
    let path = dir.path().join("shared.licstore");
    let mut a = Store::open(&path)?;
    let mut b = Store::open(&path)?;
    a.add_customer(&NewCustomer::named("From A"))?;
    b.add_customer(&NewCustomer::named("From B"))?;
    let r = a.query("SELECT count(*) FROM customers", &Params::None)?;
    assert_eq!(r.rows[0][0], Value::Integer(2));
    assert_eq!(b.customer("from a")?.name, "From A");
    Ok(())
}
