//! "did you mean": the one place that picks the likely intended name for a mistyped rule id,
//! fact field, configuration key or parameter.

/// The candidate `name` most likely meant, if any is close enough to be a plausible typo:
/// the only candidate whose last `/` segment is `name` (`hardcoded-secret` for
/// `secrets/hardcoded-secret`), else the shortest candidate that `name` abbreviates (`warn`
/// for `warning`, at least three characters), else the nearest by edit distance within about
/// a third of `name`'s length. Ties go to the alphabetically first candidate.
pub fn did_you_mean<'a>(name: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let mut by_segment = candidates.iter().filter(|c| c.rsplit('/').next() == Some(name));
    if let (Some(only), None) = (by_segment.next(), by_segment.next()) {
        return Some(only);
    }
    if name.len() >= 3 {
        let abbreviated = candidates
            .iter()
            .filter(|c| c.starts_with(name) && **c != name)
            .min_by_key(|c| (c.len(), **c));
        if let Some(c) = abbreviated {
            return Some(c);
        }
    }
    let limit = (name.chars().count() / 3).max(1) + 1;
    candidates
        .iter()
        .map(|c| (edit_distance(name, c), *c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c)
}

/// Levenshtein distance over characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULES: &[&str] = &["crypto/non-constant-time-compare", "secrets/hardcoded-secret"];

    #[test]
    fn distances() {
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("compare", "compares"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("héllo", "hello"), 1);
    }

    #[test]
    fn suggests_typos_segments_and_abbreviations() {
        assert_eq!(
            did_you_mean("secrets/hardcoded-secrte", RULES),
            Some("secrets/hardcoded-secret")
        );
        assert_eq!(did_you_mean("hardcoded-secret", RULES), Some("secrets/hardcoded-secret"));
        assert_eq!(
            did_you_mean("crypto/non-constant", RULES),
            Some("crypto/non-constant-time-compare")
        );
        assert_eq!(did_you_mean("warn", &["error", "warning", "note"]), Some("warning"));
        assert_eq!(did_you_mean("compare", &["compares", "calls"]), Some("compares"));
        assert_eq!(
            did_you_mean("crypto/non-constant-time-comapre", RULES),
            Some("crypto/non-constant-time-compare")
        );
        assert_eq!(did_you_mean("tls/anything", RULES), None);
        assert_eq!(did_you_mean("x", &[]), None);
        assert_eq!(did_you_mean("zzz", RULES), None);
    }
}
