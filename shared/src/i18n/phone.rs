//! An E.164 number as a person reads it: the country code apart, the
//! national number grouped the way its country writes it
//! (`+1 212-555-0100`, `+82 10-1234-5678`, `+84 90 123 45 67`,
//! `+86 138 1234 5678`). The `tel:` link keeps the bare E.164 form.
//!
//! Why not libphonenumber's metadata (the `phonenumber` crate): it and the
//! full `regex` it needs add more than a megabyte to every Lambda binary
//! that renders a sheet, over the 10 MB budget (docs/performance.md). So
//! the countries our four languages serve get their own grouping, and
//! every other number is grouped in threes after its country code, which
//! any reader can dial.

/// Two-digit country calling codes (ITU-T E.164 list); `1` and `7` are
/// the one-digit ones, every other code has three digits.
const TWO_DIGIT: &[&str] = &[
    "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46", "47",
    "48", "49", "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63", "64", "65",
    "66", "81", "82", "84", "86", "90", "91", "92", "93", "94", "95", "98",
];

/// `+82 10-1234-5678`; anything that is not `+` and digits comes back
/// as it is.
pub fn display(e164: &str) -> String {
    let Some(digits) = e164.strip_prefix('+') else {
        return e164.to_string();
    };
    if digits.len() < 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return e164.to_string();
    }
    let cc_len = if digits.starts_with('1') || digits.starts_with('7') {
        1
    } else if TWO_DIGIT.contains(&&digits[..2]) {
        2
    } else {
        3
    };
    let (cc, national) = digits.split_at(cc_len);
    let grouped = match (cc, national.len()) {
        // North America: 212-555-0100.
        ("1", 10) => join(national, &[3, 3, 4], "-"),
        // Korea: Seoul's area code is 2, the others (and mobiles, 10)
        // two digits; then the exchange and the last four.
        ("82", 8..=10) => {
            let area = if national.starts_with('2') { 1 } else { 2 };
            let middle = national.len() - area - 4;
            join(national, &[area, middle, 4], "-")
        }
        // Vietnam: mobiles 90 123 45 67, landlines 24 3123 4567.
        ("84", 9) => join(national, &[2, 3, 2, 2], " "),
        ("84", 10) if national.starts_with('2') => join(national, &[2, 4, 4], " "),
        // China: mobiles 138 1234 5678; Beijing (10) and the 2x cities
        // have two-digit area codes, the rest three.
        ("86", 11) if national.starts_with('1') && !national.starts_with("10") => {
            join(national, &[3, 4, 4], " ")
        }
        ("86", 10..=11) => {
            let area = if national.starts_with("10") || national.starts_with('2') {
                2
            } else {
                3
            };
            let rest = national.len() - area;
            join(national, &[area, rest - 4, 4], " ")
        }
        _ => threes(national),
    };
    format!("+{cc} {grouped}")
}

/// `digits` cut into groups of the given sizes (which add up to its
/// length), joined by `sep`.
fn join(digits: &str, sizes: &[usize], sep: &str) -> String {
    let mut parts = Vec::with_capacity(sizes.len());
    let mut at = 0;
    for &size in sizes {
        parts.push(&digits[at..at + size]);
        at += size;
    }
    parts.join(sep)
}

/// Groups of three, the last of four rather than leave one digit alone.
fn threes(digits: &str) -> String {
    let n = digits.len();
    let mut sizes = vec![3; n / 3];
    match n % 3 {
        0 => {}
        1 if n > 3 => sizes[n / 3 - 1] += 1,
        r => sizes.push(r),
    }
    join(digits, &sizes, " ")
}

#[cfg(test)]
mod tests {
    use super::display;
    use proptest::prelude::*;

    #[test]
    fn numbers_read_as_their_country_writes_them() {
        for (raw, shown) in [
            ("+12125550100", "+1 212-555-0100"),
            ("+821012345678", "+82 10-1234-5678"),
            ("+8221234567", "+82 2-123-4567"),
            ("+82212345678", "+82 2-1234-5678"),
            ("+82311234567", "+82 31-123-4567"),
            ("+84901234567", "+84 90 123 45 67"),
            ("+842431234567", "+84 24 3123 4567"),
            ("+8613812345678", "+86 138 1234 5678"),
            ("+861012345678", "+86 10 1234 5678"),
            ("+867551234567", "+86 755 123 4567"),
            ("+442079460958", "+44 207 946 0958"),
            ("+4915112345678", "+49 151 123 456 78"),
            ("+999999999999999", "+999 999 999 999 999"),
            ("not a number", "not a number"),
        ] {
            assert_eq!(display(raw), shown, "{raw}");
        }
    }

    proptest! {
        /// Whatever the number, the reader sees every digit in order and
        /// nothing but spaces and hyphens added.
        #[test]
        fn display_keeps_every_digit_in_order(digits in "[1-9][0-9]{7,14}") {
            let shown = display(&format!("+{digits}"));
            let kept: String = shown.chars().filter(char::is_ascii_digit).collect();
            prop_assert_eq!(kept, digits);
            prop_assert!(shown.chars().all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-')));
            prop_assert!(!shown.contains("  ") && !shown.ends_with(' '));
        }
    }
}
