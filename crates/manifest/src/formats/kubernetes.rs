//! Kubernetes objects: workloads' container env (`value`, `secretKeyRef`, `envFrom`), `Secret`
//! data (inline secrets by definition) and `ConfigMap` data.

use hooklint_model::manifest::Service;

use crate::data::{join, join_index};
use crate::secrets::broker_of;
use crate::tree::Node;
use crate::views::Ctx;

pub(super) fn recognise(ctx: &mut Ctx<'_>, root: &Node) {
    let name = root.str_at(&["metadata", "name"]).to_string();
    ctx.views.name = name.clone();
    let kind = ctx.views.kind.clone();
    let pod: Option<(&[&str], &str)> = match kind.as_str() {
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "Job" => {
            Some((&["spec", "template", "spec"], "spec.template.spec"))
        }
        "CronJob" => Some((
            &["spec", "jobTemplate", "spec", "template", "spec"],
            "spec.jobTemplate.spec.template.spec",
        )),
        "Pod" => Some((&["spec"], "spec")),
        _ => None,
    };
    if let Some((path, base)) = pod {
        if let Some(spec) = root.at(path) {
            for list in ["initContainers", "containers"] {
                let Some(containers) = spec.get(list) else { continue };
                for (i, c) in containers.items().iter().enumerate() {
                    container(ctx, &name, c, &join_index(&join(base, list), i));
                }
            }
        }
    }
    match kind.as_str() {
        "Secret" => ctx.views.secret_data_keys = vec!["data", "stringData"],
        "ConfigMap" => {
            if let Some(data) = root.get("data") {
                let service = format!("configmap/{name}");
                for e in data.entries() {
                    ctx.env_var(&service, "", &e.key, &e.value, None, &join("data", &e.key));
                }
            }
        }
        _ => {}
    }
}

fn container(ctx: &mut Ctx<'_>, workload: &str, c: &Node, base: &str) {
    let cname = c.str_at(&["name"]);
    let service =
        if cname.is_empty() { workload.to_string() } else { format!("{workload}/{cname}") };
    let image = c.str_at(&["image"]);
    let broker = broker_of(image);
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
                ctx.secret_ref(&service, var, reference, at, &path);
            }
        }
    }
    if let Some(from) = c.get("envFrom") {
        for (i, item) in from.items().iter().enumerate() {
            let path = join_index(&join(base, "envFrom"), i);
            if let Some(r) = item.get("secretRef") {
                let secret = r.str_at(&["name"]);
                svc.env_files.push(format!("secretRef:{secret}"));
                ctx.secret_ref(
                    &service,
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
    ctx.views.services.push(svc);
}
