//! The pure domain: no I/O, no AWS types, time always passed in.

pub mod boards;
pub mod brief;
pub mod calls;
pub mod case;
pub mod contact;
pub mod derive;
pub mod event;
pub mod feedback;
pub mod history;
pub mod ids;
pub mod keys;
pub mod kpi;
pub mod listing;
pub mod policy;
pub mod recovery;
pub mod report;
pub mod retention;
pub mod roster;
pub mod sheet;
pub mod stats;
pub mod surveys;
pub mod token;
pub mod trends;

#[cfg(test)]
mod derive_tests;
