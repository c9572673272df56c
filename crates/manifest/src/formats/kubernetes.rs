//! Kubernetes objects: workloads' containers (`env` values and `secretKeyRef`, `envFrom`,
//! `command` and `args`, mounted Secret volumes), `Secret` data (inline secrets by definition,
//! and the stored values that link the workloads reading them), `ConfigMap` data, KEDA's
//! `TriggerAuthentication` and scalers, Argo Events' `EventSource` webhooks and Flux's
//! notification `Provider`.

use hooklint_model::manifest::{Credential, Service};

use crate::data::{join, join_index};
use crate::secrets::{fingerprint, parse_url, reference};
use crate::tree::Node;
use crate::views::{command_line, decode_base64, Ctx, EndpointInfo};

/// Where each workload kind keeps its pod spec.
const POD_SPECS: &[(&str, &[&str])] = &[
    ("Deployment", &["spec", "template", "spec"]),
    ("StatefulSet", &["spec", "template", "spec"]),
    ("DaemonSet", &["spec", "template", "spec"]),
    ("ReplicaSet", &["spec", "template", "spec"]),
    ("ReplicationController", &["spec", "template", "spec"]),
    ("Job", &["spec", "template", "spec"]),
    ("Rollout", &["spec", "template", "spec"]),
    ("CronJob", &["spec", "jobTemplate", "spec", "template", "spec"]),
    ("ScaledJob", &["spec", "jobTargetRef", "template", "spec"]),
    ("Pod", &["spec"]),
];

pub(super) fn recognise(ctx: &mut Ctx<'_>, root: &Node) {
    let name = root.str_at(&["metadata", "name"]).to_string();
    ctx.views.doc.name = name.clone();
    let kind = ctx.views.doc.kind.clone();
    let api_version = root.str_at(&["apiVersion"]);
    if let Some((_, path)) = POD_SPECS.iter().find(|(k, _)| *k == kind) {
        if let Some(spec) = root.at(path) {
            pod(ctx, &name, spec, &path.join("."));
        }
    }
    match kind.as_str() {
        "Secret" => {
            ctx.views.secret_data_keys = vec!["data", "stringData"];
            ctx.views.base64_data = true;
            stored_values(ctx, &name, root);
        }
        "ConfigMap" => {
            if let Some(data) = root.get("data") {
                let service = format!("configmap/{name}");
                for e in data.entries() {
                    ctx.env_var(&service, "", &e.key, &e.value, None, &join("data", &e.key));
                }
            }
        }
        "TriggerAuthentication" | "ClusterTriggerAuthentication"
            if api_version.starts_with("keda.sh/") =>
        {
            trigger_authentication(ctx, &name, &kind, root);
        }
        "ScaledObject" | "ScaledJob" if api_version.starts_with("keda.sh/") => {
            scalers(ctx, &name, &kind, root);
        }
        "EventSource" if api_version.starts_with("argoproj.io/") => {
            if let Some(spec) = root.get("spec") {
                event_source_webhooks(ctx, spec, "spec", 0);
            }
        }
        "Provider" if api_version.starts_with("notification.toolkit.fluxcd.io/") => {
            if let Some(address) = root.at(&["spec", "address"]) {
                let info = EndpointInfo { public: false, ..EndpointInfo::of("webhook") };
                ctx.endpoint(address, "spec.address", info);
            }
        }
        _ => {}
    }
}

/// Every container of a pod spec, with the Secret volumes it mounts.
fn pod(ctx: &mut Ctx<'_>, workload: &str, spec: &Node, base: &str) {
    // Secret volumes of the pod by volume name.
    let mut secret_volumes: Vec<(&str, &str)> = Vec::new();
    if let Some(volumes) = spec.get("volumes") {
        for v in volumes.items() {
            let secret = v.str_at(&["secret", "secretName"]);
            if !secret.is_empty() {
                secret_volumes.push((v.str_at(&["name"]), secret));
            }
        }
    }
    for list in ["initContainers", "containers"] {
        let Some(containers) = spec.get(list) else { continue };
        for (i, c) in containers.items().iter().enumerate() {
            container(ctx, workload, c, &join_index(&join(base, list), i), &secret_volumes);
        }
    }
}

