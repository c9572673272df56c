//! How a bound value is used: does it decide control flow (`gates`), or is it only logged?

use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Use {
    /// In an `if`/`while`/`match` condition, a comparison, `contains`-like check or `let else`.
    Gate,
    /// As an argument of a logging macro.
    Log,
    /// Flows into another `let` binding.
    Derive(String),
    Other,
}

#[derive(Debug, Default)]
pub struct Uses {
    by_name: BTreeMap<String, Vec<Use>>,
}

impl Uses {
    pub fn record(&mut self, name: &str, u: Use) {
        self.by_name.entry(name.to_string()).or_default().push(u);
    }

    pub fn gates(&self, name: &str) -> bool {
        self.gates_inner(name, &mut BTreeSet::new())
    }

    fn gates_inner(&self, name: &str, seen: &mut BTreeSet<String>) -> bool {
        if !seen.insert(name.to_string()) {
            return false;
        }
        self.by_name.get(name).is_some_and(|uses| {
            uses.iter().any(|u| match u {
                Use::Gate => true,
                Use::Derive(d) => self.gates_inner(d, seen),
                _ => false,
            })
        })
    }

    /// Used at least once, and every use is a log argument (directly or through bindings).
    pub fn logged_only(&self, name: &str) -> bool {
        self.logged_inner(name, &mut BTreeSet::new())
    }

    fn logged_inner(&self, name: &str, seen: &mut BTreeSet<String>) -> bool {
        if !seen.insert(name.to_string()) {
            return false;
        }
        match self.by_name.get(name) {
            Some(uses) if !uses.is_empty() => uses.iter().all(|u| match u {
                Use::Log => true,
                Use::Derive(d) => self.logged_inner(d, seen),
                _ => false,
            }),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gates_and_logs_through_bindings() {
        let mut u = Uses::default();
        u.record("ip", Use::Derive("addr".into()));
        u.record("addr", Use::Gate);
        u.record("sig", Use::Log);
        u.record("a", Use::Derive("b".into()));
        u.record("b", Use::Derive("a".into()));
        assert!(u.gates("ip"));
        assert!(!u.logged_only("ip"));
        assert!(u.logged_only("sig"));
        assert!(!u.gates("a"));
        assert!(!u.logged_only("unused"));
    }
}
