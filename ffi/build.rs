//! Gives the shared library its SONAME, `liblicstore.so.<major>` (`liblicstore.so.0` for 0.x), so
//! that programs linked against it record the ABI they were built for, not a bare
//! `liblicstore.so`. `make install` installs `liblicstore.so.<version>` with the links
//! `liblicstore.so.<major>` (what the loader looks for) and `liblicstore.so` (what the linker looks
//! for). Keep in sync with the root Makefile's install target and docs/c-api.md ("Installing").

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let major = std::env::var("CARGO_PKG_VERSION_MAJOR").expect("cargo sets the version");
    // ELF platforms with a GNU-compatible linker; macOS uses install names instead.
    if matches!(
        os.as_str(),
        "linux" | "android" | "freebsd" | "netbsd" | "openbsd" | "dragonfly" | "illumos"
    ) {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,liblicstore.so.{major}");
    }
}
