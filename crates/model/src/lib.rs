//! hooklint's fact model and findings.
//!
//! These are the plain data types every other crate speaks: the facts extracted from Rust source
//! (and, later, manifests), the shared `Knowledge` that policies and extractors both read, and
//! the findings and problems a run produces. The fact types are the public contract for rule
//! authors: `docs/facts.md` documents them field by field and `FACTS_VERSION` versions them.
//!
//! Architecture invariant: this crate parses nothing and does no I/O. Absent strings are `""`
//! (never `null`) so that CEL expressions can compare them without guarding.

use serde::{Deserialize, Serialize};

// The derive names `::hooklint_model::fact`, which must resolve inside this crate too.
extern crate self as hooklint_model;

pub mod any_value;
pub mod fact;
pub mod flow;
mod knowledge;
pub mod manifest;
pub mod names;
mod receiver;
mod rule;
pub mod suggest;
pub mod verdict;
pub use fact::{Fact, Target};
pub use knowledge::{Compiled, Knowledge, Matchers};
pub use receiver::{Receiver, Verification};
pub use rule::{LoadError, LoadErrorKind, RuleInfo};

/// Version of the fact model. Bumped when a field is renamed or removed or changes meaning.
pub const FACTS_VERSION: u32 = 2;

/// An immutable string that clones without copying: the path in every span of a file, and the
/// call names a function `reaches`, are one allocation shared by all the facts that hold them.
/// It reads as a `&str` (`Deref`), compares with strings and serializes as a plain string.
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SharedStr(std::sync::Arc<str>);

impl SharedStr {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for SharedStr {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for SharedStr {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::borrow::Borrow<str> for SharedStr {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl From<&str> for SharedStr {
    fn from(s: &str) -> Self {
        SharedStr(s.into())
    }
}

impl From<String> for SharedStr {
    fn from(s: String) -> Self {
        SharedStr(s.into())
    }
}

impl From<&String> for SharedStr {
    fn from(s: &String) -> Self {
        SharedStr(s.as_str().into())
    }
}

impl From<&SharedStr> for SharedStr {
    fn from(s: &SharedStr) -> Self {
        s.clone()
    }
}

impl PartialEq<str> for SharedStr {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for SharedStr {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

impl PartialEq<String> for SharedStr {
    fn eq(&self, other: &String) -> bool {
        &*self.0 == other.as_str()
    }
}

impl PartialEq<SharedStr> for str {
    fn eq(&self, other: &SharedStr) -> bool {
        self == &*other.0
    }
}

impl PartialEq<SharedStr> for &str {
    fn eq(&self, other: &SharedStr) -> bool {
        *self == &*other.0
    }
}

impl PartialEq<SharedStr> for String {
    fn eq(&self, other: &SharedStr) -> bool {
        self.as_str() == &*other.0
    }
}

impl std::fmt::Debug for SharedStr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&*self.0, f)
    }
}

impl std::fmt::Display for SharedStr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for SharedStr {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for SharedStr {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(SharedStr::from)
    }
}

/// A region of a source file. Lines and columns are 1-based; columns count characters.
/// `end_column` is exclusive.
#[derive(
    Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Fact,
)]
pub struct Span {
    /// path of the file, as given to the run
    pub file: SharedStr,
    /// first line, 1-based
    pub line: u32,
    /// first column, 1-based, counting characters
    pub column: u32,
    /// last line
    pub end_line: u32,
    /// column just past the end (exclusive)
    pub end_column: u32,
}

impl Span {
    pub fn new(
        file: impl Into<SharedStr>,
        line: u32,
        column: u32,
        end_line: u32,
        end_column: u32,
    ) -> Self {
        Span { file: file.into(), line, column, end_line, end_column }
    }

    /// A span covering one whole line's start; used when only a line is known.
    pub fn line(file: impl Into<SharedStr>, line: u32) -> Self {
        Span { file: file.into(), line, column: 1, end_line: line, end_column: 1 }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "note" => Some(Severity::Note),
            "warning" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How sure a rule is of a finding, from the evidence behind it: `high` when the evidence shows
/// the mistake, `medium` when part of it is inferred, `low` when a name is all there is.
/// Ordered `Low < Medium < High`; `--confidence` hides findings below a level.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    Low,
    Medium,
    #[default]
    High,
}

impl Confidence {
    pub const ALL: [Confidence; 3] = [Confidence::High, Confidence::Medium, Confidence::Low];

    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }

