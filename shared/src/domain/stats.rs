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

/// The NPS margin the comparisons use, in points: the spec's formula on
/// the answers with one more of each kind (promoter, passive, detractor).
/// The plain formula says ±0 whenever every answer is of one kind (one
/// answer, or ten promoters), which would call a one-answer swing of 100
/// points a clear change; the added answers keep a small sample's margin
/// wide and fade as answers come in (n = 100: within about 0.3 points of
/// the plain margin).
pub fn nps_comparison_margin(promoters: u64, detractors: u64, n: u64) -> Option<f64> {
    if n == 0 || promoters + detractors > n {
        return None;
    }
    nps_margin_of_error(promoters + 1, detractors + 1, n + 3)
}

/// How far two proportions must differ before the difference is beyond
/// chance at 95 %: Newcombe's hybrid score interval for `p1 − p2`, built
/// from each side's Wilson interval. Returns `(p1 − p2, low, high)` as
/// fractions; the difference is clear when the interval excludes 0.
pub fn newcombe_difference(s1: u64, n1: u64, s2: u64, n2: u64) -> Option<(f64, f64, f64)> {
    let (l1, u1) = wilson_interval(s1, n1)?;
    let (l2, u2) = wilson_interval(s2, n2)?;
    let p1 = s1 as f64 / n1 as f64;
    let p2 = s2 as f64 / n2 as f64;
    let d = p1 - p2;
    let low = d - ((p1 - l1).powi(2) + (u2 - p2).powi(2)).sqrt();
    let high = d + ((u1 - p1).powi(2) + (p2 - l2).powi(2)).sqrt();
    Some((d, low, high))
}

/// The margin of the difference of two independent NPS figures, in
/// points: the two margins of error combined, sqrt(m1² + m2²).
pub fn nps_difference_margin(m1: f64, m2: f64) -> f64 {
    (m1 * m1 + m2 * m2).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_comparison_margin_is_wide_for_a_few_answers_of_one_kind_and_plain_for_many() {
        // One passive: the plain margin is 0, the comparison's is not.
        assert_eq!(nps_margin_of_error(0, 0, 1), Some(0.0));
        let one = nps_comparison_margin(0, 0, 1).unwrap();
        // (1, 1, 1 more): p = d = 0.25 of 4: 1.96 × sqrt(0.5 / 4) × 100.
        assert!((one - 69.296).abs() < 0.01, "{one}");
        let plain = nps_margin_of_error(50, 20, 100).unwrap();
        let adjusted = nps_comparison_margin(50, 20, 100).unwrap();
        assert!((plain - adjusted).abs() < 0.5, "{plain} {adjusted}");
        assert_eq!(nps_comparison_margin(1, 1, 0), None);
    }

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
    fn newcombe_matches_the_published_worked_example() {
        // Newcombe (1998), table II, example (a): 56/70 − 48/80 = .2000,
        // 95 % interval (.0524, .3339) by the hybrid score method.
        let (d, lo, hi) = newcombe_difference(56, 70, 48, 80).unwrap();
        assert!((d - 0.2).abs() < 1e-12);
        assert!((lo - 0.0524).abs() < 5e-4, "{lo}");
        assert!((hi - 0.3339).abs() < 5e-4, "{hi}");
        assert_eq!(newcombe_difference(1, 0, 1, 2), None);
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

/// The median of some durations (the mean of the middle two of an even
/// count); `None` when there are none.
pub fn median_duration(mut values: Vec<chrono::Duration>) -> Option<chrono::Duration> {
    values.sort();
    let n = values.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => values.get(n / 2).copied(),
        _ => {
            let (a, b) = (values[n / 2 - 1], values[n / 2]);
            Some(a + (b - a) / 2)
        }
    }
}

#[cfg(test)]
mod median_tests {
    use super::median_duration;
    use chrono::Duration;

    #[test]
    fn the_median_is_the_middle_value_or_the_mean_of_the_middle_two() {
        let h = Duration::hours;
        assert_eq!(median_duration(vec![]), None);
        assert_eq!(median_duration(vec![h(5), h(1), h(30)]), Some(h(5)));
        assert_eq!(median_duration(vec![h(10), h(2), h(4), h(40)]), Some(h(7)));
    }
}
