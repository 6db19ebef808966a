//! The automated accessibility check of every page: axe-core (npm,
//! installed by `scripts/services.sh` into `.tools/npm`, its path in
//! `AFTERCARE_AXE`) injected into the page in Chromium and run against
//! WCAG 2.1 A and AA (labels tied to inputs, contrast, landmarks, names,
//! language). Zero violations is the bar. WebDriver runs the script
//! outside the page's CSP, which forbids every script of the page's own.

use fantoccini::Client;
use std::path::PathBuf;
use std::sync::OnceLock;

fn axe_source() -> &'static str {
    static SOURCE: OnceLock<String> = OnceLock::new();
    SOURCE.get_or_init(|| {
        let path = std::env::var_os("AFTERCARE_AXE")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                    .join("../.tools/npm/node_modules/axe-core/axe.min.js")
            });
        std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "axe-core is not installed at {} ({e}): scripts/services.sh install installs it",
                path.display()
            )
        })
    })
}

/// Fails naming each WCAG 2.1 A/AA violation on the page, with the first
/// elements that show it.
pub(crate) async fn accessible(c: &Client, what: &str) {
    c.execute(&format!("{}\nreturn true;", axe_source()), vec![])
        .await
        .unwrap_or_else(|e| panic!("{what}: loading axe-core: {e}"));
    let found = c
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
               axe.run(document, {runOnly: {type: 'tag',
                                            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
                  .then(r => done(r.violations.map(v =>
                     `${v.id} (${v.impact}): ${v.help}; at ${v.nodes.slice(0, 3)
                        .map(n => n.target.join(' ')).join(' | ')}`)))
                  .catch(e => done(['axe failed: ' + e]));"#,
            vec![],
        )
        .await
        .unwrap_or_else(|e| panic!("{what}: running axe-core: {e}"));
    assert_eq!(
        found,
        serde_json::json!([]),
        "{what}: accessibility violations (axe-core, WCAG 2.1 AA)"
    );
}

/// The check is not vacuous: a page with an unlabelled input, an image
/// without `alt` and grey-on-grey text fails it, each named.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_accessibility_check_names_what_a_bad_page_gets_wrong() {
    let tmp = tempfile::tempdir().expect("a folder");
    let page = tmp.path().join("bad.html");
    std::fs::write(
        &page,
        "<!doctype html><html lang=\"en\"><head><title>Bad</title></head><body><main>\
         <input type=\"text\"><img src=\"x.png\">\
         <p style=\"color:#aaa;background:#bbb\">hard to read</p></main></body></html>",
    )
    .expect("writing the page");
    let driver = tokio::task::spawn_blocking(super::browser::Driver::start)
        .await
        .expect("chromedriver");
    let c = driver.browser().await;
    c.goto(&format!("file://{}", page.display()))
        .await
        .expect("opening");
    let failure = tokio::spawn({
        let c = c.clone();
        async move { accessible(&c, "the bad page").await }
    })
    .await
    .expect_err("the bad page fails the check");
    let message = failure
        .into_panic()
        .downcast::<String>()
        .map(|s| *s)
        .unwrap_or_default();
    for rule in ["label", "image-alt", "color-contrast"] {
        assert!(message.contains(rule), "{rule} not in: {message}");
    }
    c.close().await.expect("closing the browser");
}

/// The phone check is not vacuous either: a date cut at its hyphen in a
/// narrow box is named.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_phone_check_names_a_word_cut_across_two_lines() {
    let tmp = tempfile::tempdir().expect("a folder");
    let page = tmp.path().join("cut.html");
    std::fs::write(
        &page,
        "<!doctype html><html lang=\"en\"><head><title>Cut</title></head><body><main>\
         <p style=\"width:90px\">due 2026-12-08-11-59</p></main></body></html>",
    )
    .expect("writing the page");
    let driver = tokio::task::spawn_blocking(super::browser::Driver::start)
        .await
        .expect("chromedriver");
    let c = driver.browser().await;
    c.goto(&format!("file://{}", page.display()))
        .await
        .expect("opening");
    let failure = tokio::spawn({
        let c = c.clone();
        async move { super::browser::reads_on_a_phone(&c, "the cut page").await }
    })
    .await
    .expect_err("the cut page fails the check");
    let message = failure
        .into_panic()
        .downcast::<String>()
        .map(|s| *s)
        .unwrap_or_default();
    assert!(message.contains("2026-12-08-11-59"), "{message}");
    c.close().await.expect("closing the browser");
}
