//! The shared CEL environment: the standard library, the `strings` extension and a few
//! helpers that would be awkward or slow to write in CEL (`docs/policies.md` documents each).

use cel::common::types::{CelBool, CelList, CelString, DYN_TYPE, STRING_TYPE};
use cel::common::value::{CowVal, Val};
use cel::{Env, ExecutionError};
use hooklint_model::names::{self, Words};

/// The helpers, each with how many list arguments follow its string argument. The overload id
/// spells the argument types: `sensitive_name_string_list_list`.
const HELPERS: [(&str, usize, cel::common::functions::Function); 7] = [
    ("words", 0, words),
    ("has_words", 1, has_words),
    ("sensitive_name", 2, sensitive_name),
    ("ends_with_words", 1, ends_with_words),
    ("call_matches", 1, call_matches),
    ("contains_any", 1, contains_any),
    ("is_placeholder", 1, is_placeholder),
];

pub(crate) fn env() -> Env {
    let mut env = Env::stdlib();
    // Registration only fails on a duplicate declaration, which would be a bug caught by the
    // tests; a failed helper then reports "undeclared reference" at run time, not a crash.
    let _ = env.add_extension(cel::extensions::strings);
    for (name, lists, helper) in HELPERS {
        let id = format!("{name}_string{}", "_list".repeat(lists));
        let args = std::iter::once(STRING_TYPE).chain((0..lists).map(|_| DYN_TYPE)).collect();
        let _ = env.add_overload(name, &id, args, helper);
    }
    env
}

/// The words of an identifier (`hooklint_model::names::words`, the one splitter).
pub fn split_words(name: &str) -> Vec<String> {
    names::words(name)
}

/// The sensitive-name rule (`hooklint_model::names::sensitive_word`).
pub fn is_sensitive_name(name: &str, sensitive: &[String], non_sensitive: &[String]) -> bool {
    names::sensitive_word(name, sensitive, non_sensitive).is_some()
}

/// The call-list convention of `knowledge.yaml`: equal to an entry, or a path ending in
/// `::` + entry.
pub fn matches_call(call: &str, entries: &[String]) -> bool {
    entries.iter().any(|e| names::call_matches(call, e))
}

pub fn looks_like_placeholder(value: &str, patterns: &[String]) -> bool {
    let v = value.trim().to_lowercase();
    if v.is_empty() {
        return true;
    }
    let mut chars = v.chars();
    let first = chars.next().unwrap_or(' ');
    if v.chars().all(|c| c == first) {
        return true;
    }
    if (v.starts_with('<') && v.ends_with('>'))
        || (v.starts_with("${") && v.ends_with('}'))
        || (v.starts_with("{{") && v.ends_with("}}"))
    {
        return true;
    }
    patterns.iter().any(|p| {
        let p = p.to_lowercase();
        if let Some(prefix) = p.strip_suffix("...").filter(|x| !x.is_empty()) {
            v.starts_with(prefix)
        } else {
            v.contains(&p)
        }
    })
}

fn string_arg<'a>(
    args: &'a [CowVal<'_, '_>],
    i: usize,
    function: &str,
) -> Result<&'a str, ExecutionError> {
    args.get(i).and_then(|a| a.downcast_ref::<CelString>()).map(|s| s.inner()).ok_or_else(|| {
        ExecutionError::function_error(function, format!("argument {} must be a string", i + 1))
    })
}

/// Whether `pred` holds for some string of the list argument `i`, without copying the list.
fn any_str(
    args: &[CowVal<'_, '_>],
    i: usize,
    function: &str,
    mut pred: impl FnMut(&str) -> bool,
) -> Result<bool, ExecutionError> {
    let err = || {
        ExecutionError::function_error(
            function,
            format!("argument {} must be a list of strings", i + 1),
        )
    };
    let list = args.get(i).ok_or_else(err)?;
    let iterable = list.as_iterable().ok_or_else(err)?;
    let mut it = iterable.iter();
    while let Some(item) = it.next() {
        let s = item.downcast_ref::<CelString>().ok_or_else(err)?;
        if pred(s.inner()) {
            return Ok(true);
        }
    }
    Ok(false)
}

