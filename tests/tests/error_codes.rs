//! The error-code list is written three times: in core (`licstore::ErrorCode`, the source), in
//! the C header (`licstore_result` in include/licstore.h) and in the Python stubs (one exception
//! class per code in python/licstore/_native.pyi). Keep in sync with core/src/error.rs; this test
//! fails when the three disagree in names or numbers.

use std::collections::BTreeMap;
use std::path::PathBuf;

use licstore::ErrorCode;

fn repo_file(rel: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `CountViolation` -> `COUNT_VIOLATION`, `NotADatabase` -> `NOT_A_DATABASE`.
fn screaming_snake(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

fn core_codes() -> BTreeMap<String, u32> {
    ErrorCode::ALL
        .iter()
        .map(|c| (c.name().to_string(), c.number()))
        .collect()
}

#[test]
fn c_header_mirrors_core_codes() {
    let header = repo_file("include/licstore.h");
    let start = header
        .find("enum licstore_result")
        .or_else(|| header.find("licstore_result {"));
    let body = &header[start.expect("the header declares licstore_result")..];
    let body = &body[..body.find('}').expect("the enum ends")];
    let mut c: BTreeMap<String, u32> = BTreeMap::new();
    for line in body.lines() {
        let line = line.trim().trim_end_matches(',');
        if let Some((name, num)) = line.split_once(" = ") {
            if let Some(name) = name.strip_prefix("LICSTORE_") {
                c.insert(name.to_string(), num.trim().parse().expect("a number"));
            }
        }
    }
    assert_eq!(c.remove("OK"), Some(0), "LICSTORE_OK = 0");
    let expected: BTreeMap<String, u32> = core_codes()
        .into_iter()
        .map(|(n, v)| (screaming_snake(&n), v))
        .collect();
    assert_eq!(
        c, expected,
        "include/licstore.h and licstore::ErrorCode disagree; run `make header`"
    );
}

#[test]
fn python_stubs_declare_one_exception_per_core_code() {
    let pyi = repo_file("python/licstore/_native.pyi");
    let mut classes: Vec<String> = pyi
        .lines()
        .filter_map(|l| l.strip_prefix("class "))
        .filter(|l| l.contains("(LicstoreError"))
        .map(|l| l.split('(').next().expect("a name").trim().to_string())
        .collect();
    classes.sort();
    let mut expected: Vec<String> = core_codes().into_keys().collect();
    expected.sort();
    assert_eq!(
        classes, expected,
        "python/licstore/_native.pyi and licstore::ErrorCode disagree"
    );
}

#[test]
fn the_conversion_is_right() {
    assert_eq!(
        screaming_snake("ProhibitedInUsageLocationViolation"),
        "PROHIBITED_IN_USAGE_LOCATION_VIOLATION"
    );
    assert_eq!(screaming_snake("IoError"), "IO_ERROR");
}
