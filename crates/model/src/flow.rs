//! Data flow as the extractor leaves it for the project index.
//!
//! Not part of the policy-visible model: the extractor records, for each value a rule can ask
//! about, where it may come from in terms that one file can know (a request read, a literal, an
//! environment variable, but also "parameter 2", "what call 5 returns", "field `token` of
//! `Config`"), and the project index turns those into [`crate::Origin`]s once every file is
//! known. A value is a short list of node ids; a node is an atom, or a step from an earlier
//! node (a `let`, a closure parameter) that the origin's chain shows.
//!
//! The flows of all functions and `const`/`static` items of a file share one [`FileFlow`]:
//! flat tables, values as ranges into one pool of node ids, and only the nodes some value the
//! index reads can reach. Every index in these types is into the file's tables unless said
//! otherwise.

use crate::{SharedStr, Span};

/// Sentinel for "no node" / "no step".
pub const NO_NODE: u32 = u32::MAX;

/// A value: a range of [`FileFlow::pool`] holding node ids.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Val {
    pub start: u32,
    pub len: u32,
}

/// A range of another table ([`FileFlow::vals`], [`FileFlow::strings`], ...).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Range {
    pub start: u32,
    pub len: u32,
}

impl Range {
    pub fn iter(self) -> std::ops::Range<usize> {
        self.start as usize..(self.start + self.len) as usize
    }
}

impl Val {
    pub fn iter(self) -> std::ops::Range<usize> {
        self.start as usize..(self.start + self.len) as usize
    }
}

/// What an atom stands for. Small and `Copy`: what it refers to lives in the tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Atom {
    /// An origin known in this file: index into [`FileFlow::sources`].
    Source(u32),
    /// A string or byte-string literal: index into the owner's literals (the function's, or
    /// the file's from [`GlobalFlow::literal_offset`] on).
    Literal(u32),
    /// The owner's parameter slot (`self` first for methods with a receiver).
    Param(u16),
    /// What the owner's call (index into `Function::calls`) returns.
    Call(u32),
    /// A `const` or `static`: index into [`FileFlow::strings`] of its path as resolved
    /// through the file's `use` items.
    Global(u32),
    /// A field path read from a root: index into [`FileFlow::fields`].
    Field(u32),
    /// A parameter of a closure bound to a local name, filled from its calls in the function:
    /// the slot number the owner's [`FlowFn::local_args`] use.
    Local(u32),
}

/// A concrete origin found in this file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceAtom {
    pub kind: &'static str,
    pub source: &'static str,
    pub name: SharedStr,
    pub span: Span,
}

/// Where a field path starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldRoot {
    /// A parameter slot: its declared type decides the struct.
    Param(u16),
    /// A value of this type (last path segment).
    Type(SharedStr),
    /// A `const` or `static` by path.
    Global(SharedStr),
}

/// A field path read from a root: the index resolves it against the project's structs, and
/// falls back to the value of the expression the field was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldRead {
    pub root: FieldRoot,
    /// Range of [`FileFlow::strings`]: the field names.
    pub path: Range,
    pub fallback: Val,
}

/// One node: an atom, or a step on top of an earlier node.
#[derive(Debug, Clone, Copy)]
pub struct FlowNode {
    /// Index into [`FileFlow::atoms`] of the atom this node leads to.
    pub atom: u32,
    /// The earlier node (`NO_NODE` for an atom's own node).
    pub prev: u32,
    /// Index into [`FileFlow::strings`] of what this step did (`let sig = headers.get(..)`),
    /// shown in chains; `NO_NODE` for an atom's own node.
    pub step: u32,
}

/// The flow of one call: argument values (receiver first for method calls) and the value the
/// call has when it is not a project function.
#[derive(Debug, Clone, Copy, Default)]
pub struct CallFlow {
    /// Index into the owner's calls.
    pub call: u32,
    /// Range of [`FileFlow::vals`].
    pub args: Range,
    pub external: Val,
    /// The call is neither an accessor, conversion or encoder (`value_carriers`) nor a
    /// standard-library step: its result is not the secret, MAC, request value or literal its
    /// receiver or arguments hold, only their other origins.
    pub opaque: bool,
}

