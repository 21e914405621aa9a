//! The README reads right where Markdown is strict: every table renders,
//! each command is listed once, and nothing points outside the repository
//! (a clone has no `../shared/`).

const README: &str = include_str!("../../README.md");

/// Runs of consecutive table lines, with their first line number.
fn tables(markdown: &str) -> Vec<(usize, Vec<&str>)> {
    let mut out: Vec<(usize, Vec<&str>)> = Vec::new();
    let mut previous_was_table = false;
    for (i, line) in markdown.lines().enumerate() {
        let is_table = line.trim_start().starts_with('|');
        match (is_table, previous_was_table) {
            (true, true) => out.last_mut().expect("open table").1.push(line),
            (true, false) => out.push((i + 1, vec![line])),
            _ => {}
        }
        previous_was_table = is_table;
    }
    out
}

#[test]
fn every_table_has_a_header_and_a_delimiter_row() {
    for (line, rows) in tables(README) {
        let delimiter = rows.get(1).copied().unwrap_or_default();
        assert!(
            delimiter.chars().all(|c| matches!(c, '|' | '-' | ':' | ' ')) && delimiter.contains('-'),
            "README.md:{line}: a table without a delimiter row renders as text (a blank line inside a table?): {rows:#?}"
        );
    }
}

#[test]
fn every_subcommand_is_in_the_command_table_once() {
    let (_, commands) =
        tables(README).into_iter().find(|(_, rows)| rows[0].contains("command")).expect("the command table");
    for sub in crate::cli::SUBCOMMANDS {
        let first_cells = commands.iter().map(|r| r.split('|').nth(1).unwrap_or_default());
        // `coopgate export` is not `coopgate export-schema`.
        let rows = first_cells
            .filter(|c| c.contains(&format!("`coopgate {sub} ")) || c.contains(&format!("`coopgate {sub}`")))
            .count();
        assert_eq!(rows, 1, "`coopgate {sub}` rows in the README's command table");
    }
}

#[test]
fn nothing_points_outside_the_repository() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![root.join("README.md")];
    files.extend(
        std::fs::read_dir(root.join("docs"))
            .expect("docs/")
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "md")),
    );
    for f in files {
        let text = std::fs::read_to_string(&f).expect("readable");
        assert!(!text.contains("../shared"), "{} links ../shared/, which a clone does not have", f.display());
    }
}
