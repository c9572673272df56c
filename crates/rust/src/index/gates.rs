//! Verification that gates: which verdict sites of a function verify the request, whether
//! their failure rejects it, and the summaries that carry the answer through helpers,
//! extractors, layers and callers.

use hooklint_model::verdict::{self, exit, Sink, Site, SiteSink};
use hooklint_model::{Call, Function, Knowledge, Span, Verification};

use super::graph::is_verifier;
use super::resolve::{Id, Index};

/// The part a function plays in handling a request, which decides what its exits mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    Handler,
    Extractor,
    Middleware,
    Helper,
}

impl Role {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Role::Handler => "handler",
            Role::Extractor => "extractor",
            Role::Middleware => "middleware",
            Role::Helper => "helper",
        }
    }
}

/// What a function does with the verification it runs, as seen by its callers.
#[derive(Debug, Clone, PartialEq, Default)]
pub(super) enum Summary {
    /// It verifies nothing.
    #[default]
    None,
    /// It verifies, and how it gates is unknown (the verdict goes somewhere we do not follow).
    Neutral,
    /// It returns the verdict (`bool`, `Result`, `Option`): the caller must gate on it.
    Verdict,
    /// It rejects on failure before its own effects: its work is gated inside.
    Gates,
    /// It verifies but lets the request through on failure. Boxed: the index keeps one summary
    /// per function, and few fail open.
    FailOpen(Box<Shape>),
}

/// A fail-open shape and where it is.
#[derive(Debug, Clone, PartialEq, Default)]
pub(super) struct Shape {
    pub(super) kind: &'static str,
    pub(super) detail: String,
    pub(super) at: Span,
    /// The verification's own span (the call or comparison).
    pub(super) span: Span,
    pub(super) what: String,
}

/// What kind of verification a site is.
enum Kind {
    /// A known verifier (`verifiers`).
    Direct(String),
    /// A call of a provider's verification API (`remote_verifiers`).
    Remote(String),
    /// A project fn that verifies.
    Helper(Id, String),
    /// A comparison of a sensitive value.
    Compare(String),
}

/// The outcome of one verification site.
#[derive(Debug, Clone, Default)]
pub(super) struct Outcome {
    pub(super) gates: bool,
    pub(super) verdict: bool,
    pub(super) how: String,
    pub(super) shape: Option<Shape>,
    /// Position where the gating sink examines the verdict (for callers and spawns).
    pub(super) examined: verdict::Pos,
}

pub(super) struct Cx<'a, 'ix> {
    pub(super) ix: &'a Index<'ix>,
    /// Per function, the target of each call (`Plan::targets`).
    pub(super) plans: &'a [super::Plan],
    /// Functions that verify, directly or through what they call.
    pub(super) verifying: &'a [bool],
    pub(super) roles: &'a [Option<Role>],
    pub(super) k: &'a Knowledge,
}

fn pos_of(s: &Span) -> verdict::Pos {
    verdict::pos(s.line, s.column)
}

/// Is this site a verification, and of what kind?
fn kind(cx: &Cx, id: Id, f: &Function, site: &Site) -> Option<Kind> {
    if site.call != verdict::NONE {
        let c = f.calls.get(site.call as usize)?;
        if is_verifier(c, cx.k) {
            return Some(Kind::Direct(call_label(c)));
        }
        if let Some(fragment) = remote_fragment(c, cx.k) {
            return Some(Kind::Remote(fragment));
        }
        let target = cx.plans.get(id)?.targets.get(site.call as usize).copied().flatten()?;
        if target != id && cx.verifying.get(target).copied().unwrap_or(false) {
            let name = cx.ix.func(target).map(|g| g.name.clone()).unwrap_or_default();
            return Some(Kind::Helper(target, name));
        }
        return None;
    }
    let c = f.compares.get(site.compare as usize)?;
    verifying_compare(c).then(|| Kind::Compare(c.text.clone()))
}

