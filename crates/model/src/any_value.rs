//! One serde reading of a self-describing value (YAML, JSON): null, a scalar, a list or a map,
//! whose elements and keys are read as the caller says. The manifest model's
//! [`Value`](crate::manifest::Value) reads its elements as values and its keys as strings; the
//! policy loader reads both as positioned YAML nodes.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// A value of any kind, with map keys read as `K` and list elements and map values as `T`.
#[derive(Debug, Clone, PartialEq)]
pub enum AnyValue<K, T> {
    Null,
    Bool(bool),
    Int(i64),
    /// Also an integer too large for `i64`.
    Float(f64),
    String(String),
    List(Vec<T>),
    Map(Vec<(K, T)>),
}

impl<K, T> AnyValue<K, T> {
    /// The same value with each map key turned by `key` and each element and map value by
    /// `item`.
    pub fn map<K2, T2>(
        self,
        mut key: impl FnMut(K) -> K2,
        mut item: impl FnMut(T) -> T2,
    ) -> AnyValue<K2, T2> {
        match self {
            AnyValue::Null => AnyValue::Null,
            AnyValue::Bool(b) => AnyValue::Bool(b),
            AnyValue::Int(i) => AnyValue::Int(i),
            AnyValue::Float(f) => AnyValue::Float(f),
            AnyValue::String(s) => AnyValue::String(s),
            AnyValue::List(items) => AnyValue::List(items.into_iter().map(item).collect()),
            AnyValue::Map(entries) => {
                AnyValue::Map(entries.into_iter().map(|(k, v)| (key(k), item(v))).collect())
            }
        }
    }
}

impl<'de, K: Deserialize<'de>, T: Deserialize<'de>> Deserialize<'de> for AnyValue<K, T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(AnyVisitor(PhantomData))
    }
}

struct AnyVisitor<K, T>(PhantomData<(K, T)>);

impl<'de, K: Deserialize<'de>, T: Deserialize<'de>> Visitor<'de> for AnyVisitor<K, T> {
    type Value = AnyValue<K, T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a YAML value")
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(AnyValue::Null)
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(AnyValue::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(AnyValue::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(AnyValue::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(i64::try_from(v).map(AnyValue::Int).unwrap_or(AnyValue::Float(v as f64)))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(AnyValue::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(AnyValue::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(AnyValue::String(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(AnyValue::List(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut entries = Vec::new();
        while let Some(entry) = map.next_entry()? {
            entries.push(entry);
        }
        Ok(AnyValue::Map(entries))
    }
}
