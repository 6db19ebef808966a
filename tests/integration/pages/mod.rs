//! The customer's pages against a real `aftercare serve` on 127.0.0.1
//! (SPEC 5, 6): links taken from the emails in the outbox, requests over
//! HTTP, counts read back through `aftercare report` and `aftercare
//! suppress list`.

pub(crate) mod axe;
pub(crate) mod browser;
mod browser_calls;
mod calls;
mod demo_links;
mod hostile_forms;
mod load;
mod logs;
mod low_score_case;
mod one_sender;
mod reminders;
mod security;
mod serve;
mod staff_languages;

use crate::helpers::aftercare_bin;
use aftercare_shared::testing::envelope;
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use mail_parser::MessageParser;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The link key the runs and the server share, so a test can sign tokens
/// the server accepts (expired ones, ones of another purpose).
pub const SECRET: &str = "pages-test-secret-0123456789abcdef";
/// Where the emails' links point by default.
const DEFAULT_ORIGIN: &str = "http://127.0.0.1:8080";

/// A token signed with the servers' key.
pub fn sign(
    purpose: aftercare_shared::domain::token::Purpose,
    subject: &str,
    expires: DateTime<Utc>,
) -> String {
    aftercare_shared::domain::token::TokenKey::new(SECRET.as_bytes())
        .expect("a long enough key")
        .sign(purpose, subject, expires)
}

pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A customer in UTC (contact hours are then easy to reason about).
pub fn customer(id: &str, locale: &str, name: &str) -> Value {
    json!({"id": id, "name": name, "email": format!("{id}@example.com"),
           "phone": "+821012345678", "locale": locale, "time_zone": "UTC"})
}

/// A fixed-offset zone where it is about `hour` o'clock now: a customer
/// there whose mail fell due a few hours ago had it within contact hours,
/// whatever the hour the tests run at (a customer in UTC waits for the
/// morning when they run at night).
pub fn zone_where_it_is(hour: i32) -> String {
    use chrono::Timelike;
    let offset = (hour - Utc::now().hour() as i32).rem_euclid(24);
    let offset = if offset > 12 { offset - 24 } else { offset };
    match offset {
        0 => "Etc/GMT".to_string(),
        // `Etc/GMT-9` is nine hours ahead of UTC (POSIX signs).
        o if o > 0 => format!("Etc/GMT-{o}"),
        o => format!("Etc/GMT+{}", -o),
    }
}

/// Contact hours on every day of the week (the default leaves Sunday
/// out): with a customer in [`zone_where_it_is`], mail due by now was due
/// within contact hours whatever the day the tests run on.
pub const EVERY_DAY: &str = "[contact_hours]\nstart = \"09:00\"\nend = \"20:00\"\n\
    days = [\"Mon\", \"Tue\", \"Wed\", \"Thu\", \"Fri\", \"Sat\", \"Sun\"]\n";

/// `customer`, in a zone where it is about 17:00 now: mail due four
/// hours ago (a survey two hours after a close six hours ago) fell at
/// about 13:00 there (on any day with [`EVERY_DAY`]).
pub fn customer_in_the_afternoon(id: &str, locale: &str, name: &str) -> Value {
    let mut c = customer(id, locale, name);
    c["time_zone"] = Value::String(zone_where_it_is(17));
    c
}

/// With `verbose`, the file `DIR/logs/NAME` to append a command's log to.
fn log_file(dir: &Path, verbose: bool, name: &str) -> Option<std::fs::File> {
    verbose.then(|| {
        let logs = dir.join("logs");
        std::fs::create_dir_all(&logs).expect("the logs directory");
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(logs.join(name))
            .expect("a log file")
    })
}

/// A `TicketClosed` envelope for `customer`, closed at `at`.
pub fn ticket_closed(ticket: &str, customer: Value, at: DateTime<Utc>) -> Value {
    envelope(
        "TicketClosed",
        &format!("ev-{ticket}"),
        json!({"ticket_id": ticket, "customer": customer, "occurred_at": rfc3339(at),
               "opened_at": rfc3339(at - Duration::hours(5)), "resolved": true, "contacts": 1,
               "first_response_at": rfc3339(at - Duration::hours(4))}),
    )
}

