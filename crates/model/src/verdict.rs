//! Control-flow evidence of one function, computed at extraction for the project index.
//!
//! Not part of the policy-visible model: the index turns it into the documented facts
//! (`fn.verifications`, `fn.ip_sources[].decides`, ...). It says, for every place where a
//! value is examined as a verdict (an `if`, a `match`, a `?`, a `let .. else`, an `assert!`,
//! the function's return value), what the failure path does.

use crate::Span;

/// A source position packed as `line << 32 | column`, so positions compare in source order.
pub type Pos = u64;

pub fn pos(line: u32, column: u32) -> Pos {
    (u64::from(line) << 32) | u64::from(column)
}

/// No call or comparison.
pub const NONE: u32 = u32::MAX;

/// How the failure of a verdict is handled where the verdict is consumed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sink {
    /// The failure path leaves the function: an early `return`, `?`, `let .. else`, a panic
    /// (`unwrap`, `expect`, `assert!`) or a branch in the function's tail.
    Exits,
    /// The failure path goes on with the rest of the function.
    Proceeds,
    /// The verdict is the function's return value (`mac.verify_slice(..).is_ok()` in the tail).
    Returned,
    /// The result is thrown away: `let _ = ..`, `.ok();`, an expression statement.
    Discarded,
    /// Bound to a variable that is never examined, or passed on to another call.
    #[default]
    Unused,
}

/// What a value that leaves a function says, as bits.
pub mod exit {
    /// Hands the request on (`next.run(req)`, `service.call(req)`).
    pub const PASS: u8 = 1;
    /// A success constructor on the outside (`Ok(..)`, `Some(..)`, `true`, `Outcome::Success`).
    pub const OK: u8 = 2;
    /// A failure on the outside (`Err(..)`, `None`, `false`, `Outcome::Failure`, `?`, a panic).
    pub const ERR: u8 = 4;
    /// An error status anywhere in the value (`StatusCode::UNAUTHORIZED`, `Unauthorized()`).
    pub const STATUS_ERR: u8 = 8;
    /// The literal `true`.
    pub const TRUE: u8 = 16;
}

/// One place where a verdict is consumed.
#[derive(Debug, Clone, Default)]
pub struct SiteSink {
    pub sink: Sink,
    /// For `Exits`: what the failure path returns (`exit::*` bits, 0 when unknown).
    pub exit: u8,
    /// The failure path writes a log (a log macro in the failing branch).
    pub logged: bool,
    /// Where the verdict is examined: the `if`, `match`, `?`, `let _`.
    pub at: Span,
    /// Position where the verdict is first examined (work started before it is unguarded).
    pub examined: Pos,
    /// For `Proceeds`: the failing branch (start, end) and the position from which the
    /// failure path continues with the rest of the function.
    pub branch: (Pos, Pos),
    pub after: Pos,
}

/// A call or comparison whose result is examined as a verdict.
#[derive(Debug, Clone, Default)]
pub struct Site {
    /// Order of the call (`Call::order`), or [`NONE`].
    pub call: u32,
    /// Index of the comparison in `Function::compares`, or [`NONE`].
    pub compare: u32,
    pub at: Pos,
    pub end: Pos,
    pub sinks: Vec<SiteSink>,
    /// Index into `Verdicts::presences` of a test of a value this site uses (the key or the
    /// signature) that lets the request go on without the site running, or [`NONE`].
    pub presence: u32,
}

/// A test of whether a value is there (`if let Some(secret) = ..`, `if !secret.is_empty()`,
/// `let Some(sig) = .. else`) and what the path without it does.
#[derive(Debug, Clone, Default)]
pub struct Presence {
    /// Names of the tested value (bound names and the last segment of the tested path).
    pub names: Vec<String>,
    /// The test.
    pub span: Span,
    /// What the path without the value does: `Exits` (with `exit`) or `Proceeds`.
    pub absent: Sink,
    pub exit: u8,
    /// For `Proceeds`: where the path without the value goes on.
    pub after: Pos,
}

/// A task spawned by the function (`tokio::spawn(..)`, `thread::spawn(..)`).
#[derive(Debug, Clone, Default)]
pub struct Spawn {
    pub at: Pos,
    pub span: Span,
    /// Its arguments use a parameter of the function (through `let` bindings): request work.
    pub request: bool,
}

/// The control-flow evidence of one function.
#[derive(Debug, Clone, Default)]
pub struct Verdicts {
    pub sites: Vec<Site>,
    pub presences: Vec<Presence>,
    pub spawns: Vec<Spawn>,
    /// Every way the function exits early or in its tail (`exit::*` bits), so the index can
    /// tell a function that always hands the request on from one that can reject it.
    pub exits: u8,
    /// The function takes `self`: a method, which no framework registers as a handler.
    pub takes_self: bool,
}

/// A value whose checks the walk reports: a `let` binding or a read at a position.
#[derive(Debug, Clone, Default)]
pub struct Checked {
    pub binding: String,
    pub at: Pos,
    pub end: Pos,
}
