//! The file's own `macro_rules!` macros, expanded as text where they are invoked as items.
//!
//! A project that writes one guard, extractor or verify fn per provider with a macro
//! (`verified_body!(GithubBody, "x-hub-signature-256", ..)`) has those items only after
//! expansion, so an invocation in item position (a module or an `impl` block) of a macro the
//! same file defines, and whose templates can generate verification (see [`may_verify`]), is
//! matched against its rules and its template transcribed into tokens,
//! which are then parsed and walked like the items around them. Nothing is run: matching and
//! transcription are done on tokens, and every fragment is parsed by syn. Bounded: an
//! expansion nests at most [`MAX_DEPTH`] invocations deep, and a file's matching and
//! transcription share one budget of tokens (see [`budget`]); what either bound leaves out is
//! a `too-complex` problem with the invocation's line.

use std::collections::BTreeMap;

use hooklint_model::Knowledge;
use proc_macro2::{Delimiter, Group, Ident, TokenStream, TokenTree};
use syn::parse::{ParseStream, Parser};

/// Invocations expanded inside one another (recursive macros included).
pub const MAX_DEPTH: usize = 16;

/// Tokens one file's expansions may match and produce, in all: four times the file's size in
/// bytes plus a floor, far more than macros that generate a handful of items per provider need,
/// and a bound on a macro that doubles itself at every level.
pub fn budget(file_len: usize) -> usize {
    file_len.saturating_mul(4).saturating_add(1 << 16)
}

/// The `macro_rules!` macros a file defines, by name.
#[derive(Default)]
pub struct Macros {
    rules: BTreeMap<String, Vec<Rule>>,
}

struct Rule {
    pattern: Vec<Matcher>,
    template: Vec<TokenTree>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Frag {
    Tt,
    Ident,
    Lifetime,
    Literal,
    Vis,
    Expr,
    Ty,
    Path,
    Pat,
    Block,
    Item,
    Stmt,
    Meta,
}

enum Matcher {
    /// A token that must be there as written (punctuation compared by character).
    Token(String),
    Group(Delimiter, Vec<Matcher>),
    Var(String, Frag),
    /// `$( .. ) sep op`: the separator (if any) and whether it may match nothing (`*`, `?`) and
    /// more than once (`*`, `+`).
    Repeat(Vec<Matcher>, Option<String>, bool, bool),
}

/// What a metavariable matched: tokens, or one binding per repetition.
#[derive(Clone)]
enum Binding {
    One(Vec<TokenTree>),
    Seq(Vec<Binding>),
}

type Binds = BTreeMap<String, Binding>;

/// Why an expansion stopped.
pub enum Stop {
    /// No rule matched, or the result does not parse: the invocation is left as it is.
    NoMatch,
    /// The budget is spent.
    Budget,
}

impl Macros {
    /// Collects the `macro_rules!` definitions among `items` and the inline modules in them.
    pub fn collect(items: &[syn::Item], k: &Knowledge) -> Macros {
        let mut m = Macros::default();
        m.add(items, k, 0);
        m
    }