fn string_list(
    args: &[CowVal<'_, '_>],
    i: usize,
    function: &str,
) -> Result<Vec<String>, ExecutionError> {
    let mut out = Vec::new();
    any_str(args, i, function, |s| {
        out.push(s.to_string());
        false
    })?;
    Ok(out)
}

fn bool_val<'b, 'v>(b: bool) -> Result<CowVal<'b, 'v>, ExecutionError> {
    Ok(CowVal::owned(CelBool::from(b)))
}

fn words<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let name = string_arg(&args, 0, "words")?;
    let list: Vec<Box<dyn Val + 'v>> = split_words(name)
        .into_iter()
        .map(|w| Box::new(CelString::from(w)) as Box<dyn Val + 'v>)
        .collect();
    Ok(CowVal::owned(CelList::from(list)))
}

fn has_words<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let name = string_arg(&args, 0, "has_words")?;
    let words = Words::new(name);
    bool_val(any_str(&args, 1, "has_words", |e| words.contains(e))?)
}

fn sensitive_name<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let name = string_arg(&args, 0, "sensitive_name")?;
    let sensitive = string_list(&args, 1, "sensitive_name")?;
    let non_sensitive = string_list(&args, 2, "sensitive_name")?;
    bool_val(is_sensitive_name(name, &sensitive, &non_sensitive))
}

fn ends_with_words<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let name = string_arg(&args, 0, "ends_with_words")?;
    let words = Words::new(name);
    bool_val(any_str(&args, 1, "ends_with_words", |e| words.ends_with(e))?)
}

fn call_matches<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let call = string_arg(&args, 0, "call_matches")?;
    bool_val(any_str(&args, 1, "call_matches", |e| names::call_matches(call, e))?)
}

fn contains_any<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let text = string_arg(&args, 0, "contains_any")?.to_lowercase();
    bool_val(any_str(&args, 1, "contains_any", |e| text.contains(&e.to_lowercase()))?)
}

fn is_placeholder<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let value = string_arg(&args, 0, "is_placeholder")?;
    let patterns = string_list(&args, 1, "is_placeholder")?;
    bool_val(looks_like_placeholder(value, &patterns))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn sensitive_names_follow_knowledge_conventions() {
        let sens = s(&["secret", "token", "api_key", "sig"]);
        let non = s(&["header", "len", "url", "name"]);
        assert!(is_sensitive_name("WEBHOOK_SECRET", &sens, &non));
        assert!(is_sensitive_name("stripeApiKey", &sens, &non));
        assert!(!is_sensitive_name("SECRET_HEADER", &sens, &non));
        assert!(!is_sensitive_name("token_url", &sens, &non));
        assert!(!is_sensitive_name("signal", &sens, &non));
        assert!(!is_sensitive_name("", &sens, &non));
    }

    #[test]
    fn call_matching_and_placeholders() {
        let e = s(&["SystemTime::now", "verify_slice"]);
        assert!(matches_call("std::time::SystemTime::now", &e));
        assert!(matches_call("verify_slice", &e));
        assert!(!matches_call("my_verify_slice", &e));
        let p = s(&["changeme", "your-...", "example"]);
        assert!(looks_like_placeholder("<your secret>", &p));
        assert!(looks_like_placeholder("your-secret-here", &p));
        assert!(looks_like_placeholder("xxxxxxxx", &p));
        assert!(!looks_like_placeholder("s3cr3t-value-42", &p));
        assert!(!looks_like_placeholder("s3cr3t", &s(&["...", "***"])));
        assert!(looks_like_placeholder("abc...", &s(&["..."])));
    }
}
