//! Every GraphQL example in `README.md` and `docs/*.md` runs against the
//! demo registry without errors. The files are read when the test runs, so
//! a document added later is checked as soon as it lands.
//!
//! A fenced block whose info string starts with `graphql` is an example.
//! Words after `graphql` say how to run it (see `docs/portal-guide.md`,
//! "Examples in these documents"):
//!
//! - `token=admin`, `token=officer:40`, `token=reader`, `token=sync`: send a
//!   bearer token of that role (and province); anonymous otherwise;
//! - `variables={…}`: the variables, as JSON, to the end of the line;
//! - `expect=CODE`: the example shows an error; it must fail with that
//!   `extensions.code` (and nothing else);
//! - `skip`: not run (say why in the text around it).
//!
//! A block that is schema language (type definitions) is parsed, not run.
//! A subscription is validated against the schema, not run (it would wait
//! for changes). A query or mutation is POSTed to `/graphql`; it passes when
//! the answer has no `errors` and no non-empty `userErrors`.

use crate::helpers::{token, Backend, TestApp};
use coopgate::auth::Role;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// One fenced `graphql` block.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// Where it is: `file:line`.
    pub at: String,
    /// Its text.
    pub document: String,
    /// How to run it.
    pub run: Run,
}

/// How an example runs.
#[derive(Debug, Clone, PartialEq)]
pub enum Run {
    /// Not run.
    Skip,
    /// Sent with this token (role, province) and these variables; `expect`
    /// is the error code it must fail with, if any.
    Send { token: Option<(Role, Option<String>)>, variables: Value, expect: Option<String> },
}

/// The words after `graphql` in an info string.
fn parse_info(info: &str) -> Result<Run, String> {
    let mut token = None;
    let mut variables = json!({});
    let mut expect = None;
    let mut rest = info.trim();
    while !rest.is_empty() {
        let (word, tail) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        match word.split_once('=') {
            None if word == "skip" => return Ok(Run::Skip),
            Some(("variables", _)) => {
                let json_text = &rest["variables=".len()..];
                variables = serde_json::from_str(json_text).map_err(|e| format!("variables: {e}"))?;
                break;
            }
            Some(("token", who)) => {
                let (role, province) = who.split_once(':').map_or((who, None), |(r, p)| (r, Some(p.to_owned())));
                let role = match role {
                    "admin" => Role::NationalAdmin,
                    "officer" => Role::ProvincialOfficer,
                    "reader" => Role::PortalReader,
                    "sync" => Role::SyncService,
                    other => return Err(format!("unknown token role {other:?}")),
                };
                token = Some((role, province));
            }
            Some(("expect", code)) => expect = Some(code.to_owned()),
            _ => return Err(format!("unknown marker {word:?}")),
        }
        rest = tail.trim_start();
    }
    Ok(Run::Send { token, variables, expect })
}

/// The `graphql` blocks of one Markdown text.
pub fn examples(file: &str, markdown: &str) -> Result<Vec<Example>, String> {
    /// An open fence: its marker, first line, text, and how to run it
    /// (`None`: not a GraphQL block).
    struct Open<'a> {
        fence: &'a str,
        start: usize,
        text: String,
        run: Option<Run>,
    }
    let mut found = Vec::new();
    let mut open: Option<Open> = None;
    for (i, line) in markdown.lines().enumerate() {
        let trimmed = line.trim_start();
        let ticks = trimmed.len() - trimmed.trim_start_matches(['`', '~']).len();
        match open.take() {
            None if ticks >= 3 => {
                let info = trimmed[ticks..].trim();
                let lang = info.split_whitespace().next().unwrap_or("");
                let run = if lang == "graphql" || lang == "gql" {
                    Some(parse_info(&info[lang.len()..]).map_err(|e| format!("{file}:{}: {e}", i + 1))?)
                } else {
                    None
                };
                open = Some(Open { fence: &trimmed[..ticks], start: i + 1, text: String::new(), run });
            }
            None => {}
            Some(o) if trimmed.starts_with(o.fence) && trimmed[ticks..].trim().is_empty() => {
                if let Some(run) = o.run {
                    found.push(Example { at: format!("{file}:{}", o.start), document: o.text, run });
                }
            }
            Some(mut o) => {
                o.text.push_str(line);
                o.text.push('\n');
                open = Some(o);
            }
        }
    }
    if let Some(o) = open {
        return Err(format!("{file}:{}: the fence is never closed", o.start));
    }
    Ok(found)
}

