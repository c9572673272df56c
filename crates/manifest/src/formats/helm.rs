//! Helm charts' values files (`values.yaml`, `values-prod.yaml`, `prod.values.yaml`): plain
//! YAML the chart's templates read. Every setting whose key names a credential is one, owned by
//! the component it sits under (a top-level key whose block configures a workload: `image`,
//! `env`, `replicaCount`...) or by the chart. Templates themselves are not YAML until rendered
//! and are skipped before parsing (`crate::template`).

use crate::data::{join, join_index};
use crate::tree::{Kind, Node};
use crate::views::{named_entries, Ctx};

/// Keys that make a top-level block a workload of its own.
const WORKLOAD_KEYS: &[&str] = &[
    "image",
    "replicaCount",
    "replicas",
    "env",
    "extraEnv",
    "envFrom",
    "resources",
    "command",
    "args",
    "containers",
    "deployment",
    "podAnnotations",
];

/// A values file by its name, holding a mapping.
pub(super) fn matches(file: &str, root: &Node) -> bool {
    let name = file.rsplit(['/', '\\']).next().unwrap_or(file).to_ascii_lowercase();
    let stem = name.trim_end_matches(".yaml").trim_end_matches(".yml");
    let named = stem == "values"
        || stem.starts_with("values-")
        || stem.starts_with("values.")
        || stem.starts_with("values_")
        || stem.ends_with("-values")
        || stem.ends_with(".values")
        || stem.ends_with("_values");
    named && root.is_map()
}

pub(super) fn recognise(ctx: &mut Ctx<'_>, root: &Node) {
    let chart = chart_name(ctx.file);
    ctx.views.doc.name = chart.clone();
    for e in root.entries() {
        let component = e.value.is_map()
            && e.value.entries().iter().any(|x| WORKLOAD_KEYS.contains(&x.key.as_str()));
        let service = if component { e.key.clone() } else { chart.clone() };
        let path = join("", &e.key);
        walk(ctx, &service, &e.key, &e.value, &path);
    }
}

/// The chart's name: the folder the values file sits in.
fn chart_name(file: &str) -> String {
    let normalized = file.replace('\\', "/");
    let mut parts = normalized.rsplit('/');
    parts.next();
    parts.next().filter(|p| !p.is_empty() && *p != ".").unwrap_or("values").to_string()
}

/// Follows the tree, which is at most `tree::MAX_DEPTH` deep.
fn walk(ctx: &mut Ctx<'_>, service: &str, key: &str, node: &Node, path: &str) {
    match &node.kind {
        Kind::Scalar(_) => {
            if ctx.kn.is_secret_name_key(key) {
                let name = node.as_str().unwrap_or("").trim();
                if !name.is_empty() && !name.contains("{{") {
                    let r = format!("secretRef:{name}");
                    ctx.secret_ref(service, key, r, node, path);
                    if let Some(last) = ctx.views.doc.credentials.last_mut() {
                        if last.broker.is_empty() {
                            last.broker = ctx.kn.broker_of(name).to_string();
                        }
                    }
                }
                return;
            }
            ctx.env_var(service, "", key, node, None, path);
        }
        Kind::Seq(items) => {
            for (i, item) in items.iter().enumerate() {
                let p = join_index(path, i);
                match item.as_str().and_then(|t| t.split_once('=')) {
                    Some((var, value)) if !var.contains(char::is_whitespace) => {
                        ctx.env_var(service, "", var, item, Some(value), &p);
                    }
                    _ => walk(ctx, service, key, item, &p),
                }
            }
        }
        Kind::Map(entries) => {
            for (e, k) in named_entries(entries) {
                walk(ctx, service, k, &e.value, &join(path, &e.key));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_files_by_name() {
        let map = crate::tree::parse("a: 1\n").documents.remove(0).root;
        for f in
            ["chart/values.yaml", "values-prod.yml", "env/prod.values.yaml", "x/values.dev.yaml"]
        {
            assert!(matches(f, &map), "{f}");
        }
        for f in ["chart/Chart.yaml", "valuesets.yaml", "docker-compose.yml"] {
            assert!(!matches(f, &map), "{f}");
        }
        assert_eq!(chart_name("charts/n8n/values.yaml"), "n8n");
        assert_eq!(chart_name("values.yaml"), "values");
    }
}
