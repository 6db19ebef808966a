//! The deployment's template as the tools a business deploys with read it:
//! `cfn-lint` and `sam validate --lint` without an error, `checkov` with
//! every finding fixed or skipped with a written reason, `sam build`
//! packaging every function under 10 MB; and `aftercare table create`
//! making exactly the template's table (keys, indexes, TTL).

use crate::helpers::{aftercare_on_aws, dynamodb_client, stdout_of};
use serde_norway::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace")
        .to_path_buf()
}

/// A tool from the test command's installs (`.tools/*/bin`).
fn tool(venv: &str, name: &str) -> Command {
    let path = workspace().join(".tools").join(venv).join("bin").join(name);
    assert!(
        path.exists(),
        "{} is not installed: run the tests with ./scripts/test.sh, which installs it",
        path.display()
    );
    let mut c = Command::new(path);
    c.current_dir(workspace())
        .env("SAM_CLI_TELEMETRY", "0")
        .env("BC_SKIP_MAPPING", "TRUE");
    c
}

fn succeeds(mut c: Command, what: &str) -> String {
    let out = c.output().unwrap_or_else(|e| panic!("running {what}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{what} failed:\n{text}");
    text
}

fn template() -> Value {
    let text = std::fs::read_to_string(workspace().join("infra/template.yaml")).unwrap();
    serde_norway::from_str(&text).expect("the template is YAML")
}

#[test]
fn the_template_passes_cfn_lint_and_sam_validate() {
    let mut lint = tool("deploy-venv", "cfn-lint");
    lint.arg("infra/template.yaml");
    succeeds(lint, "cfn-lint");
    let mut validate = tool("deploy-venv", "sam");
    validate.args(["validate", "--lint", "--template", "infra/template.yaml"]);
    let said = succeeds(validate, "sam validate --lint");
    assert!(said.contains("is a valid SAM Template"), "{said}");
}

#[test]
fn checkov_finds_nothing_that_is_not_skipped_with_a_reason() {
    let mut checkov = tool("checkov-venv", "checkov");
    checkov.args([
        "-f",
        "infra/template.yaml",
        "--framework",
        "cloudformation",
        "--compact",
        "--quiet",
        "--skip-download",
    ]);
    let said = succeeds(checkov, "checkov");
    assert!(said.contains("Failed checks: 0"), "{said}");
    // Every skip says why.
    let resources = &template()["Resources"];
    let Value::Mapping(resources) = resources else {
        panic!("no resources")
    };
    let mut skips = 0;
    for (name, resource) in resources {
        if let Value::Sequence(list) = &resource["Metadata"]["checkov"]["skip"] {
            for skip in list {
                skips += 1;
                let reason = skip["comment"].as_str().unwrap_or("");
                assert!(
                    reason.len() > 30,
                    "{name:?}: the skip of {:?} needs a written reason",
                    skip["id"]
                );
            }
        }
    }
    assert!(skips > 0);
}

#[test]
fn sam_build_packages_every_function_under_ten_megabytes() {
    // The binaries the Lambda tests run: sam build reuses them.
    let _ = crate::lambdas::binaries();
    let out = tempfile::tempdir().unwrap();
    let mut build = tool("deploy-venv", "sam");
    build
        .args([
            "build",
            "--parameter-overrides",
            "Architecture=x86_64",
            "--build-dir",
        ])
        .arg(out.path())
        .env(
            "PATH",
            format!(
                "{}:{}",
                workspace().join(".tools/deploy-venv/bin").display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        );
    succeeds(build, "sam build");
    for function in [
        "IngestFunction",
        "DueWorkFunction",
        "RollupFunction",
        "HttpFunction",
        "FeedbackFunction",
    ] {
        let bootstrap = out.path().join(function).join("bootstrap");
        let size = std::fs::metadata(&bootstrap)
            .unwrap_or_else(|e| panic!("{}: {e}", bootstrap.display()))
            .len();
        assert!(size < 10_000_000, "{function} is {size} bytes");
    }
}

/// (name, type) pairs: attributes, or a key schema's (name, key type).
type Pairs = Vec<(String, String)>;

/// An index: its name, key schema, projection type and projected attributes.
type Index = (String, Pairs, String, Vec<String>);

/// A table's definition as (attributes, key schema, indexes, TTL
/// attribute), in a form both sources can be read into.
#[derive(Debug, PartialEq)]
struct TableShape {
    attributes: Pairs,
    keys: Pairs,
    indexes: Vec<Index>,
    ttl: Option<String>,
}

fn template_table() -> TableShape {
    let t = template();
    let p = &t["Resources"]["Table"]["Properties"];
    let pairs = |v: &Value, a: &str, b: &str| -> Vec<(String, String)> {
        let Value::Sequence(list) = v else {
            return Vec::new();
        };
        let mut out: Vec<(String, String)> = list
            .iter()
            .map(|x| {
                (
                    x[a].as_str().unwrap_or("").into(),
                    x[b].as_str().unwrap_or("").into(),
                )
            })
            .collect();
        out.sort();
        out
    };
    let Value::Sequence(gsis) = &p["GlobalSecondaryIndexes"] else {
        panic!("the template's table has indexes")
    };
    let indexes = gsis
        .iter()
        .map(|g| {
            let mut projected: Vec<String> = match &g["Projection"]["NonKeyAttributes"] {
                Value::Sequence(v) => v
                    .iter()
                    .filter_map(|x| x.as_str().map(String::from))
                    .collect(),
                _ => Vec::new(),
            };
            projected.sort();
            (
                g["IndexName"].as_str().unwrap_or("").to_string(),
                pairs(&g["KeySchema"], "AttributeName", "KeyType"),
                g["Projection"]["ProjectionType"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
                projected,
            )
        })
        .collect();
    TableShape {
        attributes: pairs(&p["AttributeDefinitions"], "AttributeName", "AttributeType"),
        keys: pairs(&p["KeySchema"], "AttributeName", "KeyType"),
        indexes,
        ttl: (p["TimeToLiveSpecification"]["Enabled"].as_bool() == Some(true)).then(|| {
            p["TimeToLiveSpecification"]["AttributeName"]
                .as_str()
                .unwrap_or("")
                .to_string()
        }),
    }
}

#[tokio::test]
async fn the_table_command_makes_exactly_the_template_s_table() {
    let table = format!("aftercare-create-{}", std::process::id());
    let args = ["table", "create", "--table", &table];
    stdout_of(aftercare_on_aws(&args), &args);
    let client = dynamodb_client().await;
    let d = client
        .describe_table()
        .table_name(&table)
        .send()
        .await
        .unwrap();
    let t = d.table().unwrap();
    let sorted = |mut v: Pairs| {
        v.sort();
        v
    };
    let attributes = sorted(
        t.attribute_definitions()
            .iter()
            .map(|a| {
                (
                    a.attribute_name().into(),
                    a.attribute_type().as_str().into(),
                )
            })
            .collect(),
    );
    let key_pairs = |k: &[aws_sdk_dynamodb::types::KeySchemaElement]| -> Pairs {
        sorted(
            k.iter()
                .map(|k| (k.attribute_name().into(), k.key_type().as_str().into()))
                .collect(),
        )
    };
    let keys = key_pairs(t.key_schema());
    let indexes = t
        .global_secondary_indexes()
        .iter()
        .map(|g| {
            let k = key_pairs(g.key_schema());
            let p = g.projection();
            let mut projected: Vec<String> = p
                .map(|p| p.non_key_attributes().to_vec())
                .unwrap_or_default();
            projected.sort();
            (
                g.index_name().unwrap_or("").to_string(),
                k,
                p.and_then(|p| p.projection_type())
                    .map(|x| x.as_str().to_string())
                    .unwrap_or_default(),
                projected,
            )
        })
        .collect();
    let ttl = client
        .describe_time_to_live()
        .table_name(&table)
        .send()
        .await
        .unwrap()
        .time_to_live_description()
        .and_then(|d| d.attribute_name().map(String::from));
    let made = TableShape {
        attributes,
        keys,
        indexes,
        ttl,
    };
    assert_eq!(made, template_table());

    // Again: the table exists, said in one line without SDK types.
    let again = aftercare_on_aws(&args);
    assert!(!again.status.success());
    let said = String::from_utf8_lossy(&again.stderr);
    assert_eq!(said.lines().count(), 1, "{said}");
    assert!(
        said.contains(&table) && said.contains("ResourceInUseException"),
        "{said}"
    );
}
