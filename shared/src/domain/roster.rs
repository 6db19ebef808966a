//! The care agents who make the calls (SPEC 4).

use super::contact::WeeklyHours;
use super::ids::{AgentId, EmailAddress, Locale};
use chrono_tz::Tz;

#[derive(Debug, Clone, PartialEq)]
pub struct Agent {
    pub id: AgentId,
    pub name: String,
    pub email: EmailAddress,
    pub languages: Vec<Locale>,
    pub time_zone: Tz,
    pub hours: WeeklyHours,
    /// Calls a day, at most.
    pub capacity: u32,
}

impl Agent {
    pub fn speaks(&self, locale: Locale) -> bool {
        self.languages.contains(&locale)
    }
}