fn container(
    ctx: &mut Ctx<'_>,
    workload: &str,
    c: &Node,
    base: &str,
    secret_volumes: &[(&str, &str)],
) {
    let kn = ctx.kn;
    let cname = c.str_at(&["name"]);
    let service =
        if cname.is_empty() { workload.to_string() } else { format!("{workload}/{cname}") };
    let image = c.str_at(&["image"]);
    let broker = kn.broker_of(image);
    let mut svc = Service {
        name: service.clone(),
        image: image.to_string(),
        broker: broker.to_string(),
        key_path: base.to_string(),
        span: ctx.span(c.pos),
        ..Service::default()
    };
    if let Some(env) = c.get("env") {
        for (i, item) in env.items().iter().enumerate() {
            let var = item.str_at(&["name"]);
            let path = join_index(&join(base, "env"), i);
            if let Some(value) = item.get("value") {
                ctx.env_var(&service, broker, var, value, None, &join(&path, "value"));
            } else if let Some(r) = item.at(&["valueFrom", "secretKeyRef"]) {
                let reference =
                    format!("secretKeyRef:{}/{}", r.str_at(&["name"]), r.str_at(&["key"]));
                let path = join(&join(&path, "valueFrom"), "secretKeyRef");
                // Reported at the variable's name, the line a reader recognises.
                let at = item.get("name").unwrap_or(r);
                ctx.secret_ref_as(&service, broker, var, reference, at, &path);
                if let Some(last) = ctx.views.doc.credentials.last_mut() {
                    if last.broker.is_empty() {
                        last.broker = kn.broker_of(r.str_at(&["name"])).to_string();
                    }
                }
            }
        }
    }
    if let Some(from) = c.get("envFrom") {
        for (i, item) in from.items().iter().enumerate() {
            let path = join_index(&join(base, "envFrom"), i);
            if let Some(r) = item.get("secretRef") {
                let secret = r.str_at(&["name"]);
                svc.env_files.push(format!("secretRef:{secret}"));
                ctx.secret_ref_as(
                    &service,
                    broker,
                    secret,
                    format!("secretRef:{secret}"),
                    r.get("name").unwrap_or(r),
                    &join(&path, "secretRef"),
                );
            } else if let Some(r) = item.get("configMapRef") {
                svc.env_files.push(format!("configMapRef:{}", r.str_at(&["name"])));
            }
        }
    }
    for key in ["command", "args"] {
        if let Some(cmd) = c.get(key) {
            command_line(ctx, &service, broker, cmd, &join(base, key));
        }
    }
    if let Some(mounts) = c.get("volumeMounts") {
        for (i, m) in mounts.items().iter().enumerate() {
            let volume = m.str_at(&["name"]);
            let Some((_, secret)) = secret_volumes.iter().find(|(v, _)| *v == volume) else {
                continue;
            };
            let path = join_index(&join(base, "volumeMounts"), i);
            let r = format!("secretRef:{secret}");
            ctx.secret_ref_as(&service, broker, secret, r, m.get("name").unwrap_or(m), &path);
        }
    }
    ctx.views.doc.services.push(svc);
}

