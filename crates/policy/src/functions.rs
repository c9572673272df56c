//! The shared CEL environment: the standard library, the `strings` extension and a few
//! helpers that would be awkward or slow to write in CEL (`docs/policies.md` documents each).

use cel::common::types::{CelBool, CelList, CelString, DYN_TYPE, STRING_TYPE};
use cel::common::value::{CowVal, Val};
use cel::{Env, ExecutionError};
use hooklint_model::names::{self, Words};

/// The helpers, each with how many list arguments follow its string argument. The overload id
/// spells the argument types: `sensitive_name_string_list_list`.
const HELPERS: [(&str, usize, cel::common::functions::Function); 8] = [
    ("words", 0, words),
    ("has_words", 1, has_words),
    ("sensitive_name", 2, sensitive_name),
    ("ends_with_words", 1, ends_with_words),
    ("call_matches", 1, call_matches),
    ("contains_any", 1, contains_any),
    ("starts_with_any", 1, starts_with_any),
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
    let _ = env.add_overload("matches", "matches", vec![STRING_TYPE, STRING_TYPE], matches);
    let _ = env.add_member_overload(
        "matches",
        "string_matches_string",
        STRING_TYPE,
        vec![STRING_TYPE],
        matches,
    );
    env
}

/// The longest pattern `matches` compiles, in bytes.
pub const MAX_PATTERN: usize = 32 * 1024;
/// The largest compiled program of one pattern (the regex crate's `size_limit`).
const MAX_REGEX_SIZE: usize = 2 * 1024 * 1024;
/// Patterns kept compiled per thread; the cache is emptied when it is full.
const REGEX_CACHE: usize = 256;

thread_local! {
    static REGEXES: std::cell::RefCell<std::collections::HashMap<String, Result<regex::Regex, String>>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
}

/// `s.matches(re)` and `matches(s, re)`: RE2 syntax (the `regex` crate: linear time in the
/// text), at most [`MAX_PATTERN`] bytes and a bounded compiled size, each pattern compiled once
/// per thread.
fn matches<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let text = string_arg(&args, 0, "matches")?;
    let pattern = string_arg(&args, 1, "matches")?;
    if pattern.len() > MAX_PATTERN {
        // Refused before it is hashed for the cache: a long pattern costs nothing per target.
        return Err(ExecutionError::function_error("matches", too_long(pattern)));
    }
    let found = REGEXES.with(|cache| {
        let mut cache = cache.borrow_mut();
        if !cache.contains_key(pattern) {
            if cache.len() >= REGEX_CACHE {
                cache.clear();
            }
            cache.insert(pattern.to_string(), compile(pattern));
        }
        match cache.get(pattern) {
            Some(Ok(re)) => Ok(re.is_match(text)),
            Some(Err(e)) => Err(e.clone()),
            None => Err("the pattern could not be compiled".to_string()),
        }
    });
    match found {
        Ok(b) => bool_val(b),
        Err(message) => Err(ExecutionError::function_error("matches", message)),
    }
}

fn compile(pattern: &str) -> Result<regex::Regex, String> {
    if pattern.len() > MAX_PATTERN {
        return Err(too_long(pattern));
    }
    regex::RegexBuilder::new(pattern)
        .size_limit(MAX_REGEX_SIZE)
        .dfa_size_limit(MAX_REGEX_SIZE)
        .build()
        .map_err(|err| match err {
            regex::Error::CompiledTooBig(_) => {
                "the pattern compiles to a program over the size limit".to_string()
            }
            other => format!("not a valid regular expression: {}", first_line(&other.to_string())),
        })
}

fn too_long(pattern: &str) -> String {
    format!("the pattern is {} bytes long, over the limit of {MAX_PATTERN}", pattern.len())
}