    pub fn parse(s: &str) -> Option<Confidence> {
        Confidence::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// SARIF `rank` (0-100) of a result with this confidence.
    pub fn rank(self) -> u32 {
        match self {
            Confidence::Low => 30,
            Confidence::Medium => 60,
            Confidence::High => 90,
        }
    }
}

impl std::fmt::Display for Confidence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

// ---------------------------------------------------------------------------------------------
// Rust facts
// ---------------------------------------------------------------------------------------------

/// Facts of one Rust source file, as stored and printed by `facts`. Policies see them through
/// [`FileView`], which adds the computed fields.
#[derive(Debug, Clone, Default, Serialize, Deserialize, Fact)]
#[fact(name = "StoredRustFile")]
pub struct RustFile {
    /// path as given to the run
    pub path: String,
    /// the whole file is test code: under a `tests/` or `benches/` directory, or
    /// `#![cfg(test)]`
    pub is_test: bool,
    /// string and byte-string literals of module-level `const` and `static` items (and
    /// `const`s in `impl` blocks); see [Literal](#literal)
    pub literals: Vec<Literal>,
    /// Every fn and method of the file, in source order.
    #[serde(skip)]
    pub functions: Vec<Function>,
    /// Uses and impls the project index needs; not part of the policy-visible model.
    #[serde(skip)]
    pub index: FileIndex,
}

/// One Rust source file as policies see it: target `rust.file`, bound as `file`.
#[derive(Fact)]
#[fact(name = "RustFile")]
pub struct FileView<'a> {
    #[fact(flatten)]
    pub file: &'a RustFile,
    /// the file's own `literals` followed by the `literals` of each of its functions, each
    /// with the `function` it sits in: every literal of the file in one list
    #[fact(computed)]
    pub all_literals: Vec<FileLiteral<'a>>,
}

impl<'a> FileView<'a> {
    pub fn new(file: &'a RustFile) -> Self {
        let mut all_literals: Vec<FileLiteral<'a>> =
            file.literals.iter().map(|literal| FileLiteral { literal, function: "" }).collect();
        for f in &file.functions {
            all_literals.extend(
                f.literals
                    .iter()
                    .map(|literal| FileLiteral { literal, function: &f.qualified_name }),
            );
        }
        FileView { file, all_literals }
    }
}

/// An element of `file.all_literals`: a [`Literal`] and the function it sits in.
#[derive(Fact)]
pub struct FileLiteral<'a> {
    #[fact(flatten)]
    pub literal: &'a Literal,
    /// qualified name of the fn the literal sits in, `""` at item level
    #[fact(computed)]
    pub function: &'a str,
}

/// What a file contributes to the project index (resolution of calls across files).
#[derive(Debug, Clone, Default)]
pub struct FileIndex {
    /// Module path of the file within its crate, e.g. `handlers::github` (empty for a crate root).
    pub module: String,
    /// `use` aliases: local name -> full path (`Hmac` -> `hmac::Hmac`).
    pub uses: Vec<(String, String)>,
    /// Types with a project impl of an extractor trait: (type name, trait name, qualified fn name).
    pub extractor_impls: Vec<(String, String, String)>,
    /// Router registrations found in this file.
    pub registrations: Vec<Registration>,
    /// Data flow of the file's functions and `const`/`static` items; consumed by the index.
    pub flow: flow::FileFlow,
    /// Structs of the file, for field types and `{:?}` output.
    pub structs: Vec<flow::StructDef>,
    /// Types with a hand-written `impl Debug` in this file (it may print anything or nothing).
    pub debug_impls: Vec<String>,
    /// Module declarations under `#[cfg(test)]` (`mod tests;`): name, and the `#[path]` given.
    pub test_mods: Vec<(String, Option<String>)>,
    /// Name of the package the file belongs to (`[package] name` of its `Cargo.toml`), set by
    /// the engine before linking; `""` when unknown.
    pub crate_name: String,
}

