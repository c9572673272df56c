//! The receiver model and gating facts of a function (`fn.receiver`, `fn.verifications`).

use serde::{Deserialize, Serialize};

use crate::{Fact, Span};

/// Evidence about whether a fn receives machine-to-machine deliveries.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Fact)]
pub struct Receiver {
    /// the part it plays in handling a request: `handler` (requests reach it), `extractor` (a
    /// `FromRequest`-like impl), `middleware` (a layer, `Service`, `Transform` or
    /// `Middleware`), `helper` (called, directly or not, by one of those), `""` (none)
    pub role: String,
    /// how requests reach it: `route` (a route attribute or registration), `handler` (it takes
    /// a request or body extractor by value and nothing in the project calls it), `""` (not
    /// inbound)
    pub inbound: String,
    /// upper-case methods of its routes, sorted (`ANY` when a route does not restrict it)
    pub methods: Vec<String>,
    /// a route method carries a body (`POST`, `PUT`, `PATCH`, `ANY`), or the method is unknown
    pub body_method: bool,
    /// it receives requests (`inbound`) and answers a documented subscription handshake with
    /// GET (a `handshake_params` query parameter such as `hub.challenge`)
    pub handshake: bool,
    /// evidence of user or client authentication on the request: `extractor Claims`, `layer
    /// HttpAuthentication`, `reads authorization`, `calls authenticate`
    pub user_auth: Vec<String>,
    /// strong signs of a delivery: `reads provider header x-github-event`, `body is provider
    /// type stripe::Event`, `declared in integration.yaml`, `route path /hooks/github says
    /// "hooks"`, `name stripe_webhook says "webhook"`, `crate forwardemail-webhook says
    /// "webhook"`
    pub signs: Vec<String>,
    /// weak signs that only add to a strong one: `route path /api/events says "events"`
    pub weak_signs: Vec<String>,
    /// why it is not a receiver although it may have signs: `OAuth redirect callback
    /// (exchange_code)`, `WebSocket upgrade (WebSocketUpgrade)`, `extractor`, `middleware`,
    /// `called by handlers::dispatch`, `outbound sender`
    pub excluded: Vec<String>,
}

/// One verification of the request a fn handles, wherever it runs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Fact)]
pub struct Verification {
    /// `call` (a known verifier called here), `helper` (a project fn that verifies),
    /// `compare` (a request value compared with a secret), `remote` (a provider's verification
    /// API), `extractor`, `layer`, `caller` (the project fn that calls this one verifies first)
    pub via: String,
    /// the verifier: call path, helper or caller name, extractor type, layer
    pub what: String,
    /// its failure rejects the request before anything else happens
    pub gates: bool,
    /// how it gates or what it does instead: `returns early`, `?`, `let else`, `panics`,
    /// `rejects`, `returns the verdict`, or the fail-open shape's words
    pub how: String,
    /// why it does not gate, `""` when it gates or nothing is known: `unless-configured`,
    /// `logged-only`, `discarded`, `spawned-before`, `accepts-on-failure`, `unchecked`
    pub fail_open: String,
    /// one sentence on the fail-open shape, for messages
    pub detail: String,
    /// the shape is in this fn (`true`), or in the helper, extractor or layer it names
    /// (`false`)
    pub local: bool,
    /// the verification: the call, comparison, parameter or route
    pub span: Span,
    /// the fail-open shape: the test of the secret, the log, the `let _`, the spawn; the
    /// verification's span otherwise
    pub at: Span,
}
