//! Configuration files kept inside a `ConfigMap` or `Secret` (`alertmanager.yml: |`, Argo CD's
//! `service.webhook.github: |`): parsed as documents of their own, placed in the file, and
//! scanned for webhook URLs and inline secrets. One level deep: a document embedded in an
//! embedded document is not read. The embedded text was already bounded as part of the file;
//! parsing it is bounded the same way (`tree::parse_at`), and a text that is not YAML is left
//! alone without a problem (it is a shell script or a template, not a broken manifest).

use crate::data::join;
use crate::tree::{parse_at, Kind, Node};
use crate::views::{is_config_file_key, scan_endpoints, scan_inline_secrets_at, Ctx, Embedding};

pub(super) fn scan(ctx: &mut Ctx<'_>, root: &Node) {
    let mut seen = Vec::new();
    for key in ["data", "stringData"] {
        let Some(data) = root.get(key) else { continue };
        for e in data.entries() {
            let Kind::Scalar(s) = &e.value.kind else { continue };
            if !s.literal_block || !is_config_file_key(ctx.kn, &e.key) {
                continue;
            }
            // An alias copies a block; read each written block once.
            let at = (e.value.pos.line, e.value.pos.col);
            if seen.contains(&at) {
                continue;
            }
            seen.push(at);
            // The parser places a block scalar at its first character of content; lines
            // before it that are empty are part of the text.
            let leading = s.text.bytes().take_while(|&b| b == b'\n').count() as u32;
            let line_base = e.value.pos.line.saturating_sub(1).saturating_sub(leading);
            let col_base = e.value.pos.col.saturating_sub(1);
            let parsed = parse_at(&s.text, line_base, col_base);
            let base = join(key, &e.key);
            for doc in &parsed.documents {
                if !doc.root.is_map() {
                    continue;
                }
                scan_endpoints(ctx, &doc.root, &base);
                // A Secret's embedded file is judged by its own keys, not as one secret.
                let force = std::mem::take(&mut ctx.views.secret_data_keys);
                ctx.views.embedding = Some(Embedding { path: base.clone(), line_base, col_base });
                scan_inline_secrets_at(ctx, &doc.root, &base);
                ctx.views.embedding = None;
                ctx.views.secret_data_keys = force;
            }
        }
    }
}
