//! The fact model for rule authors, from its one declaration (`hooklint_model::fact`): the JSON
//! Schema of `facts --schema` and the field tables of the documentation.

use std::io;

use hooklint_model::fact::{FieldKind, Schema, Ty};
use hooklint_model::{Target, FACTS_VERSION};
use serde::ser::{Serialize, SerializeMap, Serializer};

/// Writes the JSON Schema (draft 2020-12) of what policies read: one property per target
/// binding (`fn`, `file`, `doc`, `project`), every fact struct under `$defs`, descriptions from
/// the model's doc comments. Properties keep the model's declaration order.
pub fn facts_schema_json(w: &mut dyn io::Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, &facts_schema()).map_err(io::Error::from)?;
    writeln!(w)
}

/// A JSON value whose objects keep the order their keys were written in.
#[derive(Debug, Clone)]
enum Json {
    Str(String),
    Bool(bool),
    Array(Vec<Json>),
    Object(Vec<(&'static str, Json)>),
}

impl Serialize for Json {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Json::Str(s) => serializer.serialize_str(s),
            Json::Bool(b) => serializer.serialize_bool(*b),
            Json::Array(items) => items.serialize(serializer),
            Json::Object(entries) => {
                let mut map = serializer.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

fn str(s: impl Into<String>) -> Json {
    Json::Str(s.into())
}

/// The whole JSON Schema document.
fn facts_schema() -> Json {
    let targets = Target::ALL
        .iter()
        .map(|t| {
            let schema = t.schema();
            let property = Json::Object(vec![
                ("$ref", str(format!("#/$defs/{}", schema.name))),
                ("description", str(one_line(schema.doc))),
            ]);
            (t.binding(), property)
        })
        .collect();
    let defs = fact_schemas().into_iter().map(|s| (s.name, object(s))).collect();
    Json::Object(vec![
        ("$schema", str("https://json-schema.org/draft/2020-12/schema")),
        ("$id", str("https://hooklint.dev/schema/facts.schema.json")),
        ("title", str("hooklint facts")),
        (
            "description",
            str(format!(
                "What policy expressions read (FACTS_VERSION {FACTS_VERSION}): each target's \
                 value under the name it is bound to. Absent strings are \"\", never null. \
                 Computed fields are read by policies but not printed by `cargo hooklint facts`. \
                 See docs/facts.md."
            )),
        ),
        ("type", str("object")),
        ("properties", Json::Object(targets)),
        ("$defs", Json::Object(defs)),
    ])
}

fn object(schema: &'static Schema) -> Json {
    let mut properties = Vec::new();
    let mut required = Vec::new();
    for field in schema.visible() {
        let mut description = one_line(field.doc);
        if field.kind == FieldKind::Computed {
            description.push_str(" (computed for policies; not in `facts` output)");
        } else {
            required.push(str(field.name));
        }
        let Json::Object(mut entries) = ty_schema(field.ty) else { continue };
        entries.push(("description", str(description)));
        properties.push((field.name, Json::Object(entries)));
    }
    Json::Object(vec![
        ("type", str("object")),
        ("description", str(one_line(schema.doc))),
        ("properties", Json::Object(properties)),
        ("required", Json::Array(required)),
        ("additionalProperties", Json::Bool(false)),
    ])
}

fn ty_schema(ty: Ty) -> Json {
    match ty {
        Ty::Bool => Json::Object(vec![("type", str("boolean"))]),
        Ty::Int => Json::Object(vec![("type", str("integer"))]),
        Ty::Str => Json::Object(vec![("type", str("string"))]),
        Ty::List(elem) => Json::Object(vec![("type", str("array")), ("items", ty_schema(*elem))]),
        Ty::Map(elem) => {
            Json::Object(vec![("type", str("object")), ("additionalProperties", ty_schema(*elem))])
        }
        Ty::Obj(schema) => Json::Object(vec![("$ref", str(format!("#/$defs/{}", schema.name)))]),
        Ty::Any => Json::Object(Vec::new()),
    }
}

/// A doc comment on one line, as table cells and descriptions need it.
fn one_line(doc: &str) -> String {
    doc.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Every fact struct policies can reach, from the four targets, each once.
fn fact_schemas() -> Vec<&'static Schema> {
    let mut out: Vec<&'static Schema> = Vec::new();
    for target in Target::ALL {
        for schema in target.schema().reachable() {
            if !out.iter().any(|s| std::ptr::eq(*s, schema)) {
                out.push(schema);
            }
        }
    }
    out
}

/// The field tables of the docs, generated between `<!-- facts:table NAME -->` and
/// `<!-- facts:end -->` markers by the test below (the docs are files; this crate reads none).
#[cfg(test)]
mod tables {
    use super::*;

    /// The markdown table of a fact struct's fields: field, type, meaning.
    pub fn fact_table(schema: &'static Schema) -> String {
        let mut out = String::from("| field | type | meaning |\n|---|---|---|\n");
        for field in schema.visible() {
            let mut meaning = one_line(field.doc);
            if field.kind == FieldKind::Computed {
                meaning.push_str(" (computed: policies read it, `facts` does not print it)");
            }
            out.push_str(&format!("| `{}` | {} | {} |\n", field.name, field.ty, meaning));
        }
        out
    }

    const TABLE_START: &str = "<!-- facts:table ";
    const TABLE_END: &str = "<!-- facts:end -->";

    /// `text` with the table between each `<!-- facts:table NAME -->` and the next
    /// `<!-- facts:end -->` generated afresh from the schema of NAME, and the names it has tables
    /// for. Errors name a marker that names no fact struct or is not closed.
    pub fn regenerate_fact_tables(text: &str) -> Result<(String, Vec<&'static str>), String> {
        let schemas = fact_schemas();
        let mut out = String::with_capacity(text.len());
        let mut names = Vec::new();
        let mut rest = text;
        while let Some(start) = rest.find(TABLE_START) {
            let after = &rest[start + TABLE_START.len()..];
            let close = after.find("-->").ok_or("a `facts:table` marker is not closed")?;
            let name = after[..close].trim();
            let schema = schemas
                .iter()
                .find(|s| s.name == name)
                .ok_or_else(|| format!("`facts:table {name}` names no fact struct"))?;
            let body = &after[close + 3..];
            let end =
                body.find(TABLE_END).ok_or_else(|| format!("`facts:table {name}` has no end"))?;
            out.push_str(&rest[..start + TABLE_START.len() + close + 3]);
            out.push('\n');
            out.push_str(&fact_table(schema));
            out.push_str(TABLE_END);
            names.push(schema.name);
            rest = &body[end + TABLE_END.len()..];
        }
        out.push_str(rest);
        Ok((out, names))
    }
}

#[cfg(test)]
mod tests {
    use super::tables::*;
    use super::*;
    use std::path::Path;

    /// The field tables in `docs/*.md` are the model's doc comments: a changed field, doc
    /// comment or type with stale tables fails here. To rewrite the tables:
    /// `HOOKLINT_UPDATE_DOCS=1 cargo test -p hooklint-report docs_tables`.
    #[test]
    fn docs_tables_are_generated_from_the_model() {
        let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs");
        let update = std::env::var_os("HOOKLINT_UPDATE_DOCS").is_some_and(|v| v == "1");
        let mut paths: Vec<_> = std::fs::read_dir(&docs)
            .expect("docs/")
            .map(|e| e.expect("docs/ entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "md"))
            .collect();
        paths.sort();
        let mut tabled = Vec::new();
        let mut stale = Vec::new();
        for path in paths {
            let text = std::fs::read_to_string(&path).expect("a doc page");
            let shown = path.file_name().unwrap_or_default().to_string_lossy().into_owned();
            let (fresh, names) =
                regenerate_fact_tables(&text).unwrap_or_else(|e| panic!("docs/{shown}: {e}"));
            tabled.extend(names);
            if fresh != text {
                if update {
                    std::fs::write(&path, fresh).expect("rewrite the doc page");
                } else {
                    stale.push(format!("docs/{shown}"));
                }
            }
        }
        assert!(
            stale.is_empty(),
            "the fact tables of {} are stale; rewrite them with \
             `HOOKLINT_UPDATE_DOCS=1 cargo test -p hooklint-report docs_tables`",
            stale.join(", ")
        );
        for schema in fact_schemas() {
            let tables = tabled.iter().filter(|n| **n == schema.name).count();
            assert_eq!(
                tables, 1,
                "`{}` needs exactly one `<!-- facts:table {} -->` in docs/",
                schema.name, schema.name
            );
        }
    }

    #[test]
    fn tables_are_regenerated_between_their_markers() {
        let text = "intro\n<!-- facts:table Parse -->\n| old |\n<!-- facts:end -->\nafter\n";
        let (fresh, names) = regenerate_fact_tables(text).unwrap();
        assert_eq!(names, ["Parse"]);
        assert!(fresh.starts_with("intro\n<!-- facts:table Parse -->\n| field | type | meaning |"));
        assert!(fresh.contains("| `before_verify` | bool | see [Parse before verify]"), "{fresh}");
        assert!(fresh.ends_with(
            "| `span` | Span | the call or the parameter |\n<!-- facts:end -->\nafter\n"
        ));
        assert_eq!(regenerate_fact_tables(&fresh).unwrap().0, fresh);
        let unknown = regenerate_fact_tables("<!-- facts:table Nope -->\n<!-- facts:end -->");
        assert_eq!(unknown.unwrap_err(), "`facts:table Nope` names no fact struct");
        assert!(regenerate_fact_tables("<!-- facts:table Parse -->\n").is_err());
    }

    #[test]
    fn computed_fields_are_marked_and_not_required() {
        let file = Target::RustFile.schema();
        let table = fact_table(file);
        assert!(table.contains("| `all_literals` | list(FileLiteral) |"), "{table}");
        assert!(table.contains("(computed: policies read it, `facts` does not print it)"));
        let schema = serde_json::to_value(facts_schema()).unwrap();
        let required = &schema["$defs"]["RustFile"]["required"];
        assert_eq!(required, &serde_json::json!(["path", "is_test", "literals"]));
        assert_eq!(
            schema["$defs"]["FileLiteral"]["properties"]["function"]["type"],
            serde_json::json!("string")
        );
    }
}
