//! Scoped bindings: each block, match arm, `if let` branch, loop body and closure is its own
//! scope, so a name bound in one arm is never seen from another.

use crate::HashMap;

use super::build::FlowVal;

/// What a local name holds.
#[derive(Debug, Clone, Default)]
pub struct Local {
    pub val: FlowVal,
    /// For a closure bound to the name: the slots of its parameters, filled from its calls.
    pub closure: Option<Vec<u32>>,
    /// Why the value is sensitive by name (`from expected_sig`), for `Operand::sensitive`.
    pub sensitive: Option<String>,
}

/// The bindings in scope. Lookups cost the same however many names are bound: each name keeps
/// the stack of its bindings, and each scope the names it bound, to unbind them when it ends.
#[derive(Debug, Default)]
pub struct Scopes {
    frames: Vec<Vec<String>>,
    by_name: HashMap<String, Vec<Local>>,
}

impl Scopes {
    pub fn push(&mut self) {
        self.frames.push(Vec::new());
    }

    pub fn pop(&mut self) {
        for name in self.frames.pop().unwrap_or_default() {
            if let Some(stack) = self.by_name.get_mut(&name) {
                stack.pop();
                if stack.is_empty() {
                    self.by_name.remove(&name);
                }
            }
        }
    }

    /// Binds `name` in the innermost scope, shadowing any earlier binding.
    pub fn bind(&mut self, name: &str, local: Local) {
        if self.frames.is_empty() {
            self.frames.push(Vec::new());
        }
        if let Some(frame) = self.frames.last_mut() {
            frame.push(name.to_string());
            self.by_name.entry(name.to_string()).or_default().push(local);
        }
    }

    pub fn get(&self, name: &str) -> Option<&Local> {
        self.by_name.get(name).and_then(|s| s.last())
    }

    pub fn get_mut(&mut self, name: &str) -> Option<&mut Local> {
        self.by_name.get_mut(name).and_then(|s| s.last_mut())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inner_scopes_shadow_and_end() {
        let mut s = Scopes::default();
        s.push();
        s.bind("e", Local { val: vec![1], ..Local::default() });
        s.push();
        s.bind("e", Local { val: vec![2], ..Local::default() });
        assert_eq!(s.get("e").map(|l| l.val.clone()), Some(vec![2]));
        s.pop();
        assert_eq!(s.get("e").map(|l| l.val.clone()), Some(vec![1]));
        s.pop();
        assert!(s.get("e").is_none());
    }
}
