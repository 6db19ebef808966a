//! The managers' morning email as `aftercare run` writes it, on a fixed
//! data set (the e2e generator's, smaller) with two agents: its text part
//! against a reviewed golden file per language, its HTML part and inline
//! picture, its figures against `report --format json`, the revised-days
//! line after late events, the range CSV against the range JSON, and the
//! report time zone a data directory remembers.
//!
//! `AFTERCARE_UPDATE_GOLDEN=1` rewrites the golden files (then read them:
//! the diff is the review).

use crate::dataset;
use crate::helpers::{aftercare_bin, assert_golden, stdout_of};
use crate::pages::browser::{reads_on_a_phone, shots, Driver};
use chrono::{DateTime, Duration, NaiveDate, SecondsFormat, Utc};
use mail_parser::{MessageParser, MimeHeaders};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const SEED: u64 = 20261203;
const CUSTOMERS: usize = 150;
/// The day whose email the golden files hold: late in the data, so the
/// trend, the lists (escalations, calls at risk, detractor comments) and
/// the agents' table all have something in them.
const GOLDEN_DAY: &str = "2026-11-06";
const SECRET: &str = "golden-files-need-a-fixed-link-secret";

fn settings(locale: &str) -> String {
    format!(
        r#"[business]
name = "Golden Shop"
report_time_zone = "Asia/Seoul"
locale = "{locale}"
managers = ["boss@golden.example"]
from = "care@golden.example"
base_url = "http://127.0.0.1:8080"

[[agents]]
id = "a-1"
name = "Lee Jiwoo"
email = "jiwoo@golden.example"
languages = ["ko", "en"]
time_zone = "Asia/Seoul"
hours = "09:00-18:00"
days = ["Mon", "Tue", "Wed", "Thu", "Fri"]
capacity = 6

[[agents]]
id = "a-2"
name = "Tran Thi Mai"
email = "mai@golden.example"
languages = ["vi", "en"]
time_zone = "Asia/Ho_Chi_Minh"
hours = "08:00-12:00"
days = ["Mon", "Wed", "Fri"]
capacity = 3
"#
    )
}

/// A temp dir with a settings file in one language and the data set's
/// events.
struct Shop {
    tmp: tempfile::TempDir,
    config: PathBuf,
    events: Vec<Value>,
}

