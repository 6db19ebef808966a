//! The comparison of an expected report with an actual one.

use serde_json::Value;

/// Field-by-field comparison: integers exactly (an integer field must be a
/// JSON integer), floats within 1e-9 relative (with an absolute floor of
/// 1e-12 for values that should be 0), the same keys, `null` only for `null`.
pub fn differences(path: &str, expected: &Value, actual: &Value, out: &mut Vec<String>) {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (k, ev) in e {
                let p = format!("{path}.{k}");
                match a.get(k) {
                    Some(av) => differences(&p, ev, av, out),
                    None => out.push(format!("{p}: expected {ev}, missing")),
                }
            }
            for k in a.keys().filter(|k| !e.contains_key(*k)) {
                out.push(format!("{path}.{k}: unexpected field, {}", a[k]));
            }
        }
        (Value::Array(e), Value::Array(a)) if e.len() == a.len() => {
            for (i, (ev, av)) in e.iter().zip(a).enumerate() {
                differences(&format!("{path}[{i}]"), ev, av, out);
            }
        }
        (Value::Number(e), Value::Number(a)) if e.is_f64() => {
            let (x, y) = (e.as_f64().unwrap(), a.as_f64().unwrap());
            if (x - y).abs() > 1e-9 * x.abs().max(y.abs()) && (x - y).abs() > 1e-12 {
                out.push(format!("{path}: expected {x}, actual {y}"));
            }
        }
        (e, a) if e == a => {}
        (e, a) => out.push(format!("{path}: expected {e}, actual {a}")),
    }
}
