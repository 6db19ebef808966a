//! Test-only crate: the integration tests are in `integration/`; this
//! library holds what they share with the benchmarks: a Lambda runtime API
//! to run the real function binaries against.

pub mod figures;
pub mod local_aws;
pub mod runtime_api;
pub mod workspace;
