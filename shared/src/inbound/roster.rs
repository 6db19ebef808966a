//! A roster file for `aftercare agents import`: TOML (`[[agents]]`
//! tables, as in the settings) or CSV (a header row, then one agent a
//! line). Every row is validated; every bad row is reported with its line
//! and field, and then nothing is imported: the whole file or nothing.

use crate::config::{parse_agent_row, AgentRow};
use crate::domain::roster::Agent;
use std::collections::BTreeSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RosterFormat {
    Toml,
    Csv,
}

impl RosterFormat {
    /// By the file's extension (`.csv`, else TOML).
    pub fn of_path(path: &std::path::Path) -> RosterFormat {
        match path.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("csv") => RosterFormat::Csv,
            _ => RosterFormat::Toml,
        }
    }
}

/// Every problem of a roster file, one per bad row or field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("roster file: {}", .problems.join("; "))]
pub struct RosterFileError {
    /// `line 4: agents[2].email: … is not an email address`.
    pub problems: Vec<String>,
}

/// The CSV columns, in any order; `hours`, `days` and `capacity` may be
/// absent or empty (the defaults of `[[agents]]` apply). `languages` and
/// `days` hold several values separated by spaces, `;` or `|`.
pub const CSV_COLUMNS: [&str; 8] = [
    "id",
    "name",
    "email",
    "languages",
    "time_zone",
    "hours",
    "days",
    "capacity",
];
const CSV_REQUIRED: [&str; 5] = ["id", "name", "email", "languages", "time_zone"];

pub fn parse_roster(text: &str, format: RosterFormat) -> Result<Vec<Agent>, RosterFileError> {
    let rows = match format {
        RosterFormat::Toml => toml_rows(text),
        RosterFormat::Csv => csv_rows(text),
    }?;
    let mut problems = Vec::new();
    let mut agents = Vec::new();
    let mut ids = BTreeSet::new();
    for (line, field, row) in rows {
        match row.and_then(|r| parse_agent_row(&field, r).map_err(|e| e.to_string())) {
            Ok(agent) => {
                if !ids.insert(agent.id.clone()) {
                    problems.push(format!(
                        "line {line}: {field}.id: {} appears twice",
                        agent.id
                    ));
                }
                agents.push(agent);
            }
            Err(why) => problems.push(format!(
                "line {line}: {}",
                why.trim_start_matches("settings: ")
            )),
        }
    }
    if problems.is_empty() && agents.is_empty() {
        problems
            .push("the file names no agents (an empty roster would unassign every call)".into());
    }
    if problems.is_empty() {
        Ok(agents)
    } else {
        Err(RosterFileError { problems })
    }
}

type Row = (usize, String, Result<AgentRow, String>);

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

fn toml_rows(text: &str) -> Result<Vec<Row>, RosterFileError> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct File {
        #[serde(default)]
        agents: Vec<toml::Spanned<toml::Table>>,
    }
    let file: File = toml::from_str(text).map_err(|e| RosterFileError {
        problems: vec![match e.span() {
            Some(span) => format!("line {}: {}", line_of(text, span.start), e.message()),
            None => e.message().to_string(),
        }],
    })?;
    Ok(file
        .agents
        .into_iter()
        .enumerate()
        .map(|(i, table)| {
            let line = line_of(text, table.span().start);
            let field = format!("agents[{i}]");
            let row = toml::Value::Table(table.into_inner())
                .try_into::<AgentRow>()
                .map_err(|e| format!("{field}: {}", e.message()));
            (line, field, row)
        })
        .collect())
}

fn split_list(v: &str) -> Vec<String> {
    v.split([' ', ';', '|', ','])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

fn csv_rows(text: &str) -> Result<Vec<Row>, RosterFileError> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(false)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| RosterFileError {
            problems: vec![format!("line 1: the header row cannot be read: {e}")],
        })?
        .iter()
        .map(|h| h.to_ascii_lowercase())
        .collect();
    let mut problems = Vec::new();
    for h in &header {
        if !CSV_COLUMNS.contains(&h.as_str()) {
            problems.push(format!(
                "line 1: unknown column {h:?} (expected {})",
                CSV_COLUMNS.join(", ")
            ));
        }
    }
    for required in CSV_REQUIRED {
        if !header.iter().any(|h| h == required) {
            problems.push(format!("line 1: the column {required:?} is missing"));
        }
    }
    if !problems.is_empty() {
        return Err(RosterFileError { problems });
    }
    let col = |record: &csv::StringRecord, name: &str| -> Option<String> {
        header
            .iter()
            .position(|h| h == name)
            .and_then(|i| record.get(i))
            .map(str::to_string)
            .filter(|v| !v.is_empty())
    };
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let field = format!("agents[{i}]");
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(i + 2, |p| p.line() as usize);
                rows.push((line, field, Err(format!("the row cannot be read: {e}"))));
                continue;
            }
        };
        let line = record.position().map_or(i + 2, |p| p.line() as usize);
        let defaults: AgentRow = match toml::from_str(
            "id = \"\"\nname = \"\"\nemail = \"\"\nlanguages = []\ntime_zone = \"\"\n",
        ) {
            Ok(d) => d,
            Err(e) => {
                rows.push((line, field, Err(e.to_string())));
                continue;
            }
        };
        let capacity = match col(&record, "capacity") {
            None => Ok(defaults.capacity),
            Some(c) => c
                .parse::<u32>()
                .map_err(|_| format!("{field}.capacity: {c:?} is not a whole number")),
        };
        let row = capacity.map(|capacity| AgentRow {
            id: col(&record, "id").unwrap_or_default(),
            name: col(&record, "name").unwrap_or_default(),
            email: col(&record, "email").unwrap_or_default(),
            languages: col(&record, "languages")
                .map(|v| split_list(&v))
                .unwrap_or_default(),
            time_zone: col(&record, "time_zone").unwrap_or_default(),
            hours: col(&record, "hours").unwrap_or(defaults.hours.clone()),
            days: col(&record, "days")
                .map(|v| split_list(&v))
                .unwrap_or(defaults.days.clone()),
            capacity,
        });
        rows.push((line, field, row));
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD_TOML: &str = r#"
[[agents]]
id = "a-1"
name = "Lee Jiwoo"
email = "jiwoo@shop.example"
languages = ["ko", "en"]
time_zone = "Asia/Seoul"

