//! Manifests end to end: hostile YAML is one diagnostic each and the rest of the run goes on,
//! findings point into YAML, and no secret value reaches any output format.

use std::time::{Duration, Instant};

use super::util::{Project, CLEAN};

fn problems(run: &super::util::Run) -> Vec<(String, String)> {
    let json = run.json();
    let mut out: Vec<(String, String)> = json["problems"]
        .as_array()
        .map(|ps| {
            ps.iter()
                .map(|p| {
                    (
                        p["code"].as_str().unwrap_or("").to_string(),
                        p["path"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

#[test]
fn hostile_yaml_is_one_diagnostic_each_and_the_run_goes_on() {
    let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        bomb.push_str(&format!("a{i}: &a{i} [{}]\n", vec![format!("*a{}", i - 1); 9].join(", ")));
    }
    let mut huge = String::with_capacity(51 << 20);
    while huge.len() < 50 << 20 {
        huge.push_str("key: value with some padding to make the line long enough\n");
    }
    let project = Project::new();
    project
        .file("src/lib.rs", CLEAN)
        .file("bomb.yaml", bomb)
        .file("deep.yaml", format!("{}{}\n", "[".repeat(10_000), "]".repeat(10_000)))
        .file("huge.yaml", huge)
        .file("latin1.yaml", b"name: caf\xe9\n".as_slice())
        .file("tabs.yaml", "a:\n\tb: 1\n")
        .file(
            "compose.yml",
            "services:\n  web:\n    image: web\n    environment:\n      DB_PASSWORD: hunter2-in-compose\n",
        );
    let start = Instant::now();
    let run = project.run(&["--format", "json", "--max-file-size", "100000000"]);
    assert!(start.elapsed() < Duration::from_secs(60), "took {:?}", start.elapsed());
    assert!(!run.stderr.contains("panicked") && !run.stderr.contains("overflow"), "{}", run.stderr);
    assert_eq!(
        problems(&run),
        [
            ("non-utf8".to_string(), "latin1.yaml".to_string()),
            ("too-large".to_string(), "huge.yaml".to_string()),
            ("yaml-error".to_string(), "tabs.yaml".to_string()),
            ("yaml-too-complex".to_string(), "bomb.yaml".to_string()),
            ("yaml-too-complex".to_string(), "deep.yaml".to_string()),
        ],
        "{run:?}"
    );
    // The rest of the run is unaffected: the compose file is still checked.
    let json = run.json();
    let rules: Vec<&str> = json["findings"]
        .as_array()
        .map(|f| f.iter().filter_map(|x| x["rule"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(rules, ["secrets/plaintext-in-manifest"], "{run:?}");
}

#[test]
fn no_secret_value_reaches_any_output() {
    let project = Project::new();
    project
        .file(
            "docker-compose.yml",
            "services:\n  orders:\n    image: o\n    environment:\n      AMQP_URL: amqp://app:s3cr3t-amqp@rabbit/\n      API_TOKEN: tok-9f8e7d6c5b4a\n  billing:\n    image: b\n    environment:\n      - AMQP_URL=amqp://app:s3cr3t-amqp@rabbit/\n",
        )
        .file("k8s.yaml", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  password: k8s-plain-pw\n");
    for format in ["human", "json", "sarif", "github"] {
        let run = project.run(&["--format", format]);
        assert_eq!(run.code, 1, "{run:?}");
        for secret in ["s3cr3t-amqp", "tok-9f8e7d6c5b4a", "k8s-plain-pw"] {
            assert!(!run.stdout.contains(secret), "{format} shows {secret}: {}", run.stdout);
            assert!(!run.stderr.contains(secret), "{format} shows {secret}: {}", run.stderr);
        }
    }
    let facts = project.run(&["facts", "docker-compose.yml", "--format", "json"]);
    for secret in ["s3cr3t-amqp", "tok-9f8e7d6c5b4a"] {
        assert!(!facts.stdout.contains(secret), "facts show {secret}: {}", facts.stdout);
    }
}
