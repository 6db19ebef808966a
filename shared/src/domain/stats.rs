//! Error margins for survey scores (SPEC 7).

const Z95: f64 = 1.96;

/// Wilson score interval for `successes` out of `n` at 95 % (z = 1.96, no
/// continuity correction), as fractions. `None` when `n` is 0.
pub fn wilson_interval(successes: u64, n: u64) -> Option<(f64, f64)> {
    if n == 0 {
        return None;
    }
    let n = n as f64;
    let p = successes as f64 / n;
    let z2 = Z95 * Z95;
    let denom = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denom;
    let half = Z95 * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denom;
    Some(((centre - half).max(0.0), (centre + half).min(1.0)))
}

/// NPS margin of error in points: 1.96 × sqrt((p + d − (p − d)²) / n) × 100.
pub fn nps_margin_of_error(promoters: u64, detractors: u64, n: u64) -> Option<f64> {
    if n == 0 {
        return None;
    }
    let nf = n as f64;
    let p = promoters as f64 / nf;
    let d = detractors as f64 / nf;
    let variance = (p + d - (p - d) * (p - d)).max(0.0);
    Some(Z95 * (variance / nf).sqrt() * 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_interval_matches_a_worked_example() {
        // 8 satisfied of 10: p = 0.8, z² = 3.8416.
        // centre = (0.8 + 0.19208) / 1.38416 = 0.716738…
        // half   = 1.96 × sqrt(0.016 + 0.009604) / 1.38416 = 0.226603…
        let (lo, hi) = wilson_interval(8, 10).unwrap();
        assert!((lo - 0.490157).abs() < 1e-5, "{lo}");
        assert!((hi - 0.943319).abs() < 1e-5, "{hi}");
    }

    #[test]
    fn wilson_interval_stays_inside_zero_and_one() {
        let (lo, hi) = wilson_interval(0, 5).unwrap();
        assert_eq!(lo, 0.0);
        assert!((hi - 0.434491).abs() < 1e-5, "{hi}");
        let (lo, hi) = wilson_interval(5, 5).unwrap();
        assert!((lo - 0.565509).abs() < 1e-5, "{lo}");
        assert!((hi - 1.0).abs() < 1e-12);
        assert_eq!(wilson_interval(0, 0), None);
    }

    #[test]
    fn nps_margin_matches_a_worked_example() {
        // 50 promoters, 20 detractors of 100: p = .5, d = .2,
        // variance = .7 − .09 = .61; 1.96 × sqrt(.0061) × 100 = 15.3080…
        let moe = nps_margin_of_error(50, 20, 100).unwrap();
        assert!((moe - 15.308089).abs() < 1e-5, "{moe}");
        assert_eq!(nps_margin_of_error(0, 0, 0), None);
        // All promoters: no spread at all.
        assert_eq!(nps_margin_of_error(4, 0, 4), Some(0.0));
    }
}
