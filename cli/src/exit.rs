//! Exit codes: the one place that maps a [`licstore::ErrorCode`] to the process's exit status.
//!
//! Keep in sync with the table in docs/cli.md ("Exit codes"); a test below fails when they differ.
//!
//! The codes come in classes so that scripts can branch on a range, and are distinct within a
//! class where a script can act on the difference:
//! - 0 success; 2 usage error (clap's own code); 1 a bug in licstore;
//! - 3..=19 invalid input: the request cannot be carried out as given;
//! - 20..=29 a licensing rule or a permission refused the request (the message names the rule);
//! - 30..=39 the file or the database failed.
//!
//! Numbers are never reused: a retired code stays in the docs table, marked retired.

use licstore::ErrorCode;

/// Success.
pub const OK: u8 = 0;
/// A bug in licstore (a panic, or an error code this build does not classify).
pub const INTERNAL: u8 = 1;
/// The command line could not be parsed (clap's code).
pub const USAGE: u8 = 2;

/// The exit status for an error code.
pub fn exit_code(code: ErrorCode) -> u8 {
    use ErrorCode as C;
    match code {
        // Invalid input.
        C::InvalidArgument => 3,
        C::NotFound => 4,
        C::AlreadyExists => 5,
        C::InUse => 6,
        C::InvalidState => 7,
        C::CsvError => 8,
        C::QueryRefused => 9,
        C::Interrupted => 10,
        // Rule violations: every domain code (100..=299) is 20; the message names the rule.
        C::PermissionDenied => 21,
        c if (100..300).contains(&c.number()) => 20,
        // Files and the database.
        C::IoError => 30,
        C::DatabaseError => 31,
        C::Busy => 32,
        C::NotADatabase => 33,
        C::SchemaTooNew => 34,
        C::InternalError => INTERNAL,
        _ => INTERNAL,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// The exit code table of docs/cli.md: `| code | ErrorCode names ... |` rows.
    fn documented() -> BTreeMap<String, u8> {
        let doc = include_str!("../../docs/cli.md");
        let section = doc
            .split("## Exit codes")
            .nth(1)
            .expect("docs/cli.md has an \"## Exit codes\" section");
        let mut map = BTreeMap::new();
        for line in section.lines().take_while(|l| !l.starts_with("## ")) {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            if cells.len() < 4 {
                continue;
            }
            let Ok(n) = cells[1].parse::<u8>() else {
                continue;
            };
            for name in cells[3].split([',', ' ']).map(|s| s.trim_matches('`')) {
                if ErrorCode::from_name(name).is_some() {
                    map.insert(name.to_string(), n);
                }
            }
        }
        map
    }

    #[test]
    fn docs_table_matches_the_mapping() {
        let doc = documented();
        for &code in ErrorCode::ALL {
            let n = exit_code(code);
            if (100..300).contains(&code.number()) {
                // Documented as a class, not one by one.
                assert_eq!(n, 20, "{code}");
                continue;
            }
            assert_eq!(
                doc.get(code.name()),
                Some(&n),
                "docs/cli.md exit code of {code}"
            );
        }
    }

    #[test]
    fn codes_are_distinct_within_the_general_list() {
        let mut seen = BTreeMap::new();
        for &code in ErrorCode::ALL {
            let n = exit_code(code);
            assert!(n != OK && n != USAGE && n < 126, "{code}: {n}");
            if n != 20 {
                if let Some(other) = seen.insert(n, code) {
                    panic!("{code} and {other} share exit code {n}");
                }
            }
        }
    }
}
