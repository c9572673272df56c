//! The fact model described to itself: every fact struct derives [`Fact`], which gives it a
//! static [`Schema`] (field names as policies and `facts` output see them, types, doc comments)
//! and a reader of each field by its position in that schema.
//!
//! This is the one declaration of the model. The policy loader checks field names against the
//! schemas, the policy engine builds CEL values and reads fields natively through [`Fact`], and
//! the report crate writes the JSON Schema of `facts --schema` and the field tables of the docs
//! from the same schemas. Adding a fact is adding a field with its doc comment.

use std::collections::BTreeMap;

use crate::manifest::Value;
use crate::SharedStr;

pub use hooklint_model_derive::Fact;

/// The type of a field as policies see it.
#[derive(Debug, Clone, Copy)]
pub enum Ty {
    Bool,
    /// A CEL `int` (counts, lines, seconds).
    Int,
    Str,
    List(&'static Ty),
    /// A map from string keys to values of one type (`doc.key_spans`).
    Map(&'static Ty),
    Obj(&'static Schema),
    /// Any value, fields unchecked: a manifest's `data`.
    Any,
}

impl Ty {
    /// `a string`, `a list`, ... for error messages.
    pub fn describe(self) -> &'static str {
        match self {
            Ty::Bool => "a bool",
            Ty::Int => "an int",
            Ty::Str => "a string",
            Ty::List(_) => "a list",
            Ty::Map(_) | Ty::Obj(_) => "a map",
            Ty::Any => "any value",
        }
    }

    /// The element type of a list.
    pub fn element(self) -> Option<Ty> {
        match self {
            Ty::List(elem) => Some(*elem),
            _ => None,
        }
    }
}

impl std::fmt::Display for Ty {
    /// `string`, `list(Call)`, `map(Span)`: the notation of the documentation tables.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Ty::Bool => f.write_str("bool"),
            Ty::Int => f.write_str("int"),
            Ty::Str => f.write_str("string"),
            Ty::List(elem) => write!(f, "list({elem})"),
            Ty::Map(elem) => write!(f, "map({elem})"),
            Ty::Obj(schema) => f.write_str(schema.name),
            Ty::Any => f.write_str("any"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// Part of the stored facts: in `facts` output and in what policies read.
    Stored,
    /// Computed for policies from the stored facts; not in `facts` output.
    Computed,
    /// A struct whose fields read as this one's (a view that adds computed fields).
    Flatten,
}

/// One declared field.
#[derive(Debug)]
pub struct Field {
    /// The name policies and `facts` output use (`type`, `macro` where Rust needs another).
    pub name: &'static str,
    pub ty: Ty,
    /// The field's doc comment, lines joined by newlines.
    pub doc: &'static str,
    pub kind: FieldKind,
}

/// A fact struct: its name, its doc comment and its fields in declaration order.
#[derive(Debug)]
pub struct Schema {
    pub name: &'static str,
    pub doc: &'static str,
    /// As declared; a `Flatten` entry stands for the fields of its type.
    pub fields: &'static [Field],
    /// How many fields policies see (flattened fields counted one by one).
    pub len: usize,
}

impl Schema {
    #[doc(hidden)]
    pub const fn new(name: &'static str, doc: &'static str, fields: &'static [Field]) -> Self {
        let mut len = 0;
        let mut i = 0;
        while i < fields.len() {
            len += match (fields[i].kind, fields[i].ty) {
                (FieldKind::Flatten, Ty::Obj(inner)) => inner.len,
                _ => 1,
            };
            i += 1;
        }
        Schema { name, doc, fields, len }
    }

    /// The fields policies see, flattened ones in place, in declaration order.
    pub fn visible(&'static self) -> Vec<&'static Field> {
        let mut out = Vec::with_capacity(self.len);
        for field in self.fields {
            match (field.kind, field.ty) {
                (FieldKind::Flatten, Ty::Obj(inner)) => out.extend(inner.visible()),
                _ => out.push(field),
            }
        }
        out
    }

    /// The field policies read as `name`, and the positions that lead to it (more than one
    /// through a flattened field), for [`read`].
    pub fn lookup(&'static self, name: &str) -> Option<(Vec<usize>, &'static Field)> {
        for (i, field) in self.fields.iter().enumerate() {
            match (field.kind, field.ty) {
                (FieldKind::Flatten, Ty::Obj(inner)) => {
                    if let Some((mut path, found)) = inner.lookup(name) {
                        path.insert(0, i);
                        return Some((path, found));
                    }
                }
                _ if field.name == name => return Some((vec![i], field)),
                _ => {}
            }
        }
        None
    }

    /// The schemas this one refers to, itself first, each once, depth first in field order.
    pub fn reachable(&'static self) -> Vec<&'static Schema> {
        fn walk(ty: Ty, out: &mut Vec<&'static Schema>) {
            match ty {
                Ty::List(elem) | Ty::Map(elem) => walk(*elem, out),
                Ty::Obj(schema) => {
                    if out.iter().any(|s| std::ptr::eq(*s, schema)) {
                        return;
                    }
                    out.push(schema);
                    for field in schema.visible() {
                        walk(field.ty, out);
                    }
                }
                _ => {}
            }
        }
        let mut out = Vec::new();
        walk(Ty::Obj(self), &mut out);
        out
    }
}

/// A fact struct whose fields can be read by their position in its [`Schema`].
/// Implemented by `#[derive(Fact)]`.
pub trait Fact {
    fn schema(&self) -> &'static Schema;
    /// The field at `index` of `schema().fields`; `Missing` past the end. A `Flatten` field
    /// reads as the inner struct.
    fn field_at(&self, index: usize) -> FieldRef<'_>;

    /// Calls `visit` with every field policies see, flattened ones in place, in order.
    fn visit<'a>(&'a self, visit: &mut dyn FnMut(&'static Field, FieldRef<'a>)) {
        for (i, field) in self.schema().fields.iter().enumerate() {
            match (field.kind, self.field_at(i)) {
                (FieldKind::Flatten, FieldRef::Obj(inner)) => inner.visit(visit),
                (_, value) => visit(field, value),
            }
        }
    }
}

/// A field's value, borrowed from the facts.
#[derive(Clone, Copy)]
pub enum FieldRef<'a> {
    Bool(bool),
    Int(i64),
    Str(&'a str),
    List(&'a dyn FactList),
    Map(&'a dyn FactMap),
    Obj(&'a dyn Fact),
    /// A manifest document's plain data.
    Data(&'a Value),
    /// No such field.
    Missing,
}

/// Follows `path` (positions, as [`Schema::lookup`] gives them) from `from`.
pub fn read<'a>(from: FieldRef<'a>, path: &[usize]) -> FieldRef<'a> {
    let mut cur = from;
    for &i in path {
        cur = match cur {
            FieldRef::Obj(o) => o.field_at(i),
            _ => return FieldRef::Missing,
        };
    }
    cur
}

/// A list field's elements.
pub trait FactList {
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    fn at(&self, index: usize) -> FieldRef<'_>;
}

/// A map field's entries, in key order.
pub trait FactMap {
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    fn visit<'a>(&'a self, visit: &mut dyn FnMut(&'a str, FieldRef<'a>));
}

/// A type a fact field can have: its [`Ty`] and how to read it.
pub trait FieldValue {
    const TY: Ty;
    fn field_ref(&self) -> FieldRef<'_>;
}

/// The scalar field types: their policy type, and how a borrowed value reads.
macro_rules! scalars {
    ($($t:ty => $ty:expr, |$v:ident| $read:expr;)*) => {$(
        impl FieldValue for $t {
            const TY: Ty = $ty;
            #[inline]
            fn field_ref(&self) -> FieldRef<'_> {
                let $v = self;
                $read
            }
        }
    )*};
}

scalars! {
    bool => Ty::Bool, |v| FieldRef::Bool(*v);
    u32 => Ty::Int, |v| FieldRef::Int(i64::from(*v));
    i64 => Ty::Int, |v| FieldRef::Int(*v);
    str => Ty::Str, |v| FieldRef::Str(v);
    String => Ty::Str, |v| FieldRef::Str(v);
    SharedStr => Ty::Str, |v| FieldRef::Str(v);
    std::borrow::Cow<'static, str> => Ty::Str, |v| FieldRef::Str(v);
    Value => Ty::Any, |v| FieldRef::Data(v);
}

impl<T: FieldValue + ?Sized> FieldValue for &T {
    const TY: Ty = T::TY;
    #[inline]
    fn field_ref(&self) -> FieldRef<'_> {
        (**self).field_ref()
    }
}

impl<T: FieldValue> FieldValue for Vec<T> {
    const TY: Ty = Ty::List(&T::TY);
    #[inline]
    fn field_ref(&self) -> FieldRef<'_> {
        FieldRef::List(self)
    }
}

impl<T: FieldValue> FactList for Vec<T> {
    #[inline]
    fn len(&self) -> usize {
        Vec::len(self)
    }
    #[inline]
    fn at(&self, index: usize) -> FieldRef<'_> {
        self.get(index).map_or(FieldRef::Missing, FieldValue::field_ref)
    }
}

impl<V: FieldValue> FieldValue for BTreeMap<String, V> {
    const TY: Ty = Ty::Map(&V::TY);
    #[inline]
    fn field_ref(&self) -> FieldRef<'_> {
        FieldRef::Map(self)
    }
}

