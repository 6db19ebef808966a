//! Hostile input against every parser of outside data (issue 18): random
//! bytes and text, and valid inputs with one field replaced by anything
//! JSON or TOML can hold. None may panic, and every refusal must name
//! where the problem is (a field, a line or a position) and what it is.

use super::eventbridge::{parse_envelope_bytes, MAX_EVENT_BYTES};
use super::roster::{parse_roster, RosterFormat};
use super::ses_feedback::parse_notification;
use crate::config::{ConfigError, Settings};
use crate::domain::token::{Purpose, TokenError, TokenKey};
use chrono::{DateTime, Datelike, Duration, TimeZone, Utc};
use proptest::prelude::*;
use serde_json::{json, Value};

/// Anything JSON can hold, nested a little.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        ".{0,40}".prop_map(Value::from),
        prop_oneof![
            Just("9999-12-31T23:59:59Z"),
            Just("0001-01-01T00:00:00Z"),
            Just("2026-13-40T25:61:61Z"),
            Just("2026-11-20T10:00:00+14:00"),
            Just(""),
            Just("ko"),
            Just("+821012345678"),
            Just("a@b"),
        ]
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(2, 12, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map("[a-z_]{1,12}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Every path to a value inside `v` (objects and arrays), as JSON pointers.
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let p = format!("{at}/{k}");
                out.push(p.clone());
                pointers(x, p, out);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                let p = format!("{at}/{i}");
                out.push(p.clone());
                pointers(x, p, out);
            }
        }
        _ => {}
    }
}

/// `v` with the value at one of its paths (chosen by `pick`) replaced by
/// `with`, or removed when `with` is `None`.
fn mutated(v: &Value, pick: prop::sample::Index, with: Option<Value>) -> Value {
    let mut paths = Vec::new();
    pointers(v, String::new(), &mut paths);
    let mut out = v.clone();
    let path = &paths[pick.index(paths.len())];
    let (parent, last) = path.rsplit_once('/').unwrap_or(("", path));
    match (out.pointer_mut(parent), with) {
        (Some(Value::Object(m)), Some(x)) => {
            m.insert(last.to_string(), x);
        }
        (Some(Value::Object(m)), None) => {
            m.remove(last);
        }
        (Some(Value::Array(a)), Some(x)) => {
            if let Ok(i) = last.parse::<usize>() {
                a[i] = x;
            }
        }
        (Some(Value::Array(a)), None) => {
            if let Ok(i) = last.parse::<usize>() {
                a.remove(i);
            }
        }
        _ => {}
    }
    out
}

fn customer() -> Value {
    json!({"id": "c-1", "email": "jane@example.com", "phone": "+821012345678",
           "locale": "ko", "time_zone": "Asia/Seoul", "name": "Jane"})
}

/// One valid envelope of each kind.
fn valid_envelopes() -> Vec<Value> {
    let at = "2026-11-20T10:00:00Z";
    let env = |kind: &str, detail: Value| {
        json!({"version": "0", "id": format!("ev-{kind}"), "detail-type": kind,
               "source": "shop.orders", "time": at, "detail": detail})
    };
    vec![
        env(
            "PurchaseCompleted",
            json!({"order_id": "o-1", "occurred_at": at, "customer": customer(), "channel": "web"}),
        ),
        env(
            "TicketOpened",
            json!({"ticket_id": "t-1", "occurred_at": at, "customer": customer()}),
        ),
        env(
            "TicketClosed",
            json!({"ticket_id": "t-1", "occurred_at": at, "opened_at": "2026-11-19T10:00:00Z",
                   "first_response_at": "2026-11-19T11:00:00Z", "agent_id": "a-1",
                   "resolved": true, "customer_contacts": 2, "customer": customer()}),
        ),
        env(
            "SurveyAnswered",
            json!({"survey_for": {"order_id": "o-1"}, "score": 4, "comment": "ok", "occurred_at": at}),
        ),
        env(
            "CallOutcomeRecorded",
            json!({"customer_id": "c-1", "outcome": "reached", "satisfaction": "satisfied",
                   "notes": "fine", "agent_id": "a-1", "occurred_at": at}),
        ),
    ]
}

