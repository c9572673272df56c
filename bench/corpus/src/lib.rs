//! Empty: the corpus is the dependencies, never built.