/// A route registered on a router or framework object, with the layers that wrap it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Registration {
    pub method: String,
    pub path: String,
    pub framework: String,
    /// Handler path as written (`handlers::github_webhook`, `webhook`).
    pub handler: String,
    /// Middleware functions (from `from_fn`, `wrap_fn`, ...) or layer types applied to the route.
    pub layers: Vec<String>,
    pub span: Span,
    /// Lower-case header names the route's filters read before the handler runs (warp's
    /// `warp::header("x-signature")`); the index adds them to the handler's `headers_read`.
    #[serde(default)]
    pub headers: Vec<String>,
}

/// One fn or method (free, inherent, trait impl, trait default, in inline modules too): target
/// `rust.function`, bound as `fn`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, Fact)]
pub struct Function {
    /// the fn's name
    pub name: String,
    /// `module::Type::name` (methods), `module::Trait::name` (trait default methods) or
    /// `module::name`
    pub qualified_name: String,
    /// module path within the crate: from the file path (`src/handlers/github.rs` ->
    /// `handlers::github`; `lib.rs`, `main.rs`, `src/bin/*.rs`, `tests/*.rs` are roots;
    /// `x/mod.rs` -> `x`) plus inline `mod` blocks
    pub module: String,
    /// type of the enclosing `impl` (last path segment, no generics), `""` for free fns
    pub self_type: String,
    /// trait of the enclosing `impl` or trait definition, `""` if none
    pub trait_name: String,
    /// path of the file
    pub file: String,
    /// the fn's name
    pub span: Span,
    /// the whole item, attributes to closing brace
    pub item_span: Span,
    /// test code: `#[cfg(test)]` on the fn, its `impl` or any enclosing `mod`; a
    /// `test_attributes` attribute (`#[test]`, `#[tokio::test]`, `#[actix_web::test]`, any
    /// `*::test`, `#[rstest]`, `#[test_case]`, `#[bench]`, ...); or a test file
    pub is_test: bool,
    /// `async fn`
    pub is_async: bool,
    /// attribute paths as written (`post`, `tokio::main`, `instrument`); doc comments excluded
    pub attributes: Vec<String>,
    /// routes that lead to this fn, from route attributes and router registrations
    pub routes: Vec<Route>,
    /// typed parameters (not `self`)
    pub params: Vec<Param>,
    /// a framework request handler (see [Handlers](#handlers))
    pub is_handler: bool,
    /// a receiver of inbound webhooks (deliveries from another machine), decided from the
    /// evidence in `receiver` (see [Receivers](#receivers))
    pub is_webhook: bool,
    /// why `is_webhook` holds: the receiver's strong and weak signs (`reads provider header
    /// x-github-event`, `body is provider type stripe::Event`, `route path /hooks/github says
    /// "hooks"`); empty when `is_webhook` is false
    pub webhook_reasons: Vec<String>,
    /// the receiver model's evidence: how requests reach the fn, user authentication on
    /// them, strong and weak signs of a delivery, exclusions (see [Receivers](#receivers))
    pub receiver: Receiver,
    /// request headers this fn reads
    pub headers_read: Vec<HeaderRead>,
    /// every call and method call, including those inside macro bodies, and each function passed
    /// by name to a map-like method (`.and_then(parse_token)`: the call a closure calling it
    /// would make, with no argument texts)
    pub calls: Vec<Call>,
    /// call names and paths reachable from this fn (see [Reachability](#reachability))
    pub reaches: Vec<SharedStr>,
    /// header names read by this fn or anything it reaches
    pub reaches_headers: Vec<String>,
    /// this fn or something it reaches compares a sensitive operand with a `variable_time_ops`
    /// operator (`==`, `!=`, `eq`, `ne`, `starts_with`, `ends_with`, `assert_eq`, `assert_ne`):
    /// an attempted, variable-time check, the one crypto/non-constant-time-compare reports
    pub reaches_sensitive_compare: bool,
    /// a known verifier is reached: by a call, a helper, an extractor or a layer
    pub verifies: bool,
    /// how: `calls hmac::Mac::verify_slice`, `via helper verify_signature`, `extractor
    /// VerifiedBody`, `layer verify_signature`
    pub verified_by: Vec<String>,
    /// every verification of this fn's request, wherever it runs (the fn, a helper, an
    /// extractor or guard, a layer, the caller that dispatches to it, a remote API), and
    /// whether it gates (see [Gating](#gating))
    pub verifications: Vec<Verification>,
    /// some verification's failure rejects the request before its effect
    pub verification_gates: bool,
    /// comparisons
    pub compares: Vec<Compare>,
    /// string and byte-string literals in the body (format strings of format-like macros
    /// excluded)
    pub literals: Vec<Literal>,
    /// logging and printing macro calls
    pub logs: Vec<LogCall>,
    /// reads of the client address
    pub ip_sources: Vec<IpSource>,
    /// how the request body is taken and parsed
    pub body: Body,
    /// Control-flow evidence for the project index; not part of the policy-visible model.
    #[serde(skip)]
    pub verdicts: verdict::Verdicts,
}