/// Whether a site can be a verification at all, a superset of what [`kind`] accepts: a call of
/// a known verifier, of a verification API or of a project fn, or a comparison that checks a
/// credential. The index drops every other site before the pass over the call graph, which
/// holds all functions' facts and plans at once.
pub(super) fn may_verify(f: &Function, site: &Site, targets: &[Option<Id>], k: &Knowledge) -> bool {
    if site.call != verdict::NONE {
        let Some(c) = f.calls.get(site.call as usize) else { return false };
        return targets.get(site.call as usize).copied().flatten().is_some()
            || is_verifier(c, k)
            || remote_fragment(c, k).is_some();
    }
    // Provenance across functions is linked after this filter runs, so a compare whose
    // request-header side is only known then must be kept: everything `verifying_compare` can
    // later accept, whatever the operands' provenance.
    f.compares.get(site.compare as usize).is_some_and(may_be_verifying_compare)
}

/// `verifying_compare` without its provenance test: a superset of it at any stage.
fn may_be_verifying_compare(c: &hooklint_model::Compare) -> bool {
    matches!(c.op.as_str(), "==" | "!=" | "eq" | "ne" | "assert_eq" | "assert_ne")
        && (c.left.sensitive || c.right.sensitive)
        && !c.left.is_literal
        && !c.right.is_literal
}

/// A comparison that checks a request credential: equality of a sensitive value (by name or
/// by `let` provenance) with something that is also sensitive or whose provenance is a request
/// header (`expected == provided`, `token != secret`). A lexer token against an enum variant
/// or a literal is not one.
pub(super) fn verifying_compare(c: &hooklint_model::Compare) -> bool {
    if !may_be_verifying_compare(c) {
        return false;
    }
    let from_request = |o: &hooklint_model::Operand| {
        o.sensitive_reason.starts_with("from header")
            || o.provenance.iter().any(|p| p.kind == "request" && p.source == "header")
    };
    (c.left.sensitive && c.right.sensitive) || from_request(&c.left) || from_request(&c.right)
}

pub(super) fn remote_fragment(c: &Call, k: &Knowledge) -> Option<String> {
    k.remote_verifiers
        .iter()
        .find(|r| !r.is_empty() && c.args.iter().any(|a| a.contains(r.as_str())))
        .cloned()
}

fn call_label(c: &Call) -> String {
    if c.path.contains("::") {
        c.path.clone()
    } else {
        c.name.clone()
    }
}

/// Does an exit with these bits reject the request, for a function in this role?
fn rejects(bits: u8, role: Role) -> bool {
    let error = bits & (exit::ERR | exit::STATUS_ERR) != 0;
    match role {
        Role::Handler => true,
        Role::Extractor => error || bits & exit::OK == 0,
        Role::Middleware => error || bits & exit::PASS == 0,
        Role::Helper => error || bits & exit::TRUE == 0,
    }
}

/// Work the function does after `from` or inside `region`: a call of a project fn, a spawn,
/// a parse of the body.
fn effect_after(f: &Function, from: verdict::Pos, region: (verdict::Pos, verdict::Pos)) -> bool {
    let inside = |p: verdict::Pos| p > from || (p >= region.0 && p < region.1);
    f.calls.iter().any(|c| !c.target.is_empty() && inside(pos_of(&c.span)))
        || f.verdicts.spawns.iter().any(|s| inside(s.at))
        || f.body.parses.iter().any(|p| inside(pos_of(&p.span)))
}

fn sink_how(s: &SiteSink) -> &'static str {
    match s.exit {
        _ if s.sink != Sink::Exits => "",
        b if b & exit::ERR != 0 && b & exit::STATUS_ERR == 0 => "returns an error",
        _ => "returns early",
    }
}