impl Shop {
    fn new(locale: &str) -> Shop {
        let tmp = tempfile::tempdir().expect("a temp dir");
        let config = tmp.path().join("aftercare.toml");
        std::fs::write(&config, settings(locale)).unwrap();
        Shop {
            tmp,
            config,
            events: dataset::generate(SEED, CUSTOMERS),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }

    fn data(&self) -> PathBuf {
        self.path("data")
    }

    fn command(&self, config: Option<&Path>, args: &[&str]) -> Output {
        let mut c = Command::new(aftercare_bin());
        c.env("AFTERCARE_SECRET", SECRET);
        if let Some(config) = config {
            c.arg("--config").arg(config);
        }
        c.args(args).output().expect("running aftercare")
    }

    fn aftercare(&self, args: &[&str]) -> String {
        stdout_of(self.command(Some(&self.config), args), args)
    }

    /// `aftercare run` of `events` up to `until`.
    fn run(&self, events: &[Value], until: DateTime<Utc>) {
        let file = self.path("events.jsonl");
        let lines: Vec<String> = events.iter().map(Value::to_string).collect();
        std::fs::write(&file, lines.join("\n") + "\n").unwrap();
        let until = until.to_rfc3339_opts(SecondsFormat::Secs, true);
        self.aftercare(&[
            "run",
            "--data",
            s(&self.data()),
            "--events",
            s(&file),
            "--until",
            &until,
            "--quiet",
        ]);
    }

    /// The whole data set, up to two days after its last event.
    fn run_all(&self) {
        self.run(&self.events, last_event(&self.events) + Duration::days(2));
    }

    fn email(&self, day: &str) -> Vec<u8> {
        let path = self.data().join("outbox").join(format!("report-{day}.eml"));
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    fn report_json(&self, day: &str) -> Value {
        let out = self.aftercare(&[
            "report",
            "--data",
            s(&self.data()),
            "--date",
            day,
            "--format",
            "json",
        ]);
        serde_json::from_str(&out).expect("report --format json prints JSON")
    }
}

fn s(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 temp path")
}

fn last_event(events: &[Value]) -> DateTime<Utc> {
    events
        .iter()
        .map(|e| {
            DateTime::parse_from_rfc3339(e["detail"]["occurred_at"].as_str().unwrap())
                .unwrap()
                .with_timezone(&Utc)
        })
        .max()
        .unwrap()
}

/// The figures a manager reads, rounded to 0.1 as the email shows them.
fn one(v: &Value) -> Option<String> {
    v.as_f64().map(|v| {
        let r = (v * 10.0).round() / 10.0;
        if r == 0.0 {
            "0.0".to_string()
        } else {
            format!("{r:.1}")
        }
    })
}

/// What the email must show of the day's JSON report.
fn headline_figures(report: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for (score, ci) in [
        (&report["csat"]["score"], Some(&report["csat"]["ci95"])),
        (&report["nps"]["score"], None),
    ] {
        out.extend(one(score));
        if let Some(Value::Array(ci)) = ci {
            out.extend(ci.iter().filter_map(one));
        }
    }
    out.extend(one(&report["nps"]["margin_of_error"]).map(|m| format!("±{m}")));
    out.extend(
        report["callbacks"]["on_time_rate"]
            .as_f64()
            .map(|r| format!("{}%", one(&Value::from(r * 100.0)).unwrap())),
    );
    out.push(report["purchases"]["count"].to_string());
    out
}

fn texts_of(locale: &str) -> &'static aftercare_shared::i18n::Texts {
    let locale = aftercare_shared::domain::ids::Locale::from_tag(locale);
    aftercare_shared::i18n::texts(locale)
}

/// The lines the email must show for the loop's figures, worked out from
/// the JSON reports: yesterday's customers ("Active customers: 41"), and
/// the recovery rate pooled over the 7 cohort days whose 24-hour windows
/// closed by the morning (the 7 days before yesterday), with its Wilson
/// interval and count.
fn loop_figures(shop: &Shop, locale: &str, report: &Value) -> Vec<(String, String, String)> {
    use aftercare_shared::i18n::fill;
    let t = &texts_of(locale).report;
    let c = &report["customers"];
    let mut out: Vec<(String, String, String)> = [
        (&t.active_customers, "active"),
        (&t.new_customers, "new"),
        (&t.won_back, "won_back"),
        (&t.churned, "churned"),
    ]
    .iter()
    .map(|(name, field)| (name.to_string(), c[*field].to_string(), String::new()))
    .collect();
    let day: NaiveDate = GOLDEN_DAY.parse().unwrap();
    let (mut low, mut recovered) = (0, 0);
    for back in 1..=7 {
        let r = shop.report_json(&(day - Duration::days(back)).to_string());
        low += r["recovery"]["low_scores"].as_u64().unwrap();
        recovered += r["recovery"]["recovered"].as_u64().unwrap();
    }
    assert!(low > 1, "the golden week has low scores");
    let rate = recovered as f64 / low as f64 * 100.0;
    let (lo, hi) = aftercare_shared::domain::stats::wilson_interval(recovered, low).unwrap();
    let ci = fill(
        &t.ci,
        &[
            ("low", &one(&Value::from(lo * 100.0)).unwrap()),
            ("high", &one(&Value::from(hi * 100.0)).unwrap()),
        ],
    );
    let count = fill(&t.low_scores, &[("n", &low.to_string())]);
    let days = fill(
        &t.cohort,
        &[
            ("from", &(day - Duration::days(7)).to_string()),
            ("to", &(day - Duration::days(1)).to_string()),
        ],
    );
    out.push((
        t.recovery.clone(),
        format!("{}%", one(&Value::from(rate)).unwrap()),
        fill(&t.paren, &[("text", &[ci, count, days].join(&t.sep))]),
    ));
    out
}

/// The per-agent table of the text part summed: calls, reached,
/// satisfied, on time, due (the last from "80.0% (8/10)").
fn agent_table_sums(text: &str) -> [i64; 5] {
    let table = text
        .split("\n== ")
        .nth(4)
        .expect("the agents' table follows yesterday's, today's and the other figures");
    let mut sums = [0; 5];
    for row in table.lines().skip(2).filter(|l| l.contains(" | ")) {
        let cells: Vec<&str> = row.split(" | ").collect();
        for (i, cell) in cells[1..4].iter().enumerate() {
            sums[i] += cell
                .trim()
                .parse::<i64>()
                .unwrap_or_else(|_| panic!("{row}"));
        }
        if let Some((done, due)) = cells[4]
            .split_once('(')
            .and_then(|(_, r)| r.trim_end_matches(')').split_once('/'))
        {
            sums[3] += done.parse::<i64>().unwrap();
            sums[4] += due.parse::<i64>().unwrap();
        }
    }
    sums
}

fn html_text(html: &str) -> String {
    // Tags to spaces, then the few entities a template writes.
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&#43;", "+")
        .replace("&#x2B;", "+")
        .replace("&amp;", "&")
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
}

fn png_size(bytes: &[u8]) -> (u32, u32) {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let reader = decoder
        .read_info()
        .expect("the inline picture decodes as PNG");
    let info = reader.info();
    (info.width, info.height)
}

/// One language's email for the golden day: its text against the golden
/// file; the HTML part with the same figures, the picture by `cid:`; the
/// picture a PNG of the stated size; the figures those of the JSON report.
fn the_email_in(locale: &str) {
    let shop = Shop::new(locale);
    shop.run_all();
    let raw = shop.email(GOLDEN_DAY);
    let email = MessageParser::default()
        .parse(&raw)
        .expect("the email parses");
    let text = email.body_text(0).expect("a text part").into_owned();
    let subject = email.subject().expect("a subject").to_string();
    assert_golden(
        &format!("manager-email.{locale}.txt"),
        &format!("Subject: {subject}\n\n{text}"),
    );

    let report = shop.report_json(GOLDEN_DAY);
    // The subject carries the day's headline figures, and the open
    // escalations are one figure everywhere: the subject's, the KPI
    // card's and the list's are the JSON report's.
    let t = &texts_of(locale).report;
    let open = report["callbacks"]["escalations_open"].to_string();
    let csat = one(&report["csat"]["score"]).unwrap();
    let nps = one(&report["nps"]["score"]).unwrap();
    for figure in [&csat, &nps, &open] {
        assert!(
            subject.contains(figure.as_str()),
            "{figure} not in {subject:?}"
        );
    }
    let listed = aftercare_shared::i18n::fill(&t.open_escalations, &[("count", &open)]);
    let card = format!("\n{}{}{open}\n", t.escalations_open, t.colon);
    let lines = text.replace("\r\n", "\n");
    assert!(
        lines.contains(&format!("\n{listed}\n")),
        "{listed:?} not in:\n{text}"
    );
    assert!(lines.contains(&card), "{card:?} not in:\n{text}");
    // The day's figures come first, then what needs the manager.
    let today = format!("== {} ==", t.today);
    assert!(
        lines.find(&card) < lines.find(&today),
        "the KPIs lead the email:\n{text}"
    );
    // The agents' table adds up to the day's totals (a row per agent,
    // "Unassigned" included when it has any).
    let sums = agent_table_sums(&text);
    let c = &report["callbacks"];
    assert_eq!(
        sums,
        [
            &c["attempts"],
            &c["reached"],
            &c["satisfied"],
            &c["completed_on_time"],
            &c["due"]
        ]
        .map(|v| v.as_i64().unwrap()),
        "calls, reached, satisfied, on time, due: the agents against the day\n{text}"
    );
    let html = email.body_html(0).expect("an HTML part").into_owned();
    let shown = html_text(&html);
    for figure in headline_figures(&report) {
        assert!(
            text.contains(&figure),
            "{figure:?} not in the text:\n{text}"
        );
        assert!(
            shown.contains(&figure),
            "{figure:?} not in the HTML:\n{shown}"
        );
    }
    assert!(html.contains("src=\"cid:trend@aftercare\""), "{html}");
    assert!(!html.contains("<script"), "no script in an email");
    let picture = email
        .parts
        .iter()
        .find(|p| p.content_id() == Some("trend@aftercare"))
        .expect("an inline part with the picture's content id");
    let ct = picture.content_type().expect("the picture's content type");
    assert_eq!(
        (ct.ctype(), ct.subtype()),
        ("image", Some("png")),
        "the picture's content type"
    );
    assert_eq!(png_size(picture.contents()), (1200, 1340));
    let colon = &t.colon;
    for (name, value, detail) in loop_figures(&shop, locale, &report) {
        let line = format!("\n{name}{colon}{value}{detail}\n");
        assert!(lines.contains(&line), "{line:?} not in the text:\n{text}");
        let card = format!("{name} {value}");
        assert!(
            shown
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .contains(&card),
            "{card:?} not in the HTML:\n{shown}"
        );
    }

    look_at(
        shop.tmp.path(),
        &format!("manager-email-golden-{locale}"),
        &html,
        picture.contents(),
        locale == "en",
        false,
    );
}

/// The HTML part in headless Chromium with the picture resolved as an
/// email client resolves `cid:`: the picture shows at its width, nothing
/// runs off the side of a phone, and the whole email is screenshotted at
/// phone width (and desktop width when asked), kept in
/// `$AFTERCARE_SCREENSHOTS` when `keep` (`docs/screenshots/manager-email/`
/// is made this way from the demo's emails), else beside the page.
fn look_at(dir: &Path, name: &str, html: &str, png: &[u8], desktop: bool, keep: bool) {
    use base64::Engine;
    let data = base64::engine::general_purpose::STANDARD.encode(png);
    let page = dir.join(format!("{name}.html"));
    std::fs::write(
        &page,
        html.replace(
            "cid:trend@aftercare",
            &format!("data:image/png;base64,{data}"),
        ),
    )
    .unwrap();
    let url = format!("file://{}", page.display());
    // chromedriver is waited for with a blocking client: outside the runtime.
    let driver = Driver::start();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let c = driver.browser().await;
        c.goto(&url).await.expect("opening the email");
        let mut widths = vec![("phone", 390u32)];
        if desktop {
            widths.push(("desktop", 1280));
        }
        for (label, width) in widths {
            c.set_window_size(width, 900).await.expect("resizing");
            let measured = c
                .execute(
                    "const img = document.querySelector('img');
                     return [img.complete && img.naturalWidth, img.getBoundingClientRect().width,
                             document.documentElement.scrollWidth, window.innerWidth,
                             document.documentElement.scrollHeight,
                             document.querySelector('table').getBoundingClientRect().top];",
                    vec![],
                )
                .await
                .expect("measuring the page");
            let n = |i: usize| measured[i].as_f64().unwrap_or(0.0);
            assert_eq!(n(0), 1200.0, "{name} {label}: the picture loads");
            assert!(
                n(1) >= 340.0_f64.min(n(3) - 50.0),
                "{name} {label}: the picture is {}px wide in a {}px window",
                n(1),
                n(3)
            );
            assert!(
                n(2) <= n(3),
                "{name} {label}: the email is {}px wide in a {}px window",
                n(2),
                n(3)
            );
            // An email's figures start in the first screen, above the lists.
            assert!(
                !name.starts_with("manager-email") || n(5) < 300.0,
                "{name} {label}: the KPIs start {}px down",
                n(5)
            );
            if label == "phone" {
                reads_on_a_phone(&c, name).await;
            }
            // The whole email in one picture.
            c.set_window_size(width, n(4) as u32 + 100)
                .await
                .expect("resizing to the whole email");
            let shot = c.screenshot().await.expect("a screenshot");
            let folder = if keep { shots() } else { dir.to_path_buf() };
            std::fs::write(folder.join(format!("{name}-{label}.png")), shot)
                .expect("saving a screenshot");
        }
        c.close().await.expect("closing the browser");
    });
}

