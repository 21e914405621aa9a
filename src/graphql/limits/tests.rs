use super::*;
use async_graphql::parser::parse_query;

fn shape() -> SchemaShape {
    SchemaShape::from_sdl(&crate::graphql::sdl()).expect("our SDL parses")
}

fn run(q: &str, limits: &DocumentLimits) -> Result<Analysis, LimitError> {
    run_with(q, Variables::default(), limits)
}

fn run_with(q: &str, vars: Variables, limits: &DocumentLimits) -> Result<Analysis, LimitError> {
    check_text(q)?;
    let doc = parse_query(q).expect("parses");
    analyse(&doc, None, &vars, &shape(), limits)
}

fn measure(q: &str) -> Analysis {
    let wide = DocumentLimits {
        max_depth: 64,
        max_aliases: 100_000,
        max_root_fields: 100_000,
        max_directives: 100,
        max_fragment_depth: 64,
        max_fields: 1_000_000,
        max_cost: u64::MAX,
    };
    run(q, &wide).expect("within wide limits")
}

fn what(e: LimitError) -> &'static str {
    match e {
        LimitError::TooComplex { what, .. } => what,
        LimitError::Malformed(_) => "malformed",
    }
}

#[test]
fn connections_cost_by_first_and_nested_connections_multiply() {
    // cooperatives 1 + 20 × (edges 1 + node 1).
    assert_eq!(measure("{ cooperatives { edges { node { name } } } }").cost, 41);
    // A top-level totalCount is a count over the table: 300 more (docs/hardening.md).
    assert_eq!(measure("{ cooperatives(first: 5) { totalCount edges { node { name } } } }").cost, 311);
    // pageInfo is paid once, not per item.
    assert_eq!(measure("{ cooperatives(first: 5) { pageInfo { hasNextPage } edges { node { name } } } }").cost, 12);
    // unions 1 + 10 × (edges 1 + node 1 + members 1 + 10 × (edges 1 + node 1)).
    let nested = "{ cooperativeUnions(first: 10) { edges { node { memberCooperatives(first: 10) { edges { node { name } } } } } } }";
    assert_eq!(measure(nested).cost, 1 + 10 * (3 + 10 * 2));
    // A variable's value counts; more than 100 counts as 100 (the resolver refuses it).
    let q = "query($n: Int) { cooperatives(first: $n) { edges { node { name } } } }";
    let vars = Variables::from_json(serde_json::json!({"n": 3}));
    assert_eq!(run_with(q, vars, &DocumentLimits::default()).map(|a| a.cost), Ok(7));
    assert_eq!(measure("{ cooperatives(first: 100000) { edges { node { name } } } }").cost, 201);
    // nodes(ids:) counts its ids; a mutation field costs 10.
    assert_eq!(measure(r#"{ nodes(ids: ["a", "b", "c"]) { id } }"#).cost, 3);
    let m =
        measure("mutation { addUnionMember(input: {unionId: \"x\", cooperativeId: \"y\"}) { userErrors { field } } }");
    assert_eq!((m.operation, m.cost), (OperationType::Mutation, 10 + 10));
    // Fragments cost what their fields cost, per spread.
    let f = measure("{ a: cooperatives(first: 2) { ...C } b: cooperatives(first: 2) { ...C } } fragment C on CooperativeConnection { edges { node { name } } }");
    assert_eq!((f.cost, f.aliases, f.root_fields), (2 * (1 + 2 * 2), 2, 2));
}

#[test]
fn each_limit_passes_at_its_value_and_refuses_one_over() {
    let base = DocumentLimits::default();
    // depth
    let deep = "{ cooperatives(first: 1) { edges { node { union { legalRepresentative { fullName } } } } } }"; // 6
    assert_eq!(measure(deep).depth, 6);
    assert!(run(deep, &DocumentLimits { max_depth: 6, ..base }).is_ok());
    assert_eq!(run(deep, &DocumentLimits { max_depth: 5, ..base }).map_err(what), Err("query depth"));
    // aliases
    let aliases = "{ a: me { subject } b: me { subject } c: me { s: subject } }";
    assert!(run(aliases, &DocumentLimits { max_aliases: 4, ..base }).is_ok());
    assert_eq!(run(aliases, &DocumentLimits { max_aliases: 3, ..base }).map_err(what), Err("number of aliases"));
    // root fields
    let roots = "{ me { subject } provinces { code } a: me { role } }";
    assert!(run(roots, &DocumentLimits { max_root_fields: 3, ..base }).is_ok());
    assert_eq!(run(roots, &DocumentLimits { max_root_fields: 2, ..base }).map_err(what), Err("number of root fields"));
    // directives
    let dirs = "{ me { subject @include(if: true) @skip(if: false) } }";
    assert!(run(dirs, &DocumentLimits { max_directives: 2, ..base }).is_ok());
    assert_eq!(
        run(dirs, &DocumentLimits { max_directives: 1, ..base }).map_err(what),
        Err("directives on one selection")
    );
    // fragment depth
    let chain =
        "{ ...A } fragment A on Query { ...B } fragment B on Query { ...C } fragment C on Query { me { subject } }";
    assert_eq!(measure(chain).fragment_depth, 3);
    assert!(run(chain, &DocumentLimits { max_fragment_depth: 3, ..base }).is_ok());
    assert_eq!(run(chain, &DocumentLimits { max_fragment_depth: 2, ..base }).map_err(what), Err("fragment depth"));
    // fields (duplicate-field flood)
    let dup = format!("{{ me {{ {} }} }}", "subject ".repeat(99));
    assert_eq!(measure(&dup).fields, 100);
    assert!(run(&dup, &DocumentLimits { max_fields: 100, ..base }).is_ok());
    assert_eq!(run(&dup, &DocumentLimits { max_fields: 99, ..base }).map_err(what), Err("number of fields"));
    // cost
    let costly = "{ cooperatives(first: 10) { edges { node { name } } } }"; // 21
    assert!(run(costly, &DocumentLimits { max_cost: 21, ..base }).is_ok());
    assert_eq!(run(costly, &DocumentLimits { max_cost: 20, ..base }).map_err(what), Err("query cost"));
}

#[test]
fn fragment_fan_out_is_measured_in_linear_time() {
    // 30 fragments, each spreading the next 10 times: 10^30 fields expanded.
    let mut q = String::from("{ ...F0 }\n");
    for i in 0..30 {
        let spreads = format!("...F{} ", i + 1).repeat(10);
        q.push_str(&format!("fragment F{i} on Query {{ me {{ subject }} {spreads} }}\n"));
    }
    q.push_str("fragment F30 on Query { me { role } }\n");
    assert!(q.len() < 1024 * 4);
    let shape = shape();
    let started = std::time::Instant::now();
    let doc = parse_query(&q).expect("parses");
    let r = analyse(&doc, None, &Variables::default(), &shape, &DocumentLimits::default());
    // Without memoised fragments this would never end; the time is printed, not asserted.
    eprintln!("measured in {:?}", started.elapsed());
    assert!(matches!(r, Err(LimitError::TooComplex { .. })), "{r:?}");
    // Unused fragments are measured too (the library validates them), and
    // with limits near the top of their ranges the arithmetic saturates
    // instead of overflowing.
    let unused = q.replace("{ ...F0 }", "{ me { subject } }");
    let wide = DocumentLimits {
        max_fields: 1_000_000,
        max_cost: u64::MAX - 1,
        max_fragment_depth: 64,
        ..DocumentLimits::default()
    };
    assert!(matches!(run(&unused, &wide), Err(LimitError::TooComplex { what: "number of fields", .. })));
}

#[test]
fn cycles_and_unknown_fragments_are_malformed() {
    let base = DocumentLimits::default();
    let cycle = "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }";
    assert_eq!(run(cycle, &base).map_err(what), Err("malformed"));
    assert_eq!(run("{ ...Nope }", &base).map_err(what), Err("malformed"));
}

#[test]
fn deep_brackets_are_refused_before_parsing() {
    let deep = format!("{}{}", "{ a ".repeat(10_000), "}".repeat(10_000));
    assert!(matches!(check_text(&deep), Err(LimitError::TooComplex { what: "bracket nesting", .. })));
    let value = format!("{{ nodes(ids: {}\"x\"{}) {{ id }} }}", "[".repeat(500), "]".repeat(500));
    assert!(check_text(&value).is_err());
    // Brackets inside strings and comments do not count.
    let quoted = format!("{{ cooperative(code: \"{}\") {{ name }} }} # {}", "{".repeat(500), "[".repeat(500));
    assert_eq!(check_text(&quoted), Ok(()));
    let block = format!("{{ cooperative(code: \"\"\"{}\"\"\") {{ name }} }}", "(".repeat(500));
    assert_eq!(check_text(&block), Ok(()));
}

#[test]
fn actual_cost_counts_objects_returned() {
    let data = ConstValue::from_json(serde_json::json!({
        "cooperatives": {"edges": [{"node": {"name": "a"}}, {"node": {"name": "b"}}]}
    }))
    .expect("json");
    assert_eq!(actual_cost(&data, OperationType::Query), 5);
    let m = ConstValue::from_json(serde_json::json!({"addUnionMember": {"userErrors": []}})).expect("json");
    assert_eq!(actual_cost(&m, OperationType::Mutation), 10);
}

#[test]
fn refusals_report_the_real_alias_count_and_cost() {
    let aliases: String = (0..30).map(|i| format!("a{i}: me {{ subject }} ")).collect();
    let q = format!("{{ {aliases} }}");
    let limits = DocumentLimits { max_aliases: 5, ..DocumentLimits::default() };
    assert_eq!(run(&q, &limits), Err(LimitError::TooComplex { what: "number of aliases", actual: 30, limit: 5 }));
    let costly = "{ cooperativeUnions(first: 100) { edges { node { memberCooperatives(first: 100) { edges { node { name } } } } } } }";
    let cost = measure(costly).cost;
    let r = run(costly, &DocumentLimits { max_cost: 50, ..DocumentLimits::default() });
    assert_eq!(r.as_ref().map_err(|e| e.requested_cost()), Err(Some(cost)));
    assert!(cost > 10_000, "{cost}");
}

#[test]
fn long_fragment_chains_are_refused_while_followed() {
    let mut q = String::from("{ ...F0 }\n");
    for i in 0..5000 {
        q.push_str(&format!("fragment F{i} on Query {{ ...F{} }}\n", i + 1));
    }
    q.push_str("fragment F5000 on Query { me { role } }\n");
    assert!(matches!(run(&q, &DocumentLimits::default()), Err(LimitError::TooComplex { what: "fragment depth", .. })));
}

#[test]
fn last_is_charged_like_first() {
    let forward = measure("{ cooperatives(first: 40) { edges { node { name } } } }").cost;
    let backward = measure("{ cooperatives(last: 40) { edges { node { name } } } }").cost;
    assert_eq!(backward, forward);
    assert_eq!(
        measure("{ cooperatives(last: 1000) { edges { node { name } } } }").cost,
        measure("{ cooperatives(first: 100) { edges { node { name } } } }").cost
    );
}

#[test]
fn the_text_scan_counts_definitions_and_arguments_lexically() {
    let l = TextLimits { max_bytes: 1 << 20, max_variables: 2, max_fragments: 1, max_arguments: 3 };
    // Two variable definitions, one fragment, three arguments; aliases,
    // input-object fields, variable uses and strings do not count.
    let ok = "query Q($a: Int, $b: String = \"$x: fragment\") { x: cooperatives(first: $a, filter: {name: $b, p: 1}) { ...F } }
              fragment F on CooperativeConnection { totalCount nodes(ids: []) { id } } # fragment $c: (";
    assert_eq!(scan_text(ok, &l), Ok(()));
    let what = |q: &str| scan_text(q, &l).map_err(what_of);
    assert_eq!(what("query($a: Int, $b: Int, $c: Int) { me { role } }"), Err("number of variable definitions"));
    assert_eq!(
        what("{ me { role } } fragment A on Query { me { role } } fragment B on Query { me { role } }"),
        Err("number of fragment definitions")
    );
    assert_eq!(what("{ a(x: 1, y: 2) { b(z: 3) { c(w: 4) } } }"), Err("number of arguments"));
    let big = TextLimits { max_bytes: 10, ..l };
    assert_eq!(scan_text("{ me { role } }", &big).map_err(what_of), Err("document size in bytes"));
}

fn what_of(e: LimitError) -> &'static str {
    what(e)
}

#[test]
fn the_text_scan_is_linear_on_hostile_documents() {
    let l = TextLimits::default();
    let vars = format!(
        "query Q({}) {{ __typename }}",
        (0..40_000).map(|i| format!("$v{i}: Int")).collect::<Vec<_>>().join(", ")
    );
    let wide = TextLimits { max_bytes: usize::MAX, ..l };
    let started = std::time::Instant::now();
    assert!(matches!(
        scan_text(&vars, &wide),
        Err(LimitError::TooComplex { what: "number of variable definitions", .. })
    ));
    assert!(matches!(scan_text(&vars, &l), Err(LimitError::TooComplex { what: "document size in bytes", .. })));
    eprintln!("40k variable definitions refused in {:?}", started.elapsed());
}