/// The outcome of one site in a function of the given role.
fn site_outcome(f: &Function, site: &Site, kind: &Kind, role: Role, callee: &Summary) -> Outcome {
    let span = site_span(f, site);
    let what = match kind {
        Kind::Direct(w) | Kind::Remote(w) | Kind::Compare(w) => w.clone(),
        Kind::Helper(_, n) => n.clone(),
    };
    match callee {
        Summary::Gates => {
            return Outcome {
                gates: true,
                how: format!("gates inside `{what}`"),
                examined: site.at,
                ..Outcome::default()
            }
        }
        Summary::FailOpen(shape) => {
            return Outcome {
                how: format!("`{what}` fails open"),
                shape: Some(Shape { span: span.clone(), ..(**shape).clone() }),
                examined: site.at,
                ..Outcome::default()
            };
        }
        Summary::Neutral => return Outcome { how: "unknown".into(), ..Outcome::default() },
        _ => {}
    }
    let mut best: Option<Outcome> = None;
    let rank = |o: &Outcome| {
        if o.gates {
            3
        } else if o.verdict {
            2
        } else if o.shape.is_some() {
            1
        } else {
            0
        }
    };
    let compare = matches!(kind, Kind::Compare(_));
    for s in &site.sinks {
        // A comparison whose failure quietly goes on selects something (a bypass, a branch);
        // one whose mismatch is logged is a check that was meant to stop the request.
        if compare && s.sink == Sink::Proceeds && !s.logged {
            continue;
        }
        let o = match s.sink {
            Sink::Exits if rejects(s.exit, role) => Outcome {
                gates: true,
                how: sink_how(s).to_string(),
                examined: s.examined,
                ..Outcome::default()
            },
            Sink::Exits => Outcome {
                how: "accepts on failure".into(),
                shape: Some(Shape {
                    kind: "accepts-on-failure",
                    detail: format!(
                        "on failure it {}lets the request through",
                        if s.logged { "logs and " } else { "" }
                    ),
                    at: span.clone(),
                    span: span.clone(),
                    what: what.clone(),
                }),
                examined: s.examined,
                ..Outcome::default()
            },
            Sink::Returned => Outcome {
                verdict: true,
                how: "returns the verdict".into(),
                examined: s.examined,
                ..Outcome::default()
            },
            Sink::Proceeds => {
                let proceeds = matches!(role, Role::Extractor | Role::Middleware)
                    || effect_after(f, s.after, s.branch);
                if proceeds {
                    let (kind, detail) = if s.logged {
                        ("logged-only", "a mismatch is only logged and the request goes on")
                    } else {
                        ("unchecked", "on a mismatch the request goes on")
                    };
                    Outcome {
                        how: detail.into(),
                        shape: Some(Shape {
                            kind,
                            detail: detail.into(),
                            at: if s.at.line > 0 { s.at.clone() } else { span.clone() },
                            span: span.clone(),
                            what: what.clone(),
                        }),
                        examined: s.examined,
                        ..Outcome::default()
                    }
                } else {
                    Outcome {
                        gates: true,
                        how: "work happens only on success".into(),
                        examined: s.examined,
                        ..Outcome::default()
                    }
                }
            }
            Sink::Discarded | Sink::Unused => Outcome {
                how: "its result is discarded".into(),
                shape: Some(Shape {
                    kind: "discarded",
                    detail: "its result is discarded".into(),
                    at: if s.at.line > 0 { s.at.clone() } else { span.clone() },
                    span: span.clone(),
                    what: what.clone(),
                }),
                examined: s.examined,
                ..Outcome::default()
            },
        };
        if best.as_ref().is_none_or(|b| rank(&o) > rank(b)) {
            best = Some(o);
        }
    }
    let mut out = best.unwrap_or(Outcome { how: "unknown".into(), ..Outcome::default() });
    // Runs only when a value is there, and the path without it lets the request through.
    if site.presence != verdict::NONE && (out.gates || out.verdict) {
        if let Some(p) = f.verdicts.presences.get(site.presence as usize) {
            let lets_through = match p.absent {
                Sink::Exits => !rejects(p.exit, role),
                Sink::Proceeds => {
                    matches!(role, Role::Extractor | Role::Middleware)
                        || effect_after(f, p.after, (0, 0))
                }
                _ => false,
            };
            if lets_through {
                let name = p.names.first().cloned().unwrap_or_default();
                out = Outcome {
                    how: "runs only when a value is present".into(),
                    shape: Some(Shape {
                        kind: "unless-configured",
                        detail: format!("it runs only when `{name}` is set; without it the request goes on unverified"),
                        at: p.span.clone(),
                        span: span.clone(),
                        what: what.clone(),
                    }),
                    examined: out.examined,
                    ..Outcome::default()
                };
            }
        }
    }
    // Work on the request spawned before the verdict is read.
    if out.gates && role != Role::Helper {
        let early = f.verdicts.spawns.iter().find(|s| s.request && s.at < out.examined);
        if let Some(sp) = early {
            out = Outcome {
                how: "work is spawned before the result is read".into(),
                shape: Some(Shape {
                    kind: "spawned-before",
                    detail: "work on the request is spawned before the verification result is read"
                        .into(),
                    at: sp.span.clone(),
                    span: span.clone(),
                    what,
                }),
                examined: out.examined,
                ..Outcome::default()
            };
        }
    }
    out
}

