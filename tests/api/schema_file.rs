//! The committed schema.graphql is what the code generates.

#[test]
fn committed_schema_matches_the_code() {
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql"))
        .expect("schema.graphql is committed at the repository root");
    assert!(
        committed == coopgate::graphql::sdl(),
        "schema.graphql is stale: run `cargo run -- export-schema -o schema.graphql` and commit it"
    );
}