/// A route that leads to a fn.
#[derive(Debug, Clone, Default, Serialize, Deserialize, Fact)]
pub struct Route {
    /// upper-case HTTP method, `ANY` when not restricted
    pub method: String,
    /// route path, with `nest`/`scope`/`mount` prefixes applied where the chain shows them
    pub path: String,
    /// `axum`, `actix-web`, `rocket`, `warp`, `poem`
    pub framework: String,
    /// middleware fns (`from_fn(verify)` -> `verify`) and layer types (`VerifyLayer::new(..)`
    /// -> `VerifyLayer`) wrapping the route
    pub layers: Vec<String>,
    /// the route attribute or the registering expression
    pub span: Span,
}

/// A typed parameter of a fn.
#[derive(Debug, Clone, Default, Serialize, Deserialize, Fact)]
pub struct Param {
    /// the bound name (`State(app): State<S>` -> `app`)
    pub name: String,
    /// the type as written
    #[serde(rename = "type")]
    pub ty: String,
    /// `json`, `form`, `bytes`, `string`, `stream`, `request`, `headers`, `header`,
    /// `connect_info`, `state`, `path`, `query`, `extension`, `custom`, `other`
    pub extractor: String,
    /// for `custom`: the project type implementing the extractor trait
    pub custom: String,
    /// the parameter
    pub span: Span,
}

/// A read of a request header.
#[derive(Debug, Clone, Default, Serialize, Deserialize, Fact)]
pub struct HeaderRead {
    /// lower-case header name
    pub name: String,
    /// the `let` (or `if let`/`let else`) binding receiving the value, or the parameter for
    /// typed headers, `""` if none
    pub binding: String,
    /// the value decides control flow (see [Gates](#gates-and-logged-only))
    pub gates: bool,
    /// the value is used, and only as an argument of logging macros
    pub logged_only: bool,
    /// the value (through bindings) is compared or checked for membership, and a failed
    /// check rejects the request: it decides access
    pub decides: bool,
    /// the value (through bindings) is an argument of a call: it names what a query, a write
    /// or an outbound call works on
    pub passed: bool,
    /// the read
    pub span: Span,
}

/// A call or method call.
#[derive(Debug, Clone, Default, Serialize, Deserialize, Fact)]
pub struct Call {
    /// last path segment or method name (`verify_slice`)
    pub name: String,
    /// resolved path: `use` items and `type` aliases applied to the first segment
    /// (`Hmac::<Sha256>::new_from_slice` with `use hmac::Hmac` ->
    /// `hmac::Hmac::new_from_slice`; `Self::` -> the impl type). Method calls are `Type::name`
    /// when the receiver's type is known (a typed `let`, `let x = T::new(..)?`/`T { .. }`, a
    /// typed param, `self`; `State<T>`, `Data<T>`, `Arc<T>` are looked through), else `name`.
    /// Methods of the `hmac::Mac` trait on an `Hmac` value are `hmac::Mac::name`
    pub path: String,
    /// receiver text of a method call, `""` for path calls
    pub receiver: String,
    /// method-call syntax
    pub is_method: bool,
    /// argument texts
    pub args: Vec<String>,
    /// position among this fn's calls in evaluation order (receiver and arguments before the
    /// call itself), 0-based
    pub order: u32,
    /// qualified name of the project fn the call resolves to, `""` if external or unresolved
    pub target: String,
    /// the call is a known verifier, or its target reaches one
    pub verifies: bool,
    /// the call sits in a branch (an `if`/`else` body, a `match` arm, the body of an `if let`):
    /// it runs only under some condition
    pub in_branch: bool,
    /// path calls: the whole call; method calls: method name to closing parenthesis
    pub span: Span,
}

