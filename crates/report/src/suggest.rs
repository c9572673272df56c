//! "did you mean" for mistyped rule ids: one implementation, shared by every crate.

pub use hooklint_model::suggest::did_you_mean;
