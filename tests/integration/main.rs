//! aftercare's one integration test binary.

mod helpers;
mod ses_mailer;
mod store_conformance;