fn site_span(f: &Function, site: &Site) -> Span {
    if site.call != verdict::NONE {
        f.calls.get(site.call as usize).map(|c| c.span.clone()).unwrap_or_default()
    } else {
        f.compares.get(site.compare as usize).map(|c| c.span.clone()).unwrap_or_default()
    }
}

/// Every verification site of `id` with its outcome, given the callees' summaries.
pub(super) fn outcomes(cx: &Cx, id: Id, summaries: &[Summary]) -> Vec<(Outcome, Verification)> {
    let Some(f) = cx.ix.func(id) else { return Vec::new() };
    if f.verdicts.sites.is_empty() {
        return Vec::new();
    }
    let role = cx.roles.get(id).copied().flatten().unwrap_or(Role::Helper);
    let mut out = Vec::new();
    for site in &f.verdicts.sites {
        let Some(kind) = kind(cx, id, f, site) else { continue };
        let callee = match &kind {
            Kind::Helper(t, _) => summaries.get(*t).cloned().unwrap_or_default(),
            _ => Summary::Verdict,
        };
        let o = site_outcome(f, site, &kind, role, &callee);
        let (via, what) = match &kind {
            Kind::Direct(w) => ("call", w.clone()),
            Kind::Remote(w) => ("remote", w.clone()),
            Kind::Helper(_, n) => ("helper", n.clone()),
            Kind::Compare(t) => ("compare", t.clone()),
        };
        let span = site_span(f, site);
        let local = !matches!(callee, Summary::FailOpen(_));
        let v = Verification {
            via: via.to_string(),
            what,
            gates: o.gates,
            how: o.how.clone(),
            fail_open: o.shape.as_ref().map(|s| s.kind.to_string()).unwrap_or_default(),
            detail: o.shape.as_ref().map(|s| s.detail.clone()).unwrap_or_default(),
            local: local && o.shape.is_some(),
            at: o.shape.as_ref().map(|s| s.at.clone()).unwrap_or_else(|| span.clone()),
            span,
        };
        out.push((o, v));
    }
    out
}

