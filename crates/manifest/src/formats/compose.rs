//! docker-compose files: services, their environment (map or list), `env_file`, secrets.

use hooklint_model::manifest::Service;

use crate::data::{join, join_index};
use crate::tree::{Kind, Node};
use crate::views::{command_line, Ctx};

const SERVICE_KEYS: &[&str] =
    &["image", "build", "environment", "env_file", "ports", "command", "depends_on", "volumes"];

pub(super) fn matches(root: &Node) -> bool {
    root.get("services").is_some_and(|s| {
        s.entries().iter().any(|e| SERVICE_KEYS.iter().any(|k| e.value.get(k).is_some()))
    })
}

pub(super) fn recognise(ctx: &mut Ctx<'_>, root: &Node) {
    let Some(services) = root.get("services") else { return };
    let kn = ctx.kn;
    for svc in services.entries() {
        let name = svc.key.as_str();
        let base = join("services", name);
        let image = svc.value.str_at(&["image"]);
        let broker = kn.broker_of(image);
        let mut service = Service {
            name: name.to_string(),
            image: image.to_string(),
            broker: broker.to_string(),
            key_path: base.clone(),
            span: ctx.span(svc.key_pos),
            ..Service::default()
        };
        if let Some(files) = svc.value.get("env_file") {
            match &files.kind {
                Kind::Scalar(s) => service.env_files.push(s.text.clone()),
                Kind::Seq(items) => {
                    for item in items {
                        let path = item.as_str().unwrap_or_else(|| item.str_at(&["path"]));
                        if !path.is_empty() {
                            service.env_files.push(path.to_string());
                        }
                    }
                }
                Kind::Map(_) => {}
            }
        }
        ctx.views.doc.services.push(service);
        if let Some(env) = svc.value.get("environment") {
            let env_path = join(&base, "environment");
            match &env.kind {
                Kind::Map(entries) => {
                    for e in entries {
                        ctx.env_var(name, broker, &e.key, &e.value, None, &join(&env_path, &e.key));
                    }
                }
                Kind::Seq(items) => {
                    for (i, item) in items.iter().enumerate() {
                        let Some(text) = item.as_str() else { continue };
                        let path = join_index(&env_path, i);
                        match text.split_once('=') {
                            Some((var, value)) => {
                                ctx.env_var(name, broker, var, item, Some(value), &path)
                            }
                            // `- DB_PASSWORD` passes the variable through from the host.
                            None if kn.secret_key_kind(text).is_some()
                                || (!kn.broker_of(text).is_empty()
                                    && kn.is_broker_credential_name(text)) =>
                            {
                                let var = text.trim();
                                ctx.env_var(
                                    name,
                                    broker,
                                    var,
                                    item,
                                    Some(&format!("${{{var}}}")),
                                    &path,
                                )
                            }
                            None => {}
                        }
                    }
                }
                Kind::Scalar(_) => {}
            }
        }
        for key in ["command", "entrypoint"] {
            if let Some(cmd) = svc.value.get(key) {
                command_line(ctx, name, broker, cmd, &join(&base, key));
            }
        }
        if let Some(secrets) = svc.value.get("secrets") {
            for (i, item) in secrets.items().iter().enumerate() {
                let secret = item.as_str().unwrap_or_else(|| item.str_at(&["source"]));
                if secret.is_empty() {
                    continue;
                }
                let path = join_index(&join(&base, "secrets"), i);
                let r = format!("docker-secret:{secret}");
                ctx.secret_ref_as(name, broker, secret, r, item, &path);
            }
        }
    }
}
