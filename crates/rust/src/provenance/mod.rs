//! Provenance: where a value may come from.
//!
//! The extractor computes, for every expression of a function body, a *value*: a short list
//! of origins, some known in the file (a header read, an environment variable, a literal, a
//! MAC computation) and some symbolic (a parameter, what a call returns, a field of a project
//! struct, a `const`). Values flow through `let`, assignment, field access, method chains,
//! `?`, `.await`, references, casts, closures, tuple and struct destructuring and `match` arms,
//! each arm and block its own scope (`scope`). `build` keeps values small and bounded.
//!
//! The project index then resolves the symbolic origins across files with function
//! summaries (`link`): what each function returns in terms of its parameters, what each
//! parameter receives from the callers, what each struct field and `static` is assigned,
//! iterated to a fixpoint with a bound. The result is written into the facts as
//! `Operand::provenance` and `Literal::flows_to`.
//!
//! The vocabulary of origin kinds is in `kinds`; which calls, types and names start a value of
//! a kind is knowledge (`policies/knowledge.yaml`), never a name word decided here.

pub mod build;
pub mod kinds;
pub mod link;
pub mod scope;
pub mod shape;
#[cfg(test)]
mod tests;
