//! Text rules: NFC normalisation and the accent-insensitive folding used for
//! Vietnamese name search.

use unicode_normalization::UnicodeNormalization;

/// Trims and NFC-normalises a name as it is stored.
pub fn normalise(s: &str) -> String {
    s.trim().nfc().collect()
}

/// Folds text for search: decomposes, drops combining marks, maps đ/Đ to d,
/// lower-cases and collapses runs of white space. "THUẬN NAM", "Thuận Nam"
/// and "thuan  nam" all fold to "thuan nam".
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    for c in s.nfd() {
        if unicode_normalization::char::is_combining_mark(c) {
            continue;
        }
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        match c {
            'đ' | 'Đ' => out.push('d'),
            _ => out.extend(c.to_lowercase()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_ignores_case_accents_and_spacing() {
        assert_eq!(fold("THUẬN NAM"), "thuan nam");
        assert_eq!(fold("Thuận Nam"), "thuan nam");
        assert_eq!(fold("  thuan   nam "), "thuan nam");
        assert_eq!(fold("Đồng Tháp"), "dong thap");
    }

    #[test]
    fn decomposed_input_folds_like_composed() {
        let decomposed: String = "Thuận".nfd().collect();
        assert_eq!(fold(&decomposed), fold("Thuận"));
        assert_eq!(normalise(&decomposed), "Thuận");
    }
}
