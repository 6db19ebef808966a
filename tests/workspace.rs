//! Where things are for the tests and the benchmarks: the workspace, and
//! the `aftercare` command built as a test or a benchmark needs it.

use std::path::{Path, PathBuf};

/// The workspace root (above `tests/`).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace above tests/")
        .to_path_buf()
}

/// Whether a benchmark runs as one (`cargo bench` passes `--bench`), not
/// once under `cargo test` to keep it working.
pub fn under_cargo_bench() -> bool {
    std::env::args().any(|a| a == "--bench")
}

/// Builds the `aftercare` command (release or debug) and returns the path
/// cargo reports for it, wherever the target directory is.
pub fn aftercare(release: bool) -> PathBuf {
    let mut args = vec![
        "build",
        "-p",
        "aftercare-cli",
        "--bin",
        "aftercare",
        "--message-format=json",
    ];
    if release {
        args.push("--release");
    }
    let out = std::process::Command::new(env!("CARGO"))
        .args(&args)
        .current_dir(root())
        .output()
        .expect("running cargo build");
    assert!(
        out.status.success(),
        "building aftercare failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["reason"] == "compiler-artifact" && v["target"]["name"] == "aftercare")
        .find_map(|v| v["executable"].as_str().map(PathBuf::from))
        .expect("cargo did not report the aftercare executable")
}
