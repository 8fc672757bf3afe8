//! Korean particles that depend on the sound a word ends with: 아이유와 but 에픽하이와,
//! 콜드플레이와, 방탄소년단과. A Hangul word ends in a consonant when its last syllable has a
//! final (batchim); a Latin name is read the way Korean speakers say it where that is clear
//! (acronyms letter by letter, "-l/-m/-n" endings as a final consonant), else both forms are
//! given ("와(과)").

/// A particle pair: after a vowel, after a consonant.
#[derive(Debug, Clone, Copy)]
pub struct Particle(pub &'static str, pub &'static str);

/// 와/과 ("and", "with").
pub const WA: Particle = Particle("와", "과");
/// 를/을 (object).
pub const REUL: Particle = Particle("를", "을");
/// 는/은 (topic).
pub const NEUN: Particle = Particle("는", "은");

/// Whether a name ends in a consonant sound: `None` when unsure.
pub fn ends_in_consonant(name: &str) -> Option<bool> {
    let last = name
        .trim_end_matches(|c: char| !c.is_alphanumeric())
        .chars()
        .last()?;
    if ('\u{AC00}'..='\u{D7A3}').contains(&last) {
        return Some((u32::from(last) - 0xAC00) % 28 != 0);
    }
    if let Some(d) = last.to_digit(10) {
        // 영, 일, 이, 삼, 사, 오, 육, 칠, 팔, 구
        return Some(matches!(d, 0 | 1 | 3 | 6 | 7 | 8));
    }
    let word: String = name
        .trim_end_matches(|c: char| !c.is_alphanumeric())
        .rsplit(|c: char| !c.is_alphanumeric())
        .next()?
        .to_string();
    if !word.is_ascii() {
        return None;
    }
    if word.len() >= 2 && word.chars().all(|c| c.is_ascii_uppercase()) {
        // Said letter by letter: 엘, 엠, 엔, 알 end in a consonant.
        return Some(matches!(last.to_ascii_uppercase(), 'L' | 'M' | 'N' | 'R'));
    }
    let lower = word.to_ascii_lowercase();
    if lower.ends_with("ng") || lower.ends_with('m') || lower.ends_with('n') {
        return Some(true);
    }
    if lower.ends_with("le") || (lower.ends_with('l') && !lower.ends_with("ll")) {
        return Some(true);
    }
    if lower.ends_with(['a', 'i', 'o', 'u', 'y', 'r', 'x', 's', 'z', 'f', 'v']) {
        return Some(false);
    }
    None
}

/// The name with the particle its last sound takes, or with both forms when unsure.
pub fn with(name: &str, particle: Particle) -> String {
    match ends_in_consonant(name) {
        Some(false) => format!("{name}{}", particle.0),
        Some(true) => format!("{name}{}", particle.1),
        None => format!("{name}{}({})", particle.0, particle.1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn particles_follow_the_last_sound() {
        assert_eq!(with("아이유", WA), "아이유와");
        assert_eq!(with("방탄소년단", WA), "방탄소년단과");
        assert_eq!(with("에픽하이", WA), "에픽하이와");
        assert_eq!(with("BTS", WA), "BTS와");
        assert_eq!(with("Coldplay", WA), "Coldplay와");
        assert_eq!(with("Maroon 5", WA), "Maroon 5와");
        assert_eq!(with("Eminem", WA), "Eminem과");
        assert_eq!(with("Adele", REUL), "Adele을");
        assert_eq!(with("NCT 127", WA), "NCT 127과");
        assert_eq!(with("Drake", WA), "Drake와(과)");
    }
}