#[test]
fn the_morning_email_in_english_reads_as_its_golden_file_and_matches_the_json() {
    the_email_in("en");
}

#[test]
fn the_morning_email_in_korean_reads_as_its_golden_file_and_matches_the_json() {
    the_email_in("ko");
}

#[test]
fn the_morning_email_in_vietnamese_reads_as_its_golden_file_and_matches_the_json() {
    the_email_in("vi");
}

#[test]
fn the_morning_email_in_chinese_reads_as_its_golden_file_and_matches_the_json() {
    the_email_in("zh");
}

/// A purchase on `day` by a new customer with neither email nor phone
/// (so no call and no survey: only that day's orders move), delivered late.
fn late_purchase(day: NaiveDate) -> Value {
    let at = day
        .and_hms_opt(3, 0, 0)
        .unwrap()
        .and_utc()
        .to_rfc3339_opts(SecondsFormat::Secs, true);
    aftercare_shared::testing::envelope(
        "PurchaseCompleted",
        "late-order-1",
        serde_json::json!({
            "order_id": "o-late",
            "occurred_at": at,
            "customer": {"id": "c-late", "name": "Late Customer", "time_zone": "Asia/Seoul"},
            "channel": "store",
            "total": {"amount": 129000, "currency": "KRW"},
        }),
    )
}