/// The values of a `Secret`: not users of a credential, but what links the workloads that read
/// it (`secretKeyRef:name/key`) with those that write the same value inline.
fn stored_values(ctx: &mut Ctx<'_>, name: &str, root: &Node) {
    let kn = ctx.kn;
    for (key, base64) in [("stringData", false), ("data", true)] {
        let Some(data) = root.get(key) else { continue };
        for e in data.entries() {
            let Some(raw) = e.value.as_str().map(str::trim) else { continue };
            if raw.is_empty() || reference(kn, raw).is_some() {
                continue;
            }
            let text =
                if base64 { decode_base64(raw).unwrap_or_default() } else { raw.to_string() };
            let (secret, broker) = match parse_url(&text) {
                Some(url) => match url.password.filter(|p| !p.is_empty()) {
                    Some(pw) => (pw.to_string(), kn.broker_of_scheme(&url.scheme)),
                    None => continue,
                },
                // A user name or a host kept in the Secret is not its secret; a URL with a
                // password is, whatever its key (KEDA's `host`).
                None if kn.is_public_key(&e.key) => continue,
                None => (text.clone(), ""),
            };
            if secret.is_empty() || kn.is_placeholder(&secret) {
                continue;
            }
            let broker = [broker, kn.broker_of(&e.key), kn.broker_of(name)]
                .into_iter()
                .find(|b| !b.is_empty())
                .unwrap_or("");
            let fp = fingerprint(&secret);
            ctx.views.doc.credentials.push(Credential {
                service: format!("secret/{name}"),
                name: e.key.clone(),
                kind: "password".to_string(),
                broker: broker.to_string(),
                role: "store".to_string(),
                identities: vec![fp.clone(), format!("secretKeyRef:{name}/{}", e.key)],
                fingerprint: fp,
                key_path: join(key, &e.key),
                span: ctx.span(e.value.pos),
                ..Credential::default()
            });
        }
    }
}

/// KEDA's `TriggerAuthentication`: the scaler connects to the broker with these Secrets.
fn trigger_authentication(ctx: &mut Ctx<'_>, name: &str, kind: &str, root: &Node) {
    let service = format!("{}/{name}", kind.to_ascii_lowercase());
    let Some(refs) = root.at(&["spec", "secretTargetRef"]) else { return };
    for (i, r) in refs.items().iter().enumerate() {
        let parameter = r.str_at(&["parameter"]);
        let secret = r.str_at(&["name"]);
        let reference = format!("secretKeyRef:{secret}/{}", r.str_at(&["key"]));
        let path = join_index("spec.secretTargetRef", i);
        let at = r.get("parameter").unwrap_or(r);
        ctx.secret_ref(&service, parameter, reference, at, &path);
        if let Some(last) = ctx.views.doc.credentials.last_mut() {
            if last.broker.is_empty() {
                last.broker = ctx.kn.broker_of(secret).to_string();
            }
        }
    }
}

/// KEDA scalers that carry a connection or a password in their metadata (`host`).
fn scalers(ctx: &mut Ctx<'_>, name: &str, kind: &str, root: &Node) {
    let service = format!("{}/{name}", kind.to_ascii_lowercase());
    let Some(triggers) = root.at(&["spec", "triggers"]) else { return };
    for (i, t) in triggers.items().iter().enumerate() {
        let broker = ctx.kn.broker_of(t.str_at(&["type"]));
        let Some(meta) = t.get("metadata") else { continue };
        let base = join(&join_index("spec.triggers", i), "metadata");
        for e in meta.entries() {
            ctx.env_var(&service, "", &e.key, &e.value, None, &join(&base, &e.key));
            if let Some(last) = ctx.views.doc.credentials.last_mut() {
                if last.key_path == join(&base, &e.key) && last.broker.is_empty() {
                    last.broker = broker.to_string();
                }
            }
        }
    }
}

/// Argo Events: every `webhook.url` under an `EventSource` is the URL the event source
/// registers with GitHub, GitLab, Stripe, SNS...: an outside party delivers to it.
fn event_source_webhooks(ctx: &mut Ctx<'_>, node: &Node, path: &str, depth: usize) {
    if depth > 6 {
        return;
    }
    for e in node.entries() {
        let p = join(path, &e.key);
        if e.key == "webhook" {
            if let Some(url) = e.value.get("url") {
                ctx.endpoint(url, &join(&p, "url"), EndpointInfo::of("webhook"));
            }
        } else if e.value.is_map() {
            event_source_webhooks(ctx, &e.value, &p, depth + 1);
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn pod_spec_paths_name_known_kinds() {
        assert!(super::POD_SPECS.iter().any(|(k, _)| *k == "ScaledJob"));
    }
}
