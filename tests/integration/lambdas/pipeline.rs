//! Every path of the product through the real binaries: events from an SQS
//! batch into ingest (a duplicate, a malformed event and a forged source
//! among them, the bad ones back as batch item failures and then in the
//! dead-letter queue as they came), due work sending a survey through SES,
//! the customer answering it on the HTTP function from the link in that
//! email, an SES bounce through SNS to the feedback function, and the
//! morning email. The table's KPIs then equal a local run of the same
//! events, day by day, as `aftercare report` prints them from each.

use super::{bridge_event, json_lines, sent_mail, sqs_client, Stack, SETTINGS};
use crate::helpers::{aftercare, aftercare_on_aws, stdout_of};
use aftercare_shared::domain::ids::CustomerId;
use aftercare_shared::ports::Histories;
use aftercare_shared::testing::{api_gateway_request, sns_delivery, sqs_batch};
use chrono::{DateTime, Duration, SecondsFormat, Timelike, Utc};
use mail_parser::MessageParser;
use serde_json::{json, Value};

fn at(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A time zone in which `base` and the wall clock fall on the same local
/// day, so that the next-day revisit starts after now whether the clock
/// says it is booked then (ingest on AWS) or at the event (a local run).
fn customer_zone(base: DateTime<Utc>, now: DateTime<Utc>) -> &'static str {
    if base.date_naive() == now.date_naive() {
        "UTC"
    } else {
        "Pacific/Honolulu"
    }
}

/// The messages of a receive, as Lambda's event source mapping hands
/// them to the function.
fn records(messages: &[aws_sdk_sqs::types::Message]) -> Value {
    let pairs: Vec<(&str, &str)> = messages
        .iter()
        .map(|m| (m.message_id().unwrap_or(""), m.body().unwrap_or("")))
        .collect();
    sqs_batch(&pairs)
}

/// The text part of the first raw message to `to` whose text contains `needle`.
fn mail_to(raw: &[String], to: &str, needle: &str) -> Option<String> {
    raw.iter().find_map(|r| {
        let m = MessageParser::default().parse(r.as_bytes())?;
        let addressed = m
            .to()
            .and_then(|a| a.first())
            .and_then(|a| a.address())
            .is_some_and(|a| a == to);
        let text = m.body_text(0)?.into_owned();
        (addressed && text.contains(needle)).then_some(text)
    })
}