/// The day's report as the revised-days line compares it: the cohorts'
/// response rates and recovery left out (late answers and calls raise them
/// by design), and the active customers, a level that every later day
/// carries (the day's own new, won-back and churned customers say it).
fn compared(mut report: Value) -> Value {
    for survey in ["csat", "nps"] {
        report[survey]["response_rate"] = Value::Null;
    }
    for field in ["reached_in_time", "recovered", "recovery_rate"] {
        report["recovery"][field] = Value::Null;
    }
    for field in ["active", "churn_rate"] {
        report["customers"][field] = Value::Null;
    }
    report
}

#[test]
fn a_late_event_revises_an_earlier_day_and_the_next_email_names_the_days_it_changed() {
    let shop = Shop::new("en");
    let golden: NaiveDate = GOLDEN_DAY.parse().unwrap();
    let cut = format!("{GOLDEN_DAY}T12:00:00Z");
    // Up to just after the golden day's email (08:00 Seoul the next day).
    let morning = golden
        .succ_opt()
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc();
    let events: Vec<Value> = shop
        .events
        .iter()
        .filter(|e| e["detail"]["occurred_at"].as_str().unwrap() < cut.as_str())
        .cloned()
        .collect();
    shop.run(&events, morning);
    let first = shop.email(GOLDEN_DAY);
    let shown: Vec<NaiveDate> = (0..28).map(|i| golden - Duration::days(27 - i)).collect();
    let before_raw: Vec<Value> = shown
        .iter()
        .map(|d| shop.report_json(&d.to_string()))
        .collect();
    let before: Vec<Value> = before_raw.iter().cloned().map(compared).collect();

    // A purchase of the 2nd arrives after the golden day's email.
    let late_day: NaiveDate = "2026-11-02".parse().unwrap();
    let mut later = events.clone();
    later.push(late_purchase(late_day));
    shop.run(&later, morning + Duration::days(1));
    let after_raw: Vec<Value> = shown
        .iter()
        .map(|d| shop.report_json(&d.to_string()))
        .collect();
    let after: Vec<Value> = after_raw.iter().cloned().map(compared).collect();
    let changed: Vec<String> = shown
        .iter()
        .zip(before.iter().zip(&after))
        .filter(|(_, (b, a))| b != a)
        .map(|(d, _)| d.to_string())
        .collect();
    assert_eq!(
        changed,
        ["2026-11-02"],
        "the late order moves its own day only"
    );
    let i = shown.iter().position(|d| *d == late_day).unwrap();
    assert_eq!(
        after[i]["purchases"]["count"].as_i64().unwrap(),
        before[i]["purchases"]["count"].as_i64().unwrap() + 1
    );
    // The new customer is active from their order's day on: a level
    // every later day carries.
    for (j, d) in shown.iter().enumerate() {
        let moved = i64::from(*d >= late_day);
        assert_eq!(
            after_raw[j]["customers"]["active"].as_i64().unwrap(),
            before_raw[j]["customers"]["active"].as_i64().unwrap() + moved,
            "active customers on {d}"
        );
    }

    assert_eq!(shop.email(GOLDEN_DAY), first, "that email is sent once");
    let day_after = |n: i64| (golden + Duration::days(n)).to_string();
    let next = MessageParser::default()
        .parse(&shop.email(&day_after(1)))
        .unwrap()
        .body_text(0)
        .unwrap()
        .into_owned();
    assert!(
        next.contains("Revised since the last email by late events: 2026-11-02."),
        "{next}"
    );
    // And the email after it has nothing revised to say.
    shop.run(&later, morning + Duration::days(2));
    let quiet = MessageParser::default()
        .parse(&shop.email(&day_after(2)))
        .unwrap()
        .body_text(0)
        .unwrap()
        .into_owned();
    assert!(!quiet.contains("Revised"), "{quiet}");
}