/// The summary of a function from its sites' outcomes.
pub(super) fn summarise(cx: &Cx, id: Id, outs: &[(Outcome, Verification)]) -> Summary {
    let Some(f) = cx.ix.func(id) else { return Summary::None };
    if outs.is_empty() {
        return if cx.verifying.get(id).copied().unwrap_or(false) {
            Summary::Neutral
        } else {
            Summary::None
        };
    }
    let role = cx.roles.get(id).copied().flatten().unwrap_or(Role::Helper);
    let gating = outs.iter().filter(|(o, _)| o.gates).map(|(o, _)| o.examined).min();
    if let Some((o, _)) = outs.iter().find(|(o, _)| o.shape.is_some()) {
        if gating.is_none() && !outs.iter().any(|(o, _)| o.verdict) {
            return Summary::FailOpen(Box::new(o.shape.clone().unwrap_or_default()));
        }
    }
    if outs.iter().any(|(o, _)| o.verdict) {
        return Summary::Verdict;
    }
    match gating {
        Some(at) if role != Role::Helper || effect_after(f, at, (0, 0)) => Summary::Gates,
        Some(_) => Summary::Verdict,
        None => Summary::Neutral,
    }
}

/// Per function: is every call of it made after its caller's verification gated the request?
/// Returns the caller's name for functions whose every caller verifies first.
pub(super) fn caller_verified(
    ix: &Index,
    edges: &[Vec<Id>],
    gate_pos: &[Option<verdict::Pos>],
    plans: &[super::Plan],
) -> Vec<Option<String>> {
    let n = ix.nodes.len();
    // (callers seen, callers that verify first, a verifying caller's name)
    let mut seen: Vec<(u32, u32, Option<String>)> = vec![(0, 0, None); n];
    for (from, tos) in edges.iter().enumerate() {
        let Some(f) = ix.func(from) else { continue };
        let Some(ts) = plans.get(from).map(|p| &p.targets) else { continue };
        for &to in tos {
            let mut all_after = true;
            let mut any = false;
            for (c, t) in f.calls.iter().zip(ts) {
                if *t != Some(to) {
                    continue;
                }
                any = true;
                let p = pos_of(&c.span);
                if gate_pos.get(from).copied().flatten().is_none_or(|g| g >= p) {
                    all_after = false;
                }
            }
            if let Some(e) = seen.get_mut(to) {
                e.0 += 1;
                if any && all_after {
                    e.1 += 1;
                    e.2.get_or_insert_with(|| f.name.clone());
                }
            }
        }
    }
    seen.into_iter().map(|(all, ok, name)| if all > 0 && all == ok { name } else { None }).collect()
}

/// The position where the first gating verification of a function examines its verdict.
pub(super) fn gate_position(outs: &[(Outcome, Verification)]) -> Option<verdict::Pos> {
    outs.iter().filter(|(o, _)| o.gates).map(|(o, _)| o.examined).min()
}

/// The role of a function, from its place in the project.
pub(super) fn role_of(
    f: &Function,
    is_handler: bool,
    is_extractor: bool,
    is_layer: bool,
) -> Option<Role> {
    if is_extractor {
        return Some(Role::Extractor);
    }
    let trait_mw = matches!(f.trait_name.as_str(), "Service" | "Transform" | "Middleware")
        && matches!(f.name.as_str(), "call" | "handle" | "new_transform");
    if is_layer || trait_mw {
        return Some(Role::Middleware);
    }
    if is_handler || (f.trait_name == "Endpoint" && f.name == "call") {
        return Some(Role::Handler);
    }
    None
}

/// The verification entries that a summary stands for (extractor, layer).
pub(super) fn entry(via: &str, what: &str, s: &Summary, span: &Span) -> Option<Verification> {
    let mut v = Verification {
        via: via.to_string(),
        what: what.to_string(),
        span: span.clone(),
        at: span.clone(),
        ..Verification::default()
    };
    match s {
        Summary::None => return None,
        Summary::Neutral => v.how = "unknown".into(),
        Summary::Verdict | Summary::Gates => {
            v.gates = true;
            v.how = "rejects".into();
        }
        Summary::FailOpen(shape) => {
            v.how = format!("`{what}` fails open");
            v.fail_open = shape.kind.to_string();
            v.detail = shape.detail.clone();
            v.at = shape.at.clone();
        }
    }
    Some(v)
}
