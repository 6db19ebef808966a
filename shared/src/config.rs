//! Settings (SPEC 10): a TOML file locally, environment variables on AWS,
//! with defaults that work when neither says anything. This is the edge
//! that turns text into the domain's [`Policy`] and [`Agent`]s; the domain
//! itself never reads a file or the environment.

use crate::domain::contact::WeeklyHours;
use crate::domain::ids::{AgentId, EmailAddress, Locale};
use crate::domain::policy::{CallbackPolicy, Policy, SurveyPolicy};
use crate::domain::roster::Agent;
use crate::domain::token::TokenKey;
use chrono::{Duration, NaiveTime, Weekday};
use chrono_tz::Tz;
use serde::Deserialize;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("settings file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    /// Where the text is not valid settings, and why; never the text
    /// itself (it names managers and agents, and this reaches logs).
    #[error("settings: line {line}, column {column}: {problem}")]
    Toml {
        line: usize,
        column: usize,
        problem: String,
    },
    #[error("settings: {field}: {problem}")]
    Invalid { field: String, problem: String },
    /// A deployment's required setting is absent: no demo value may stand
    /// in for it on AWS.
    #[error("settings: {variable} is not set ({meaning})")]
    Missing {
        variable: &'static str,
        meaning: &'static str,
    },
}

/// A TOML error as its position and message, without the quoted line
/// (`toml`'s own `Display` shows it, and its `Debug` the whole input).
fn toml_error(text: &str, e: &toml::de::Error) -> ConfigError {
    let at = e.span().map_or(0, |s| s.start).min(text.len());
    let before = text.get(..at).unwrap_or_default();
    ConfigError::Toml {
        line: before.matches('\n').count() + 1,
        column: before
            .rsplit('\n')
            .next()
            .unwrap_or_default()
            .chars()
            .count()
            + 1,
        problem: e.message().trim().to_string(),
    }
}

fn invalid(field: impl Into<String>, problem: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        field: field.into(),
        problem: problem.into(),
    }
}

/// Everything aftercare is configured with: the domain's rules, who the
/// business is, and its agents.
#[derive(Debug, Clone)]
pub struct Settings {
    pub policy: Policy,
    pub business: Business,
    pub agents: Vec<Agent>,
}

/// Who sends the mail and who reads the reports.
#[derive(Debug, Clone)]
pub struct Business {
    pub name: String,
    pub managers: Vec<EmailAddress>,
    /// The managers' language.
    pub locale: Locale,
    pub from: EmailAddress,
    /// Links in emails point here (no trailing `/`).
    pub base_url: String,
    /// The hour of the managers' morning email, in the report time zone.
    pub report_hour: u32,
}