fn in_this_century(t: DateTime<Utc>) -> bool {
    (2000..=2099).contains(&t.year())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Random bytes: refused by name (the label, a field, a problem).
    #[test]
    fn random_bytes_are_refused_by_name(raw in prop::collection::vec(any::<u8>(), 0..600)) {
        if let Err(e) = parse_envelope_bytes(&raw, "line 7") {
            prop_assert_eq!(&e.event, "line 7");
            prop_assert!(!e.field.is_empty() && !e.problem.is_empty(), "{e}");
        }
    }

    /// One byte that is no UTF-8 anywhere in a good line: that line is
    /// refused, saying where.
    #[test]
    fn a_byte_that_is_not_utf8_is_refused_with_its_position(
        which in 0usize..5,
        at in any::<prop::sample::Index>(),
        byte in prop_oneof![Just(0xffu8), Just(0xfe), Just(0xc0), Just(0x80)],
    ) {
        let mut raw = valid_envelopes()[which].to_string().into_bytes();
        let at = at.index(raw.len() + 1);
        raw.insert(at, byte);
        let e = parse_envelope_bytes(&raw, "line 3").err();
        let e = e.ok_or_else(|| TestCaseError::fail("accepted a line that is not UTF-8"))?;
        prop_assert_eq!(e.field.as_str(), "(bytes)");
        prop_assert!(e.problem.contains("not valid UTF-8 (at byte"), "{e}");
    }

    /// Each kind's envelope with one field replaced by anything or removed:
    /// refused naming a field, or accepted with a time of this century.
    #[test]
    fn an_envelope_with_any_field_changed_is_refused_by_name_or_plausible(
        which in 0usize..5,
        pick in any::<prop::sample::Index>(),
        with in prop::option::weighted(0.85, any_json()),
    ) {
        let v = mutated(&valid_envelopes()[which], pick, with);
        match parse_envelope_bytes(v.to_string().as_bytes(), "line 1") {
            Ok(p) => prop_assert!(in_this_century(p.event.occurred_at())),
            Err(e) => {
                prop_assert!(e.field != "(json)" && e.field != "(bytes)", "{e}");
                prop_assert!(!e.field.is_empty() && !e.problem.is_empty(), "{e}");
            }
        }
    }

    /// A text field of the detail given a number is refused naming
    /// exactly that field (`detail.customer.email`).
    #[test]
    fn a_number_where_text_belongs_is_refused_naming_the_field(
        which in 0usize..5,
        pick in any::<prop::sample::Index>(),
    ) {
        let v = &valid_envelopes()[which];
        let mut texts = Vec::new();
        pointers(v, String::new(), &mut texts);
        texts.retain(|p| p.starts_with("/detail/") && v.pointer(p).is_some_and(Value::is_string));
        let path = &texts[pick.index(texts.len())];
        let mut changed = v.clone();
        if let Some(x) = changed.pointer_mut(path) {
            *x = json!(5);
        }
        let e = parse_envelope_bytes(changed.to_string().as_bytes(), "line 2").err();
        let e = e.ok_or_else(|| TestCaseError::fail(format!("{path} = 5 accepted")))?;
        prop_assert_eq!(e.field, path.trim_start_matches('/').replace('/', "."));
    }

    /// Random text: a token never verifies, and never panics.
    #[test]
    fn random_text_is_never_a_valid_link(token in "[A-Za-z0-9_.\\-]{0,200}|.{0,200}") {
        let key = TokenKey::new(b"0123456789abcdef-test-key").ok_or_else(|| TestCaseError::fail("key"))?;
        let now = Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).single().ok_or_else(|| TestCaseError::fail("now"))?;
        for purpose in [Purpose::Survey, Purpose::Unsubscribe, Purpose::Call, Purpose::Escalation] {
            prop_assert!(key.verify(&token, purpose, now).is_err());
        }
    }

    /// A signed link opens for its subject until it expires; one character
    /// changed anywhere, it no longer opens.
    #[test]
    fn a_signed_link_verifies_and_any_one_change_breaks_it(
        subject in ".{0,80}",
        at in any::<prop::sample::Index>(),
        replacement in "[A-Za-z0-9_.\\-]",
        days in 0i64..400,
    ) {
        let key = TokenKey::new(b"0123456789abcdef-test-key").ok_or_else(|| TestCaseError::fail("key"))?;
        let now = Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).single().ok_or_else(|| TestCaseError::fail("now"))?;
        let expires = now + Duration::days(days);
        let token = key.sign(Purpose::Survey, &subject, expires);
        let claims = key.verify(&token, Purpose::Survey, now).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(claims.subject, subject);
        prop_assert_eq!(key.verify(&token, Purpose::Call, now).err(), Some(TokenError::WrongPurpose));
        prop_assert_eq!(key.verify(&token, Purpose::Survey, expires + Duration::seconds(1)).err(), Some(TokenError::Expired));
        let mut chars: Vec<char> = token.chars().collect();
        let i = at.index(chars.len());
        let Some(new) = replacement.chars().next() else { return Ok(()) };
        if chars[i] != new {
            chars[i] = new;
            let changed: String = chars.into_iter().collect();
            prop_assert!(key.verify(&changed, Purpose::Survey, now).is_err(), "{changed} verified");
        }
    }

    /// SES notifications: random text, or a real one with a field replaced.
    #[test]
    fn an_ses_notification_of_any_shape_is_refused_by_field(
        text in ".{0,300}",
        pick in any::<prop::sample::Index>(),
        with in prop::option::weighted(0.85, any_json()),
    ) {
        if let Err(e) = parse_notification(&text) {
            prop_assert!(!e.field.is_empty() && !e.problem.is_empty(), "{e}");
        }
        let real = json!({"notificationType": "Bounce", "bounce": {"bounceType": "Permanent",
            "bounceSubType": "General", "bouncedRecipients": [{"emailAddress": "jane@example.com"},
            {"emailAddress": "\"Richard Roe\" <richard@example.com>"}]}, "mail": {"messageId": "m"}});
        if let Err(e) = parse_notification(&mutated(&real, pick, with).to_string()) {
            prop_assert!(!e.field.is_empty() && !e.problem.is_empty(), "{e}");
        }
    }

    /// Roster files: random text in either format, and a CSV row of random
    /// cells, are refused with each bad row's line.
    #[test]
    fn a_roster_file_of_any_content_is_refused_by_line(
        text in ".{0,300}",
        cells in prop::collection::vec("[^,\"\\n\\r]{0,20}", 8),
    ) {
        for format in [RosterFormat::Toml, RosterFormat::Csv] {
            if let Err(e) = parse_roster(&text, format) {
                prop_assert!(!e.problems.is_empty() && e.problems.iter().all(|p| !p.is_empty()));
            }
        }
        let csv = format!("id,name,email,languages,time_zone,hours,days,capacity\n{}\n", cells.join(","));
        if let Err(e) = parse_roster(&csv, RosterFormat::Csv) {
            prop_assert!(e.problems.iter().all(|p| p.starts_with("line ")), "{e}");
        }
    }

    /// Settings: random text, or a valid file with one value replaced,
    /// is refused naming the line and column or the field.
    #[test]
    fn settings_of_any_content_are_refused_by_field_or_position(
        text in ".{0,300}",
        which in 0usize..SETTINGS_VALUES.len(),
        with in prop_oneof![
            any::<i64>().prop_map(|n| n.to_string()),
            any::<bool>().prop_map(|b| b.to_string()),
            ".{0,20}".prop_map(|s| format!("{s:?}")),
            Just("[]".to_string()),
            Just("{}".to_string()),
            Just("\"9999-99-99\"".to_string()),
            Just("\"25:99-03:00\"".to_string()),
        ],
    ) {
        if let Err(e) = Settings::from_toml(&text) {
            prop_assert!(names_where(&e), "{e}");
        }
        let (key, _) = SETTINGS_VALUES[which];
        let changed: String = SETTINGS_VALUES
            .iter()
            .map(|(k, v)| if *k == key { format!("{k} = {with}\n") } else { format!("{k} = {v}\n") })
            .collect::<String>();
        let file = SETTINGS_FILE.replace("{values}\n", &changed);
        if let Err(e) = Settings::from_toml(&file) {
            prop_assert!(names_where(&e), "{e}");
        }
    }
}

