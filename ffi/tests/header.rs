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