impl<V: FieldValue> FactMap for BTreeMap<String, V> {
    fn len(&self) -> usize {
        BTreeMap::len(self)
    }
    fn visit<'a>(&'a self, visit: &mut dyn FnMut(&'a str, FieldRef<'a>)) {
        for (k, v) in self {
            visit(k, v.field_ref());
        }
    }
}

/// Where a policy applies, and what its expressions see.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Target {
    /// Every fn and method, bound as `fn`.
    RustFunction,
    /// Every Rust source file, bound as `file`.
    RustFile,
    /// Every manifest document, bound as `doc`.
    Manifest,
    /// The whole run once, bound as `project`.
    Project,
}

impl Target {
    pub const ALL: [Target; 4] =
        [Target::RustFunction, Target::RustFile, Target::Manifest, Target::Project];

    /// The name a policy's `target:` key gives it.
    pub fn as_str(self) -> &'static str {
        match self {
            Target::RustFunction => "rust.function",
            Target::RustFile => "rust.file",
            Target::Manifest => "manifest",
            Target::Project => "project",
        }
    }

    pub fn parse(s: &str) -> Option<Target> {
        Target::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// The name the target is bound to in expressions.
    pub fn binding(self) -> &'static str {
        match self {
            Target::RustFunction => "fn",
            Target::RustFile => "file",
            Target::Manifest => "doc",
            Target::Project => "project",
        }
    }

    /// The schema of the value bound to [`Target::binding`].
    pub fn schema(self) -> &'static Schema {
        const FUNCTION: &Schema = schema_of(<crate::Function as FieldValue>::TY);
        const FILE: &Schema = schema_of(<crate::FileView as FieldValue>::TY);
        const DOCUMENT: &Schema = schema_of(<crate::manifest::Document as FieldValue>::TY);
        const PROJECT: &Schema = schema_of(<crate::manifest::Project as FieldValue>::TY);
        match self {
            Target::RustFunction => FUNCTION,
            Target::RustFile => FILE,
            Target::Manifest => DOCUMENT,
            Target::Project => PROJECT,
        }
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The schema of a fact struct's `FieldValue::TY` (evaluated at compile time above).
const fn schema_of(ty: Ty) -> &'static Schema {
    match ty {
        Ty::Obj(schema) => schema,
        _ => panic!("not a fact struct"),
    }
}
