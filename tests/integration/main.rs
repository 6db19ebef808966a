//! aftercare's one integration test binary.

mod arrival_order;
mod aws_pipeline;
mod dataset;
mod day_reads;
mod e2e_run;
mod failure_isolation;
mod fault_injection;
mod helpers;
mod hooked_store;
mod lambdas;
mod large_customers;
mod mail_standards;
mod manager_email;
mod operator;
mod oracle;
mod outbox_claims;
mod outcomes;
mod overlapping_senders;
mod pages;
mod privacy;
mod responses_export;
mod roster;
mod ses_mailer;
mod store_conformance;
mod template;
mod time_zones;