/// README.md and docs/*.md, sorted.
fn documents() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![root.join("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .expect("docs/")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    docs.sort();
    files.extend(docs);
    files
}

/// Whether `document` is schema language rather than operations.
fn is_schema_language(document: &str) -> bool {
    async_graphql::parser::parse_query(document).is_err() && async_graphql::parser::parse_schema(document).is_ok()
}

/// Runs one example against `app`; the failure, if any.
async fn check(app: &TestApp, example: &Example) -> Option<String> {
    let Run::Send { token: who, variables, expect } = &example.run else {
        return None;
    };
    if is_schema_language(&example.document) {
        return None;
    }
    let doc = match async_graphql::parser::parse_query(&example.document) {
        Ok(d) => d,
        Err(e) => return Some(format!("does not parse: {e}")),
    };
    let subscription =
        doc.operations.iter().any(|(_, op)| op.node.ty == async_graphql::parser::types::OperationType::Subscription);
    let bearer = who.as_ref().map(|(role, province)| token(*role, province.as_deref()));
    let answer: Value = if subscription {
        // Validated, not run: the in-process schema refuses to run a
        // subscription over a one-shot transport only after validation.
        let schema = coopgate::graphql::build_schema(app.state.clone());
        let request = async_graphql::Request::new(&example.document)
            .variables(async_graphql::Variables::from_json(variables.clone()));
        let response = schema.execute(request).await;
        let errors: Vec<_> = response.errors.iter().filter(|e| !e.message.contains("not supported")).collect();
        if errors.is_empty() {
            return None;
        }
        json!({ "errors": errors.iter().map(|e| e.message.clone()).collect::<Vec<_>>() })
    } else {
        match &bearer {
            Some(t) => app.graphql_as(t, &example.document, variables.clone()).await,
            None => app.graphql(&example.document, variables.clone()).await,
        }
    };
    let errors = answer.get("errors").and_then(Value::as_array).cloned().unwrap_or_default();
    match expect {
        Some(code) => {
            let codes: Vec<&str> = errors.iter().map(crate::helpers::code).collect();
            (codes.is_empty() || codes.iter().any(|c| c != code))
                .then(|| format!("expected only {code} errors, got {answer}"))
        }
        None if !errors.is_empty() => Some(format!("errors: {answer}")),
        None if has_user_errors(&answer["data"]) => Some(format!("userErrors: {answer}")),
        None => None,
    }
}

fn has_user_errors(v: &Value) -> bool {
    match v {
        Value::Object(o) => o
            .iter()
            .any(|(k, v)| (k == "userErrors" && v.as_array().is_some_and(|a| !a.is_empty())) || has_user_errors(v)),
        Value::Array(a) => a.iter().any(has_user_errors),
        _ => false,
    }
}

/// Runs every example of `files`, one app per file that has any (over the
/// demo registry when `demo`); the failures, with where they are.
async fn failures(files: &[(String, String)], demo: bool) -> Vec<String> {
    let mut failed = Vec::new();
    for (name, text) in files {
        let found = match examples(name, text) {
            Ok(f) => f,
            Err(e) => {
                failed.push(e);
                continue;
            }
        };
        if found.iter().all(|e| e.run == Run::Skip) {
            continue;
        }
        let app = if demo { TestApp::spawn_demo(Backend::Sqlite).await } else { TestApp::spawn(Backend::Sqlite).await };
        for example in &found {
            if let Some(why) = check(&app, example).await {
                failed.push(format!("{}: {why}\n{}", example.at, example.document));
            }
        }
    }
    failed
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_graphql_example_in_the_docs_runs_on_the_demo_data() {
    let files: Vec<(String, String)> = documents()
        .into_iter()
        .map(|p| {
            let name = p.strip_prefix(env!("CARGO_MANIFEST_DIR")).unwrap_or(&p).display().to_string();
            (name.trim_start_matches('/').to_owned(), std::fs::read_to_string(&p).expect("readable"))
        })
        .collect();
    let count: usize = files.iter().map(|(n, t)| examples(n, t).map(|e| e.len()).unwrap_or(0)).sum();
    assert!(count > 0, "the README has at least one example");
    let failed = failures(&files, true).await;
    assert!(
        failed.is_empty(),
        "{} of {count} examples fail (an example that shows an error needs `expect=CODE`, one that cannot \
         run here `skip`; see \"Examples in these documents\" in docs/portal-guide.md):\n\n{}",
        failed.len(),
        failed.join("\n\n")
    );
}

#[test]
fn markers_in_the_info_string_say_how_an_example_runs() {
    let md = "text\n\n```graphql\n{ me { role } }\n```\n\n```sh\n```graphql inside a shell block\n```\n\n\
              ```graphql token=officer:40 variables={\"first\": 2}\nquery($first: Int) { x }\n```\n\
              ````graphql skip\ntype T { a: Int }\n````\n```graphql expect=BAD_USER_INPUT token=admin\n{ y }\n```\n";
    let found = examples("x.md", md).expect("parses");
    let runs: Vec<(&str, &Run)> = found.iter().map(|e| (e.at.as_str(), &e.run)).collect();
    assert_eq!(
        runs,
        vec![
            ("x.md:3", &Run::Send { token: None, variables: json!({}), expect: None }),
            (
                "x.md:11",
                &Run::Send {
                    token: Some((Role::ProvincialOfficer, Some("40".into()))),
                    variables: json!({"first": 2}),
                    expect: None
                }
            ),
            ("x.md:14", &Run::Skip),
            (
                "x.md:17",
                &Run::Send {
                    token: Some((Role::NationalAdmin, None)),
                    variables: json!({}),
                    expect: Some("BAD_USER_INPUT".into())
                }
            ),
        ]
    );
    assert_eq!(found[0].document, "{ me { role } }\n");
    assert!(examples("x.md", "```graphql token=mayor\n{ a }\n```\n").is_err());
    assert!(examples("x.md", "```graphql\n{ a }\n").is_err(), "an unclosed fence is an error");
}

/// The check is not vacuous: a wrong field, a missing token and a
/// mismatched `expect` are all failures; schema language is only parsed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_example_is_reported_with_its_place() {
    let md = "```graphql\n{ cooperatives(first: 1) { totalCount } }\n```\n\
              ```graphql\n{ cooperatives { nosuchfield } }\n```\n\
              ```graphql\n{ auditEvents(first: 1) { edges { cursor } } }\n```\n\
              ```graphql token=admin\n{ auditEvents(first: 1) { edges { cursor } } }\n```\n\
              ```graphql expect=FORBIDDEN\n{ me { role } }\n```\n\
              ```graphql\ntype Extra { a: Int }\n```\n\
              ```graphql\nsubscription { registryChanged { sequence } }\n```\n\
              ```graphql\nsubscription { registryChanged { nosuchfield } }\n```\n";
    let failed = failures(&[("t.md".into(), md.into())], false).await;
    let places: Vec<&str> = failed.iter().map(|f| f.split(": ").next().unwrap_or_default()).collect();
    assert_eq!(places, vec!["t.md:4", "t.md:7", "t.md:13", "t.md:22"], "{failed:#?}");
}