[[agents]]
id = "a-2"
name = "Tran Mai"
email = "mai@shop.example"
languages = ["vi"]
time_zone = "Asia/Ho_Chi_Minh"
hours = "08:00-17:00"
days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
capacity = 20
"#;

    #[test]
    fn a_toml_roster_reads_with_the_settings_defaults() {
        let agents = parse_roster(GOOD_TOML, RosterFormat::Toml).unwrap();
        assert_eq!(agents.len(), 2);
        assert_eq!(agents[0].capacity, 32);
        assert_eq!(agents[1].capacity, 20);
        assert_eq!(agents[1].hours.days.len(), 6);
    }

    #[test]
    fn a_csv_roster_reads_lists_and_optional_columns() {
        let text = "id,name,email,languages,time_zone,hours,days,capacity\n\
                    a-1,Lee Jiwoo,jiwoo@shop.example,ko en,Asia/Seoul,,,\n\
                    a-2,Wang Fang,fang@shop.example,zh;en,Asia/Shanghai,10:00-19:00,Mon Tue Wed,12\n";
        let agents = parse_roster(text, RosterFormat::Csv).unwrap();
        assert_eq!(agents.len(), 2);
        assert_eq!(agents[0].languages.len(), 2);
        assert_eq!(agents[0].hours.days.len(), 5, "the default days");
        assert_eq!((agents[1].capacity, agents[1].hours.days.len()), (12, 3));
    }

    #[test]
    fn every_bad_row_is_reported_by_line_and_field_and_nothing_is_read() {
        let text = "id,name,email,languages,time_zone,capacity\n\
                    a-1,Lee Jiwoo,jiwoo@shop.example,ko,Asia/Seoul,32\n\
                    a-2,Tran Mai,not-an-address,vi,Asia/Ho_Chi_Minh,10\n\
                    a-3,Wang Fang,fang@shop.example,fr,Asia/Shanghai,10\n\
                    a-1,Twice,twice@shop.example,en,UTC,ten\n\
                    a-5,Zoned,z@shop.example,en,Mars/Base,5\n";
        let err = parse_roster(text, RosterFormat::Csv).unwrap_err();
        let joined = err.problems.join("\n");
        assert_eq!(err.problems.len(), 4, "{joined}");
        assert!(
            err.problems[0].starts_with("line 3: agents[1].email"),
            "{joined}"
        );
        assert!(
            err.problems[1].starts_with("line 4: agents[2].languages"),
            "{joined}"
        );
        assert!(
            err.problems[2].starts_with("line 5: agents[3].capacity"),
            "{joined}"
        );
        assert!(err.problems[3].starts_with("line 6: agents[4]"), "{joined}");
        assert!(err.problems[3].contains("time_zone"), "{joined}");
    }

    #[test]
    fn toml_problems_name_the_line_of_their_table() {
        let bad = GOOD_TOML.replace("mai@shop.example", "mai@@shop");
        let err = parse_roster(&bad, RosterFormat::Toml).unwrap_err();
        assert_eq!(err.problems.len(), 1);
        assert!(
            err.problems[0].starts_with("line 9: agents[1].email"),
            "{:?}",
            err.problems
        );
        let dup = GOOD_TOML.replace("\"a-2\"", "\"a-1\"");
        let err = parse_roster(&dup, RosterFormat::Toml).unwrap_err();
        assert!(
            err.problems[0].contains("appears twice"),
            "{:?}",
            err.problems
        );
        let unknown = GOOD_TOML.replace("capacity = 20", "capacity = 20\nphone = \"1\"");
        assert!(parse_roster(&unknown, RosterFormat::Toml).is_err());
    }

    #[test]
    fn an_empty_or_headerless_file_imports_nothing() {
        assert!(parse_roster("", RosterFormat::Toml).is_err());
        assert!(parse_roster("id,name\n", RosterFormat::Csv).is_err());
        assert!(parse_roster("", RosterFormat::Csv).is_err());
    }
}
