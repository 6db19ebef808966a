//! Korean particles after a filled-in word. A template writes both forms
//! (`{business}을(를)`); the one the word's last sound takes is kept, as a
//! person writes it: "한빛상점을", "Acme Store를", "minji@example.com으로".
//!
//! The last sound is read from the last character: a Hangul syllable by
//! its final consonant; a Latin letter as an English word ends (a vowel
//! letter, `r` and `w` open; `l` is ㄹ; other consonants closed); a digit
//! as it is read in Sino-Korean (일, 이, 삼, ...). Anything else keeps
//! both forms, which any reader understands.

/// How a word ends, for the particle after it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ending {
    /// No final consonant: 를, 는, 가, 와, 로.
    Open,
    /// A final ㄹ: like a closed syllable, except 로 (not 으로).
    Rieul,
    /// Another final consonant: 을, 은, 이, 과, 으로.
    Closed,
}

fn ending(c: char) -> Option<Ending> {
    match c {
        '가'..='힣' => Some(match (u32::from(c) - 0xAC00) % 28 {
            0 => Ending::Open,
            8 => Ending::Rieul,
            _ => Ending::Closed,
        }),
        '1' | '7' | '8' => Some(Ending::Rieul),
        '0' | '3' | '6' => Some(Ending::Closed),
        '2' | '4' | '5' | '9' => Some(Ending::Open),
        c if c.is_ascii_alphabetic() => Some(match c.to_ascii_lowercase() {
            'a' | 'e' | 'i' | 'o' | 'u' | 'y' | 'w' | 'r' => Ending::Open,
            'l' => Ending::Rieul,
            _ => Ending::Closed,
        }),
        _ => None,
    }
}

/// (both forms as written, after a closed ending, after an open one,
/// after ㄹ).
const PARTICLES: [(&str, &str, &str, &str); 5] = [
    ("을(를)", "을", "를", "을"),
    ("은(는)", "은", "는", "은"),
    ("이(가)", "이", "가", "이"),
    ("과(와)", "과", "와", "과"),
    ("(으)로", "으로", "로", "로"),
];

/// Whether `template` writes a particle both ways.
pub fn has_double_particle(template: &str) -> bool {
    PARTICLES.iter().any(|(both, ..)| template.contains(both))
}

/// `text` with each double particle resolved by the character before it.
pub fn particles(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    'scan: while !rest.is_empty() {
        for (both, closed, open, rieul) in PARTICLES {
            if let Some(after) = rest.strip_prefix(both) {
                let chosen = match out.chars().last().and_then(ending) {
                    Some(Ending::Closed) => closed,
                    Some(Ending::Open) => open,
                    Some(Ending::Rieul) => rieul,
                    None => both,
                };
                out.push_str(chosen);
                rest = after;
                continue 'scan;
            }
        }
        let mut chars = rest.chars();
        if let Some(c) = chars.next() {
            out.push(c);
        }
        rest = chars.as_str();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::particles;

    #[test]
    fn each_particle_follows_the_last_sound_of_the_word_before_it() {
        assert_eq!(particles("한빛상점을(를) 추천"), "한빛상점을 추천");
        assert_eq!(particles("한빛마트을(를) 추천"), "한빛마트를 추천");
        assert_eq!(particles("Acme Store을(를) 추천"), "Acme Store를 추천");
        assert_eq!(particles("Hanbit Shop을(를)"), "Hanbit Shop을");
        assert_eq!(particles("한빛몰은(는)"), "한빛몰은");
        assert_eq!(particles("서울(으)로"), "서울로");
        assert_eq!(
            particles("minji@example.com(으)로"),
            "minji@example.com으로"
        );
        assert_eq!(particles("Shop 24을(를)"), "Shop 24를");
        assert_eq!(particles("가게 7(으)로"), "가게 7로");
        // Nothing to read the sound from: both forms stay.
        assert_eq!(particles("(주)을(를)"), "(주)을(를)");
        assert_eq!(particles("no particles (here)"), "no particles (here)");
    }
}