/// A comparison.
#[derive(Debug, Clone, Default, Serialize, Deserialize, Fact)]
pub struct Compare {
    /// `==`, `!=`, `<`, `<=`, `>`, `>=`, `eq`, `ne`, `starts_with`, `ends_with` (method
    /// forms), `assert_eq`, `assert_ne` (also `debug_assert_*`)
    pub op: String,
    /// the whole comparison
    pub text: String,
    /// the left operand (the receiver for method forms)
    pub left: Operand,
    /// the right operand (the argument for method forms)
    pub right: Operand,
    /// path of the innermost call whose argument holds the comparison (`filter` in
    /// `users.filter(email.eq(e))`), `""` when none
    pub inside: String,
    /// the result only becomes data: it is the value (alone, negated, or joined by a boolean
    /// and/or) of a struct literal's field or of an assignment to a field (`Session { current:
    /// a == b }`), so nothing is decided by it here
    pub stored: bool,
    /// the comparison
    pub span: Span,
}

/// An expression in a comparison or a logging call.
#[derive(Debug, Clone, Default, Serialize, Deserialize, Fact)]
pub struct Operand {
    /// the expression
    pub text: String,
    /// variables and field names in it (`self.cfg.secret` -> `cfg`, `secret`, `self`)
    pub idents: Vec<String>,
    /// where the value may come from, strongest first (secret, mac, request, store, param,
    /// public); see [Provenance](#provenance)
    pub provenance: Vec<Origin>,
    /// the value's type when the code states it (a typed binding or parameter, `T::new(..)`,
    /// `T { .. }`), last path segment; `""` when unknown
    #[serde(rename = "type")]
    pub ty: String,
    /// log arguments only: formatted with `Debug` (`{:?}`, `?field`, `dbg!`)
    pub debug: bool,
    /// value when the operand is a string, byte-string, number, bool or char literal
    pub literal: String,
    /// the operand is a literal
    pub is_literal: bool,
    /// see [Sensitivity](#sensitivity)
    pub sensitive: bool,
    /// `name expected_sig`, `from header x-hub-signature-256`, `from mac`, `from mac output`;
    /// `""` when not sensitive
    pub sensitive_reason: String,
    /// log arguments only: the structured field name (`token` in `info!(token = %t)`, `%t` ->
    /// `t`)
    pub field: String,
    /// the expression (for an inline format capture: the format string)
    pub span: Span,
}

/// A string or byte-string literal.
#[derive(Debug, Clone, Default, Serialize, Deserialize, Fact)]
pub struct Literal {
    /// the literal's value (byte strings lossily as UTF-8). A secret (a known provider prefix
    /// such as `ghp_` or `sk_live_`, or a value named like a password, token, secret or key)
    /// is shown by `facts` as `<redacted:fnv:XXXXXXXX>`, wherever it appears, unless
    /// `--show-secrets` is given; findings never show it
    pub value: String,
    /// `b"..."`
    pub is_bytes: bool,
    /// the `const`, `static`, `let` or struct field it initialises, `""` if none
    pub binding: String,
    /// `const`, `static`, `let`, `field`, `arg`, `other`
    pub context: String,
    /// for `arg`: resolved path of the called fn or method (`hmac::Hmac::new_from_slice`,
    /// `std::env::var`)
    pub callee: String,
    /// in test code
    pub is_test: bool,
    /// where the literal's value goes that makes it a credential, through bindings, `const`s,
    /// fields and project functions; see [Provenance](#provenance)
    pub flows_to: Vec<LiteralUse>,
    /// the literal
    pub span: Span,
}

