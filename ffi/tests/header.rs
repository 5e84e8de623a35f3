//! `include/licstore.h` is what cbindgen generates from this crate (with `LICSTORE_UPDATE_HEADER=1`
//! this test rewrites it instead), and its version macros equal Cargo's version.
//!
//! N.B. This crate's library and the core crate are both called `licstore`, so an integration test
//! cannot name either; checks that need the Rust items (every result code is in the header,
//! `licstore_version()` is Cargo's version) are unit tests in `src/error.rs` and `src/store.rs`.

use std::path::{Path, PathBuf};

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn header_path() -> PathBuf {
    crate_dir().join("../include/licstore.h")
}

/// The version macros, from CARGO_PKG_VERSION. Keep in sync: `version_macros_match_cargo` below.
fn version_macros() -> String {
    let mut parts = env!("CARGO_PKG_VERSION")
        .split(['.', '-', '+'])
        .map(|p| p.parse::<u32>().expect("numeric version part"));
    let (major, minor, patch) = (
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap(),
    );
    format!(
        "\n/* The version of this header; licstore_version() gives the library's. */\n\
         #define LICSTORE_VERSION_MAJOR {major}\n\
         #define LICSTORE_VERSION_MINOR {minor}\n\
         #define LICSTORE_VERSION_PATCH {patch}\n\
         #define LICSTORE_VERSION_STRING \"{}\"\n",
        env!("CARGO_PKG_VERSION")
    )
}

fn generate() -> String {
    let dir = crate_dir();
    let mut config =
        cbindgen::Config::from_file(dir.join("cbindgen.toml")).expect("read cbindgen.toml");
    config.after_includes = Some(version_macros());
    let bindings = cbindgen::Builder::new()
        .with_crate(&dir)
        .with_config(config)
        .generate()
        .expect("cbindgen generates the header");
    let mut out = Vec::new();
    bindings.write(&mut out);
    String::from_utf8(out).expect("UTF-8 header")
}

