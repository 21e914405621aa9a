//! docs/errors.md lists every error code the server can send: each
//! `extensions.code` constant, every code literal set anywhere in `src/`,
//! every websocket close code and every `UserErrorCode`.

use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable dir").flatten() {
        let p = entry.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// The text after each `marker` up to the next `end`.
fn after_each<'a>(text: &'a str, marker: &str, end: char) -> Vec<&'a str> {
    text.match_indices(marker).filter_map(|(i, _)| text[i + marker.len()..].split(end).next()).collect()
}

#[test]
fn every_code_the_server_sends_is_documented() {
    let doc = std::fs::read_to_string(root().join("docs/errors.md")).expect("docs/errors.md exists");
    let documented = |code: &str| doc.contains(&format!("`{code}`"));

    let error_rs = std::fs::read_to_string(root().join("src/graphql/error.rs")).expect("error.rs");
    let constants = after_each(&error_rs, ": &str = \"", '"');
    assert!(constants.len() >= 9, "the code constants are found: {constants:?}");

    let mut literals = Vec::new();
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    let sources: Vec<String> = files.iter().map(|f| std::fs::read_to_string(f).expect("source")).collect();
    // Error codes are upper-case words (other `"code"` keys hold tax or province codes).
    let is_error_code = |c: &&str| c.len() > 2 && c.chars().all(|ch| ch.is_ascii_uppercase() || ch == '_');
    for s in &sources {
        literals.extend(after_each(s, "set(\"code\", \"", '"').into_iter().filter(is_error_code));
        literals.extend(after_each(s, "\"code\": \"", '"').into_iter().filter(is_error_code));
    }

    let ws = std::fs::read_to_string(root().join("src/http/websocket.rs")).expect("websocket.rs");
    let close: Vec<&str> = after_each(&ws, ": u16 = ", ';');
    assert!(close.len() >= 6, "the close codes are found: {close:?}");

    let schema = std::fs::read_to_string(root().join("schema.graphql")).expect("schema.graphql");
    let user_errors: Vec<&str> = schema
        .split("enum UserErrorCode {")
        .nth(1)
        .and_then(|rest| rest.split('}').next())
        .expect("enum UserErrorCode")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_uppercase() || c == '_'))
        .collect();
    assert!(user_errors.len() >= 5, "{user_errors:?}");

    let missing: Vec<&str> = constants
        .iter()
        .chain(&literals)
        .chain(&close)
        .chain(&user_errors)
        .copied()
        .filter(|c| !documented(c))
        .collect();
    assert!(missing.is_empty(), "docs/errors.md does not describe: {missing:?}");
}
