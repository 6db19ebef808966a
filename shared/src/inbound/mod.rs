//! The inbound edge: outside wire formats parsed into the domain's
//! validated types. Nothing past this module sees JSON.

pub mod eventbridge;
pub mod roster;
pub mod ses_feedback;
pub mod sources;

#[cfg(test)]
mod hostile_props;