#[test]
fn header_is_up_to_date() {
    let generated = generate();
    let path = header_path();
    if std::env::var_os("LICSTORE_UPDATE_HEADER").is_some_and(|v| v == "1") {
        std::fs::write(&path, &generated).expect("write include/licstore.h");
        return;
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    if current != generated {
        let line = current
            .lines()
            .zip(generated.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| current.lines().count().min(generated.lines().count()))
            + 1;
        panic!(
            "{} is stale (first difference at line {line}); run `make header` and commit it",
            display(&path)
        );
    }
}

fn display(p: &Path) -> String {
    p.canonicalize()
        .unwrap_or_else(|_| p.to_path_buf())
        .display()
        .to_string()
}

fn define(header: &str, name: &str) -> Option<String> {
    header.lines().find_map(|l| {
        let rest = l.strip_prefix("#define ")?.strip_prefix(name)?;
        rest.starts_with(' ').then(|| rest.trim().to_string())
    })
}

#[test]
fn version_macros_match_cargo() {
    let header = std::fs::read_to_string(header_path()).expect("include/licstore.h exists");
    let version = format!(
        "{}.{}.{}",
        define(&header, "LICSTORE_VERSION_MAJOR").expect("MAJOR defined"),
        define(&header, "LICSTORE_VERSION_MINOR").expect("MINOR defined"),
        define(&header, "LICSTORE_VERSION_PATCH").expect("PATCH defined"),
    );
    assert_eq!(version, env!("CARGO_PKG_VERSION"));
    assert_eq!(
        define(&header, "LICSTORE_VERSION_STRING").as_deref(),
        Some(format!("\"{}\"", env!("CARGO_PKG_VERSION")).as_str())
    );
}

/// The functions declared in the header.
fn header_functions(header: &str) -> Vec<String> {
    let mut names = Vec::new();
    for line in header.lines() {
        let rest = ["licstore_result ", "void ", "const char *"]
            .iter()
            .find_map(|p| line.strip_prefix(p));
        let Some(rest) = rest else { continue };
        let rest = rest.trim_start_matches('*');
        if let Some((name, _)) = rest.split_once('(') {
            if name.starts_with("licstore_")
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            {
                names.push(name.to_string());
            }
        }
    }
    names
}

/// The identifiers inside the backtick spans of a piece of Markdown.
fn code_words(text: &str) -> Vec<String> {
    text.split('`')
        .skip(1)
        .step_by(2)
        .flat_map(|span| {
            span.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .filter(|w| !w.is_empty())
                .map(String::from)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The function names docs/c-api.md documents, written out (`licstore_customers_add`), as a
/// suffix after a full name in the same item (`licstore_bulk_request_new`, `_set_op`), or as a
/// field in a handle's table row (`| licstore_product_key | id, ... |` documents
/// `licstore_product_key_id`, and the row's handle gets the `_free` and `_list_*` functions every
/// handle has).
fn documented_functions(doc: &str) -> std::collections::HashSet<String> {
    let mut blocks: Vec<String> = Vec::new();
    for line in doc.lines() {
        let starts = line.trim().is_empty()
            || line.starts_with("- ")
            || line.starts_with('|')
            || line.starts_with('#');
        match blocks.last_mut() {
            Some(b) if !starts => {
                b.push('\n');
                b.push_str(line);
            }
            _ => blocks.push(line.to_string()),
        }
    }
    let mut names = std::collections::HashSet::new();
    for block in &blocks {
        let words = code_words(block);
        let full: Vec<&String> = words
            .iter()
            .filter(|w| w.starts_with("licstore_"))
            .collect();
        for w in &words {
            if w.starts_with("licstore_") {
                names.insert(w.clone());
            } else if w.starts_with('_') {
                for f in &full {
                    for (i, _) in f.match_indices('_').skip(1) {
                        names.insert(format!("{}{w}", &f[..i]));
                    }
                }
            }
        }
        if block.starts_with('|') {
            let first_cell = block
                .trim_start_matches('|')
                .split('|')
                .next()
                .unwrap_or("");
            if let Some(h) = code_words(first_cell)
                .into_iter()
                .find(|w| w.starts_with("licstore_"))
            {
                for w in &words {
                    if !w.starts_with("licstore_") {
                        names.insert(format!("{h}_{}", w.trim_start_matches('_')));
                    }
                }
                for generic in ["free", "list_len", "list_get", "list_free"] {
                    names.insert(format!("{h}_{generic}"));
                }
            }
        }
    }
    names
}

#[test]
fn every_function_is_documented() {
    let header = std::fs::read_to_string(header_path()).expect("include/licstore.h exists");
    let doc = std::fs::read_to_string(crate_dir().join("../docs/c-api.md")).expect("docs/c-api.md");
    let documented = documented_functions(&doc);
    let functions = header_functions(&header);
    assert!(
        functions.len() > 300,
        "found only {} functions in the header",
        functions.len()
    );
    let missing: Vec<&String> = functions
        .iter()
        .filter(|f| !documented.contains(*f))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/c-api.md does not list {} function(s) of include/licstore.h: {missing:?}",
        missing.len()
    );
}

#[test]
fn documented_functions_reads_names_suffixes_and_rows() {
    let doc = "- `licstore_bulk_request_new(c, out)`, `_set_op(r, op)`\n  `_add_user(r, u)`.\n\n\
               | `licstore_sku` | `customer`, `units` (a `licstore_units`) |\n";
    let d = documented_functions(doc);
    for f in [
        "licstore_bulk_request_new",
        "licstore_bulk_request_set_op",
        "licstore_bulk_request_add_user",
        "licstore_sku_customer",
        "licstore_sku_units",
        "licstore_sku_free",
    ] {
        assert!(d.contains(f), "{f}");
    }
    for f in [
        "licstore_bulk_request_free",
        "licstore_sku_drift",
        "licstore_export",
    ] {
        assert!(!d.contains(f), "{f}");
    }
}
