//! "did you mean" for mistyped rule ids.

/// The candidate closest to `name`, if it is close enough to be a likely typo, or the only
/// candidate whose last segment is `name` (`hardcoded-secret` for `secrets/hardcoded-secret`).
pub fn did_you_mean<'a>(name: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let mut by_segment = candidates.iter().filter(|c| c.rsplit('/').next() == Some(name));
    if let (Some(only), None) = (by_segment.next(), by_segment.next()) {
        return Some(only);
    }
    let limit = (name.chars().count() / 3).max(2);
    candidates
        .iter()
        .map(|c| (distance(name, c), *c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c)
}

/// Levenshtein distance over characters.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row.first().copied().unwrap_or(0);
        if let Some(first) = row.first_mut() {
            *first = i + 1;
        }
        for (j, cb) in b.iter().enumerate() {
            let above = row.get(j + 1).copied().unwrap_or(0);
            let left = row.get(j).copied().unwrap_or(0);
            let value = (diagonal + usize::from(ca != *cb)).min(above + 1).min(left + 1);
            diagonal = above;
            if let Some(cell) = row.get_mut(j + 1) {
                *cell = value;
            }
        }
    }
    row.last().copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULES: &[&str] = &["crypto/non-constant-time-compare", "secrets/hardcoded-secret"];

    #[test]
    fn suggests_close_ids_and_bare_names() {
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(
            did_you_mean("crypto/non-constant-time-comapre", RULES),
            Some("crypto/non-constant-time-compare")
        );
        assert_eq!(did_you_mean("hardcoded-secret", RULES), Some("secrets/hardcoded-secret"));
        assert_eq!(did_you_mean("tls/anything", RULES), None);
        assert_eq!(did_you_mean("x", &[]), None);
    }
}
