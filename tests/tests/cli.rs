//! End-to-end tests of the `licstore` command line (filled in with the CLI).
