//! No secret value from the checked code reaches any output (every format, `--output`,
//! `facts`, baselines, the suppression list, error messages), and no control character from
//! it reaches a terminal or a CI log as it is.

use super::util::{Project, Run};

/// Provider-format secrets, each planted where a report would show its line.
const SECRETS: &[&str] = &[
    "ghp_0123456789abcdefghijklmnopqrstuvwxyz",
    "sk_live_51Habcdefghijklmnopqrstuv",
    "xoxb-123456789012-abcdefghijklmnop",
    "AKIAIOSFODNN7EXAMPLEKEY",
    "whsec_9f8e7d6c5b4a39281706f5e4d3c2b1a0",
    "hunter2-in-a-manifest-0099",
];

fn planted() -> Project {
    let project = Project::new();
    project
        .file(
            "src/keys.rs",
            format!(
                "const GITHUB_TOKEN: &str = \"{}\";\n\
                 pub fn stripe() -> &'static str {{\n    let api_key = \"{}\";\n    api_key\n}}\n\
                 pub fn check(token: &str) -> bool {{\n    token == \"{}\"\n}}\n\
                 pub fn mac() {{\n    let _ = Hmac::<Sha256>::new_from_slice(b\"{}\");\n}}\n",
                SECRETS[0], SECRETS[1], SECRETS[2], SECRETS[4]
            ),
        )
        .file("src/broken.rs", format!("const AWS_SECRET_KEY: &str = \"{}\" oops\n", SECRETS[3]))
        .file(
            "deploy/compose.yml",
            format!("services:\n  db:\n    environment:\n      DB_PASSWORD: {}\n", SECRETS[5]),
        )
        .file("deploy/broken.yaml", format!("api_key: \"{}\"\n  bad: [\n", SECRETS[1]));
    project
}

fn assert_clean(what: &str, text: &str) {
    for secret in SECRETS {
        assert!(!text.contains(secret), "{what} shows `{secret}`:\n{text}");
    }
}

fn all_output(run: &Run) -> String {
    format!("{}{}", run.stdout, run.stderr)
}

#[test]
fn no_format_shows_a_secret() {
    let project = planted();
    let human = project.run(&[]);
    assert_eq!(human.code, 1, "{human:?}");
    // The findings are there, their secrets are not.
    assert!(human.stdout.contains("error[secrets/hardcoded-secret]"), "{}", human.stdout);
    assert!(human.stdout.contains("error[parse-error]"), "{}", human.stdout);
    assert!(human.stdout.contains("error[yaml-error]"), "{}", human.stdout);
    assert!(human.stdout.contains("const GITHUB_TOKEN: &str = \"****"), "{}", human.stdout);
    assert_clean("human", &all_output(&human));
    for format in ["json", "sarif", "github"] {
        let run = project.run(&["--format", format]);
        assert_eq!(run.code, 1, "{format}");
        assert_clean(format, &all_output(&run));
        let run = project.run(&["--format", format, "--output", "report.out"]);
        assert_clean(format, &all_output(&run));
        let written = std::fs::read_to_string(project.path().join("report.out")).unwrap();
        assert_clean(&format!("{format} --output"), &written);
    }
    let baseline = project.run(&["--write-baseline", "baseline.json"]);
    assert_clean("--write-baseline", &all_output(&baseline));
    let written = std::fs::read_to_string(project.path().join("baseline.json")).unwrap();
    assert!(written.contains("secrets/hardcoded-secret"), "{written}");
    assert_clean("the baseline", &written);
    let listed = project.run(&["suppressions", "--format", "json"]);
    assert_clean("suppressions", &all_output(&listed));
}

/// A rule that interpolates a literal's value into its message and its notes: every format
/// shows the finding, none the value.
#[test]
fn notes_that_quote_a_secret_are_redacted_in_every_format() {
    let project = planted();
    project.file(
        "org/quote.yaml",
        "id: org/quote-literal\ntitle: Quotes a literal\nseverity: error\ntarget: rust.file\n\
         for_each: file.all_literals\nviolation: it.value.size() > 20\n\
         message: \"`{{ it.binding }}` is `{{ it.value }}`\"\n\
         notes:\n  - \"the value {{ it.value }} is long\"\n",
    );
    for format in ["human", "json", "sarif", "github", "gitlab", "junit"] {
        let run = project.run(&["--policy", "org", "--format", format]);
        assert_eq!(run.code, 1, "{format}: {run:?}");
        assert!(all_output(&run).contains("org/quote-literal"), "{format}: {run:?}");
        assert_clean(format, &all_output(&run));
    }
    let json = project.run(&["--policy", "org", "--format", "json"]).json();
    let notes: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "org/quote-literal")
        .flat_map(|f| f["notes"].as_array().unwrap().iter().filter_map(|n| n.as_str()))
        .collect();
    assert!(notes.iter().any(|n| n.contains("<redacted:fnv:")), "{notes:?}");
}

#[test]
fn facts_redact_secrets_unless_asked() {
    let project = planted();
    for format in ["json", "yaml"] {
        let run = project.run(&["facts", "src", "--format", format]);
        assert_eq!(run.code, 0, "{run:?}");
        assert!(run.stdout.contains("<redacted:fnv:"), "{}", run.stdout);
        assert_clean(&format!("facts --format {format}"), &all_output(&run));
    }
    let shown = project.run(&["facts", "src/keys.rs", "--show-secrets"]);
    assert!(shown.stdout.contains(SECRETS[0]), "{}", shown.stdout);
}

#[test]
fn control_characters_in_names_and_lines_are_escaped() {
    let project = Project::new();
    let name = "src/evil\n::warning file=x::pwned \u{1b}[31m.rs";
    project.file(
        name,
        "pub fn client() -> reqwest::Client {\n    let _s = \"\u{1b}]0;owned\u{7}\u{202e}\"; \
         reqwest::Client::builder().danger_accept_invalid_certs(true).build().unwrap()\n}\n",
    );
    for format in ["human", "github"] {
        let run = project.run(&["--format", format]);
        assert_eq!(run.code, 1, "{run:?}");
        let text = all_output(&run);
        for c in ['\u{1b}', '\u{7}', '\u{202e}'] {
            assert!(!text.contains(c), "{format}: {c:?} in\n{text}");
        }
        assert!(!text.lines().any(|l| l.starts_with("::warning")), "{format}:\n{text}");
        let commands = text.lines().filter(|l| l.starts_with("::")).count();
        assert_eq!(commands, usize::from(format == "github"), "{format}:\n{text}");
    }
}
