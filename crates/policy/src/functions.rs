//! The shared CEL environment: the standard library, the `strings` extension and a few
//! helpers that would be awkward or slow to write in CEL (`docs/policies.md` documents each).

use cel::common::types::{CelBool, CelList, CelString, DYN_TYPE, STRING_TYPE};
use cel::common::value::{CowVal, Val};
use cel::{Env, ExecutionError};

pub(crate) fn env() -> Env {
    let mut env = Env::stdlib();
    // Registration only fails on a duplicate declaration, which would be a bug caught by the
    // tests; a failed helper then reports "undeclared reference" at run time, not a crash.
    let _ = env.add_extension(cel::extensions::strings);
    let _ = env.add_overload("words", "words_string", vec![STRING_TYPE], words);
    let _ = env.add_overload(
        "has_words",
        "has_words_string_list",
        vec![STRING_TYPE, DYN_TYPE],
        has_words,
    );
    let _ = env.add_overload(
        "sensitive_name",
        "sensitive_name_string_list_list",
        vec![STRING_TYPE, DYN_TYPE, DYN_TYPE],
        sensitive_name,
    );
    let _ = env.add_overload(
        "ends_with_words",
        "ends_with_words_string_list",
        vec![STRING_TYPE, DYN_TYPE],
        ends_with_words,
    );
    let _ = env.add_overload(
        "call_matches",
        "call_matches_string_list",
        vec![STRING_TYPE, DYN_TYPE],
        call_matches,
    );
    let _ = env.add_overload(
        "contains_any",
        "contains_any_string_list",
        vec![STRING_TYPE, DYN_TYPE],
        contains_any,
    );
    let _ = env.add_overload(
        "is_placeholder",
        "is_placeholder_string_list",
        vec![STRING_TYPE, DYN_TYPE],
        is_placeholder,
    );
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

/// Splits an identifier into lower-case words at `_`, `-`, `.`, `:`, spaces and case changes:
/// `webhookSecret` -> `webhook`, `secret`; `HMAC_KEY` -> `hmac`, `key`.
pub fn split_words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let chars: Vec<char> = name.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                words.push(std::mem::take(&mut cur));
            }
            continue;
        }
        let prev = i.checked_sub(1).and_then(|p| chars.get(p)).copied();
        let next = chars.get(i + 1).copied();
        let boundary = c.is_uppercase()
            && !cur.is_empty()
            && (prev.is_some_and(|p| p.is_lowercase() || p.is_ascii_digit())
                || (prev.is_some_and(char::is_uppercase) && next.is_some_and(char::is_lowercase)));
        if boundary {
            words.push(std::mem::take(&mut cur));
        }
        cur.extend(c.to_lowercase());
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    words
}

/// Whether the words of `entry` occur as a contiguous run in `words`.
fn has_run(words: &[String], entry: &str) -> bool {
    let needle = split_words(entry);
    !needle.is_empty() && words.windows(needle.len()).any(|w| w == needle.as_slice())
}

/// Whether `name` reads as a secret: one of `sensitive` occurs among its words and its last
/// word does not turn it into a property (`SIGNATURE_HEADER`, `token_len`).
pub fn is_sensitive_name(name: &str, sensitive: &[String], non_sensitive: &[String]) -> bool {
    let words = split_words(name);
    let Some(last) = words.last() else { return false };
    if sensitive.iter().any(|s| split_words(s).last() == Some(last)) {
        return sensitive.iter().any(|s| has_run(&words, s));
    }
    if non_sensitive.iter().any(|n| n.eq_ignore_ascii_case(last)) {
        return false;
    }
    sensitive.iter().any(|s| has_run(&words, s))
}

/// The call-list convention of `knowledge.yaml`: equal to an entry, or a path ending in
/// `::` + entry.
pub fn matches_call(call: &str, entries: &[String]) -> bool {
    entries.iter().any(|e| call_matches_one(call, e))
}

fn call_matches_one(call: &str, entry: &str) -> bool {
    call == entry || call.strip_suffix(entry).is_some_and(|rest| rest.ends_with("::"))
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
    let words = split_words(name);
    bool_val(any_str(&args, 1, "has_words", |e| has_run(&words, e))?)
}

fn sensitive_name<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let name = string_arg(&args, 0, "sensitive_name")?;
    let sensitive = string_list(&args, 1, "sensitive_name")?;
    let non_sensitive = string_list(&args, 2, "sensitive_name")?;
    bool_val(is_sensitive_name(name, &sensitive, &non_sensitive))
}

fn ends_with_words<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let name = string_arg(&args, 0, "ends_with_words")?;
    let words = split_words(name);
    bool_val(any_str(&args, 1, "ends_with_words", |e| {
        let entry = split_words(e);
        !entry.is_empty() && words.ends_with(&entry)
    })?)
}

fn call_matches<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let call = string_arg(&args, 0, "call_matches")?;
    bool_val(any_str(&args, 1, "call_matches", |e| call_matches_one(call, e))?)
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
    fn splits_identifiers_into_words() {
        assert_eq!(split_words("webhookSecret"), s(&["webhook", "secret"]));
        assert_eq!(split_words("HMAC_KEY"), s(&["hmac", "key"]));
        assert_eq!(split_words("HTTPServer2Go"), s(&["http", "server2", "go"]));
        assert_eq!(split_words("x-hub-signature"), s(&["x", "hub", "signature"]));
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