/// `events` written to `file`, then `aftercare run` over it into `data`
/// up to now (with `config`, logging at `log_level`); its output, once it
/// succeeded.
pub fn run_until_now(
    data: &Path,
    file: &Path,
    events: &[Value],
    config: Option<&Path>,
    log_level: &str,
) -> std::process::Output {
    let lines: Vec<String> = events.iter().map(Value::to_string).collect();
    std::fs::write(file, lines.join("\n") + "\n").expect("writing events");
    let mut command = Command::new(aftercare_bin());
    if let Some(config) = config {
        command.arg("--config").arg(config);
    }
    let out = command
        .env("AFTERCARE_SECRET", SECRET)
        .env("AFTERCARE_LOG", log_level)
        .args(["run", "--quiet", "--data"])
        .arg(data)
        .arg("--events")
        .arg(file)
        .args(["--until", &rfc3339(Utc::now())])
        .output()
        .expect("running aftercare run");
    assert!(
        out.status.success(),
        "aftercare run failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A data directory filled by `aftercare run` up to now, and `aftercare
/// serve` over it on a free port.
pub struct Served {
    pub dir: tempfile::TempDir,
    pub base: String,
    child: Child,
    /// The settings file every command runs with, if not the defaults.
    config: Option<PathBuf>,
    /// Whether every command logs at its most verbose into `DIR/logs/`.
    verbose: bool,
}

impl Served {
    pub fn start(events: &[Value]) -> Served {
        Served::start_with(events, None)
    }

    /// The same with a settings file (TOML) for `run`, `serve` and every
    /// later command.
    pub fn start_with(events: &[Value], settings: Option<&str>) -> Served {
        Served::start_inner(events, settings, false)
    }

    /// The same, with `run`, `serve` and every later command logging at
    /// their most verbose (`AFTERCARE_LOG=trace`) into `DIR/logs/`.
    pub fn start_logged(events: &[Value]) -> Served {
        Served::start_inner(events, None, true)
    }

    /// Everything the commands have logged (with `start_logged`).
    pub fn logs(&self) -> String {
        let mut all = String::new();
        for entry in std::fs::read_dir(self.dir.path().join("logs")).expect("the logs") {
            let path = entry.expect("a log").path();
            all.push_str(&String::from_utf8_lossy(
                &std::fs::read(&path).expect("a log"),
            ));
        }
        all
    }

    fn log_file(&self, name: &str) -> Option<std::fs::File> {
        log_file(self.dir.path(), self.verbose, name)
    }

    fn start_inner(events: &[Value], settings: Option<&str>, verbose: bool) -> Served {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let config = settings.map(|text| {
            let path = dir.path().join("settings.toml");
            std::fs::write(&path, text).expect("writing settings");
            path
        });
        let data = dir.path().join("data");
        let log_level = if verbose { "trace" } else { "warn" };
        let out = run_until_now(
            &data,
            &dir.path().join("events.jsonl"),
            events,
            config.as_deref(),
            log_level,
        );
        if let Some(mut log) = log_file(dir.path(), verbose, "run.log") {
            std::io::Write::write_all(&mut log, &out.stderr).expect("keeping run's log");
        }
        Served::serve(dir, config, verbose)
    }

    /// `aftercare demo` with `args` into the data folder (the README's
    /// walkthrough), then `serve` over it on the real clock.
    pub fn demo(args: &[&str]) -> Served {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let out = Command::new(aftercare_bin())
            .env("AFTERCARE_SECRET", SECRET)
            .arg("demo")
            .args(args)
            .arg("--out")
            .arg(dir.path().join("data"))
            .output()
            .expect("running aftercare demo");
        assert!(
            out.status.success(),
            "aftercare demo failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Served::serve(dir, None, false)
    }

    fn serve(dir: tempfile::TempDir, config: Option<PathBuf>, verbose: bool) -> Served {
        let data = dir.path().join("data");
        let log_level = if verbose { "trace" } else { "warn" };
        let config_args: Vec<std::ffi::OsString> = config
            .iter()
            .flat_map(|p| ["--config".into(), p.clone().into_os_string()])
            .collect();
        let stderr =
            log_file(dir.path(), verbose, "serve.log").map_or_else(Stdio::inherit, Stdio::from);
        let mut child = Command::new(aftercare_bin())
            .env("AFTERCARE_SECRET", SECRET)
            .env("AFTERCARE_LOG", log_level)
            .args(&config_args)
            .args(["serve", "--listen", "127.0.0.1:0", "--data"])
            .arg(&data)
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("starting aftercare serve");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("serve's stdout"))
            .read_line(&mut line)
            .expect("reading serve's first line");
        let base = line
            .split_whitespace()
            .find(|w| w.starts_with("http://127.0.0.1:"))
            .unwrap_or_else(|| panic!("serve did not say where it listens: {line:?}"))
            .to_string();
        Served {
            dir,
            base,
            child,
            config,
            verbose,
        }
    }

    pub fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// The email in the outbox whose file name contains every one of
    /// `parts`. Mail another command queued beside the server is the
    /// server's to send (it holds the directory's sender lock): it is
    /// waited for through the server's next round (at most 15 s).
    pub fn email(&self, parts: &[&str]) -> PathBuf {
        let outbox = self.data().join("outbox");
        for _ in 0..200 {
            let mut names: Vec<PathBuf> = std::fs::read_dir(&outbox)
                .expect("the outbox")
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    let name = p.file_name().map(|n| n.to_string_lossy().into_owned());
                    name.is_some_and(|n| parts.iter().all(|part| n.contains(part)))
                })
                .collect();
            names.sort();
            if let Some(last) = names.pop() {
                return last;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("no email matching {parts:?} in {}", outbox.display())
    }

    /// Every link in an email's text part, pointed at this server.
    pub fn links(&self, eml: &Path) -> Vec<String> {
        let raw = std::fs::read(eml).expect("reading an email");
        let message = MessageParser::default()
            .parse(&raw)
            .unwrap_or_else(|| panic!("{} does not parse", eml.display()));
        let text = message.body_text(0).expect("a text part").into_owned();
        let mut links: Vec<String> = text
            .split_whitespace()
            // A link glued to a full-width colon ("结果：http://…") too.
            .filter_map(|w| w.find(DEFAULT_ORIGIN).map(|i| &w[i..]))
            .map(|w| {
                w.trim_end_matches(['.', ',', ')'])
                    .replace(DEFAULT_ORIGIN, &self.base)
            })
            .collect();
        links.dedup();
        links
    }

    /// An email's HTML part with its links pointed at this server, saved
    /// beside the outbox so a browser can open it as a mail client would.
    pub fn html_file(&self, eml: &Path) -> PathBuf {
        let raw = std::fs::read(eml).expect("reading an email");
        let message = MessageParser::default()
            .parse(&raw)
            .unwrap_or_else(|| panic!("{} does not parse", eml.display()));
        let html = message.body_html(0).expect("an HTML part").into_owned();
        let file = self.dir.path().join(format!(
            "{}.html",
            eml.file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default()
        ));
        std::fs::write(&file, html.replace(DEFAULT_ORIGIN, &self.base)).expect("saving the HTML");
        file
    }

    /// The survey link with `score` chosen, from an email.
    pub fn survey_link(&self, eml: &Path, score: u8) -> String {
        let suffix = format!("?score={score}");
        self.links(eml)
            .into_iter()
            .find(|l| l.contains("/s/") && l.ends_with(&suffix))
            .unwrap_or_else(|| panic!("no survey link with {suffix} in {}", eml.display()))
    }

    pub fn unsubscribe_link(&self, eml: &Path) -> String {
        self.links(eml)
            .into_iter()
            .find(|l| l.contains("/u/"))
            .unwrap_or_else(|| panic!("no unsubscribe link in {}", eml.display()))
    }

    fn aftercare(&self, args: &[&str]) -> String {
        let mut command = Command::new(aftercare_bin());
        if let Some(config) = &self.config {
            command.arg("--config").arg(config);
        }
        let out = command
            .env("AFTERCARE_SECRET", SECRET)
            .env("AFTERCARE_LOG", if self.verbose { "trace" } else { "warn" })
            .arg(args[0])
            .arg("--data")
            .arg(self.data())
            .args(&args[1..])
            .output()
            .expect("running aftercare");
        assert!(
            out.status.success(),
            "aftercare {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        if let Some(mut log) = self.log_file("commands.log") {
            std::io::Write::write_all(&mut log, &out.stderr).expect("keeping a command's log");
        }
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// A KPI (`csat`, `responses`) summed over the last five days.
    pub fn total(&self, section: &str, field: &str) -> f64 {
        self.summed(&format!("/{section}/{field}"))
    }

    pub fn unsubscribes(&self) -> f64 {
        self.summed("/unsubscribes")
    }

    /// The report field at a JSON pointer, summed over the last five days.
    fn summed(&self, pointer: &str) -> f64 {
        let today = Utc::now().date_naive();
        (0..5)
            .map(|back| {
                let date = (today - Duration::days(back)).to_string();
                let json = self.aftercare(&["report", "--format", "json", "--date", &date]);
                let report: Value = serde_json::from_str(&json).expect("report JSON");
                report
                    .pointer(pointer)
                    .and_then(Value::as_f64)
                    .unwrap_or(0.0)
            })
            .sum()
    }

    pub fn suppressed(&self) -> String {
        self.aftercare(&["suppress", "list"])
    }
}

impl Served {
    /// SIGTERM, then the exit status (within 30 s).
    pub fn stop(&mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill");
        assert!(sent.success(), "sending SIGTERM");
        for _ in 0..300 {
            if let Some(status) = self.child.try_wait().expect("waiting for serve") {
                return status;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("serve did not stop within 30 s of SIGTERM");
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