fn first_line(text: &str) -> &str {
    text.lines()
        .find(|l| l.trim_start().starts_with("error:"))
        .unwrap_or_else(|| text.lines().next().unwrap_or(text))
        .trim()
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

fn starts_with_any<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let text = string_arg(&args, 0, "starts_with_any")?;
    bool_val(any_str(&args, 1, "starts_with_any", |e| text.starts_with(e))?)
}

fn is_placeholder<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let value = string_arg(&args, 0, "is_placeholder")?;
    let patterns = string_list(&args, 1, "is_placeholder")?;
    bool_val(looks_like_placeholder(value, &patterns))
}

/// Names offered as "did you mean" for a function that is not declared: the helpers above
/// and the standard and `strings` functions policies use. Only a hint list; whether a name is
/// declared is asked of the environment itself ([`is_declared`]).
const SUGGESTED: &[&str] = &[
    "size",
    "contains",
    "startsWith",
    "endsWith",
    "matches",
    "int",
    "uint",
    "double",
    "string",
    "bytes",
    "bool",
    "type",
    "dyn",
    "duration",
    "timestamp",
    "lowerAscii",
    "upperAscii",
    "trim",
    "replace",
    "split",
    "substring",
    "indexOf",
    "lastIndexOf",
    "charAt",
    "join",
    "format",
    "reverse",
];

/// Whether the environment declares a function `name` callable as written: as a global
/// function (`name(x)`) or as a member (`x.name()`). Asked by running `name()` or `0.name()`
/// once, which fails with "undeclared reference" exactly when no function of that name
/// exists, whatever its arguments; answers are cached.
pub(crate) fn is_declared(name: &str, member: bool) -> bool {
    use std::collections::BTreeMap;
    use std::sync::{Arc, Mutex, OnceLock};
    static ENV: OnceLock<Arc<Env>> = OnceLock::new();
    static SEEN: OnceLock<Mutex<BTreeMap<(String, bool), bool>>> = OnceLock::new();
    let seen = SEEN.get_or_init(Mutex::default);
    if let Some(known) = seen.lock().ok().and_then(|s| s.get(&(name.to_string(), member)).copied())
    {
        return known;
    }
    let valid = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    let declared = valid && {
        let env = ENV.get_or_init(|| Arc::new(env()));
        let source = if member { format!("0.{name}()") } else { format!("{name}()") };
        match env.compile(&source) {
            Ok(program) => {
                let ctx = cel::Context::with_env(Arc::clone(env));
                !matches!(
                    program.execute(&ctx),
                    Err(ExecutionError::UndeclaredReference(ref n)) if n.as_str() == name
                )
            }
            // A name the parser does not take as a call is not ours to judge.
            Err(_) => true,
        }
    };
    if let Ok(mut s) = seen.lock() {
        s.insert((name.to_string(), member), declared);
    }
    declared
}

/// The names to suggest for a function that is not declared.
pub(crate) fn suggestions() -> Vec<&'static str> {
    HELPERS.iter().map(|(name, _, _)| *name).chain(SUGGESTED.iter().copied()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    fn eval(source: &str) -> Result<cel::Value, ExecutionError> {
        let env = std::sync::Arc::new(env());
        let program = env.compile(source).unwrap();
        program.execute(&cel::Context::with_env(env))
    }

    #[test]
    fn matches_is_bounded_and_cached() {
        assert_eq!(eval("'abc'.matches('^a.c$')"), Ok(cel::Value::Bool(true)));
        assert_eq!(eval("matches('abc', 'x')"), Ok(cel::Value::Bool(false)));
        let long = format!("'a'.matches('{}')", "a".repeat(MAX_PATTERN + 1));
        let err = format!("{:?}", eval(&long).unwrap_err());
        assert!(err.contains("over the limit"), "{err}");
        let big = "'a'.matches('(((a{1000}){1000}){1000})')";
        let err = format!("{:?}", eval(big).unwrap_err());
        assert!(err.contains("size limit"), "{err}");
        let err = format!("{:?}", eval("'a'.matches('(')").unwrap_err());
        assert!(err.contains("not a valid regular expression"), "{err}");
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
