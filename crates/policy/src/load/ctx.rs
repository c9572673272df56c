//! Errors positioned in the policy file, and the keys of a mapping checked against the known
//! ones.

use crate::schema;
use crate::yaml::{Kind, Node};
use hooklint_model::{LoadError, LoadErrorKind};

/// One policy file being loaded: where errors point, and the errors so far.
pub(super) struct Ctx<'a> {
    pub path: &'a str,
    pub text: &'a str,
    pub errors: Vec<LoadError>,
    /// Keys suggested for misspelt ones: not reported again as missing.
    pub suggested: Vec<String>,
}

impl<'a> Ctx<'a> {
    pub fn new(path: &'a str, text: &'a str) -> Self {
        Ctx { path, text, errors: Vec::new(), suggested: Vec::new() }
    }

    pub fn error_at(
        &mut self,
        line: u32,
        column: u32,
        len: u32,
        message: String,
        help: Option<String>,
    ) {
        self.errors.push(LoadError {
            kind: LoadErrorKind::Policy,
            path: self.path.to_string(),
            text: self.text.to_string(),
            line: line.max(1),
            column: column.max(1),
            len: len.max(1),
            message,
            help,
        });
    }

    pub fn error(&mut self, node: &Node, message: String, help: Option<String>) {
        let len = match node.kind {
            Kind::Map(_) | Kind::List(_) => 1,
            _ => node.pos.len.min(line_rest(self.text, node.pos.byte)),
        };
        self.error_at(node.pos.line, node.pos.column, len, message, help);
    }

    /// An error for a key the policy must have, unless a misspelling of it was reported.
    pub fn missing(&mut self, name: &str) {
        if !self.suggested.iter().any(|s| s == name) {
            self.error_at(1, 1, 1, format!("missing required key `{name}`"), None);
        }
    }
}

/// Characters left on the line from `byte`, so an underline never wraps.
fn line_rest(text: &str, byte: usize) -> u32 {
    text.get(byte..)
        .and_then(|r| r.lines().next())
        .map(|l| l.chars().count() as u32)
        .unwrap_or(1)
        .max(1)
}

/// The known keys of a mapping, each with its value.
pub(super) struct Fields<'n>(Vec<(String, &'n Node)>);

impl<'n> Fields<'n> {
    /// The known keys present, in order; unknown and repeated keys are reported.
    pub fn check(
        cx: &mut Ctx,
        entries: &'n [(Node, Node)],
        known: &[&str],
        what: &str,
    ) -> Fields<'n> {
        let mut out: Vec<(String, &Node)> = Vec::new();
        for (k, v) in entries {
            let Some(name) = k.scalar_text() else {
                cx.error(
                    k,
                    format!("a {what} key must be a string, found {}", k.type_name()),
                    None,
                );
                continue;
            };
            if !known.contains(&name.as_str()) {
                let suggestion = schema::suggest(&name, known);
                if let Some(s) = suggestion {
                    cx.suggested.push(s.to_string());
                }
                let message = match suggestion {
                    Some(s) => format!("unknown key `{name}` in {what}; did you mean `{s}`?"),
                    None => format!("unknown key `{name}` in {what}"),
                };
                let help = format!(
                    "the keys of a {what} are {}",
                    known.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
                );
                cx.error(k, message, suggestion.is_none().then_some(help));
                continue;
            }
            if out.iter().any(|(n, _)| *n == name) {
                cx.error(k, format!("key `{name}` appears twice"), None);
                continue;
            }
            out.push((name, v));
        }
        Fields(out)
    }

    /// The value of a key, if present.
    pub fn get(&self, name: &str) -> Option<&'n Node> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| *v)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &'n Node)> + '_ {
        self.0.iter().map(|(k, v)| (k.as_str(), *v))
    }

    /// A string value and its node; an error when it is not a scalar, or (`required`) absent.
    pub fn string(&self, cx: &mut Ctx, name: &str, required: bool) -> Option<(String, &'n Node)> {
        match self.get(name) {
            Some(v) => match v.scalar_text() {
                Some(s) => Some((s, v)),
                None => {
                    cx.error(
                        v,
                        format!("`{name}` must be a string, found {}", v.type_name()),
                        None,
                    );
                    None
                }
            },
            None => {
                if required {
                    cx.missing(name);
                }
                None
            }
        }
    }
}