/// Where a value may come from: one origin of the provenance vocabulary and the steps that
/// carried the value from it to where it is used.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Fact)]
pub struct Origin {
    /// `request`, `secret`, `mac`, `public`, `store` or `param`
    pub kind: std::borrow::Cow<'static, str>,
    /// what produced it within the kind: `header`, `body`, `json`, `env`, `state`, `type`,
    /// `call`, `literal`, `error`...
    pub source: std::borrow::Cow<'static, str>,
    /// header, environment variable, state or field path, type, call or parameter name; `""`
    /// for a literal
    pub name: String,
    /// steps from the use back to the origin, nearest first (`let sig = headers.get(..)`,
    /// `param headers`, `arg 1 of verify at src/hooks.rs:12`)
    pub chain: Vec<SharedStr>,
    /// the fields and keys the value was read through on its way, nearest first, by their own
    /// name, from the chain's `field` steps: `token` for `cmd.token`, `{:?}` of a `Command`
    /// whose field `token` holds it, or `form.get("token")`
    pub fields: Vec<SharedStr>,
    /// where the origin is read (the header read, the `env::var` call, the literal)
    pub span: Span,
}

/// A use of a literal that makes it a credential.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, Fact)]
pub struct LiteralUse {
    /// `arg`: an argument of a `secret_sinks` call; `header`: the value of a header set by name;
    /// `compare`: compared with a value whose provenance is `against`
    pub kind: std::borrow::Cow<'static, str>,
    /// the call's path (`hmac::Hmac::new_from_slice`), or the operator for `compare`
    pub callee: String,
    /// argument position for `arg` (the receiver of a method call is not counted)
    pub arg: u32,
    /// header name for `header`
    pub name: String,
    /// for `compare`: the provenance of the other side
    pub against: Vec<Origin>,
    /// steps from the use back to the literal
    pub chain: Vec<SharedStr>,
    /// the call or comparison
    pub span: Span,
}

/// A logging or printing macro call.
#[derive(Debug, Clone, Default, Serialize, Deserialize, Fact)]
pub struct LogCall {
    /// macro name, last segment (`println`, `info`)
    #[serde(rename = "macro")]
    pub macro_name: String,
    /// macro path as written (`tracing::info`)
    pub path: String,
    /// value arguments: structured fields (`field` set), positional format arguments, named
    /// format arguments and inline captures (`"{token}"`)
    pub args: Vec<Operand>,
    /// the macro call
    pub span: Span,
}

/// A read of the client address.
#[derive(Debug, Clone, Default, Serialize, Deserialize, Fact)]
pub struct IpSource {
    /// `connect_info` (a `ConnectInfo<..>` param), `peer_addr`, `remote_addr` (also warp
    /// `warp::addr::remote()`), `realip` (`realip_remote_addr()`), or an `ip_headers` header
    /// name
    pub kind: String,
    /// the binding receiving the address
    pub binding: String,
    /// the address decides control flow (allowlist check, comparison, `if`)
    pub gates: bool,
    /// the address is only logged
    pub logged_only: bool,
    /// the address (through bindings) is compared or checked against a list, and a failed
    /// check rejects the request: it decides access
    pub decides: bool,
    /// the read
    pub span: Span,
}

/// How a handler takes the request body: `fn.body`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, Fact)]
pub struct Body {
    /// `json`, `form`, `bytes`, `string`, `stream`, `request` (whole request, body read
    /// later) or `none`, from the params; the first of that list present wins
    pub kind: String,
    /// the `Json<T>`/`Form<T>` param type, `""` if none
    pub typed_extractor: String,
    /// deserializations in source order: a typed `Json`/`Form` param first, then
    /// `serde_json::from_slice`/`from_str`/`from_reader`/`from_value`, `simd_json`,
    /// `serde_urlencoded`, `Json::from_bytes`, `.json()`/`.json::<T>()` (not on a receiver
    /// whose text contains a `response_receiver_hints` entry, such as `resp` or `client`)
    pub parses: Vec<Parse>,
}