/// The survey token in an email's text (`.../s/{token}?score=...`).
fn survey_token(text: &str) -> String {
    let start = text.find("/s/").expect("a survey link") + 3;
    text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || "-_.".contains(*c))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn events_surveys_answers_bounces_and_the_morning_email_run_through_the_real_functions() {
    let now = Utc::now().with_nanosecond(0).unwrap_or_else(Utc::now);
    // The CSATs are due two hours after `base`. Ingest, getting the events
    // late, sends them at once (at `now`), where the local run below sends
    // them at their due time: on one report day (UTC) only if that due
    // time is not before today's midnight.
    let midnight = now
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .expect("midnight")
        .and_utc();
    let base = (now - Duration::hours(3)).max(midnight - Duration::hours(2));
    let zone = customer_zone(base, now);
    // The morning email comes an hour after the wall clock's hour.
    let report_hour = (now.hour() + 1) % 24;
    let stack = Stack::new(report_hour).await;

    // The roster: one agent round the clock.
    let roster = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        roster.path(),
        "[[agents]]\nid = \"a-1\"\nname = \"Lee\"\nemail = \"lee@acme.example\"\nlanguages = [\"en\"]\ntime_zone = \"UTC\"\nhours = \"00:00-24:00\"\ndays = [\"Mon\", \"Tue\", \"Wed\", \"Thu\", \"Fri\", \"Sat\", \"Sun\"]\n",
    )
    .unwrap();
    let import = [
        "agents",
        "import",
        roster.path().to_str().unwrap(),
        "--table",
        &stack.table,
    ];
    stdout_of(aftercare_on_aws(&import), &import);

    let ingest = stack.start("aftercare-ingest").await;
    let due = stack.start("aftercare-due-work").await;
    let pages = stack.start("aftercare-http").await;
    let feedback = stack.start("aftercare-feedback").await;
    let rollup = stack.start("aftercare-rollup").await;

    // ---- events through SQS ----
    // Addresses unique to this stack: moto keeps every test's mail.
    let tag = stack.table.clone();
    let address = |id: &str| format!("{id}.{tag}@mail.example");
    let customer = |id: &str, phone: Option<&str>| {
        let mut c = json!({"id": id, "name": format!("Customer {id}"), "email": address(id), "locale": "en", "time_zone": zone});
        if let Some(p) = phone {
            c["phone"] = json!(p);
        }
        c
    };
    let purchase = |id: &str| {
        bridge_event(
            id,
            "acme.shop",
            "PurchaseCompleted",
            json!({"order_id": "o-1", "occurred_at": at(base), "customer": customer("c-1", Some("+15550001111"))}),
        )
    };
    let good = [
        purchase("ev-1"),
        bridge_event(
            "ev-2",
            "acme.helpdesk",
            "TicketOpened",
            json!({"ticket_id": "t-1", "occurred_at": at(base - Duration::hours(1)), "customer": customer("c-2", None)}),
        ),
        bridge_event(
            "ev-3",
            "acme.helpdesk",
            "TicketClosed",
            json!({"ticket_id": "t-1", "occurred_at": at(base), "opened_at": at(base - Duration::hours(1)),
                   "resolved": true, "customer": customer("c-2", None)}),
        ),
        purchase("ev-4"), // the same order again: a duplicate
        bridge_event(
            "ev-7",
            "acme.helpdesk",
            "TicketClosed",
            json!({"ticket_id": "t-3", "occurred_at": at(base), "opened_at": at(base - Duration::hours(2)),
                   "resolved": false, "customer": customer("c-3", None)}),
        ),
    ];
    let mut malformed = purchase("ev-5");
    malformed["detail"]["occurred_at"] = json!("yesterday");
    let forged = bridge_event(
        "ev-6",
        "anything.else",
        "CallOutcomeRecorded",
        json!({"customer_id": "c-1", "outcome": "no_answer", "occurred_at": at(base + Duration::minutes(30))}),
    );
    let bad = vec![malformed, forged];

    let sqs = sqs_client().await;
    let dlq = sqs
        .create_queue()
        .queue_name(format!("{}-dlq", stack.table))
        .send()
        .await
        .unwrap();
    let dlq_url = dlq.queue_url().unwrap().to_string();
    let dlq_arn = sqs
        .get_queue_attributes()
        .queue_url(&dlq_url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
        .send()
        .await
        .unwrap()
        .attributes()
        .and_then(|a| {
            a.get(&aws_sdk_sqs::types::QueueAttributeName::QueueArn)
                .cloned()
        })
        .unwrap();
    let queue = sqs
        .create_queue()
        .queue_name(format!("{}-events", stack.table))
        .attributes(
            aws_sdk_sqs::types::QueueAttributeName::VisibilityTimeout,
            "1",
        )
        .attributes(
            aws_sdk_sqs::types::QueueAttributeName::RedrivePolicy,
            json!({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 1}).to_string(),
        )
        .send()
        .await
        .unwrap();
    let queue_url = queue.queue_url().unwrap().to_string();
    for e in good.iter().chain(&bad) {
        sqs.send_message()
            .queue_url(&queue_url)
            .message_body(e.to_string())
            .send()
            .await
            .unwrap();
    }
    let receive = |url: String| {
        let sqs = sqs.clone();
        async move {
            let out = sqs
                .receive_message()
                .queue_url(url)
                .max_number_of_messages(10)
                .send()
                .await
                .unwrap();
            out.messages().to_vec()
        }
    };
    let mut received = Vec::new();
    while received.len() < 7 {
        let batch = receive(queue_url.clone()).await;
        assert!(!batch.is_empty(), "moto returned the batch");
        received.extend(batch);
    }
    let answer = ingest.invoke(records(&received)).await.response();
    let failed: Vec<&str> = answer["batchItemFailures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["itemIdentifier"].as_str().unwrap())
        .collect();
    let bad_ids: Vec<&str> = received
        .iter()
        .filter(|m| {
            let body = m.body().unwrap();
            body.contains("\"ev-5\"") || body.contains("\"ev-6\"")
        })
        .map(|m| m.message_id().unwrap())
        .collect();
    let mut sorted = failed.clone();
    sorted.sort();
    let mut expected = bad_ids.clone();
    expected.sort();
    assert_eq!(
        sorted, expected,
        "the malformed and the forged event come back, the rest apply"
    );
    // The event source mapping deletes what succeeded; the rest return
    // after the visibility timeout and, past maxReceiveCount, move to
    // the dead-letter queue as they came.
    for m in &received {
        if !failed.contains(&m.message_id().unwrap()) {
            sqs.delete_message()
                .queue_url(&queue_url)
                .receipt_handle(m.receipt_handle().unwrap())
                .send()
                .await
                .unwrap();
        }
    }
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let again = receive(queue_url.clone()).await;
    assert!(
        again.is_empty(),
        "redriven to the dead-letter queue: {again:?}"
    );
    let dead = receive(dlq_url.clone()).await;
    let mut dead_bodies: Vec<Value> = dead
        .iter()
        .map(|m| serde_json::from_str(m.body().unwrap()).unwrap())
        .collect();
    dead_bodies.sort_by_key(|v| v["id"].as_str().unwrap_or("").to_string());
    assert_eq!(dead_bodies, bad, "the dead letters are the original events");
    let logs = ingest.logs();
    assert!(
        logs.contains("detail.occurred_at") && logs.contains("may not send a CallOutcomeRecorded"),
        "the reasons are logged: {logs}"
    );
    assert!(
        json_lines(&logs)
            .iter()
            .any(
                |l| l["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "aftercare"
                    && l["EventsAccepted"] == 4
                    && l["EventsDuplicate"] == 1
                    && l["EventsRejected"] == 2
            ),
        "one metrics line counts the batch: {logs}"
    );

    // The table holds what was applied.
    let c2 = stack
        .store
        .load(&CustomerId::parse("c-2").unwrap())
        .await
        .unwrap()
        .expect("c-2's history");
    assert_eq!(c2.events.len(), 2);
    assert!(stack
        .store
        .load(&CustomerId::parse("c-1").unwrap())
        .await
        .unwrap()
        .is_some());

    // ---- due work: the CSATs go out through SES at their due time ----
    let due_at = base + Duration::hours(2);
    let ran = due.invoke(json!({"now": at(due_at)})).await.response();
    assert_eq!(ran["busy"], Value::Null, "{ran}");
    let mail = sent_mail().await;
    let survey = mail_to(&mail, &address("c-2"), "/s/").expect("c-2's CSAT email in SES");
    assert!(
        mail_to(&mail, &address("c-3"), "/s/").is_some(),
        "c-3's CSAT email in SES"
    );

    // ---- the customer answers on the HTTP function ----
    let token = survey_token(&survey);
    let path = format!("/s/{token}");
    let page = pages
        .invoke(api_gateway_request("GET", &path, "score=2", None))
        .await
        .response();
    assert_eq!(page["statusCode"], 200, "{page}");
    assert!(page["body"]
        .as_str()
        .unwrap()
        .contains(r#"value="2" required checked"#));
    let answered_at = Utc::now();
    let thanks = pages
        .invoke(api_gateway_request(
            "POST",
            &path,
            "",
            Some("score=2&comment=Took+too+long"),
        ))
        .await
        .response();
    assert_eq!(thanks["statusCode"], 200, "{thanks}");
    let forged_link = pages
        .invoke(api_gateway_request("GET", &format!("{path}x"), "", None))
        .await
        .response();
    assert_eq!(
        forged_link["statusCode"], 400,
        "a forged link gets a 4xx page"
    );
    let alert = mail_to(&sent_mail().await, &stack.manager, "Took too long");
    assert!(
        alert.is_some(),
        "the low score's alert went out at once from the pages function"
    );

    // ---- SES feedback: c-3's address bounced for good ----
    let bounce = json!({"notificationType": "Bounce", "bounce": {"bounceType": "Permanent", "bounceSubType": "General",
        "bouncedRecipients": [{"emailAddress": address("c-3")}], "timestamp": at(now), "feedbackId": "f-1"},
        "mail": {"messageId": "m-1", "destination": [address("c-3")]}});
    let sns = sns_delivery(&[&bounce.to_string()]);
    assert_eq!(feedback.invoke(sns).await.response(), json!(1));
    let list = ["suppress", "--table", &stack.table, "list"];
    let suppressed = stdout_of(aftercare_on_aws(&list), &list);
    assert!(
        suppressed.contains(&address("c-3")) && suppressed.contains("bounce"),
        "{suppressed}"
    );

    // ---- the morning: due work at the report hour, then the rollup ----
    let morning = (now + Duration::hours(1))
        .with_minute(0)
        .and_then(|t| t.with_second(0))
        .unwrap();
    let sent = rollup.invoke(json!({"now": at(morning)})).await.response();
    assert_eq!(sent["reports_sent"], 1, "{sent}");
    let day = (morning - Duration::days(1)).date_naive();
    let email = mail_to(
        &sent_mail().await,
        &stack.manager,
        &format!("KPIs for {day}"),
    );
    assert!(email.is_some(), "the morning email for {day} is in SES");
    due.invoke(json!({"now": at(morning)})).await.response();
    let mornings = sent_mail()
        .await
        .iter()
        .filter(|raw| {
            mail_to(
                std::slice::from_ref(*raw),
                &stack.manager,
                &format!("KPIs for {day}"),
            )
            .is_some()
        })
        .count();
    assert_eq!(mornings, 1, "the morning email goes once, whoever runs it");

    // ---- the KPIs equal a local run of the same events ----
    let local = tempfile::tempdir().unwrap();
    let config = local.path().join("settings.toml");
    let manager = &stack.manager;
    std::fs::write(
        &config,
        format!(
            "[business]\nname = \"Acme Care\"\nfrom = \"care@acme.example\"\nmanagers = [\"{manager}\"]\nreport_time_zone = \"UTC\"\nreport_hour = {report_hour}\n{SETTINGS}\n[[agents]]\nid = \"a-1\"\nname = \"Lee\"\nemail = \"lee@acme.example\"\nlanguages = [\"en\"]\ntime_zone = \"UTC\"\nhours = \"00:00-24:00\"\ndays = [\"Mon\", \"Tue\", \"Wed\", \"Thu\", \"Fri\", \"Sat\", \"Sun\"]\n"
        ),
    )
    .unwrap();
    // The page's answer, as the event it recorded.
    let c2 = stack
        .store
        .load(&CustomerId::parse("c-2").unwrap())
        .await
        .unwrap()
        .unwrap();
    let recorded_at = c2
        .events
        .iter()
        .find_map(|e| match e {
            aftercare_shared::domain::event::Event::SurveyAnswered(a) => Some(a.occurred_at),
            _ => None,
        })
        .expect("the answer is in c-2's history");
    assert!((recorded_at - answered_at).num_seconds().abs() < 60);
    let answer_event = bridge_event(
        "ev-answer",
        "acme.surveys",
        "SurveyAnswered",
        json!({"survey_for": {"ticket_id": "t-1"}, "score": 2, "comment": "Took too long",
               "occurred_at": recorded_at.to_rfc3339_opts(SecondsFormat::Nanos, true)}),
    );
    let events_file = local.path().join("events.jsonl");
    let lines: Vec<String> = good
        .iter()
        .chain([&answer_event])
        .map(Value::to_string)
        .collect();
    std::fs::write(&events_file, lines.join("\n") + "\n").unwrap();
    let data = local.path().join("data");
    let run = [
        "--config",
        config.to_str().unwrap(),
        "run",
        "--quiet",
        "--data",
        data.to_str().unwrap(),
        "--events",
        events_file.to_str().unwrap(),
        "--until",
        &at(morning),
    ];
    stdout_of(aftercare(&run), &run);
    let report = |place: &str, at: &str, date: &str| -> Value {
        let args = ["report", place, at, "--date", date, "--format", "json"];
        let out = if place == "--table" {
            aftercare_on_aws(&args)
        } else {
            aftercare(&args)
        };
        serde_json::from_str(&stdout_of(out, &args)).expect("a JSON report")
    };
    let mut d = (base - Duration::days(1)).date_naive();
    while d <= morning.date_naive() {
        let date = d.to_string();
        assert_eq!(
            report("--table", &stack.table, &date),
            report("--data", data.to_str().unwrap(), &date),
            "{date}: the deployment's KPIs equal the local run's"
        );
        d = d.succ_opt().unwrap();
    }
    let answered = report(
        "--table",
        &stack.table,
        &answered_at.date_naive().to_string(),
    );
    assert_eq!(answered["csat"]["responses"], 1, "{answered}");

    // Logs: JSON lines that carry the request id, and no customer's data.
    for f in [&ingest, &due, &pages, &feedback, &rollup] {
        let logs = f.logs();
        assert!(
            json_lines(&logs)
                .iter()
                .any(|l| l.to_string().contains("requestId")),
            "{logs}"
        );
        for secret in [
            address("c-2"),
            "Customer c-2".into(),
            "+15550001111".into(),
            "Took too long".into(),
        ] {
            assert!(!logs.contains(&secret), "a log names {secret:?}:\n{logs}");
        }
    }
}