// ---- the file's shape ----

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    business: BusinessFile,
    #[serde(default)]
    contact_hours: HoursFile,
    #[serde(default)]
    surveys: SurveysFile,
    #[serde(default)]
    callbacks: CallbacksFile,
    agents: Option<Vec<AgentRow>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct BusinessFile {
    name: String,
    report_time_zone: String,
    managers: Vec<String>,
    locale: String,
    from: String,
    base_url: String,
    report_hour: u32,
    retention_days: u32,
    churn_days: u32,
}
impl Default for BusinessFile {
    fn default() -> Self {
        Self {
            name: "aftercare demo shop".into(),
            report_time_zone: "UTC".into(),
            managers: vec!["manager@example.com".into()],
            locale: "en".into(),
            from: "care@example.com".into(),
            base_url: "http://127.0.0.1:8080".into(),
            report_hour: 8,
            retention_days: 730,
            churn_days: 90,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct HoursFile {
    start: String,
    end: String,
    days: Vec<String>,
}
impl Default for HoursFile {
    fn default() -> Self {
        Self {
            start: "09:00".into(),
            end: "20:00".into(),
            days: ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
                .map(String::from)
                .to_vec(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct SurveysFile {
    csat_delay_hours: u32,
    nps_delay_days: u32,
    csat_throttle_days: u32,
    nps_throttle_days: u32,
    reminder_after_days: u32,
    link_valid_days: u32,
}
impl Default for SurveysFile {
    fn default() -> Self {
        Self {
            csat_delay_hours: 2,
            nps_delay_days: 7,
            csat_throttle_days: 7,
            nps_throttle_days: 90,
            reminder_after_days: 3,
            link_valid_days: 28,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct CallbacksFile {
    deadline_hours: u32,
    priority_deadline_hours: u32,
    retry_after_hours: u32,
    max_attempts: u32,
    slot_minutes: u32,
    outcome_grace_hours: u32,
    escalation_target_hours: u32,
}
impl Default for CallbacksFile {
    fn default() -> Self {
        Self {
            deadline_hours: 72,
            priority_deadline_hours: 24,
            retry_after_hours: 3,
            max_attempts: 3,
            slot_minutes: 15,
            outcome_grace_hours: 24,
            escalation_target_hours: 48,
        }
    }
}

/// One agent as written in `[[agents]]`, a roster file, or the stored
/// roster: plain text, validated by [`parse_agent_row`].
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct AgentRow {
    pub id: String,
    pub name: String,
    pub email: String,
    pub languages: Vec<String>,
    pub time_zone: String,
    #[serde(default = "default_agent_hours")]
    pub hours: String,
    #[serde(default = "default_agent_days")]
    pub days: Vec<String>,
    #[serde(default = "default_capacity")]
    pub capacity: u32,
}

impl From<&Agent> for AgentRow {
    fn from(a: &Agent) -> AgentRow {
        AgentRow {
            id: a.id.to_string(),
            name: a.name.clone(),
            email: a.email.as_str().to_string(),
            languages: a.languages.iter().map(|l| l.code().to_string()).collect(),
            time_zone: a.time_zone.name().to_string(),
            hours: format!(
                "{}-{}",
                a.hours.start.format("%H:%M"),
                a.hours.end.format("%H:%M")
            ),
            days: a.hours.days.iter().map(|d| d.to_string()).collect(),
            capacity: a.capacity,
        }
    }
}

/// Agents stored as JSON rows (the stored roster's form).
pub fn roster_to_json(agents: &[Agent]) -> String {
    let rows: Vec<AgentRow> = agents.iter().map(AgentRow::from).collect();
    serde_json::to_string(&rows).unwrap_or_else(|_| "[]".into())
}

/// The stored roster read back, every row validated again.
pub fn roster_from_json(text: &str) -> Result<Vec<Agent>, ConfigError> {
    let rows: Vec<AgentRow> = serde_json::from_str(text)
        .map_err(|e| invalid("roster", format!("stored roster is not valid JSON: {e}")))?;
    rows.into_iter()
        .enumerate()
        .map(|(i, r)| parse_agent_row(&format!("roster[{i}]"), r))
        .collect()
}
fn default_agent_hours() -> String {
    "09:00-18:00".into()
}
fn default_agent_days() -> Vec<String> {
    ["Mon", "Tue", "Wed", "Thu", "Fri"]
        .map(String::from)
        .to_vec()
}
fn default_capacity() -> u32 {
    32
}

fn default_agents() -> Vec<AgentRow> {
    vec![AgentRow {
        id: "a-1".into(),
        name: "Lee Jiwoo".into(),
        email: "jiwoo@example.com".into(),
        languages: vec!["ko".into(), "en".into()],
        time_zone: "Asia/Seoul".into(),
        hours: default_agent_hours(),
        days: default_agent_days(),
        capacity: default_capacity(),
    }]
}

impl Default for Settings {
    fn default() -> Self {
        // The defaults are constants checked by `defaults_are_valid`.
        Settings::from_file(File::default())
            .unwrap_or_else(|e| unreachable!("default settings invalid: {e}"))
    }
}

impl Settings {
    /// Reads a TOML file; `None` gives the defaults.
    pub fn load(path: Option<&std::path::Path>) -> Result<Settings, ConfigError> {
        match path {
            None => Ok(Settings::default()),
            Some(p) => {
                let text = std::fs::read_to_string(p).map_err(|source| ConfigError::Read {
                    path: p.display().to_string(),
                    source,
                })?;
                Settings::from_toml(&text)
            }
        }
    }

    pub fn from_toml(text: &str) -> Result<Settings, ConfigError> {
        let file: File = toml::from_str(text).map_err(|e| toml_error(text, &e))?;
        Settings::from_file(file)
    }

    fn from_file(f: File) -> Result<Settings, ConfigError> {
        /// Ten years: the longest delay, window or throttle a rule may set.
        const MAX_DAYS: u32 = 3_650;
        /// A century of keeping personal data.
        const MAX_RETENTION_DAYS: u32 = 36_500;
        let b = f.business;
        let tz = parse_tz("business.policy.report_time_zone", &b.report_time_zone)?;
        if b.report_hour > 23 {
            return Err(invalid("business.report_hour", "must be 0 to 23"));
        }
        // Long enough that every survey, reminder, link and call of an
        // event is over before its personal data goes.
        if b.retention_days < 90 {
            return Err(invalid(
                "business.retention_days",
                "must be at least 90 (surveys, links and calls must be over first)",
            ));
        }
        let managers = b
            .managers
            .iter()
            .map(|m| EmailAddress::parse(m).map_err(|e| invalid("business.managers", e.0)))
            .collect::<Result<Vec<_>, _>>()?;
        let from = EmailAddress::parse(&b.from).map_err(|e| invalid("business.from", e.0))?;
        let contact_hours = parse_hours(
            "contact_hours",
            &f.contact_hours.start,
            &f.contact_hours.end,
            &f.contact_hours.days,
        )?;
        let s = f.surveys;
        let c = f.callbacks;
        // Bounds that keep every time computed from them inside the
        // calendar (a "forever" of 4 billion days would overflow it).
        for (field, days) in [
            ("surveys.nps_delay_days", s.nps_delay_days),
            ("surveys.csat_throttle_days", s.csat_throttle_days),
            ("surveys.nps_throttle_days", s.nps_throttle_days),
            ("surveys.reminder_after_days", s.reminder_after_days),
            ("surveys.link_valid_days", s.link_valid_days),
        ] {
            if days > MAX_DAYS {
                return Err(invalid(field, format!("must be at most {MAX_DAYS}")));
            }
        }
        for (field, hours) in [
            ("surveys.csat_delay_hours", s.csat_delay_hours),
            ("callbacks.deadline_hours", c.deadline_hours),
            (
                "callbacks.priority_deadline_hours",
                c.priority_deadline_hours,
            ),
            ("callbacks.retry_after_hours", c.retry_after_hours),
            ("callbacks.outcome_grace_hours", c.outcome_grace_hours),
            (
                "callbacks.escalation_target_hours",
                c.escalation_target_hours,
            ),
        ] {
            if hours > MAX_DAYS * 24 {
                return Err(invalid(field, format!("must be at most {}", MAX_DAYS * 24)));
            }
        }
        if b.retention_days > MAX_RETENTION_DAYS {
            return Err(invalid(
                "business.retention_days",
                format!("must be at most {MAX_RETENTION_DAYS}"),
            ));
        }
        // A survey's address must outlive its survey: sent, reminded and
        // answerable before its personal data goes.
        let survey_days = s.nps_delay_days + s.reminder_after_days + s.link_valid_days;
        if b.retention_days <= survey_days {
            return Err(invalid(
                "business.retention_days",
                format!(
                    "must be more than a survey's life (nps_delay_days + reminder_after_days + link_valid_days = {survey_days})"
                ),
            ));
        }
        if b.churn_days == 0 || b.churn_days > MAX_DAYS {
            return Err(invalid(
                "business.churn_days",
                format!("must be 1 to {MAX_DAYS}"),
            ));
        }
        if c.escalation_target_hours == 0 {
            return Err(invalid(
                "callbacks.escalation_target_hours",
                "must be at least 1",
            ));
        }
        if c.max_attempts == 0 {
            return Err(invalid("callbacks.max_attempts", "must be at least 1"));
        }
        if c.slot_minutes == 0 || c.slot_minutes > 240 {
            return Err(invalid("callbacks.slot_minutes", "must be 1 to 240"));
        }
        let agents = f
            .agents
            .unwrap_or_else(default_agents)
            .into_iter()
            .enumerate()
            .map(|(i, a)| parse_agent_row(&format!("agents[{i}]"), a))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Settings {
            business: Business {
                name: b.name,
                managers,
                locale: supported_locale("business.locale", &b.locale)?,
                from,
                base_url: b.base_url.trim_end_matches('/').to_string(),
                report_hour: b.report_hour,
            },
            policy: Policy {
                report_time_zone: tz,
                contact_hours,
                surveys: SurveyPolicy {
                    csat_delay: Duration::hours(s.csat_delay_hours.into()),
                    nps_delay: Duration::days(s.nps_delay_days.into()),
                    csat_throttle: Duration::days(s.csat_throttle_days.into()),
                    nps_throttle: Duration::days(s.nps_throttle_days.into()),
                    reminder_after: Duration::days(s.reminder_after_days.into()),
                    link_valid: Duration::days(s.link_valid_days.into()),
                },
                callbacks: CallbackPolicy {
                    deadline: Duration::hours(c.deadline_hours.into()),
                    priority_deadline: Duration::hours(c.priority_deadline_hours.into()),
                    retry_after: Duration::hours(c.retry_after_hours.into()),
                    max_attempts: c.max_attempts,
                    slot_minutes: c.slot_minutes,
                    outcome_grace: Duration::hours(c.outcome_grace_hours.into()),
                    escalation_target: Duration::hours(c.escalation_target_hours.into()),
                },
                retention: Duration::days(b.retention_days.into()),
                churn_days: b.churn_days,
            },
            agents,
        })
    }

    /// Settings on AWS: the TOML in `AFTERCARE_SETTINGS` (rules: contact
    /// hours, surveys, callbacks), then the variables of [`AWS_VARIABLES`]
    /// on top. Who the business is has no default here: its name, sender,
    /// managers, base URL and report time zone must each be given (by its
    /// variable or in the TOML's `[business]`), else the start fails naming
    /// the variable; a demo value never reaches a deployment. There is no
    /// roster here either: the Lambdas book to the roster imported into the
    /// table (`aftercare agents import`), and none imported means none.
    pub fn from_env(var: impl Fn(&str) -> Option<String>) -> Result<Settings, ConfigError> {
        let text = var("AFTERCARE_SETTINGS").unwrap_or_default();
        let given: toml::Table = toml::from_str(&text).map_err(|e| toml_error(&text, &e))?;
        let in_toml = |key: &str| {
            given
                .get("business")
                .and_then(toml::Value::as_table)
                .is_some_and(|b| b.contains_key(key))
        };
        let mut file: File = toml::from_str(&text).map_err(|e| toml_error(&text, &e))?;
        file.agents.get_or_insert_with(Vec::new);
        for (variable, key, meaning) in REQUIRED_ON_AWS {
            if var(variable).is_none() && !in_toml(key) {
                return Err(ConfigError::Missing { variable, meaning });
            }
        }
        let b = &mut file.business;
        if let Some(v) = var("BUSINESS_NAME") {
            b.name = v;
        }
        if let Some(v) = var("REPORT_TIME_ZONE") {
            b.report_time_zone = v;
        }
        if let Some(v) = var("REPORT_HOUR") {
            b.report_hour = v
                .trim()
                .parse()
                .map_err(|_| invalid("REPORT_HOUR", format!("{v:?} is not an hour 0-23")))?;
        }
        if let Some(v) = var("SENDER") {
            b.from = v;
        }
        if let Some(v) = var("MANAGERS") {
            b.managers = v
                .split(',')
                .map(|m| m.trim().to_string())
                .filter(|m| !m.is_empty())
                .collect();
        }
        if b.managers.is_empty() {
            return Err(invalid("MANAGERS", "names no address"));
        }
        if let Some(v) = var("BASE_URL") {
            b.base_url = v;
        }
        if !(b.base_url.starts_with("https://") || b.base_url.starts_with("http://")) {
            return Err(invalid(
                "BASE_URL",
                format!("{:?} is not an http(s) URL", b.base_url),
            ));
        }
        if let Some(v) = var("MANAGER_LOCALE") {
            supported_locale("MANAGER_LOCALE", &v)?;
            b.locale = v;
        }
        Settings::from_file(file)
    }
}

/// The environment variables a deployment's settings are read from
/// ([`Settings::from_env`]); none of them is secret, so a deployment
/// records them in its table for the operator's commands.
pub const AWS_VARIABLES: [&str; 8] = [
    "AFTERCARE_SETTINGS",
    "BUSINESS_NAME",
    "REPORT_TIME_ZONE",
    "REPORT_HOUR",
    "SENDER",
    "MANAGERS",
    "BASE_URL",
    "MANAGER_LOCALE",
];

/// What a deployment must say itself: (variable, its key in `[business]`,
/// what it is).
const REQUIRED_ON_AWS: [(&str, &str, &str); 5] = [
    (
        "BUSINESS_NAME",
        "name",
        "the business's name, in every email's sender and subject",
    ),
    (
        "SENDER",
        "from",
        "the verified SES address mail is sent from",
    ),
    (
        "MANAGERS",
        "managers",
        "the managers' addresses for the morning email and alerts",
    ),
    (
        "BASE_URL",
        "base_url",
        "where the links in emails point: the pages' API URL or its custom domain",
    ),
    (
        "REPORT_TIME_ZONE",
        "report_time_zone",
        "the IANA time zone of the report days",
    ),
];

/// The link keys (HMAC) from a secret's text: a JSON object naming the
/// `current` key's id and every key by id (`{"current": "k2", "k1": "…",
/// "k2": "…"}`: during a rotation the old key stays until its links have
/// expired), or one plain key. Errors name key ids, never a secret.
pub fn link_keys(secret: &str) -> Result<TokenKey, ConfigError> {
    let text = secret.trim();
    if !text.starts_with('{') {
        return TokenKey::new(text.as_bytes())
            .ok_or_else(|| invalid("link key", "is shorter than 16 bytes"));
    }
    let object: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(text).map_err(|e| {
            invalid(
                "link key",
                format!(
                    "is not a JSON object (line {} column {})",
                    e.line(),
                    e.column()
                ),
            )
        })?;
    let current = object
        .get("current")
        .and_then(serde_json::Value::as_str)
        .ok_or_else(|| invalid("link key.current", "must name the key that signs new links"))?
        .to_string();
    let mut keys = Vec::new();
    for (id, value) in &object {
        if id == "current" {
            continue;
        }
        let secret = value
            .as_str()
            .ok_or_else(|| invalid(format!("link key.{id}"), "must be a string"))?;
        keys.push((id.clone(), secret.as_bytes().to_vec()));
    }
    TokenKey::ring(&current, keys).map_err(|e| invalid("link key", e.to_string()))
}

fn parse_tz(field: &str, raw: &str) -> Result<Tz, ConfigError> {
    raw.parse::<Tz>()
        .map_err(|_| invalid(field, format!("{raw:?} is not an IANA time zone")))
}

fn parse_time(field: &str, raw: &str) -> Result<NaiveTime, ConfigError> {
    if raw == "24:00" {
        return NaiveTime::from_hms_nano_opt(23, 59, 59, 999_999_999)
            .ok_or_else(|| invalid(field, "bad time"));
    }
    NaiveTime::parse_from_str(raw, "%H:%M")
        .map_err(|_| invalid(field, format!("{raw:?} is not HH:MM")))
}

fn parse_hours(
    field: &str,
    start: &str,
    end: &str,
    days: &[String],
) -> Result<WeeklyHours, ConfigError> {
    let start_t = parse_time(&format!("{field}.start"), start)?;
    let end_t = parse_time(&format!("{field}.end"), end)?;
    if start_t >= end_t {
        return Err(invalid(field, "start must be before end"));
    }
    let days = days
        .iter()
        .map(|d| {
            d.parse::<Weekday>().map_err(|_| {
                invalid(
                    format!("{field}.days"),
                    format!("{d:?} is not a weekday (Mon … Sun)"),
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(WeeklyHours::new(start_t, end_t, days))
}

/// A language the product speaks (`ko`, `ko-KR`, `zh_CN`...), or an error
/// naming `field`: a typo must not quietly become English.
fn supported_locale(field: &str, tag: &str) -> Result<Locale, ConfigError> {
    let primary = tag
        .split(['-', '_'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    if ["en", "ko", "vi", "zh"].contains(&primary.as_str()) {
        Ok(Locale::from_tag(tag))
    } else {
        Err(invalid(
            field,
            format!("{tag:?} is not one of en, ko, vi, zh"),
        ))
    }
}

/// Validates one agent; errors name `field` (`agents[2].email`).
pub fn parse_agent_row(field: &str, a: AgentRow) -> Result<Agent, ConfigError> {
    let field = field.to_string();
    let (start, end) = a
        .hours
        .split_once('-')
        .ok_or_else(|| invalid(format!("{field}.hours"), "must look like 09:00-18:00"))?;
    if a.name.trim().is_empty() {
        return Err(invalid(format!("{field}.name"), "is empty"));
    }
    if a.languages.is_empty() {
        return Err(invalid(format!("{field}.languages"), "names no language"));
    }
    for l in &a.languages {
        supported_locale(&format!("{field}.languages"), l)?;
    }
    if a.capacity == 0 {
        return Err(invalid(format!("{field}.capacity"), "must be at least 1"));
    }
    Ok(Agent {
        id: AgentId::parse(&a.id).map_err(|e| invalid(format!("{field}.id"), e.0))?,
        name: a.name,
        email: EmailAddress::parse(&a.email).map_err(|e| invalid(format!("{field}.email"), e.0))?,
        languages: a.languages.iter().map(|l| Locale::from_tag(l)).collect(),
        time_zone: parse_tz(&format!("{field}.time_zone"), &a.time_zone)?,
        hours: parse_hours(&field, start.trim(), end.trim(), &a.days)?,
        capacity: a.capacity,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        let s = Settings::default();
        assert_eq!(s.policy.report_time_zone, chrono_tz::UTC);
        assert_eq!(s.agents.len(), 1);
        assert_eq!(s.policy.callbacks.deadline, Duration::hours(72));
        assert_eq!(s.policy.surveys.nps_delay, Duration::days(7));
    }

    #[test]
    fn a_partial_file_keeps_the_other_defaults() {
        let s = Settings::from_toml("[business]\nreport_time_zone = \"Asia/Seoul\"\nagents = []\n");
        // `agents` inside [business] is an unknown key: named, not ignored.
        assert!(s.is_err());
        let s = Settings::from_toml("agents = []\n[business]\nreport_time_zone = \"Asia/Seoul\"\n")
            .unwrap();
        assert_eq!(s.policy.report_time_zone, chrono_tz::Asia::Seoul);
        assert!(s.agents.is_empty());
        assert_eq!(s.policy.surveys.csat_delay, Duration::hours(2));
    }

    #[test]
    fn a_syntax_error_names_line_and_column_and_never_quotes_the_settings() {
        let text = "[business]\nmanagers = [\"boss@acme.example\"]\nname = \"Acme\n";
        let err = Settings::from_toml(text).unwrap_err();
        let (shown, debugged) = (err.to_string(), format!("{err:?}"));
        assert!(shown.starts_with("settings: line 3, column "), "{shown}");
        for said in [&shown, &debugged] {
            assert!(
                !said.contains("boss@acme.example") && !said.contains("Acme"),
                "{said}"
            );
        }
    }

    #[test]
    fn durations_past_the_calendar_and_a_retention_shorter_than_a_survey_are_refused_by_name() {
        let refused = |text: &str| Settings::from_toml(text).unwrap_err().to_string();
        let forever = refused("[business]\nretention_days = 4000000000\n");
        assert!(
            forever.contains("business.retention_days") && forever.contains("at most"),
            "{forever}"
        );
        let grace = refused("[callbacks]\noutcome_grace_hours = 4000000000\n");
        assert!(grace.contains("callbacks.outcome_grace_hours"), "{grace}");
        let link = refused("[surveys]\nlink_valid_days = 100000\n");
        assert!(link.contains("surveys.link_valid_days"), "{link}");
        let short = refused("[business]\nretention_days = 90\n[surveys]\nnps_delay_days = 60\nlink_valid_days = 28\n");
        assert!(
            short.contains("business.retention_days") && short.contains("a survey's life"),
            "{short}"
        );
        assert!(Settings::from_toml("[business]\nretention_days = 90\n").is_ok());
    }

    /// A deployment's required variables, and `extra` on top.
    fn deployment(extra: &[(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        let mut vars: std::collections::HashMap<&str, &str> = [
            ("BUSINESS_NAME", "Acme"),
            ("SENDER", "care@acme.example"),
            ("MANAGERS", "boss@acme.example"),
            ("BASE_URL", "https://care.acme.example"),
            ("REPORT_TIME_ZONE", "UTC"),
        ]
        .into_iter()
        .collect();
        vars.extend(extra.iter().copied());
        move |k: &str| vars.get(k).map(|v| v.to_string())
    }

    #[test]
    fn environment_variables_override_the_settings_text() {
        let env = deployment(&[
            (
                "AFTERCARE_SETTINGS",
                "agents = []\n[surveys]\ncsat_delay_hours = 4\n",
            ),
            ("REPORT_TIME_ZONE", "Asia/Seoul"),
            ("MANAGERS", "a@example.com, b@example.com"),
        ]);
        let s = Settings::from_env(env).unwrap();
        assert_eq!(s.policy.report_time_zone, chrono_tz::Asia::Seoul);
        assert_eq!(s.business.managers.len(), 2);
        assert_eq!(s.policy.surveys.csat_delay, Duration::hours(4));
        assert!(s.agents.is_empty());
        let bad = Settings::from_env(deployment(&[("REPORT_HOUR", "8am")])).unwrap_err();
        assert!(bad.to_string().contains("REPORT_HOUR"), "{bad}");
    }

    #[test]
    fn a_deployment_missing_a_required_setting_names_it_and_never_uses_a_demo_value() {
        for (variable, _, _) in REQUIRED_ON_AWS {
            let all = deployment(&[]);
            let without = |k: &str| if k == variable { None } else { all(k) };
            let err = Settings::from_env(without).unwrap_err();
            assert!(
                matches!(&err, ConfigError::Missing { variable: v, .. } if *v == variable),
                "{variable}: {err}"
            );
            assert!(err.to_string().contains(variable), "{err}");
        }
        // The same keys given in AFTERCARE_SETTINGS' [business] count.
        let toml = "[business]\nname = \"Acme\"\nfrom = \"care@acme.example\"\nmanagers = [\"b@acme.example\"]\nbase_url = \"https://x.example\"\nreport_time_zone = \"UTC\"\n";
        let s =
            Settings::from_env(|k| (k == "AFTERCARE_SETTINGS").then(|| toml.to_string())).unwrap();
        assert_eq!(s.business.name, "Acme");
        let demo = Settings::from_env(deployment(&[])).unwrap();
        assert_ne!(demo.business.name, Settings::default().business.name);
        let err = Settings::from_env(deployment(&[("MANAGERS", " , ")])).unwrap_err();
        assert!(err.to_string().contains("MANAGERS"), "{err}");
        let err = Settings::from_env(deployment(&[("BASE_URL", "care.example")])).unwrap_err();
        assert!(err.to_string().contains("BASE_URL"), "{err}");
    }

    #[test]
    fn link_keys_are_read_from_a_json_ring_or_a_plain_secret() {
        let ring = link_keys(
            r#"{"current": "k2", "k1": "0123456789abcdef-one", "k2": "0123456789abcdef-two"}"#,
        )
        .unwrap();
        assert_eq!(ring.current_id(), "k2");
        assert_eq!(
            link_keys("0123456789abcdef-plain").unwrap().current_id(),
            "0"
        );
        let err = link_keys(r#"{"current": "k3", "k1": "0123456789abcdef-one"}"#).unwrap_err();
        assert!(err.to_string().contains("\"k3\""), "{err}");
        let err = link_keys(r#"{"current": "k1", "k1": "short-secret"}"#).unwrap_err();
        assert!(
            err.to_string().contains("k1") && !err.to_string().contains("short-secret"),
            "{err}"
        );
        assert!(link_keys("short").is_err());
        assert!(link_keys("{not json")
            .unwrap_err()
            .to_string()
            .contains("link key"));
    }

    #[test]
    fn a_deployment_that_names_no_agents_has_none() {
        // Locally the defaults carry an example agent; on AWS they never do.
        assert_eq!(Settings::default().agents.len(), 1);
        let aws = Settings::from_env(deployment(&[])).unwrap();
        assert!(aws.agents.is_empty());
        let named = Settings::from_env(deployment(&[(
            "AFTERCARE_SETTINGS",
            "[[agents]]\nid = \"a-9\"\nname = \"N\"\nemail = \"n@example.com\"\nlanguages = [\"en\"]\ntime_zone = \"UTC\"\n",
        )]))
        .unwrap();
        assert_eq!(named.agents.len(), 1);
    }

    #[test]
    fn the_managers_language_is_read_defaults_to_english_and_a_typo_is_refused() {
        let s = Settings::from_toml("[business]\nlocale = \"ko\"\n").unwrap();
        assert_eq!(s.business.locale, Locale::Ko);
        assert_eq!(Settings::default().business.locale, Locale::En);
        let typo = Settings::from_toml("[business]\nlocale = \"kr\"\n").unwrap_err();
        assert!(typo.to_string().contains("business.locale"), "{typo}");
    }

    #[test]
    fn bad_values_name_their_field() {
        let err = Settings::from_toml("[contact_hours]\nstart = \"9am\"\n").unwrap_err();
        assert!(err.to_string().contains("contact_hours.start"), "{err}");
        let err =
            Settings::from_toml("[business]\nreport_time_zone = \"Mars/Olympus\"\n").unwrap_err();
        assert!(err.to_string().contains("report_time_zone"), "{err}");
    }
}
