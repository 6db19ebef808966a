//! The benchmarks' headline figures, for `scripts/bench.sh`'s one table:
//! each bench appends its rows (JSON Lines) to the file named by
//! `AFTERCARE_FIGURES`, when set; the script prints them together.

use serde_json::json;
use std::io::Write;

/// One figure: what it is, its value and unit, and the target it is held
/// to (`None` for a figure shown for context).
pub struct Figure<'a> {
    pub section: &'a str,
    pub figure: String,
    pub value: f64,
    pub unit: &'a str,
    /// `("≥", 0.25)`: the value must be at least 0.25; `("≤", 1.5)` at most.
    pub target: Option<(&'a str, f64)>,
}

/// Appends `figures` to `$AFTERCARE_FIGURES` (nothing when it is unset).
pub fn record(figures: &[Figure]) {
    let Ok(path) = std::env::var("AFTERCARE_FIGURES") else {
        return;
    };
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .unwrap_or_else(|e| panic!("opening {path}: {e}"));
    for f in figures {
        let row = json!({
            "section": f.section, "figure": f.figure, "value": f.value, "unit": f.unit,
            "target": f.target.map(|(op, v)| json!({"op": op, "value": v})),
        });
        writeln!(file, "{row}").unwrap_or_else(|e| panic!("writing {path}: {e}"));
    }
}