/// A deserialization of the request body.
#[derive(Debug, Clone, Default, Serialize, Deserialize, Fact)]
pub struct Parse {
    /// the call path, `.json()` or the extractor type
    pub what: String,
    /// see [Parse before verify](#parse-before-verify)
    pub before_verify: bool,
    /// the call or the parameter
    pub span: Span,
}

// ---------------------------------------------------------------------------------------------
// Results of a run
// ---------------------------------------------------------------------------------------------

/// A secondary location of a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

/// A policy violation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub rule: String,
    pub severity: Severity,
    /// The short headline.
    pub message: String,
    /// The details, one sentence or two each, in order (from the policy's `notes`); shown
    /// under the headline as rustc's `= note:` lines are.
    #[serde(default)]
    pub notes: Vec<String>,
    pub span: Span,
    /// How to fix it, from the rule's `docs.fix` first paragraph.
    pub help: String,
    /// Qualified name of the enclosing function, if any.
    pub function: String,
    pub labels: Vec<Label>,
    pub fingerprint: String,
    /// From the rule's `confidence` expression; `high` when it has none.
    #[serde(default)]
    pub confidence: Confidence,
}

impl Finding {
    /// Deterministic order: path, position, rule, message.
    pub fn sort_key(&self) -> (&str, u32, u32, &str, &str) {
        (&self.span.file, self.span.line, self.span.column, &self.rule, &self.message)
    }
}

/// A folder discovery left out as code the project does not own or ship (`vendor/`, a crate
/// that is not a member of the checked workspace), with the number of files in it that
/// would have been checked. `include-foreign` brings these folders back.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SkippedFolder {
    /// The folder, relative to the base directory, `/`-separated.
    pub path: String,
    pub reason: SkipReason,
    /// For `not-a-member`: the workspace (or crate) root it is not a member of, relative to
    /// the base directory; empty otherwise.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub workspace: String,
    /// Rust files and manifests in it that discovery would have checked.
    pub files: usize,
}

/// Why a folder is not the checked project's code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SkipReason {
    /// A `vendor/`, `third_party/` or `third-party/` folder: copies of other projects' code.
    Vendored,
    /// A folder with its own `Cargo.toml` that the checked workspace does not list as a
    /// member (nor depends on by path).
    NotAMember,
    /// A folder whose `Cargo.toml` has its own `[workspace]`: another project.
    OwnWorkspace,
}

impl SkipReason {
    /// How the reason reads in a sentence (`vendor/ (vendored code)`).
    pub fn describe(self) -> &'static str {
        match self {
            SkipReason::Vendored => "vendored code",
            SkipReason::NotAMember => "own Cargo.toml, not a workspace member",
            SkipReason::OwnWorkspace => "its own workspace",
        }
    }
}

/// A problem with the run itself rather than with the code: unreadable or unparsable input,
/// a policy that failed at run time. Each names where it happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    pub code: ProblemCode,
    pub message: String,
    /// Where, when known. A problem in a file without position has line 0.
    pub span: Option<Span>,
    pub severity: Severity,
}

impl Problem {
    /// A problem with its code's severity.
    pub fn new(code: ProblemCode, message: impl Into<String>, span: Option<Span>) -> Self {
        Problem { code, message: message.into(), span, severity: code.severity() }
    }
}

/// What went wrong, as the stable kebab-case code every output shows (`parse-error`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProblemCode {
    /// syn could not parse a Rust file.
    ParseError,
    /// A file or directory could not be read (permissions, a symlink loop, a file that changed
    /// during the run).
    IoError,
    /// A file is not UTF-8.
    NonUtf8,
    /// A file is over the size limit.
    TooLarge,
    /// A Rust file nests brackets deeper than the parser may recurse.
    TooDeeplyNested,
    /// A file, item or target is past a bound other than bracket depth: a chain of types,
    /// operators, closures or calls too deep to walk, inline modules or expressions nested
    /// past the extractor's depth, macro bodies past the per-file budget, or a policy
    /// expression past its cost budget on one target. What the bound left out is not checked.
    TooComplex,
    /// A path (`#[path]`, `include!`, a symlink) leads outside the scanned tree and was not read.
    OutsideTree,
    /// The run found no file to check.
    NoFiles,
    /// A YAML document is not valid YAML.
    YamlError,
    /// A YAML document is over the depth, node or alias budget.
    YamlTooComplex,
    /// A key repeated in one YAML mapping (a warning: the last value is used).
    YamlDuplicateKey,
    /// A policy expression failed on one target.
    CelRuntimeError,
    /// A bug in hooklint, caught on one input.
    InternalError,
    /// A `Cargo.toml` that discovery reads to tell the workspace's members from other crates
    /// is not valid TOML (a warning: the folders it would decide are checked).
    CargoManifestError,
}

