//! The roster on AWS (SPEC 11): `aftercare agents import` validates a
//! whole file and replaces the table's roster, or changes nothing; the
//! Lambdas' facade books to the imported agents, and a table without a
//! roster books every call unassigned and at risk, never to a default.

use crate::helpers::{aftercare_bin, dynamo_table, endpoint, service_over};
use aftercare_shared::ports::Store;
use aftercare_shared::services::Aftercare;
use aftercare_shared::testing::{envelope, event, seoul_customer, utc};
use serde_json::json;
use std::process::{Command, Output};
use std::sync::Arc;

/// `aftercare agents …` against DynamoDB Local, configured as an
/// operator's shell would be (region, credentials, endpoint).
fn agents(args: &[&str]) -> Output {
    Command::new(aftercare_bin())
        .env("AWS_ENDPOINT_URL", endpoint("AFTERCARE_DYNAMODB_ENDPOINT"))
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .arg("agents")
        .args(args)
        .output()
        .expect("running aftercare agents")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

const ROSTER_CSV: &str = "id,name,email,languages,time_zone,hours,days,capacity\n\
a-ko,Lee Jiwoo,jiwoo@shop.example,ko en,Asia/Seoul,09:00-18:00,Mon Tue Wed Thu Fri,32\n\
a-vi,Tran Mai,mai@shop.example,vi,Asia/Ho_Chi_Minh,,,\n";

fn lambda_facade(store: Arc<dyn Store>, outbox: &std::path::Path) -> Aftercare {
    service_over(
        store,
        outbox,
        aftercare_shared::testing::deployment_settings(),
    )
    .with_stored_roster()
}

async fn purchase(service: &Aftercare) {
    let e = envelope(
        "PurchaseCompleted",
        "ev-o-1",
        json!({"order_id": "o-1", "occurred_at": "2026-11-16T01:00:00Z",
               "customer": seoul_customer("c-1", "c-1@example.com")}),
    );
    service
        .ingest(&event(&e), utc("2026-11-16T01:00:00Z"))
        .await
        .unwrap();
}

#[tokio::test]
async fn an_imported_roster_is_where_the_lambdas_book_and_a_bad_file_changes_nothing() {
    let (store, table) = dynamo_table().await;
    let store: Arc<dyn Store> = Arc::new(store);
    let dir = tempfile::tempdir().unwrap();

    // No roster yet: said so, and a call is booked to nobody, at risk.
    let listed = agents(&["list", "--table", &table]);
    assert!(listed.status.success(), "{}", text(&listed));
    assert!(
        text(&listed).contains("no roster imported"),
        "{}",
        text(&listed)
    );
    let service = lambda_facade(store.clone(), dir.path());
    purchase(&service).await;
    let first = store
        .booking_for(&"c-1/order:o-1#1".parse().unwrap(), 0)
        .await
        .unwrap();
    assert!(first.is_none(), "no agent, no booking: {first:?}");
    let report =
        serde_json::to_value(service.report("2026-11-16".parse().unwrap()).await.unwrap()).unwrap();
    assert_eq!(report["callbacks"]["at_risk"], 1);
    // And the managers' morning email says why.
    service
        .morning_report(utc("2026-11-17T08:00:00Z"))
        .await
        .unwrap();
    let raw = std::fs::read(dir.path().join("report-2026-11-16.eml")).unwrap();
    let parsed = mail_parser::MessageParser::default().parse(&raw).unwrap();
    let morning = parsed.body_text(0).unwrap().into_owned();
    assert!(morning.contains("No agents in the roster"), "{morning}");

    // A file with bad rows: every one reported by line, nothing imported.
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        format!("{ROSTER_CSV}a-x,Bad Row,not-an-email,ko,Asia/Seoul,,,\na-y,Other,o@shop.example,klingon,UTC,,,\n"),
    )
    .unwrap();
    let refused = agents(&["import", bad.to_str().unwrap(), "--table", &table]);
    assert!(!refused.status.success());
    let why = text(&refused);
    assert!(why.contains("line 4: agents[2].email"), "{why}");
    assert!(why.contains("line 5: agents[3].languages"), "{why}");
    assert!(
        store.roster().await.unwrap().is_none(),
        "the whole file or nothing"
    );

    // The good file: listed back, and the next call is booked to an agent.
    let good = dir.path().join("roster.csv");
    std::fs::write(&good, ROSTER_CSV).unwrap();
    let imported = agents(&["import", good.to_str().unwrap(), "--table", &table]);
    assert!(imported.status.success(), "{}", text(&imported));
    assert!(text(&imported).contains("imported 2 agents"));
    let listed = text(&agents(&["list", "--table", &table]));
    assert!(
        listed.contains("a-ko  Lee Jiwoo") && listed.contains("a-vi  Tran Mai"),
        "{listed}"
    );
    let fresh = lambda_facade(store.clone(), dir.path());
    let e = envelope(
        "PurchaseCompleted",
        "ev-o-2",
        json!({"order_id": "o-2", "occurred_at": "2026-11-16T02:00:00Z",
               "customer": seoul_customer("c-2", "c-2@example.com")}),
    );
    fresh
        .ingest(&event(&e), utc("2026-11-16T02:00:00Z"))
        .await
        .unwrap();
    let booked = store
        .booking_for(&"c-2/order:o-2#1".parse().unwrap(), 0)
        .await
        .unwrap()
        .expect("booked to an imported agent");
    assert_eq!(booked.agent.as_str(), "a-ko", "the Korean speaker");

    // A TOML file replaces the roster whole.
    let toml = dir.path().join("roster.toml");
    std::fs::write(
        &toml,
        "[[agents]]\nid = \"a-zh\"\nname = \"Wang Fang\"\nemail = \"fang@shop.example\"\nlanguages = [\"zh\"]\ntime_zone = \"Asia/Shanghai\"\n",
    )
    .unwrap();
    assert!(
        agents(&["import", toml.to_str().unwrap(), "--table", &table])
            .status
            .success()
    );
    let roster = store.roster().await.unwrap().unwrap();
    assert_eq!(roster.len(), 1);
    assert_eq!(roster[0].id.as_str(), "a-zh");
}
