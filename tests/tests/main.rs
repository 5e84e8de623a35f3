//! The one integration-test binary of the cross-language tests: the real `licstore` binary on
//! real files, and the checks that the Rust, C and Python lists of error codes agree.

mod cli;
mod cli_access;
mod cli_online;
mod cli_report;
mod cli_transfer;
mod cli_volume;
mod error_codes;