/// A parameter slot of a function.
#[derive(Debug, Clone, Default)]
pub struct ParamSlot {
    pub name: SharedStr,
    /// Type, wrappers such as `State<T>`, `&T`, `Arc<T>` looked through, last segment.
    pub ty: SharedStr,
    /// The wrapper says the value is application state (`State`, `Data`, `Extension`).
    pub is_state: bool,
}

/// Where a store goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreTarget {
    /// `Type { field: v }`.
    Field { ty: SharedStr, field: SharedStr },
    /// `root.a.b = v`: a range of [`FileFlow::strings`] for the field names.
    FieldOf { root: FieldRoot, path: Range },
    /// A `static` by path (`CELL.set(v)`).
    Global(SharedStr),
}

#[derive(Debug, Clone)]
pub struct Store {
    pub target: StoreTarget,
    pub val: Val,
}

/// One function's (or initialiser's) part of the file's tables.
#[derive(Debug, Clone, Copy, Default)]
pub struct FlowFn {
    /// Its nodes: a range of [`FileFlow::nodes`].
    pub nodes: Range,
    pub params: Range,
    pub calls: Range,
    /// Per comparison of `Function::compares`: a range of two [`FileFlow::vals`] (left,
    /// right).
    pub compares: Range,
    /// Per log call of `Function::logs`: a range of [`FileFlow::ranges`], each a range of
    /// [`FileFlow::vals`], one per argument.
    pub logs: Range,
    /// What it returns (an initialiser: its value).
    pub ret: Val,
    pub stores: Range,
    pub local_args: Range,
}

/// A `const` or `static` item: its path and the flow of its initialiser.
#[derive(Debug, Clone, Default)]
pub struct GlobalFlow {
    /// `module::NAME`.
    pub path: String,
    pub name: String,
    /// Declared type, last segment, wrappers (`Lazy<T>`, `OnceCell<T>`) looked through.
    pub ty: String,
    /// Index of the initialiser's first literal in `RustFile::literals`.
    pub literal_offset: u32,
    pub flow: FlowFn,
    /// The calls of the initialiser (`Lazy::new(|| load_config())`), indexed by `Atom::Call`.
    pub calls: Vec<crate::Call>,
}

/// The flows of a file.
#[derive(Debug, Clone, Default)]
pub struct FileFlow {
    /// Per function, in `RustFile::functions` order.
    pub fns: Vec<FlowFn>,
    pub globals: Vec<GlobalFlow>,
    pub nodes: Vec<FlowNode>,
    pub atoms: Vec<Atom>,
    pub sources: Vec<SourceAtom>,
    /// Steps, global paths and field names.
    pub strings: Vec<SharedStr>,
    pub fields: Vec<FieldRead>,
    /// Node ids of all values.
    pub pool: Vec<u32>,
    /// Values, for tables that hold lists of values.
    pub vals: Vec<Val>,
    /// Ranges of `vals`, for lists of lists (log arguments).
    pub ranges: Vec<Range>,
    pub params: Vec<ParamSlot>,
    pub calls: Vec<CallFlow>,
    pub stores: Vec<Store>,
    /// (closure parameter slot, argument value).
    pub local_args: Vec<(u32, Val)>,
}

impl FileFlow {
    pub fn val(&self, v: Val) -> &[u32] {
        self.pool.get(v.iter()).unwrap_or_default()
    }

    pub fn vals(&self, r: Range) -> &[Val] {
        self.vals.get(r.iter()).unwrap_or_default()
    }

    pub fn strings(&self, r: Range) -> &[SharedStr] {
        self.strings.get(r.iter()).unwrap_or_default()
    }
}

/// A struct of the file: what `{:?}` of it prints and what its fields hold.
#[derive(Debug, Clone, Default)]
pub struct StructDef {
    pub name: String,
    pub fields: Vec<StructField>,
    /// `#[derive(Debug)]`.
    pub derives_debug: bool,
}

#[derive(Debug, Clone, Default)]
pub struct StructField {
    pub name: SharedStr,
    /// Declared type, wrappers (`Option`, `Arc`, `Box`, `Vec`) looked through, last segment.
    pub ty: String,
}