/// The JSON field a dotted column names; a column under a null (the two
/// ends of a missing interval) is that null.
fn field<'a>(day: &'a Value, column: &str) -> &'a Value {
    let mut v = day;
    for part in column.split('.') {
        v = match v {
            Value::Null => return v,
            Value::Array(a) => part.parse::<usize>().ok().and_then(|i| a.get(i)),
            other => other.get(part),
        }
        .unwrap_or_else(|| panic!("column {column} is not a field of the JSON"));
    }
    v
}

#[test]
fn the_range_csv_has_one_row_per_day_with_the_json_s_fields_and_values() {
    let shop = Shop::new("en");
    shop.run_all();
    let range = |format: &str| {
        shop.aftercare(&[
            "report",
            "--data",
            s(&shop.data()),
            "--from",
            "2026-10-19",
            "--to",
            "2026-11-09",
            "--format",
            format,
        ])
    };
    let json: Vec<Value> = serde_json::from_str(&range("json")).unwrap();
    assert_eq!(json.len(), 22, "one report per day, both ends included");
    let csv = range("csv");
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), json.len(), "one row per day");
    for (row, day) in rows.iter().zip(&json) {
        assert_eq!(row.len(), header.len(), "every row has every column");
        for (name, cell) in header.iter().zip(row.iter()) {
            match field(day, name) {
                Value::Null => assert_eq!(cell, "", "{} column {name}", day["date"]),
                Value::String(s) => assert_eq!(cell, s, "{} column {name}", day["date"]),
                // serde_json reads a float to within one unit in the last
                // place: compare as numbers.
                Value::Number(n) => {
                    let (want, got) = (n.as_f64().unwrap(), cell.parse::<f64>().unwrap());
                    assert!(
                        (want - got).abs() <= want.abs() * 1e-15,
                        "{} column {name}: {cell} against {n}",
                        day["date"]
                    );
                }
                v => assert_eq!(cell, v.to_string(), "{} column {name}", day["date"]),
            }
        }
    }
    // Every leaf of the JSON is a column.
    fn leaves(prefix: &str, v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => m.iter().for_each(|(k, v)| {
                leaves(&format!("{prefix}{k}."), v, out);
            }),
            Value::Array(a) => a.iter().enumerate().for_each(|(i, v)| {
                leaves(&format!("{prefix}{i}."), v, out);
            }),
            _ => out.push(prefix.trim_end_matches('.').to_string()),
        }
    }
    let mut fields = Vec::new();
    leaves("", &json[json.len() - 1], &mut fields);
    for f in fields {
        assert!(header.contains(&f), "the JSON field {f} has no column");
    }
    // And the range page is a page with a row per day.
    let page = range("html");
    assert!(
        page.to_ascii_lowercase().starts_with("<!doctype html>"),
        "{}",
        &page[..80]
    );
    assert_eq!(
        page.matches("<tr").count(),
        1 + 22,
        "a header row and a row per day"
    );
}