impl ProblemCode {
    pub const ALL: [ProblemCode; 14] = [
        ProblemCode::ParseError,
        ProblemCode::IoError,
        ProblemCode::NonUtf8,
        ProblemCode::TooLarge,
        ProblemCode::TooDeeplyNested,
        ProblemCode::TooComplex,
        ProblemCode::OutsideTree,
        ProblemCode::NoFiles,
        ProblemCode::YamlError,
        ProblemCode::YamlTooComplex,
        ProblemCode::YamlDuplicateKey,
        ProblemCode::CelRuntimeError,
        ProblemCode::InternalError,
        ProblemCode::CargoManifestError,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ProblemCode::ParseError => "parse-error",
            ProblemCode::IoError => "io-error",
            ProblemCode::NonUtf8 => "non-utf8",
            ProblemCode::TooLarge => "too-large",
            ProblemCode::TooDeeplyNested => "too-deeply-nested",
            ProblemCode::TooComplex => "too-complex",
            ProblemCode::OutsideTree => "outside-tree",
            ProblemCode::NoFiles => "no-files",
            ProblemCode::YamlError => "yaml-error",
            ProblemCode::YamlTooComplex => "yaml-too-complex",
            ProblemCode::YamlDuplicateKey => "yaml-duplicate-key",
            ProblemCode::CelRuntimeError => "cel-runtime-error",
            ProblemCode::InternalError => "internal-error",
            ProblemCode::CargoManifestError => "cargo-manifest-error",
        }
    }

    pub fn parse(s: &str) -> Option<ProblemCode> {
        ProblemCode::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Input was found but not (wholly) checked, or none was found: the run is incomplete,
    /// and fails like a run with findings (a gate must not pass on code it never read).
    pub fn is_input(self) -> bool {
        matches!(
            self,
            ProblemCode::ParseError
                | ProblemCode::IoError
                | ProblemCode::NonUtf8
                | ProblemCode::TooLarge
                | ProblemCode::TooDeeplyNested
                | ProblemCode::TooComplex
                | ProblemCode::OutsideTree
                | ProblemCode::NoFiles
                | ProblemCode::YamlError
                | ProblemCode::YamlTooComplex
        )
    }

    /// The severity a problem of this code has, which decides the exit code against
    /// `--fail-on`: every problem is an error except a repeated YAML key and a malformed
    /// `Cargo.toml`, which lose nothing.
    pub fn severity(self) -> Severity {
        match self {
            ProblemCode::YamlDuplicateKey | ProblemCode::CargoManifestError => Severity::Warning,
            _ => Severity::Error,
        }
    }
}

impl std::fmt::Display for ProblemCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ProblemCode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ProblemCode {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        ProblemCode::parse(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown problem code `{s}`")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problem_codes_are_kebab_case_and_round_trip() {
        for code in ProblemCode::ALL {
            let s = code.as_str();
            assert!(s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'));
            assert_eq!(ProblemCode::parse(s), Some(code));
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{s}\""));
            assert_eq!(serde_json::from_str::<ProblemCode>(&json).unwrap(), code);
        }
        assert_eq!(ProblemCode::parse("parse_error"), None);
    }

    #[test]
    fn input_problems_are_errors() {
        for code in ProblemCode::ALL.into_iter().filter(|c| c.is_input()) {
            assert_eq!(code.severity(), Severity::Error, "{code}");
        }
        assert!(!ProblemCode::CelRuntimeError.is_input());
        assert!(ProblemCode::TooComplex.is_input() && ProblemCode::NoFiles.is_input());
        assert_eq!(ProblemCode::YamlDuplicateKey.severity(), Severity::Warning);
    }
}
