//! `aftercare`: the local runner (SPEC 10).

#[macro_use]
mod out;
mod agents;
mod demo;
#[cfg(feature = "aws")]
mod deployed;
mod escalations;
mod local;
mod place;
mod report;
mod responses;
mod run;
mod serve;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "aftercare",
    version,
    about = "After-sale care loop: follow-up calls, CSAT/NPS surveys, daily KPIs"
)]
struct Cli {
    /// Settings file (TOML); defaults apply when absent.
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Simulate a business through the whole pipeline and write the results.
    Demo {
        /// Where to write the outbox, reports and summary.
        #[arg(long, default_value = "aftercare-demo")]
        out: PathBuf,
        #[arg(long, default_value_t = 30)]
        days: u32,
        #[arg(long, default_value_t = 3000)]
        customers: u32,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// The demo's last day (YYYY-MM-DD, in the report time zone), not
        /// after today. Default: today, so that the links of its emails
        /// work in `serve` on the real clock for their real lifetime.
        #[arg(long)]
        end: Option<chrono::NaiveDate>,
        /// Write the generated events (JSON Lines) here and stop.
        #[arg(long)]
        events_only: Option<PathBuf>,
    },
    /// Ingest a JSON Lines file of EventBridge envelopes with a simulated clock.
    Run {
        /// The data directory: the store, settings, rejected lines, outbox.
        #[arg(long)]
        data: PathBuf,
        /// Rehearse on a deployment's (staging) DynamoDB table instead of
        /// the directory's store; the mail still goes to DIR/outbox/.
        #[arg(long)]
        table: Option<String>,
        #[arg(long)]
        events: PathBuf,
        /// Workers that apply the events between two pieces of due work
        /// at once (each customer's by one worker, in order).
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=256))]
        workers: u16,
        /// Run the clock on to this time (RFC 3339) after the last event.
        #[arg(long)]
        until: Option<String>,
        /// No progress bar.
        #[arg(long)]
        quiet: bool,
    },
    /// Print one day's KPIs (--date), or each day's of a range (--from, --to).
    Report {
        #[command(flatten)]
        place: place::Place,
        /// The day (YYYY-MM-DD) in the report time zone.
        #[arg(long, conflicts_with_all = ["from", "to"])]
        date: Option<String>,
        /// The first day of a range.
        #[arg(long, requires = "to")]
        from: Option<String>,
        /// The last day of a range (included).
        #[arg(long, requires = "from")]
        to: Option<String>,
        /// text (one day), json, csv, or html (a page with the trend picture).
        #[arg(long, value_enum)]
        format: Option<report::Format>,
    },
    /// Every survey answered in a range of days (by its first answer, in
    /// the report time zone): one row each with its current score and
    /// comment, the customer, and the call that followed.
    Responses {
        #[command(flatten)]
        place: place::Place,
        /// The first day (YYYY-MM-DD).
        #[arg(long)]
        from: String,
        /// The last day (included).
        #[arg(long)]
        to: String,
        /// csv (RFC 4180, formula-leading cells neutralised) or json.
        #[arg(long, value_enum, default_value = "csv")]
        format: responses::Format,
    },
    /// The outbox: list mail the transport refused for good (parked), or
    /// put it back in the queue once the cause is fixed.
    Outbox {
        #[command(flatten)]
        place: place::Place,
        /// List the parked messages with their reasons.
        #[arg(long, conflicts_with = "requeue")]
        parked: bool,
        /// Put a parked message back in the queue (its id as --parked
        /// lists it, or `all`); the next due-work run sends it.
        #[arg(long)]
        requeue: Option<String>,
    },
    /// Serve the survey and unsubscribe pages and run the scheduled work on
    /// the real clock.
    Serve {
        #[arg(long)]
        data: PathBuf,
        /// The address to listen on (port 0 picks a free port).
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: std::net::SocketAddr,
    },
    /// The suppression list: addresses that get no survey mail.
    Suppress {
        #[command(flatten)]
        place: place::Place,
        #[command(subcommand)]
        action: SuppressAction,
    },
    /// Erase a customer's personal data (names, addresses, numbers,
    /// comments, notes) and refuse them mail from now on; every KPI stays
    /// as it was.
    Forget {
        #[command(flatten)]
        place: place::Place,
        /// The customer's id, as the shop and help desk name them.
        customer: String,
    },
    /// A deployment's table: create one with the template's keys, indexes
    /// and TTL (for DynamoDB Local, a staging load, tests).
    Table {
        #[command(subcommand)]
        action: TableAction,
    },
    /// The agent roster: on AWS imported into the table, locally `[[agents]]`.
    Agents {
        #[command(subcommand)]
        action: agents::AgentsAction,
    },
    /// Escalations (unsatisfied customers on a call): list the open ones, take one, resolve one.
    Escalations {
        #[command(flatten)]
        place: place::Place,
        #[command(subcommand)]
        action: escalations::EscalationAction,
    },
}

