//! Facts to CEL values, read through the model's `Fact` schema.
//!
//! Going through `cel::to_value` costs two passes (serde into `cel::Value`, then into the
//! interpreter's `Val` tree) and copies every string twice; building the `Val` tree directly
//! borrows every string from the facts. Every fact struct is read the same way, field by field
//! in its schema's order, so a field added to the model is in its CEL value with no edit here.
//! Numbers are CEL `int`s, so that `it.span.line > 10` needs no `u` suffix. `doc.data` is
//! dynamic: YAML values map to CEL values one to one.

use cel::common::types::{
    CelBool, CelDouble, CelInt, CelList, CelMap, CelMapKey, CelNull, CelString,
};
use cel::common::value::Val;
use hooklint_model::fact::{Fact, FieldRef};
use hooklint_model::manifest::Value;
use std::collections::HashMap;

pub(crate) type V<'a> = Box<dyn Val + 'a>;

/// The CEL value of a fact struct: a map of its fields, flattened ones in place.
pub(crate) fn fact(x: &dyn Fact) -> V<'_> {
    let mut map: HashMap<CelMapKey<'_>, V<'_>> = HashMap::with_capacity(x.schema().len);
    x.visit(&mut |field, value| {
        map.insert(CelMapKey::from(field.name), field_value(value));
    });
    Box::new(CelMap::from(map))
}

fn field_value(v: FieldRef<'_>) -> V<'_> {
    match v {
        FieldRef::Bool(b) => Box::new(CelBool::from(b)),
        FieldRef::Int(i) => Box::new(CelInt::from(i)),
        FieldRef::Str(s) => Box::new(CelString::from(s)),
        FieldRef::Obj(o) => fact(o),
        FieldRef::List(items) => {
            let values: Vec<V<'_>> = (0..items.len()).map(|i| field_value(items.at(i))).collect();
            Box::new(CelList::from(values))
        }
        FieldRef::Map(entries) => {
            let mut map: HashMap<CelMapKey<'_>, V<'_>> = HashMap::with_capacity(entries.len());
            entries.visit(&mut |k, v| {
                map.insert(CelMapKey::from(k), field_value(v));
            });
            Box::new(CelMap::from(map))
        }
        FieldRef::Data(v) => data(v),
        FieldRef::Missing => Box::new(CelNull),
    }
}

/// A YAML value as CEL: maps keep the last value of a repeated key, as the document reads.
fn data(v: &Value) -> V<'_> {
    match v {
        Value::Null => Box::new(CelNull),
        Value::Bool(x) => Box::new(CelBool::from(*x)),
        Value::Int(x) => Box::new(CelInt::from(*x)),
        Value::Float(x) => Box::new(CelDouble::from(*x)),
        Value::String(x) => Box::new(CelString::from(x.as_str())),
        Value::List(items) => Box::new(CelList::from(items.iter().map(data).collect::<Vec<_>>())),
        Value::Map(entries) => {
            let map: HashMap<CelMapKey<'_>, V<'_>> =
                entries.iter().map(|(k, v)| (CelMapKey::from(k.as_str()), data(v))).collect();
            Box::new(CelMap::from(map))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hooklint_model::manifest as mm;
    use hooklint_model::{FileView, Literal, RustFile};

    /// `cel::to_value` of the serialized facts, with unsigned numbers as CEL ints.
    fn serialized<T: serde::Serialize>(facts: &T) -> cel::Value {
        fn normalize(v: cel::Value) -> cel::Value {
            match v {
                cel::Value::UInt(u) => cel::Value::Int(u as i64),
                cel::Value::List(items) => cel::Value::List(
                    items.iter().cloned().map(normalize).collect::<Vec<_>>().into(),
                ),
                cel::Value::Map(m) => {
                    let entries: HashMap<_, _> =
                        m.map.iter().map(|(k, v)| (k.clone(), normalize(v.clone()))).collect();
                    cel::Value::Map(cel::objects::Map { map: std::sync::Arc::new(entries) })
                }
                other => other,
            }
        }
        normalize(cel::to_value(facts).unwrap())
    }

    fn built(facts: &dyn Fact) -> cel::Value {
        cel::Value::try_from(&*fact(facts)).unwrap()
    }

    /// The CEL value is the serialized model: every field, serde's names, the same values.
    #[test]
    fn values_are_the_serialized_facts() {
        let mut full = crate::tests::full_function();
        full.name = "n".into();
        full.calls[0].order = 3;
        full.literals[0].value = "v".into();
        assert_eq!(built(&full), serialized(&full));

        let doc = mm::Document {
            index: 2,
            data: mm::Value::Map(vec![
                ("a".into(), mm::Value::Int(1)),
                ("b".into(), mm::Value::List(vec![mm::Value::Null, mm::Value::Bool(true)])),
            ]),
            key_spans: [("a".to_string(), hooklint_model::Span::new("m.yaml", 1, 2, 1, 3))]
                .into_iter()
                .collect(),
            scopes: vec![mm::Scope { name: "repo".into(), ..Default::default() }],
            integration: mm::Integration {
                rotation_seconds: -4,
                broker: mm::IntegrationBroker { topics: vec!["t".into()], ..Default::default() },
                ..Default::default()
            },
            ..Default::default()
        };
        assert_eq!(built(&doc), serialized(&doc));
        let project = mm::Project {
            documents: vec![doc],
            declared_routes: vec![mm::DeclaredRoute {
                handlers: vec![mm::ProjectRoute::default()],
                ..Default::default()
            }],
            ..Default::default()
        };
        assert_eq!(built(&project), serialized(&project));
    }

    /// `file` adds `all_literals` to the stored fields: the file's literals, then each
    /// function's, each with the function it sits in.
    #[test]
    fn the_file_value_adds_all_literals() {
        let mut full = crate::tests::full_function();
        full.qualified_name = "m::f".into();
        let file = RustFile {
            path: "a.rs".into(),
            literals: vec![Literal { value: "x".into(), ..Literal::default() }],
            functions: vec![full],
            ..RustFile::default()
        };
        let cel::Value::Map(built) = built(&FileView::new(&file)) else { panic!("not a map") };
        let cel::Value::Map(stored) = serialized(&file) else { panic!("not a map") };
        for (k, v) in stored.map.iter() {
            assert_eq!(built.map.get(k), Some(v), "{k:?}");
        }
        let key = |k: &str| cel::objects::Key::String(std::sync::Arc::new(k.into()));
        let Some(cel::Value::List(all)) = built.map.get(&key("all_literals")) else {
            panic!("no all_literals")
        };
        let functions: Vec<_> = all
            .iter()
            .map(|l| match l {
                cel::Value::Map(m) => m.map.get(&key("function")).cloned(),
                _ => None,
            })
            .collect();
        assert_eq!(
            functions,
            [Some(cel::Value::from("")), Some(cel::Value::from("m::f"))],
            "{all:?}"
        );
    }
}
