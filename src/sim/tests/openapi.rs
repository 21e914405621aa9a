//! The OpenAPI file describes exactly the routes served.

use crate::sim::http::all_routes;
use std::collections::BTreeSet;

const OPENAPI: &str = include_str!("../../../docs/national-api.openapi.yaml");

/// `(method, path)` of every operation under `paths:`: paths at two spaces
/// of indent, methods at four (a text reading; no YAML parser needed).
fn documented() -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    let mut in_paths = false;
    let mut path: Option<String> = None;
    for line in OPENAPI.lines() {
        if !line.starts_with(' ') && !line.trim().is_empty() {
            in_paths = line.trim_end() == "paths:";
            continue;
        }
        if !in_paths {
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        let text = line.trim().trim_end_matches(':');
        if indent == 2 && line.trim_end().ends_with(':') {
            path = Some(text.trim_matches(|c| c == '"' || c == '\'').to_owned());
        } else if indent == 4 && line.trim_end().ends_with(':') {
            if let (Some(p), true) = (&path, ["get", "put", "post", "delete", "patch"].contains(&text)) {
                out.insert((text.to_owned(), p.clone()));
            }
        }
    }
    out
}

#[test]
fn every_route_served_is_in_the_openapi_file_and_no_other() {
    let served: BTreeSet<(String, String)> = all_routes().map(|(m, p)| (m.to_owned(), p.to_owned())).collect();
    let documented = documented();
    let missing: Vec<_> = served.difference(&documented).collect();
    let extra: Vec<_> = documented.difference(&served).collect();
    assert!(missing.is_empty(), "served but not in docs/national-api.openapi.yaml: {missing:?}");
    assert!(extra.is_empty(), "in docs/national-api.openapi.yaml but not served: {extra:?}");
    assert!(OPENAPI.starts_with("openapi: 3.1"), "OpenAPI 3.1");
}

#[test]
fn every_route_is_in_the_markdown_document() {
    let doc = include_str!("../../../docs/national-api.md");
    for (method, path) in all_routes() {
        let heading = format!("{} {path}", method.to_uppercase());
        assert!(doc.contains(&heading), "docs/national-api.md does not describe `{heading}`");
    }
}
