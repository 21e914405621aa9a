//! docs/operations.md is checked against the code: its configuration
//! reference lists exactly the settings declared in `src/` (`env = "…"` of
//! every clap argument), its metrics table exactly the names in
//! `src/meter.rs`, and the example alert rules use only those metrics
//! (and pass `promtool check rules` where promtool is installed; `.ci/run`
//! installs it).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        let p = entry.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// Every `env = "NAME"` in the sources: the settings clap reads.
fn declared_settings() -> BTreeSet<String> {
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    let mut names = BTreeSet::new();
    for f in files {
        let text = std::fs::read_to_string(&f).expect("read");
        for (i, _) in text.match_indices("env = \"") {
            let rest = &text[i + 7..];
            let name: String =
                rest.chars().take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_').collect();
            if rest[name.len()..].starts_with('"') && !name.is_empty() {
                names.insert(name);
            }
        }
    }
    names
}

/// The backticked names in the first column of the table under `heading`.
fn first_column(doc: &str, heading: &str) -> BTreeSet<String> {
    let start = doc.find(heading).unwrap_or_else(|| panic!("docs/operations.md has {heading}"));
    let section = &doc[start + heading.len()..];
    let section = &section[..section.find("\n## ").unwrap_or(section.len())];
    section
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split('`').next())
        .map(str::to_owned)
        .collect()
}

fn doc() -> String {
    std::fs::read_to_string(root().join("docs/operations.md")).expect("docs/operations.md")
}

#[test]
fn the_configuration_reference_lists_every_setting_and_only_those() {
    let declared = declared_settings();
    assert!(declared.contains("DATABASE_URL") && declared.contains("COOPGATE_LISTEN"), "{declared:?}");
    let documented = first_column(&doc(), "## Configuration reference");
    let missing: Vec<_> = declared.difference(&documented).collect();
    let stale: Vec<_> = documented.difference(&declared).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "docs/operations.md, Configuration reference: add a row for {missing:?} (see `coopgate <command> --help`); \
         remove the rows of {stale:?}, which no command reads"
    );
}

/// The metric names `src/meter.rs` declares.
fn metric_names() -> BTreeSet<String> {
    let text = std::fs::read_to_string(root().join("src/meter.rs")).expect("meter.rs");
    text.lines()
        .filter(|l| l.starts_with("pub const ") && l.contains(": &str = \"coopgate_"))
        .filter_map(|l| l.split('"').nth(1))
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_metrics_table_lists_every_metric_and_only_those() {
    let names = metric_names();
    assert!(names.len() >= 15, "{names:?}");
    let documented = first_column(&doc(), "## Metrics");
    assert_eq!(documented, names, "docs/operations.md, Metrics: one row per name in src/meter.rs");
}

#[test]
fn the_example_alert_rules_use_only_exported_metrics_and_pass_promtool() {
    let path = root().join("deploy/prometheus/coopgate-rules.yml");
    let rules = std::fs::read_to_string(&path).expect("rules");
    let names = metric_names();
    let mut used = BTreeSet::new();
    for (i, _) in rules.match_indices("coopgate_") {
        let token: String =
            rules[i..].chars().take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_').collect();
        let family = ["_bucket", "_count", "_sum"].iter().find_map(|s| token.strip_suffix(s)).unwrap_or(&token);
        assert!(names.contains(family), "{token} in the rules is not a metric coopgate exports");
        used.insert(family.to_owned());
    }
    assert!(used.len() >= 8, "{used:?}");
    assert!(rules.matches("- alert: ").count() >= 10);
    match std::process::Command::new("promtool").arg("check").arg("rules").arg(&path).output() {
        Ok(out) => assert!(
            out.status.success(),
            "promtool check rules: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(e) => eprintln!("promtool not installed ({e}): rules checked for metric names only"),
    }
}
