//! Error-code lists of core, C header and Python stubs agree (filled in with the bindings).