#[test]
fn report_on_a_run_directory_uses_the_time_zone_it_was_run_with() {
    let shop = Shop::new("en");
    shop.run_all();
    let data = shop.data();
    let args = [
        "report",
        "--data",
        s(&data),
        "--date",
        GOLDEN_DAY,
        "--format",
        "json",
    ];
    let remembered: Value =
        serde_json::from_str(&stdout_of(shop.command(None, &args), &args)).unwrap();
    assert_eq!(remembered["time_zone"], "Asia/Seoul");
    assert_eq!(remembered, shop.report_json(GOLDEN_DAY));

    let utc = shop.path("utc.toml");
    std::fs::write(&utc, "[business]\nreport_time_zone = \"UTC\"\n").unwrap();
    let out = shop.command(Some(&utc), &args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    stdout_of(out, &args);
    assert!(
        stderr.contains("Asia/Seoul") && stderr.contains("UTC"),
        "a different zone is said: {stderr}"
    );

    // Running more events into it: without --config, its own settings;
    // with another report zone, refused (its days would mix).
    let file = shop.path("more.jsonl");
    std::fs::write(
        &file,
        late_purchase("2026-11-02".parse().unwrap()).to_string() + "\n",
    )
    .unwrap();
    let run = ["run", "--data", s(&data), "--events", s(&file), "--quiet"];
    let refused = shop.command(Some(&utc), &run);
    assert!(
        !refused.status.success(),
        "a run in another zone is refused"
    );
    let why = String::from_utf8_lossy(&refused.stderr).into_owned();
    assert!(why.contains("Asia/Seoul") && why.contains("UTC"), "{why}");
    stdout_of(shop.command(None, &run), &run);
    let after: Value = serde_json::from_str(&stdout_of(shop.command(None, &args), &args)).unwrap();
    assert_eq!(
        after["time_zone"], "Asia/Seoul",
        "still the directory's zone"
    );

    // Bad days are refused by their flag, saying what would do.
    for (args, says) in [
        (vec!["--date", "+262142-12-31"], "--date"),
        (vec!["--date", "06/11/2026"], "YYYY-MM-DD"),
        (
            vec!["--from", "2026-11-09", "--to", "2026-11-01"],
            "--from 2026-11-09 is after --to",
        ),
        (
            vec![
                "--from",
                "2026-11-01",
                "--to",
                "2026-11-09",
                "--format",
                "text",
            ],
            "--format csv, json or html",
        ),
    ] {
        let mut all = vec!["report", "--data", s(&data)];
        all.extend(args.iter().copied());
        let out = shop.command(None, &all);
        assert!(!out.status.success(), "{all:?} is refused");
        let why = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(why.contains(says), "{all:?}: {why}");
    }
}

/// The parts a look needs: the HTML and the inline picture.
fn html_and_picture(raw: &[u8]) -> (String, Vec<u8>) {
    let email = MessageParser::default()
        .parse(raw)
        .expect("the email parses");
    let html = email.body_html(0).expect("an HTML part").into_owned();
    let png = email
        .parts
        .iter()
        .find(|p| p.content_id() == Some("trend@aftercare"))
        .expect("the picture")
        .contents()
        .to_vec();
    (html, png)
}

#[test]
fn a_demo_morning_reads_well_on_a_phone_and_a_desktop_in_every_language() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("demo");
    let args = ["demo", "--customers", "600", "--days", "14", "--out"];
    let status = Command::new(aftercare_bin())
        .args(args)
        .arg(&out)
        .stdout(std::process::Stdio::null())
        .status()
        .expect("running aftercare demo");
    assert!(status.success(), "aftercare demo failed");
    // The demo's last day (the clock runs on after it; the managers'
    // folders keep the demo's days).
    let mut days: Vec<String> = std::fs::read_dir(out.join("manager-emails").join("en"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter_map(|n| n.strip_suffix(".eml").map(str::to_string))
        .collect();
    days.sort();
    let day = days.last().expect("the demo wrote manager emails");
    for locale in ["en", "ko", "vi", "zh"] {
        let eml = out
            .join("manager-emails")
            .join(locale)
            .join(format!("{day}.eml"));
        let (html, png) = html_and_picture(&std::fs::read(&eml).unwrap());
        look_at(
            tmp.path(),
            &format!("manager-email-demo-{locale}"),
            &html,
            &png,
            locale == "en",
            true,
        );
    }
    // The report pages: the day's (`report --format html`) and the month's.
    for (name, file) in [
        ("report-page-demo", format!("{day}.html")),
        ("range-page-demo", "all-days.html".to_string()),
    ] {
        let page = std::fs::read_to_string(out.join("reports").join(file)).unwrap();
        assert!(
            page.contains("data:image/png;base64,"),
            "{name}: the picture inline"
        );
        look_at(tmp.path(), name, &page, &[], true, true);
    }
}