#[derive(Subcommand)]
enum TableAction {
    /// Create the table (the AWS region, credentials and endpoint come from
    /// the environment).
    Create {
        #[arg(long)]
        table: String,
    },
}

#[derive(Subcommand)]
enum SuppressAction {
    /// Stop survey mail to an address.
    Add {
        address: String,
        #[arg(long, default_value = "operator")]
        reason: String,
    },
    /// Let survey mail reach an address again.
    Remove { address: String },
    /// Print the list: address, since when, why.
    List,
}

/// Runs the command; a failure is one line on stderr that names the
/// problem and its causes (`error: table T: the table does not exist`),
/// and exit status 1.
fn main() -> std::process::ExitCode {
    match run_command() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run_command() -> Result<()> {
    {
        use tracing_subscriber::filter::{LevelFilter, Targets};
        use tracing_subscriber::layer::SubscriberExt;
        use tracing_subscriber::util::SubscriberInitExt;
        // Other crates at most at debug, whatever AFTERCARE_LOG says: at
        // trace, the SDK and the HTTP stack may log what they carry (an
        // address, a comment); ours log no personal data at any level.
        let ours_only_at_trace = Targets::new()
            .with_default(LevelFilter::DEBUG)
            .with_target("aftercare", LevelFilter::TRACE);
        tracing_subscriber::fmt()
            .with_env_filter(
                tracing_subscriber::EnvFilter::try_from_env("AFTERCARE_LOG")
                    .unwrap_or_else(|_| "warn".into()),
            )
            .with_writer(std::io::stderr)
            // Colours for a terminal only: a log file keeps plain text.
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .finish()
            .with(ours_only_at_trace)
            .init();
    }
    let cli = Cli::parse();
    // `serve` answers pages while due work runs: it gets worker threads.
    let runtime = match cli.command {
        Command::Serve { .. } => tokio::runtime::Builder::new_multi_thread(),
        _ => tokio::runtime::Builder::new_current_thread(),
    }
    .enable_all()
    .build()
    .context("starting the runtime")?;
    runtime.block_on(async move {
        match cli.command {
            Command::Demo {
                out,
                days,
                customers,
                seed,
                end,
                events_only,
            } => {
                demo::demo(
                    cli.config.as_deref(),
                    &out,
                    demo::Size {
                        days,
                        customers,
                        seed,
                        end,
                    },
                    events_only.as_deref(),
                )
                .await
            }
            Command::Run {
                data,
                table,
                events,
                until,
                quiet,
                workers,
            } => {
                let until = until
                    .map(|u| {
                        chrono::DateTime::parse_from_rfc3339(&u)
                            .map(|t| t.with_timezone(&chrono::Utc))
                    })
                    .transpose()
                    .context("--until must be an RFC 3339 time, such as 2026-12-01T00:00:00Z")?;
                let settings = local::settings_for_run(&data, cli.config.as_deref())?;
                let store = match &table {
                    Some(t) => run::Store::Table(t),
                    None => run::Store::Directory,
                };
                let summary = run::run_file(
                    &settings,
                    &data,
                    store,
                    &events,
                    until,
                    !quiet,
                    usize::from(workers),
                )
                .await?;
                say!("{summary}");
                Ok(())
            }
            Command::Report {
                place,
                date,
                from,
                to,
                format,
            } => {
                let days = report::Days::parse(date.as_deref(), from.as_deref(), to.as_deref())?;
                let format = format.unwrap_or(match days {
                    report::Days::One(_) => report::Format::Text,
                    report::Days::Range(..) => report::Format::Csv,
                });
                let (service, settings) = place.open_existing(cli.config.as_deref()).await?;
                let text = report::report(&service, &settings, days, format).await?;
                if text.ends_with('\n') {
                    say_raw!("{text}");
                } else {
                    say!("{text}");
                }
                Ok(())
            }
            Command::Responses {
                place,
                from,
                to,
                format,
            } => {
                let (service, _) = place.open_existing(cli.config.as_deref()).await?;
                let text = responses::responses(&service, &from, &to, format).await?;
                say_raw!("{text}");
                if !text.ends_with('\n') {
                    say!();
                }
                Ok(())
            }
            Command::Outbox {
                place,
                parked,
                requeue,
            } => {
                let (service, _) = place.open_existing(cli.config.as_deref()).await?;
                outbox(&service, parked, requeue).await
            }
            Command::Serve { data, listen } => {
                let settings = local::settings_for(&data, cli.config.as_deref())?;
                let service = local::open(&data, &settings, |m| m)?;
                serve::serve(service, listen, &data).await
            }
            Command::Suppress { place, action } => {
                let (service, _) = place.open(cli.config.as_deref()).await?;
                suppress(&service, action).await
            }
            Command::Agents { action } => agents::agents(cli.config.as_deref(), action).await,
            Command::Table {
                action: TableAction::Create { table },
            } => create_table(&table).await,
            Command::Forget { place, customer } => {
                let (service, _) = place.open_existing(cli.config.as_deref()).await?;
                let id = aftercare_shared::domain::ids::CustomerId::parse(&customer)
                    .map_err(|e| anyhow::anyhow!("customer {customer:?}: {}", e.0))?;
                let done = service.forget(&id, chrono::Utc::now()).await?;
                say!(
                    "forgot customer {customer}: personal data erased, {} address(es) kept only as digests on the suppression list, {} waiting message(s) discarded",
                    done.addresses, done.messages_discarded
                );
                Ok(())
            }
            Command::Escalations { place, action } => {
                let (service, _) = place.open(cli.config.as_deref()).await?;
                escalations::escalations(&service, action).await
            }
        }
    })
}

#[cfg(feature = "aws")]
async fn create_table(table: &str) -> Result<()> {
    deployed::store(table)
        .await
        .create_table()
        .await
        .with_context(|| format!("creating table {table}"))?;
    say!("created table {table}");
    Ok(())
}

#[cfg(not(feature = "aws"))]
async fn create_table(_table: &str) -> Result<()> {
    anyhow::bail!("this aftercare was built without the `aws` feature: rebuild with --features aws")
}

async fn outbox(
    service: &aftercare_shared::services::Aftercare,
    parked: bool,
    requeue: Option<String>,
) -> Result<()> {
    let now = chrono::Utc::now();
    match (parked, requeue) {
        (true, _) => {
            let list = service.parked_mail(10_000).await?;
            if list.is_empty() {
                say!("no parked messages");
            }
            let tz = service.settings().policy.report_time_zone;
            for p in list {
                say!(
                    "{}  {}  {} recipient(s), {} attempt(s): {}",
                    crate::out::local_time(p.at, tz),
                    p.id,
                    p.recipients,
                    p.attempts,
                    p.reason
                );
            }
        }
        (false, Some(which)) => {
            let n = if which == "all" {
                service.requeue_all_parked(now).await?
            } else {
                let id = which
                    .parse()
                    .map_err(|e: aftercare_shared::domain::ids::InvalidValue| {
                        anyhow::anyhow!("--requeue {which:?}: {}", e.0)
                    })?;
                usize::from(service.requeue_parked(&id, now).await?)
            };
            say!("{n} message(s) back in the queue; the next due-work run sends them");
        }
        (false, None) => anyhow::bail!(
            "say what to do: aftercare outbox (--data DIR | --table NAME) --parked | --requeue ID|all"
        ),
    }
    Ok(())
}

async fn suppress(
    service: &aftercare_shared::services::Aftercare,
    action: SuppressAction,
) -> Result<()> {
    use aftercare_shared::domain::ids::EmailAddress;
    let parse =
        |a: &str| EmailAddress::parse(a).map_err(|e| anyhow::anyhow!("address {a:?} {}", e.0));
    match action {
        SuppressAction::Add { address, reason } => {
            service
                .suppress(&parse(&address)?, &reason, chrono::Utc::now())
                .await?;
            say!("suppressed {address}");
        }
        SuppressAction::Remove { address } => {
            if service.unsuppress(&parse(&address)?).await? {
                say!("removed {address}");
            } else {
                say!("{address} was not on the list");
            }
        }
        SuppressAction::List => {
            let list = service.suppressions(usize::MAX).await?;
            if list.is_empty() {
                say!("no suppressed addresses");
            }
            let tz = service.settings().policy.report_time_zone;
            for s in list {
                say!(
                    "{}  {}  {}",
                    s.address.as_str(),
                    crate::out::local_time(s.at, tz),
                    s.reason
                );
            }
        }
    }
    Ok(())
}