    fn add(&mut self, items: &[syn::Item], k: &Knowledge, depth: usize) {
        if depth > crate::limits::ITEM_DEPTH {
            return;
        }
        for item in items {
            match item {
                syn::Item::Macro(mac) if mac.mac.path.is_ident("macro_rules") => {
                    let Some(name) = &mac.ident else { continue };
                    let rules = parse_rules(mac.mac.tokens.clone());
                    if rules.iter().any(|r| may_verify(&r.template, k)) {
                        // A later definition shadows an earlier one, as `macro_rules!` does.
                        self.rules.insert(name.to_string(), rules);
                    }
                }
                syn::Item::Mod(m) => {
                    if let Some((_, inner)) = &m.content {
                        self.add(inner, k, depth + 1);
                    }
                }
                _ => {}
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The macro an invocation path names, if the file defines it: `name!`, `self::name!`,
    /// `crate::name!`, `$crate::name!`.
    fn lookup(&self, path: &syn::Path) -> Option<&[Rule]> {
        let last = path.segments.last()?;
        let prefix_ok = path.segments.len() == 1
            || (path.segments.len() == 2
                && matches!(path.segments[0].ident.to_string().as_str(), "self" | "crate"));
        if !prefix_ok || !last.arguments.is_none() {
            return None;
        }
        self.rules.get(&last.ident.to_string()).map(Vec::as_slice)
    }

    /// The file defines the macro this path names.
    pub fn defines(&self, path: &syn::Path) -> bool {
        self.lookup(path).is_some()
    }

    /// Expands an invocation into tokens, charging `budget` for the tokens matched and made.
    pub fn expand(&self, mac: &syn::Macro, budget: &mut usize) -> Result<TokenStream, Stop> {
        let rules = self.lookup(&mac.path).ok_or(Stop::NoMatch)?;
        let input: Vec<TokenTree> = mac.tokens.clone().into_iter().collect();
        for rule in rules {
            let mut binds = Binds::new();
            if match_seq(&rule.pattern, &input, 0, &mut binds, budget, true)?.is_some() {
                let mut out = Vec::new();
                transcribe(&rule.template, &binds, &mut out, budget)?;
                return Ok(out.into_iter().collect());
            }
        }
        Err(Stop::NoMatch)
    }
}

/// Whether a template can generate request verification: it writes a fn, and names a known
/// verifier (`verify_slice`), an extractor trait (`FromRequest`) or the request's `headers`.
/// Expanding every macro of a crate costs memory for code that verifies nothing (generated
/// numeric impls, wrappers that pass items through such as `cfg_rt! { .. }`); those are left
/// as they are, as all macros were before.
fn may_verify(template: &[TokenTree], k: &Knowledge) -> bool {
    let (mut writes_fn, mut names_one) = (false, false);
    let mut stack: Vec<TokenStream> = vec![template.iter().cloned().collect()];
    while let Some(ts) = stack.pop() {
        for t in ts {
            match t {
                TokenTree::Ident(i) => {
                    let name = i.to_string();
                    writes_fn |= name == "fn";
                    names_one |= name == "headers"
                        || super::frameworks::is_extractor_trait(&name)
                        || k.is_verifier(&name, &name);
                }
                TokenTree::Group(g) => stack.push(g.stream()),
                _ => {}
            }
        }
    }
    writes_fn && names_one
}

/// Splits a `macro_rules!` body into its rules: `(pattern) => {template}` separated by `;`.
fn parse_rules(body: TokenStream) -> Vec<Rule> {
    let tokens: Vec<TokenTree> = body.into_iter().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let (Some(TokenTree::Group(pat)), Some(TokenTree::Punct(eq)), Some(TokenTree::Punct(gt))) =
            (tokens.get(i), tokens.get(i + 1), tokens.get(i + 2))
        else {
            return Vec::new();
        };
        let Some(TokenTree::Group(tpl)) = tokens.get(i + 3) else { return Vec::new() };
        if eq.as_char() != '=' || gt.as_char() != '>' {
            return Vec::new();
        }
        let pattern: Vec<TokenTree> = pat.stream().into_iter().collect();
        let Some(pattern) = parse_matchers(&pattern, 0) else { return Vec::new() };
        out.push(Rule { pattern, template: tpl.stream().into_iter().collect() });
        i += 4;
        if matches!(tokens.get(i), Some(TokenTree::Punct(p)) if p.as_char() == ';') {
            i += 1;
        }
    }
    out
}

fn token_text(t: &TokenTree) -> String {
    match t {
        TokenTree::Punct(p) => p.as_char().to_string(),
        other => other.to_string(),
    }
}

fn parse_matchers(tokens: &[TokenTree], depth: usize) -> Option<Vec<Matcher>> {
    if depth > crate::scan::MAX_BRACKETS {
        return None;
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let t = &tokens[i];
        let dollar = matches!(t, TokenTree::Punct(p) if p.as_char() == '$');
        match (dollar, tokens.get(i + 1)) {
            (true, Some(TokenTree::Ident(name))) => {
                let is_frag =
                    matches!(tokens.get(i + 2), Some(TokenTree::Punct(p)) if p.as_char() == ':');
                let frag = match (is_frag, tokens.get(i + 3)) {
                    (true, Some(TokenTree::Ident(f))) => frag_of(&f.to_string())?,
                    _ => return None,
                };
                out.push(Matcher::Var(name.to_string(), frag));
                i += 4;
            }
            (true, Some(TokenTree::Group(g))) if g.delimiter() == Delimiter::Parenthesis => {
                let inner: Vec<TokenTree> = g.stream().into_iter().collect();
                let inner = parse_matchers(&inner, depth + 1)?;
                let op_at = |j: usize| match tokens.get(j) {
                    Some(TokenTree::Punct(p)) if matches!(p.as_char(), '*' | '+' | '?') => {
                        Some(p.as_char())
                    }
                    _ => None,
                };
                let (sep, op, next) = match op_at(i + 2) {
                    Some(op) => (None, op, i + 3),
                    None => (Some(token_text(tokens.get(i + 2)?)), op_at(i + 3)?, i + 4),
                };
                out.push(Matcher::Repeat(inner, sep, op != '+', op != '?'));
                i = next;
            }
            _ => {
                match t {
                    TokenTree::Group(g) => {
                        let inner: Vec<TokenTree> = g.stream().into_iter().collect();
                        out.push(Matcher::Group(g.delimiter(), parse_matchers(&inner, depth + 1)?));
                    }
                    other => out.push(Matcher::Token(token_text(other))),
                }
                i += 1;
            }
        }
    }
    Some(out)
}

fn frag_of(name: &str) -> Option<Frag> {
    Some(match name {
        "tt" => Frag::Tt,
        "ident" => Frag::Ident,
        "lifetime" => Frag::Lifetime,
        "literal" => Frag::Literal,
        "vis" => Frag::Vis,
        "expr" | "expr_2021" => Frag::Expr,
        "ty" => Frag::Ty,
        "path" => Frag::Path,
        "pat" | "pat_param" => Frag::Pat,
        "block" => Frag::Block,
        "item" => Frag::Item,
        "stmt" => Frag::Stmt,
        "meta" => Frag::Meta,
        _ => return None,
    })
}

/// Charges `n` tokens to the budget.
fn charge(budget: &mut usize, n: usize) -> Result<(), Stop> {
    match budget.checked_sub(n.max(1)) {
        Some(left) => {
            *budget = left;
            Ok(())
        }
        None => {
            *budget = 0;
            Err(Stop::Budget)
        }
    }
}

/// Matches `pats` against `input` from `at` and returns where the match ends: at the end of
/// `input` when `whole`, else wherever `pats` are done. Repetitions are matched greedily, giving
/// back one repetition at a time when what follows does not match; a repetition's body is
/// matched once per repetition, so a match is linear in the invocation but for that giving back.
fn match_seq(
    pats: &[Matcher],
    input: &[TokenTree],
    at: usize,
    binds: &mut Binds,
    budget: &mut usize,
    whole: bool,
) -> Result<Option<usize>, Stop> {
    charge(budget, 1)?;
    let Some((first, rest)) = pats.split_first() else {
        return Ok((!whole || at == input.len()).then_some(at));
    };
    match first {
        Matcher::Token(text) => match input.get(at) {
            Some(t) if !matches!(t, TokenTree::Group(_)) && token_text(t) == *text => {
                match_seq(rest, input, at + 1, binds, budget, whole)
            }
            _ => Ok(None),
        },
        Matcher::Group(delim, inner) => match input.get(at) {
            Some(TokenTree::Group(g)) if g.delimiter() == *delim => {
                let tokens: Vec<TokenTree> = g.stream().into_iter().collect();
                charge(budget, tokens.len())?;
                if match_seq(inner, &tokens, 0, binds, budget, true)?.is_none() {
                    return Ok(None);
                }
                match_seq(rest, input, at + 1, binds, budget, whole)
            }
            _ => Ok(None),
        },
        Matcher::Var(name, frag) => {
            let next = match rest.first() {
                Some(Matcher::Token(t)) => Some(t.as_str()),
                _ => None,
            };
            let from = at.min(input.len());
            let Some(n) = fragment_len(*frag, &input[from..], next, budget)? else {
                return Ok(None);
            };
            binds.insert(name.clone(), Binding::One(input[from..from + n].to_vec()));
            match_seq(rest, input, from + n, binds, budget, whole)
        }
        Matcher::Repeat(inner, sep, may_be_empty, many) => {
            // The bindings of each repetition, and where each number of them ends.
            let mut reps: Vec<Binds> = Vec::new();
            let mut ends: Vec<usize> = Vec::new();
            let mut cur = at;
            loop {
                if !reps.is_empty() && !*many {
                    break;
                }
                let mut start = cur;
                if !reps.is_empty() {
                    if let Some(sep) = sep {
                        match input.get(start) {
                            Some(t)
                                if !matches!(t, TokenTree::Group(_)) && token_text(t) == *sep =>
                            {
                                start += 1
                            }
                            _ => break,
                        }
                    }
                }
                let mut b = Binds::new();
                let Some(end) = match_seq(inner, input, start, &mut b, budget, false)? else {
                    break;
                };
                if end == cur {
                    break;
                }
                reps.push(b);
                cur = end;
                ends.push(cur);
            }
            let names = var_names(inner);
            let least = usize::from(!*may_be_empty);
            for count in (least..=reps.len()).rev() {
                let end = if count == 0 { at } else { ends[count - 1] };
                let mut trial = binds.clone();
                for name in &names {
                    let seq = reps[..count]
                        .iter()
                        .map(|r| r.get(name).cloned().unwrap_or(Binding::Seq(Vec::new())))
                        .collect();
                    trial.insert(name.clone(), Binding::Seq(seq));
                }
                if let Some(done) = match_seq(rest, input, end, &mut trial, budget, whole)? {
                    *binds = trial;
                    return Ok(Some(done));
                }
            }
            Ok(None)
        }
    }
}

fn var_names(pats: &[Matcher]) -> Vec<String> {
    let mut out = Vec::new();
    for p in pats {
        match p {
            Matcher::Var(n, _) => out.push(n.clone()),
            Matcher::Group(_, inner) | Matcher::Repeat(inner, ..) => out.extend(var_names(inner)),
            Matcher::Token(_) => {}
        }
    }
    out
}

/// How many token trees at the start of `input` one fragment takes, if it parses.
fn fragment_len(
    frag: Frag,
    input: &[TokenTree],
    next: Option<&str>,
    budget: &mut usize,
) -> Result<Option<usize>, Stop> {
    let punct =
        |t: Option<&TokenTree>, c: char| matches!(t, Some(TokenTree::Punct(p)) if p.as_char() == c);
    match frag {
        Frag::Tt => return Ok((!input.is_empty()).then_some(1)),
        Frag::Ident => {
            return Ok(matches!(input.first(), Some(TokenTree::Ident(i)) if i != "_").then_some(1))
        }
        Frag::Lifetime => {
            return Ok((punct(input.first(), '\'')
                && matches!(input.get(1), Some(TokenTree::Ident(_))))
            .then_some(2))
        }
        Frag::Literal => {
            return Ok(match (input.first(), input.get(1)) {
                (Some(TokenTree::Literal(_)), _) => Some(1),
                (Some(TokenTree::Ident(i)), _) if i == "true" || i == "false" => Some(1),
                (Some(TokenTree::Punct(p)), Some(TokenTree::Literal(_))) if p.as_char() == '-' => {
                    Some(2)
                }
                _ => None,
            })
        }
        _ => {}
    }
    // Most fragments end where the token the pattern writes after them first appears (`,` or
    // `=>`): parsing up to it keeps a long invocation linear. A fragment that holds the token
    // itself (`HashMap<K, V>` before a `,`) is parsed again from the whole rest.
    if let Some(next) = next {
        let cut =
            input.iter().position(|t| !matches!(t, TokenTree::Group(_)) && token_text(t) == next);
        if let Some(cut) = cut {
            if parse_fragment(frag, &input[..cut], budget)? == Some(cut) {
                return Ok(Some(cut));
            }
        }
    }
    parse_fragment(frag, input, budget)
}

/// How many token trees at the start of `input` syn parses as one fragment of a parsed kind.
fn parse_fragment(
    frag: Frag,
    input: &[TokenTree],
    budget: &mut usize,
) -> Result<Option<usize>, Stop> {
    charge(budget, input.len())?;
    let stream: TokenStream = input.iter().cloned().collect();
    let total = input.len();
    let parse = move |s: ParseStream<'_>| -> syn::Result<usize> {
        match frag {
            Frag::Vis => drop(s.parse::<syn::Visibility>()?),
            Frag::Expr => drop(s.parse::<syn::Expr>()?),
            Frag::Ty => drop(s.parse::<syn::Type>()?),
            Frag::Path => drop(syn::Path::parse_mod_style(s).or_else(|_| s.parse::<syn::Path>())?),
            Frag::Pat => drop(syn::Pat::parse_multi_with_leading_vert(s)?),
            Frag::Block => drop(s.parse::<syn::Block>()?),
            Frag::Item => drop(s.parse::<syn::Item>()?),
            Frag::Stmt => drop(s.parse::<syn::Stmt>()?),
            Frag::Meta => drop(s.parse::<syn::Meta>()?),
            Frag::Tt | Frag::Ident | Frag::Lifetime | Frag::Literal => {}
        }
        let rest: TokenStream = s.parse()?;
        Ok(total - rest.into_iter().count())
    };
    let n = parse.parse2(stream).ok();
    // A fragment other than `vis` never matches nothing.
    Ok(n.filter(|&n| n > 0 || frag == Frag::Vis))
}

/// Writes the template with its metavariables replaced.
fn transcribe(
    template: &[TokenTree],
    binds: &Binds,
    out: &mut Vec<TokenTree>,
    budget: &mut usize,
) -> Result<(), Stop> {
    let mut i = 0;
    while i < template.len() {
        let t = &template[i];
        charge(budget, 1)?;
        let dollar = matches!(t, TokenTree::Punct(p) if p.as_char() == '$');
        match (dollar, template.get(i + 1)) {
            (true, Some(TokenTree::Ident(name))) if name == "crate" => {
                out.push(TokenTree::Ident(Ident::new("crate", name.span())));
                i += 2;
            }
            (true, Some(TokenTree::Ident(name))) => {
                match binds.get(&name.to_string()) {
                    Some(Binding::One(tokens)) => {
                        charge(budget, tokens.len())?;
                        out.extend(tokens.iter().cloned());
                    }
                    // A repeated variable outside its repetition: rustc refuses the macro.
                    Some(Binding::Seq(_)) => return Err(Stop::NoMatch),
                    None => {
                        out.push(t.clone());
                        out.push(TokenTree::Ident(name.clone()));
                    }
                }
                i += 2;
            }
            (true, Some(TokenTree::Group(g))) if g.delimiter() == Delimiter::Parenthesis => {
                let inner: Vec<TokenTree> = g.stream().into_iter().collect();
                let is_op = |t: Option<&TokenTree>| matches!(t, Some(TokenTree::Punct(p)) if matches!(p.as_char(), '*' | '+' | '?'));
                let (sep, next) = if is_op(template.get(i + 2)) {
                    (None, i + 3)
                } else if is_op(template.get(i + 3)) {
                    (template.get(i + 2).cloned(), i + 4)
                } else {
                    return Err(Stop::NoMatch);
                };
                let names = var_names_in_template(&inner);
                let count = names
                    .iter()
                    .filter_map(|n| match binds.get(n) {
                        Some(Binding::Seq(s)) => Some(s.len()),
                        _ => None,
                    })
                    .max()
                    .ok_or(Stop::NoMatch)?;
                for k in 0..count {
                    if k > 0 {
                        out.extend(sep.iter().cloned());
                    }
                    let mut each = binds.clone();
                    for n in &names {
                        if let Some(Binding::Seq(s)) = binds.get(n) {
                            let one = s.get(k).cloned().ok_or(Stop::NoMatch)?;
                            each.insert(n.clone(), one);
                        }
                    }
                    transcribe(&inner, &each, out, budget)?;
                }
                i = next;
            }
            _ => {
                match t {
                    TokenTree::Group(g) => {
                        let inner: Vec<TokenTree> = g.stream().into_iter().collect();
                        let mut body = Vec::new();
                        transcribe(&inner, binds, &mut body, budget)?;
                        let mut group = Group::new(g.delimiter(), body.into_iter().collect());
                        group.set_span(g.span());
                        out.push(TokenTree::Group(group));
                    }
                    other => out.push(other.clone()),
                }
                i += 1;
            }
        }
    }
    Ok(())
}

fn var_names_in_template(tokens: &[TokenTree]) -> Vec<String> {
    let mut out = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        match t {
            TokenTree::Punct(p) if p.as_char() == '$' => {
                if let Some(TokenTree::Ident(name)) = tokens.get(i + 1) {
                    out.push(name.to_string());
                }
            }
            TokenTree::Group(g) => {
                let inner: Vec<TokenTree> = g.stream().into_iter().collect();
                out.extend(var_names_in_template(&inner));
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand_str(defs: &str, call: &str) -> Option<String> {
        let file: syn::File = syn::parse_str(defs).ok()?;
        let macros = Macros::collect(&file.items, &crate::testutil::knowledge());
        let mac: syn::Macro = syn::parse_str(call).ok()?;
        let mut budget = 100_000;
        macros.expand(&mac, &mut budget).ok().map(|t| t.to_string().split_whitespace().collect())
    }

    #[test]
    fn fragments_repetitions_and_rules() {
        let defs = r#"
            macro_rules! verifier {
                () => { fn none() {} };
                ($name:ident, $header:literal, $($ty:ty),+ $(,)?) => {
                    fn $name(headers: &str) -> bool { headers == $header }
                    $( impl Check for $ty {} )+
                };
            }
        "#;
        assert_eq!(expand_str(defs, "verifier!()").as_deref(), Some("fnnone(){}"));
        let out = expand_str(defs, r#"verifier!(verify_github, "x-hub", Vec<u8>, Body,)"#);
        assert_eq!(
            out.as_deref(),
            Some(
                r#"fnverify_github(headers:&str)->bool{headers=="x-hub"}implCheckforVec<u8>{}implCheckforBody{}"#
            )
        );
        assert_eq!(expand_str(defs, "verifier!(1, 2)"), None);
        assert_eq!(expand_str(defs, "other!()"), None);
    }

    #[test]
    fn tt_munchers_and_nested_repetitions() {
        let defs = r#"
            macro_rules! pairs {
                ($($k:ident => [$($v:expr),*]);* $(;)?) => { $( fn $k() { $( headers($v); )* } )* };
            }
        "#;
        let out = expand_str(defs, "pairs!(a => [1, x + 1]; b => [])");
        assert_eq!(out.as_deref(), Some("fna(){headers(1);headers(x+1);}fnb(){}"));
    }

    #[test]
    fn hostile_patterns_stop_at_the_budget() {
        // Nested repetitions of `tt` backtrack; the budget bounds the work.
        let defs = "macro_rules! m { ($($($a:tt)*)* ; $b:tt) => { fn f(headers: H) {} }; }";
        let file: syn::File = syn::parse_str(defs).expect("parses");
        let macros = Macros::collect(&file.items, &crate::testutil::knowledge());
        let call = format!("m!({})", "x ".repeat(2000));
        let mac: syn::Macro = syn::parse_str(&call).expect("parses");
        let mut budget = 200_000;
        let started = std::time::Instant::now();
        assert!(matches!(macros.expand(&mac, &mut budget), Err(Stop::Budget | Stop::NoMatch)));
        assert!(started.elapsed().as_secs() < 20);
    }

    #[test]
    fn generated_items_are_extracted_like_written_ones() {
        let f = crate::testutil::facts(
            r#"
macro_rules! verifier {
    ($name:ident, $header:literal) => {
        pub fn $name(req: &Request, mac: Mac) -> Result<(), Error> {
            let sig = req.headers().get($header).ok_or(Error::Unauthorized)?;
            mac.verify_slice(sig.as_bytes()).map_err(|_| Error::Unauthorized)
        }
    };
}
macro_rules! guard {
    ($ty:ident) => { fn check(&self) -> bool { self.headers().is_empty() } };
}
verifier!(verify_github, "x-hub-signature-256");
self::verifier!(verify_gitea, "x-gitea-signature");
struct Signed;
impl Signed {
    guard!(Signed);
}
undefined_elsewhere!(verify_other, "x-other");
macro_rules! wrap { ($($i:item)*) => { $($i)* }; }
wrap! { fn passed_through() {} }
macro_rules! numeric { ($t:ty) => { impl Zero for $t { fn zero() -> Self { 0 } } }; }
numeric!(u8);
"#,
        );
        let names: Vec<&str> = f.functions.iter().map(|g| g.qualified_name.as_str()).collect();
        assert_eq!(
            names,
            ["handlers::verify_github", "handlers::verify_gitea", "handlers::Signed::check"]
        );
        let github = &f.functions[0];
        assert!(github.calls.iter().any(|c| c.name == "verify_slice"));
        assert_eq!(github.headers_read[0].name, "x-hub-signature-256");
        // The name is where the invocation writes it; the item is where the template does.
        assert_eq!(github.span.line, 13);
        assert_eq!(github.item_span.line, 4);
        assert!(f.functions[1].headers_read.iter().any(|h| h.name == "x-gitea-signature"));
    }

    #[test]
    fn recursion_and_growth_are_bounded_problems() {
        let k = crate::testutil::knowledge();
        // Each level doubles: 2^16 copies without the bounds.
        let src =
            "macro_rules! boom { () => { boom!(); boom!(); fn f(headers: H) {} }; }\nboom!();\n";
        let handle = std::thread::Builder::new().stack_size(64 << 20).spawn(move || {
            let e = crate::extract_file("src/boom.rs", src, &k);
            (e.problems, e.file.functions.len())
        });
        let (problems, n) = handle.expect("spawn").join().expect("no panic");
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].code, hooklint_model::ProblemCode::TooComplex);
        assert_eq!(problems[0].span.as_ref().map(|s| s.line), Some(1));
        assert!(n > 0 && n < 70_000, "{n}");
    }
}
