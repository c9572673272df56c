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

mod knowledge;
pub mod manifest;
pub mod names;
mod receiver;
pub mod suggest;
pub mod verdict;
pub use knowledge::Knowledge;
pub use receiver::{Receiver, Verification};

/// Version of the fact model. Bumped when a field is renamed or removed or changes meaning.
pub const FACTS_VERSION: u32 = 1;

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
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Span {
    pub file: SharedStr,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
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

// ---------------------------------------------------------------------------------------------
// Rust facts
// ---------------------------------------------------------------------------------------------

/// Facts of one Rust source file: target `rust.file`, bound as `file` in policies.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RustFile {
    /// Path as given to the run (relative to the working directory where possible).
    pub path: String,
    /// The whole file is test code (`tests/` directory, `#![cfg(test)]`).
    pub is_test: bool,
    /// String literals of module-level `const` and `static` items (and consts in impls).
    pub literals: Vec<Literal>,
    /// Every fn and method of the file, in source order.
    #[serde(skip)]
    pub functions: Vec<Function>,
    /// Uses and impls the project index needs; not part of the policy-visible model.
    #[serde(skip)]
    pub index: FileIndex,
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

/// One fn or method: target `rust.function`, bound as `fn` in policies.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Function {
    pub name: String,
    /// `module::Type::name` or `module::name`.
    pub qualified_name: String,
    pub module: String,
    /// Type of the enclosing `impl` block, `""` for free functions.
    pub self_type: String,
    /// Trait of the enclosing `impl` block, `""` when inherent or free.
    pub trait_name: String,
    pub file: String,
    /// Span of the function's name.
    pub span: Span,
    /// Span of the whole item, signature to closing brace.
    pub item_span: Span,
    /// Under `#[cfg(test)]`, `#[test]`, `#[tokio::test]` or in a test file.
    pub is_test: bool,
    pub is_async: bool,
    /// Attribute paths on the function (`post`, `tokio::main`, `instrument`).
    pub attributes: Vec<String>,
    /// Routes that lead to this function (from attributes or router registrations).
    pub routes: Vec<Route>,
    pub params: Vec<Param>,
    /// Framework request handler (a route, a framework attribute, or extractor-typed params).
    pub is_handler: bool,
    /// Receiver of inbound webhooks, from the evidence in `receiver` (`docs/facts.md`).
    pub is_webhook: bool,
    /// Why `is_webhook` holds, one sentence each.
    pub webhook_reasons: Vec<String>,
    /// The receiver model's evidence.
    pub receiver: Receiver,
    pub headers_read: Vec<HeaderRead>,
    pub calls: Vec<Call>,
    /// Call paths and names reachable from this function: its own calls, those of project
    /// functions it calls (transitively), of extractors it takes and of layers on its routes.
    pub reaches: Vec<SharedStr>,
    /// Header names read by this function or anything it reaches (lowercase).
    pub reaches_headers: Vec<String>,
    /// This function or something it reaches compares a sensitive value (an attempted check).
    pub reaches_sensitive_compare: bool,
    /// A known verifier is reached (call, helper, extractor, or layer).
    pub verifies: bool,
    /// How verification is reached, one phrase each (`calls hmac::Mac::verify_slice`,
    /// `extractor VerifiedBody`, `layer verify_signature`).
    pub verified_by: Vec<String>,
    /// Every verification of this function's request, wherever it runs, and whether it gates.
    pub verifications: Vec<Verification>,
    /// Some verification's failure rejects the request before its effect.
    pub verification_gates: bool,
    pub compares: Vec<Compare>,
    pub literals: Vec<Literal>,
    pub logs: Vec<LogCall>,
    pub ip_sources: Vec<IpSource>,
    pub body: Body,
    /// Control-flow evidence for the project index; not part of the policy-visible model.
    #[serde(skip)]
    pub verdicts: verdict::Verdicts,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Route {
    /// Upper-case HTTP method, `ANY` when not restricted.
    pub method: String,
    pub path: String,
    /// `axum`, `actix-web`, `rocket`, `warp`, `poem`, `hyper`.
    pub framework: String,
    /// Layers and middleware that wrap the route (function or type names).
    pub layers: Vec<String>,
    pub span: Span,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Param {
    pub name: String,
    /// The type as written, whitespace-normalised.
    #[serde(rename = "type")]
    pub ty: String,
    /// `json`, `form`, `bytes`, `string`, `stream`, `request`, `headers`, `header`, `connect_info`,
    /// `state`, `path`, `query`, `extension`, `custom` (a project extractor), `other`.
    pub extractor: String,
    /// For `custom`: the project type implementing the extractor trait.
    pub custom: String,
    pub span: Span,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct HeaderRead {
    /// Lower-case header name.
    pub name: String,
    /// The `let` binding that receives the value, `""` if none.
    pub binding: String,
    /// The value (through bindings) decides control flow: `if`, `match`, comparison, `contains`.
    pub gates: bool,
    /// The value is only ever passed to logging macros.
    pub logged_only: bool,
    /// The value (through bindings) is compared or checked for membership, and a failed check
    /// rejects the request: it decides access.
    pub decides: bool,
    /// The value (through bindings) is an argument of a call: it names what a query, a write
    /// or an outbound call works on.
    pub passed: bool,
    pub span: Span,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Call {
    /// Last path segment or method name (`verify_slice`).
    pub name: String,
    /// Resolved path through `use` items where possible (`hmac::Mac::verify_slice`,
    /// `serde_json::from_slice`); for method calls `receiver_type::name` when known, else `name`.
    pub path: String,
    /// Receiver expression text of a method call, `""` for path calls.
    pub receiver: String,
    pub is_method: bool,
    /// Argument texts.
    pub args: Vec<String>,
    /// Position among this function's calls in source order (0-based).
    pub order: u32,
    /// Qualified name of the project function this call resolves to, `""` if external.
    pub target: String,
    /// The call is a known verifier or reaches one.
    pub verifies: bool,
    pub span: Span,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Compare {
    /// `==`, `!=`, `<`, `<=`, `>`, `>=`, `eq`, `ne`, `assert_eq`, `assert_ne`, `starts_with`,
    /// `ends_with`.
    pub op: String,
    pub text: String,
    pub left: Operand,
    pub right: Operand,
    pub span: Span,
}

/// An expression in a comparison or a logging call.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Operand {
    pub text: String,
    /// Identifiers and field names in the expression (`sig`, `headers`, `expected`).
    pub idents: Vec<String>,
    /// Names the value came from through `let` bindings: identifiers, called functions and
    /// header names of its initialisers, transitively within the function.
    pub origins: Vec<String>,
    /// Literal value when the operand is a string, byte-string or number literal, else `""`.
    pub literal: String,
    pub is_literal: bool,
    /// The value is (derived from) a secret, signature, MAC, digest, token or password, by name
    /// or by provenance, and is not reduced to a length, count or boolean.
    pub sensitive: bool,
    /// Why `sensitive` holds (`name sig`, `from header x-hub-signature-256`), `""` if it does not.
    pub sensitive_reason: String,
    /// For log arguments: the structured field name (`token` in `token = %t`), else `""`.
    pub field: String,
    pub span: Span,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Literal {
    /// The literal's value. Facts output shows it; findings never do.
    pub value: String,
    pub is_bytes: bool,
    /// Name of the `const`, `static`, `let` binding or struct field it initialises, `""` if none.
    pub binding: String,
    /// `const`, `static`, `let`, `field`, `arg`, `other`.
    pub context: String,
    /// For `arg`: path of the called function or method (`Hmac::new_from_slice`).
    pub callee: String,
    /// In test code (`#[cfg(test)]`, `#[test]`).
    pub is_test: bool,
    pub span: Span,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LogCall {
    /// Macro name as written, last segment (`println`, `info`, `debug`).
    #[serde(rename = "macro")]
    pub macro_name: String,
    /// Macro path as written (`tracing::info`).
    pub path: String,
    /// Format arguments, inline `{name}` captures and structured fields.
    pub args: Vec<Operand>,
    pub span: Span,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct IpSource {
    /// `connect_info`, `peer_addr`, `remote_addr`, `realip`, or the header name
    /// (`x-forwarded-for`, `x-real-ip`, ...).
    pub kind: String,
    pub binding: String,
    /// The address decides control flow (allowlist check, comparison, `if`).
    pub gates: bool,
    /// The address is only logged.
    pub logged_only: bool,
    /// The address (through bindings) is compared or checked against a list, and a failed
    /// check rejects the request: it decides access.
    pub decides: bool,
    pub span: Span,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Body {
    /// How the handler takes the body: `none`, `bytes`, `string`, `json`, `form`, `stream`,
    /// `request` (whole request, body read later).
    pub kind: String,
    /// The typed extractor consuming the body (`Json<Event>`), `""` if none.
    pub typed_extractor: String,
    /// Deserializations of the body in this function, in source order.
    pub parses: Vec<Parse>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Parse {
    /// `serde_json::from_slice`, `Json<Event>` (extractor), `.json()`.
    pub what: String,
    /// Happens before any verification in this function, and the function is not behind a
    /// verifying extractor or layer.
    pub before_verify: bool,
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
    pub message: String,
    pub span: Span,
    /// How to fix it, from the rule's `docs.fix` first paragraph.
    pub help: String,
    /// Qualified name of the enclosing function, if any.
    pub function: String,
    pub labels: Vec<Label>,
    pub fingerprint: String,
}

impl Finding {
    /// Deterministic order: path, position, rule, message.
    pub fn sort_key(&self) -> (&str, u32, u32, &str, &str) {
        (&self.span.file, self.span.line, self.span.column, &self.rule, &self.message)
    }
}

/// A problem with the run itself rather than with the code: unreadable or unparsable input,
/// a policy that failed at run time. Each names where it happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// Stable kebab-case code: `parse-error`, `io-error`, `non-utf8`, `too-large`,
    /// `policy-error`, `cel-runtime-error`.
    pub code: String,
    pub message: String,
    /// Where, when known. A problem in a file without position has line 0.
    pub span: Option<Span>,
    pub severity: Severity,
}

impl Problem {
    pub fn new(code: &str, message: impl Into<String>, span: Option<Span>) -> Self {
        Problem { code: code.to_string(), message: message.into(), span, severity: Severity::Error }
    }
}
