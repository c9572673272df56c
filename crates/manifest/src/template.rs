//! Templates: files that are not YAML until a tool renders them (a Helm chart's `templates/`,
//! Go templates, Jinja). They are skipped and counted, never reported as broken YAML: what
//! they will contain is only known after rendering.

/// A file under a `templates/` folder that uses `{{ }}`: a Helm chart template.
pub(crate) fn in_chart(path: &str, source: &str) -> Option<&'static str> {
    let normalized = path.replace('\\', "/");
    let in_templates = normalized.split('/').rev().skip(1).any(|part| part == "templates");
    (in_templates && source.contains("{{")).then_some("helm")
}

/// Template directives in a file that does not parse as YAML: `{% ... %}` (Jinja) or
/// `{{ ... }}` (Go templates, Helm).
pub(crate) fn directives(source: &str) -> Option<&'static str> {
    if source.contains("{%") {
        Some("jinja")
    } else if source.contains("{{") {
        Some("go-template")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chart_templates_and_directives() {
        assert_eq!(
            in_chart("chart/templates/deployment.yaml", "image: {{ .Values.image }}"),
            Some("helm")
        );
        assert_eq!(in_chart("chart/templates/plain.yaml", "kind: ConfigMap"), None);
        assert_eq!(in_chart("templates.yaml", "{{ x }}"), None);
        assert_eq!(directives("{% if x %}\na: 1\n{% endif %}"), Some("jinja"));
        assert_eq!(directives("a: {{ .x }}"), Some("go-template"));
        assert_eq!(directives("a: 1"), None);
    }
}
