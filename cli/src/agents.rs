//! `aftercare agents import FILE --table NAME | list [--table NAME]`: the
//! roster. Locally it is the settings' `[[agents]]` (`list` without
//! `--table` shows it); on AWS it lives in the table, replaced whole by an
//! import of a TOML or CSV file whose every row is valid.

use crate::local;
use aftercare_shared::domain::roster::Agent;
use aftercare_shared::inbound::roster::{parse_roster, RosterFormat};
use anyhow::{Context, Result};
use clap::Subcommand;
use std::path::{Path, PathBuf};

#[derive(Subcommand)]
pub enum AgentsAction {
    /// Replace the table's roster with a TOML (`[[agents]]`) or CSV file
    /// (header: id,name,email,languages,time_zone[,hours,days,capacity]).
    /// Every row is checked first; one bad row and nothing is imported.
    Import {
        file: PathBuf,
        /// The DynamoDB table (as the stack names it). The AWS region,
        /// credentials and endpoint come from the environment, as for the AWS CLI.
        #[arg(long)]
        table: String,
    },
    /// Print the roster: the table's with `--table`, else the settings'.
    List {
        #[arg(long)]
        table: Option<String>,
    },
}

fn read(file: &Path) -> Result<Vec<Agent>> {
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("reading the roster file {}", file.display()))?;
    parse_roster(&text, RosterFormat::of_path(file)).map_err(|e| {
        let lines: Vec<String> = e.problems.iter().map(|p| format!("  {p}")).collect();
        anyhow::anyhow!(
            "{} was not imported, it has {} problem(s):\n{}",
            file.display(),
            e.problems.len(),
            lines.join("\n")
        )
    })
}

fn print(agents: &[Agent]) {
    if agents.is_empty() {
        say!("no agents: every call is booked unassigned and at risk");
    }
    for a in agents {
        let langs: Vec<&str> = a.languages.iter().map(|l| l.code()).collect();
        let days: Vec<String> = a.hours.days.iter().map(|d| d.to_string()).collect();
        say!(
            "{}  {}  {}  {}  {}  {}-{} {}  capacity {}",
            a.id,
            a.name,
            a.email.as_str(),
            langs.join(" "),
            a.time_zone.name(),
            a.hours.start.format("%H:%M"),
            a.hours.end.format("%H:%M"),
            days.join(" "),
            a.capacity
        );
    }
}

pub async fn agents(config: Option<&Path>, action: AgentsAction) -> Result<()> {
    match action {
        AgentsAction::Import { file, table } => {
            let agents = read(&file)?;
            let service = table_service(&table).await?;
            let n = agents.len();
            service
                .import_roster(agents, chrono::Utc::now())
                .await
                .with_context(|| format!("writing the roster to table {table}"))?;
            say!("imported {n} agents into {table}");
        }
        AgentsAction::List { table: Some(table) } => {
            let service = table_service(&table).await?;
            match service.stored_roster().await? {
                Some(agents) => print(&agents),
                None => say!(
                    "no roster imported into {table}: every call is booked unassigned and at risk"
                ),
            }
        }
        AgentsAction::List { table: None } => {
            let settings = local::settings(config)?;
            print(&settings.agents);
        }
    }
    Ok(())
}

#[cfg(feature = "aws")]
async fn table_service(table: &str) -> Result<aftercare_shared::services::Aftercare> {
    use aftercare_shared::adapters::outbox::OutboxMailer;
    use aftercare_shared::config::Settings;
    use aftercare_shared::domain::token::TokenKey;
    use std::sync::Arc;
    let store = crate::deployed::store(table).await;
    // The roster commands send no mail and sign no link: a scratch outbox
    // and a throwaway key satisfy the facade.
    let scratch = std::env::temp_dir().join("aftercare-agents-outbox");
    let mailer = OutboxMailer::new(&scratch).context("a scratch outbox")?;
    let key = TokenKey::new(b"roster-commands-sign-nothing").context("a key")?;
    Ok(aftercare_shared::services::Aftercare::new(
        Arc::new(store),
        Arc::new(mailer),
        // The roster needs no settings of the deployment's.
        Settings::default(),
        key,
    )
    .with_stored_roster())
}

#[cfg(not(feature = "aws"))]
async fn table_service(_table: &str) -> Result<aftercare_shared::services::Aftercare> {
    anyhow::bail!("this aftercare was built without the `aws` feature: rebuild with --features aws")
}