/// A settings file with `{values}` to fill: the agent's fields.
const SETTINGS_FILE: &str = "[business]\nname = \"Acme\"\nreport_time_zone = \"Asia/Seoul\"\nmanagers = [\"m@example.com\"]\n\n[[agents]]\n{values}\n";
const SETTINGS_VALUES: [(&str, &str); 7] = [
    ("id", "\"a-1\""),
    ("name", "\"Lee\""),
    ("email", "\"lee@example.com\""),
    ("languages", "[\"ko\"]"),
    ("time_zone", "\"Asia/Seoul\""),
    ("hours", "\"09:00-18:00\""),
    ("days", "[\"Mon\"]"),
];

fn names_where(e: &ConfigError) -> bool {
    match e {
        ConfigError::Toml {
            line,
            column,
            problem,
        } => *line >= 1 && *column >= 1 && !problem.is_empty(),
        ConfigError::Invalid { field, problem } => !field.is_empty() && !problem.is_empty(),
        ConfigError::Read { .. } | ConfigError::Missing { .. } => false,
    }
}

#[test]
fn the_valid_samples_parse() {
    for v in valid_envelopes() {
        let parsed = parse_envelope_bytes(v.to_string().as_bytes(), "sample");
        assert!(parsed.is_ok(), "{v}: {parsed:?}");
    }
    let file = SETTINGS_FILE.replace(
        "{values}\n",
        &SETTINGS_VALUES
            .iter()
            .map(|(k, v)| format!("{k} = {v}\n"))
            .collect::<String>(),
    );
    let settings = Settings::from_toml(&file);
    assert!(settings.is_ok(), "{settings:?}");
}

#[test]
fn a_line_over_the_limit_is_refused_unread() {
    let raw = vec![b'x'; MAX_EVENT_BYTES + 1];
    let e = parse_envelope_bytes(&raw, "line 9").err();
    assert!(
        e.as_ref()
            .is_some_and(|e| e.problem.contains("bytes, over the")),
        "{e:?}"
    );
}
