//! Document limits checked before async-graphql validates a document.
//!
//! The library's validation (and its own depth and complexity passes) expand
//! every fragment spread in place, so a small document whose fragments spread
//! other fragments many times costs exponential time there. Here each
//! fragment is summarised once (memoised), so the whole analysis is linear in
//! the document's size, and a document over any limit is refused before the
//! library sees it.
//!
//! Cost (reported in `extensions.cost`): a field that returns an object, or a
//! list of objects, costs 1 each time it is resolved; scalars and enums cost
//! nothing; a connection's `edges` and `nodes` are resolved `first` times
//! (default 20, at most 100) for each time the connection is, so nested
//! connections multiply; another list of objects counts as
//! [`LIST_ESTIMATE`] items (`nodes(ids:)` as its number of ids); a mutation
//! field costs [`MUTATION_COST`].

use async_graphql::parser::types::{
    BaseType, DocumentOperations, ExecutableDocument, Field, OperationType, Selection, SelectionSet, ServiceDocument,
    Type, TypeDefinition, TypeKind, TypeSystemDefinition,
};
use async_graphql::{Name, Value as ConstValue, Variables};
use std::collections::HashMap;

/// Items a list of objects other than a connection is assumed to hold.
pub const LIST_ESTIMATE: u64 = 10;
/// What one mutation field costs.
pub const MUTATION_COST: u64 = 10;
/// What `statistics` (and `registryTrend`, which groups the territory's
/// status history and reports by year) costs on top of its objects: it
/// aggregates every row of its territory (a full scan of the registry for the country), measured at
/// national scale against a page of 20 cooperatives (see docs/hardening.md).
pub const STATISTICS_COST: u64 = 600;
/// What a connection's `totalCount` costs when the connection is filtered:
/// a count over the filter, a scan of the matching table.
pub const FILTERED_COUNT_COST: u64 = 200;
/// What an unfiltered `totalCount` costs (a count of a whole table).
pub const COUNT_COST: u64 = 300;
/// A connection's page size when `first` is not given.
pub const DEFAULT_FIRST: u64 = crate::service::page::DEFAULT_PAGE_SIZE;
/// The largest page size counted (more is refused by the resolvers).
pub const MAX_FIRST: u64 = crate::service::page::MAX_PAGE_SIZE;
/// Deepest nesting of brackets (`{`, `[`, `(`) a document may have before it
/// is parsed at all; keeps the recursive parser's stack use small.
pub const MAX_BRACKET_NESTING: usize = 128;

/// The limits one document must keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DocumentLimits {
    /// Deepest field nesting.
    pub max_depth: usize,
    /// Aliased fields, after fragment expansion.
    pub max_aliases: usize,
    /// Root fields of one operation, after fragment expansion.
    pub max_root_fields: usize,
    /// Directives on one field, spread, inline fragment or operation.
    pub max_directives: usize,
    /// Longest chain of fragment spreads.
    pub max_fragment_depth: usize,
    /// Field selections, after fragment expansion.
    pub max_fields: usize,
    /// Computed cost of one operation.
    pub max_cost: u64,
}

impl From<&crate::limits::LimitsConfig> for DocumentLimits {
    /// The document limits a deployment's settings ask for.
    fn from(c: &crate::limits::LimitsConfig) -> Self {
        DocumentLimits {
            max_depth: c.max_depth,
            max_aliases: c.max_aliases,
            max_root_fields: c.max_root_fields,
            max_directives: c.max_directives,
            max_fragment_depth: c.max_fragment_depth,
            max_fields: c.max_fields,
            max_cost: c.max_cost,
        }
    }
}

pub use crate::limits::{
    DEFAULT_MAX_ALIASES, DEFAULT_MAX_COST, DEFAULT_MAX_DEPTH, DEFAULT_MAX_DIRECTIVES, DEFAULT_MAX_FIELDS,
    DEFAULT_MAX_FRAGMENT_DEPTH, DEFAULT_MAX_ROOT_FIELDS,
};

impl Default for DocumentLimits {
    /// The limits of a deployment that sets none.
    fn default() -> Self {
        DocumentLimits::from(&crate::limits::LimitsConfig::default())
    }
}

/// What the cost refusal names as measured.
const COST: &str = "query cost";

/// Why a document is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LimitError {
    /// Over a shape or cost limit (`QUERY_TOO_COMPLEX`).
    #[error("{what} is {actual}, over the limit of {limit}")]
    TooComplex {
        /// What was measured.
        what: &'static str,
        /// The measure (saturated).
        actual: u64,
        /// The limit.
        limit: u64,
    },
    /// Malformed in a way that makes measuring impossible (`BAD_USER_INPUT`).
    #[error("{0}")]
    Malformed(crate::domain::Msg),
}

impl LimitError {
    /// The operation's computed cost, when this is a refusal over the cost limit.
    pub fn requested_cost(&self) -> Option<u64> {
        match self {
            LimitError::TooComplex { what, actual, .. } if *what == COST => Some(*actual),
            _ => None,
        }
    }

    /// The refusal as a catalogue message.
    pub fn msg(&self) -> crate::domain::Msg {
        match self {
            LimitError::TooComplex { what, actual, limit } => {
                crate::domain::Msg::OverLimit { what: (*what).to_owned(), actual: *actual, limit: *limit }
            }
            LimitError::Malformed(m) => m.clone(),
        }
    }

    fn over(what: &'static str, actual: impl TryInto<u64>, limit: impl TryInto<u64>) -> LimitError {
        LimitError::TooComplex {
            what,
            actual: actual.try_into().unwrap_or(u64::MAX),
            limit: limit.try_into().unwrap_or(u64::MAX),
        }
    }
}

/// Refuses a document text whose brackets nest deeper than
/// [`MAX_BRACKET_NESTING`], without parsing it (strings, block strings and
/// comments are skipped).
pub fn check_text(query: &str) -> Result<(), LimitError> {
    let bytes = query.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                    i += 1;
                }
            }
            b'"' if bytes[i..].starts_with(b"\"\"\"") => {
                i += 3;
                while i < bytes.len() && !bytes[i..].starts_with(b"\"\"\"") {
                    i += if bytes[i] == b'\\' && bytes[i..].starts_with(b"\\\"\"\"") { 4 } else { 1 };
                }
                i += 2;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'{' | b'[' | b'(' => {
                depth += 1;
                if depth > MAX_BRACKET_NESTING {
                    return Err(LimitError::over("bracket nesting", depth, MAX_BRACKET_NESTING));
                }
            }
            b'}' | b']' | b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

/// What a document's text may hold, counted by [`scan_text`] before the
/// document is parsed (the parser and the library's validation cost more than
/// linear time on some of these: 40,000 variable definitions took 2.4 s).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextLimits {
    /// Largest document, in bytes.
    pub max_bytes: usize,
    /// Most variable definitions (`$name` in an operation's parentheses).
    pub max_variables: usize,
    /// Most fragment definitions.
    pub max_fragments: usize,
    /// Most arguments (of fields and directives inside selections).
    pub max_arguments: usize,
}

impl From<&crate::limits::LimitsConfig> for TextLimits {
    /// The text limits a deployment's settings ask for.
    fn from(c: &crate::limits::LimitsConfig) -> Self {
        TextLimits {
            max_bytes: c.max_document_bytes,
            max_variables: c.max_variables,
            max_fragments: c.max_fragments,
            max_arguments: c.max_arguments,
        }
    }
}

impl Default for TextLimits {
    /// The limits of a deployment that sets none.
    fn default() -> Self {
        TextLimits::from(&crate::limits::LimitsConfig::default())
    }
}

/// Refuses a document text over a [`TextLimits`] or with brackets nested
/// deeper than [`MAX_BRACKET_NESTING`], in one pass over its bytes and
/// without parsing it (strings, block strings and comments are skipped).
/// Counted lexically: a `fragment` keyword outside any bracket is a fragment
/// definition; a `$` directly inside an operation's parentheses a variable
/// definition; a `:` directly inside parentheses within a selection set an
/// argument.
pub fn scan_text(query: &str, limits: &TextLimits) -> Result<(), LimitError> {
    if query.len() > limits.max_bytes {
        return Err(LimitError::over("document size in bytes", query.len(), limits.max_bytes));
    }
    let bytes = query.as_bytes();
    let mut stack: Vec<u8> = Vec::with_capacity(16);
    let (mut variables, mut fragments, mut arguments) = (0usize, 0usize, 0usize);
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                    i += 1;
                }
            }
            b'"' if bytes[i..].starts_with(b"\"\"\"") => {
                i += 3;
                while i < bytes.len() && !bytes[i..].starts_with(b"\"\"\"") {
                    i += if bytes[i] == b'\\' && bytes[i..].starts_with(b"\\\"\"\"") { 4 } else { 1 };
                }
                i += 2;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b @ (b'{' | b'[' | b'(') => {
                stack.push(b);
                if stack.len() > MAX_BRACKET_NESTING {
                    return Err(LimitError::over("bracket nesting", stack.len(), MAX_BRACKET_NESTING));
                }
            }
            b'}' | b']' | b')' => {
                stack.pop();
            }
            b'$' if stack.len() == 1 && stack[0] == b'(' => {
                variables += 1;
                if variables > limits.max_variables {
                    return Err(LimitError::over("number of variable definitions", variables, limits.max_variables));
                }
            }
            b':' if stack.len() > 1 && stack.last() == Some(&b'(') => {
                arguments += 1;
                if arguments > limits.max_arguments {
                    return Err(LimitError::over("number of arguments", arguments, limits.max_arguments));
                }
            }
            b if b == b'_' || b.is_ascii_alphanumeric() => {
                let start = i;
                while i + 1 < bytes.len() && (bytes[i + 1] == b'_' || bytes[i + 1].is_ascii_alphanumeric()) {
                    i += 1;
                }
                if stack.is_empty() && &bytes[start..=i] == b"fragment" {
                    fragments += 1;
                    if fragments > limits.max_fragments {
                        return Err(LimitError::over(
                            "number of fragment definitions",
                            fragments,
                            limits.max_fragments,
                        ));
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

/// What the analysis needs of the schema: for each object or interface type,
/// its fields' result types.
#[derive(Debug, Clone, Default)]
pub struct SchemaShape {
    types: HashMap<String, HashMap<String, FieldShape>>,
    composite: std::collections::HashSet<String>,
    query: String,
    mutation: Option<String>,
    subscription: Option<String>,
}

#[derive(Debug, Clone)]
struct FieldShape {
    /// The named result type.
    ty: String,
    /// Returns a list.
    list: bool,
    /// Returns a Relay connection (takes `first`, type named `…Connection`).
    connection: bool,
}

fn named(t: &Type) -> (String, bool) {
    match &t.base {
        BaseType::Named(n) => (n.to_string(), false),
        BaseType::List(inner) => (named(inner).0, true),
    }
}

impl SchemaShape {
    /// Reads the shape from SDL (the output of [`super::sdl`]).
    pub fn from_sdl(sdl: &str) -> Result<SchemaShape, String> {
        let doc: ServiceDocument = async_graphql::parser::parse_schema(sdl).map_err(|e| e.to_string())?;
        let mut shape = SchemaShape { query: "Query".into(), ..SchemaShape::default() };
        for def in &doc.definitions {
            match def {
                TypeSystemDefinition::Schema(s) => {
                    if let Some(q) = &s.node.query {
                        shape.query = q.node.to_string();
                    }
                    shape.mutation = s.node.mutation.as_ref().map(|m| m.node.to_string());
                    shape.subscription = s.node.subscription.as_ref().map(|m| m.node.to_string());
                }
                TypeSystemDefinition::Type(t) => shape.add_type(&t.node),
                TypeSystemDefinition::Directive(_) => {}
            }
        }
        if shape.mutation.is_none() && shape.types.contains_key("Mutation") {
            shape.mutation = Some("Mutation".into());
        }
        if shape.subscription.is_none() && shape.types.contains_key("Subscription") {
            shape.subscription = Some("Subscription".into());
        }
        Ok(shape)
    }

    fn add_type(&mut self, t: &TypeDefinition) {
        let name = t.name.node.to_string();
        let fields = match &t.kind {
            TypeKind::Object(o) => &o.fields,
            TypeKind::Interface(i) => &i.fields,
            TypeKind::Union(_) => {
                self.composite.insert(name.clone());
                self.types.entry(name).or_default();
                return;
            }
            _ => return,
        };
        self.composite.insert(name.clone());
        let entry = self.types.entry(name).or_default();
        for f in fields {
            let (ty, list) = named(&f.node.ty.node);
            let connection = ty.ends_with("Connection") && f.node.arguments.iter().any(|a| a.node.name.node == "first");
            entry.insert(f.node.name.node.to_string(), FieldShape { ty, list, connection });
        }
    }

    fn field(&self, parent: Option<&str>, name: &str) -> Option<&FieldShape> {
        self.types.get(parent?)?.get(name)
    }

    fn is_composite(&self, ty: &str) -> bool {
        self.composite.contains(ty)
    }

    fn root(&self, op: OperationType) -> Option<&str> {
        match op {
            OperationType::Query => Some(&self.query),
            OperationType::Mutation => self.mutation.as_deref(),
            OperationType::Subscription => self.subscription.as_deref(),
        }
    }
}

/// The measures of one selection set (per evaluation of it).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Summary {
    /// Deepest field nesting below (a leaf field is 1).
    depth: usize,
    /// Field selections.
    fields: u64,
    /// Aliased field selections.
    aliases: u64,
    /// Fields at this level (root fields when this is an operation).
    top_fields: u64,
    /// Longest chain of fragment spreads.
    fragment_depth: usize,
    /// Cost that does not depend on an enclosing connection's page size.
    fixed: u64,
    /// Cost of `edges`/`nodes` subtrees, paid once per item of the page.
    per_item: u64,
    /// Selects `__schema` or `__type` somewhere.
    introspection: bool,
    /// `totalCount` selections at this level of a connection, paid by the
    /// field that returns the connection (by whether it is filtered).
    counts: u64,
}

impl Summary {
    fn add(&mut self, o: &Summary) {
        self.depth = self.depth.max(o.depth);
        self.fields = self.fields.saturating_add(o.fields);
        self.aliases = self.aliases.saturating_add(o.aliases);
        self.top_fields = self.top_fields.saturating_add(o.top_fields);
        self.fragment_depth = self.fragment_depth.max(o.fragment_depth);
        self.fixed = self.fixed.saturating_add(o.fixed);
        self.per_item = self.per_item.saturating_add(o.per_item);
        self.introspection |= o.introspection;
        self.counts = self.counts.saturating_add(o.counts);
    }
}

/// The measures of the operation that will run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Analysis {
    /// Query, mutation or subscription.
    pub operation: OperationType,
    /// Deepest field nesting.
    pub depth: usize,
    /// Field selections after fragment expansion.
    pub fields: u64,
    /// Aliased fields after fragment expansion.
    pub aliases: u64,
    /// Root fields.
    pub root_fields: u64,
    /// Longest chain of fragment spreads.
    pub fragment_depth: usize,
    /// Computed cost.
    pub cost: u64,
    /// Whether the operation (or any fragment of the document) selects
    /// `__schema` or `__type`.
    pub introspection: bool,
}

#[derive(Clone, Copy)]
enum Memo {
    InProgress,
    Done(Summary),
}

struct Analyser<'a> {
    doc: &'a ExecutableDocument,
    shape: &'a SchemaShape,
    variables: &'a Variables,
    defaults: HashMap<&'a str, &'a ConstValue>,
    limits: &'a DocumentLimits,
    memo: HashMap<&'a str, Memo>,
    /// Fragments being summarised, one inside the other.
    chain: usize,
}

impl<'a> Analyser<'a> {
    fn variable(&self, name: &str) -> Option<&ConstValue> {
        self.variables.get(name).or_else(|| self.defaults.get(name).copied())
    }

    /// An argument's value with variables (or their defaults) substituted.
    fn argument(&self, f: &Field, name: &str) -> Option<ConstValue> {
        let v = f.get_argument(name)?;
        v.node.clone().into_const_with(|var| self.variable(var.as_str()).cloned().ok_or(())).ok()
    }

    fn page_size(&self, f: &Field) -> u64 {
        // `last` pages backward and is charged like `first`.
        let n = match self.argument(f, "first").or_else(|| self.argument(f, "last")) {
            Some(ConstValue::Number(n)) => n.as_u64(),
            _ => None,
        };
        n.unwrap_or(DEFAULT_FIRST).min(MAX_FIRST)
    }

    fn list_size(&self, f: &Field) -> u64 {
        match self.argument(f, "ids") {
            Some(ConstValue::List(l)) => (l.len() as u64).min(MAX_FIRST),
            _ => LIST_ESTIMATE,
        }
    }

    fn directives(&self, n: usize) -> Result<(), LimitError> {
        if n > self.limits.max_directives {
            return Err(LimitError::over("directives on one selection", n, self.limits.max_directives));
        }
        Ok(())
    }

    /// Measures `set`, evaluated on type `ty` (None: unknown to the schema).
    fn selection_set(&mut self, set: &'a SelectionSet, ty: Option<&'a str>) -> Result<Summary, LimitError> {
        let mut s = Summary::default();
        for item in &set.items {
            self.directives(item.node.directives().len())?;
            match &item.node {
                Selection::Field(f) => s.add(&self.field(&f.node, ty)?),
                Selection::InlineFragment(i) => {
                    let on = match &i.node.type_condition {
                        Some(c) => self.type_name(&c.node.on.node),
                        None => ty,
                    };
                    s.add(&self.selection_set(&i.node.selection_set.node, on)?);
                }
                Selection::FragmentSpread(spread) => {
                    let mut f = self.fragment(&spread.node.fragment_name.node)?;
                    f.fragment_depth += 1;
                    s.add(&f);
                }
            }
            self.check_partial(&s)?;
        }
        Ok(s)
    }

    /// Refuses as soon as a running measure passes its limit, so that no
    /// arithmetic runs long on hostile input.
    fn check_partial(&self, s: &Summary) -> Result<(), LimitError> {
        let l = self.limits;
        if s.depth > l.max_depth {
            return Err(LimitError::over("query depth", s.depth, l.max_depth));
        }
        if s.fields > l.max_fields as u64 {
            return Err(LimitError::over("number of fields", s.fields, l.max_fields));
        }
        if s.fragment_depth > l.max_fragment_depth {
            return Err(LimitError::over("fragment depth", s.fragment_depth, l.max_fragment_depth));
        }
        Ok(())
    }

    /// Refuses a whole operation over the alias or cost limit. These are
    /// measured to the end (each step is constant work, and the field limit
    /// bounds the steps), so that the refusal reports the real count.
    fn check_final(&self, s: &Summary) -> Result<(), LimitError> {
        let l = self.limits;
        if s.aliases > l.max_aliases as u64 {
            return Err(LimitError::over("number of aliases", s.aliases, l.max_aliases));
        }
        if s.fixed.saturating_add(s.per_item) > l.max_cost {
            return Err(LimitError::over(COST, s.fixed.saturating_add(s.per_item), l.max_cost));
        }
        Ok(())
    }

    fn type_name(&self, name: &'a Name) -> Option<&'a str> {
        let n = name.as_str();
        self.shape.is_composite(n).then_some(n)
    }

    fn field(&mut self, f: &'a Field, parent: Option<&'a str>) -> Result<Summary, LimitError> {
        let schema: &'a SchemaShape = self.shape;
        let name = f.name.node.as_str();
        let shape = schema.field(parent, name);
        let child_ty = shape.and_then(|s| schema.types.get_key_value(s.ty.as_str())).map(|(k, _)| k.as_str());
        let children = self.selection_set(&f.selection_set.node, child_ty)?;
        let composite = match shape {
            Some(s) => schema.is_composite(&s.ty),
            // Unknown to the schema (e.g. introspection): an object if it selects anything.
            None => !f.selection_set.node.items.is_empty(),
        };
        let own = if parent.is_some() && parent == schema.mutation.as_deref() {
            MUTATION_COST
        } else if composite && name != "__typename" {
            1
        } else {
            0
        };
        // Fields whose database work is more than their objects: paid once,
        // however many objects (a trend's years) they return.
        let extra = match (parent, name) {
            (Some(p), "statistics" | "registryTrend") if Some(p) == schema.root(OperationType::Query) => {
                STATISTICS_COST
            }
            _ => 0,
        };
        let counted = match shape {
            // Root connections count with SQL over their table; counts
            // below (a union's members) are batched by a loader on an index.
            Some(s) if s.connection && children.counts > 0 && parent == schema.root(OperationType::Query) => {
                let filtered = self.argument(f, "filter").is_some_and(|v| v != ConstValue::Null);
                children.counts.saturating_mul(if filtered { FILTERED_COUNT_COST } else { COUNT_COST })
            }
            _ => 0,
        };
        let one = own.saturating_add(children.fixed).saturating_add(counted);
        let in_page = parent.is_some_and(|p| p.ends_with("Connection")) && matches!(name, "edges" | "nodes");
        let cost = match shape {
            _ if in_page => one.saturating_add(children.per_item),
            Some(s) if s.connection => one.saturating_add(self.page_size(f).saturating_mul(children.per_item)),
            Some(s) if s.list && composite => self.list_size(f).saturating_mul(one.saturating_add(children.per_item)),
            _ => one.saturating_add(children.per_item),
        }
        .saturating_add(extra);
        let (fixed, per_item) = if in_page { (0, cost) } else { (cost, 0) };
        Ok(Summary {
            depth: children.depth + 1,
            fields: children.fields.saturating_add(1),
            aliases: children.aliases.saturating_add(u64::from(f.alias.is_some())),
            top_fields: 1,
            fragment_depth: children.fragment_depth,
            fixed,
            per_item,
            introspection: children.introspection || matches!(name, "__schema" | "__type"),
            counts: u64::from(name == "totalCount" && parent.is_some_and(|p| p.ends_with("Connection"))),
        })
    }

    fn fragment(&mut self, name: &'a Name) -> Result<Summary, LimitError> {
        match self.memo.get(name.as_str()) {
            Some(Memo::Done(s)) => return Ok(*s),
            Some(Memo::InProgress) => {
                return Err(LimitError::Malformed(crate::domain::Msg::FragmentSpreadsItself { name: name.to_string() }))
            }
            None => {}
        }
        let Some((key, def)) = self.doc.fragments.get_key_value(name) else {
            return Err(LimitError::Malformed(crate::domain::Msg::UnknownFragment { name: name.to_string() }));
        };
        self.directives(def.node.directives.len())?;
        // A chain of spreads longer than the limit is refused while it is
        // being followed, so that the recursion stays shallow.
        if self.chain > self.limits.max_fragment_depth {
            return Err(LimitError::over("fragment depth", self.chain + 1, self.limits.max_fragment_depth));
        }
        self.memo.insert(key.as_str(), Memo::InProgress);
        let on = self.type_name(&def.node.type_condition.node.on.node);
        self.chain += 1;
        let s = self.selection_set(&def.node.selection_set.node, on);
        self.chain -= 1;
        let s = s?;
        self.memo.insert(key.as_str(), Memo::Done(s));
        Ok(s)
    }
}

/// Measures every operation (and every fragment) of `doc` and refuses it when
/// any is over a limit; returns the measures of the operation that will run
/// (`operation_name`, or the only one). Linear in the document's size.
pub fn analyse(
    doc: &ExecutableDocument,
    operation_name: Option<&str>,
    variables: &Variables,
    shape: &SchemaShape,
    limits: &DocumentLimits,
) -> Result<Analysis, LimitError> {
    let mut a = Analyser { doc, shape, variables, defaults: HashMap::new(), limits, memo: HashMap::new(), chain: 0 };
    for name in doc.fragments.keys() {
        let s = a.fragment(name)?;
        a.check_partial(&s)?;
    }
    let mut chosen = None;
    let mut introspection = false;
    for def in a.memo.values() {
        if let Memo::Done(s) = def {
            introspection |= s.introspection;
        }
    }
    for (name, op) in doc.operations.iter() {
        a.directives(op.node.directives.len())?;
        a.defaults = op
            .node
            .variable_definitions
            .iter()
            .filter_map(|v| v.node.default_value.as_ref().map(|d| (v.node.name.node.as_str(), &d.node)))
            .collect();
        let root = shape.root(op.node.ty);
        let s = a.selection_set(&op.node.selection_set.node, root)?;
        a.check_partial(&s)?;
        a.check_final(&s)?;
        if s.top_fields > limits.max_root_fields as u64 {
            return Err(LimitError::over("number of root fields", s.top_fields, limits.max_root_fields));
        }
        let analysis = Analysis {
            operation: op.node.ty,
            depth: s.depth,
            fields: s.fields,
            aliases: s.aliases,
            root_fields: s.top_fields,
            fragment_depth: s.fragment_depth,
            cost: s.fixed.saturating_add(s.per_item),
            introspection: introspection || s.introspection,
        };
        let wanted = match (operation_name, name) {
            (Some(want), Some(n)) => want == n.as_str(),
            (None, _) => true,
            (Some(_), None) => false,
        };
        if wanted {
            chosen = Some(match chosen {
                // No name and several operations: the library refuses it; report the largest.
                Some(prev @ Analysis { cost, .. }) if cost >= analysis.cost => prev,
                _ => analysis,
            });
        }
    }
    if matches!(doc.operations, DocumentOperations::Multiple(ref m) if m.is_empty()) {
        return Err(LimitError::Malformed(crate::domain::Msg::NoOperation));
    }
    chosen.ok_or_else(|| {
        LimitError::Malformed(crate::domain::Msg::UnknownOperation { name: operation_name.unwrap_or("").to_owned() })
    })
}

/// The actual cost of an executed operation: the objects in its `data` (the
/// root excepted), plus the surcharge of each mutation field that ran.
pub fn actual_cost(data: &ConstValue, operation: OperationType) -> u64 {
    fn objects(v: &ConstValue) -> u64 {
        match v {
            ConstValue::Object(m) => 1u64.saturating_add(m.values().map(objects).fold(0u64, u64::saturating_add)),
            ConstValue::List(l) => l.iter().map(objects).fold(0, u64::saturating_add),
            _ => 0,
        }
    }
    let ConstValue::Object(root) = data else { return 0 };
    let mut total = root.values().map(objects).fold(0u64, u64::saturating_add);
    if operation == OperationType::Mutation {
        let ran = root.values().filter(|v| !matches!(v, ConstValue::Null)).count() as u64;
        total = total.saturating_add(ran.saturating_mul(MUTATION_COST - 1));
    }
    total
}

#[cfg(test)]
mod tests;

/// The limits as an async-graphql extension, so that documents arriving by
/// other paths than `http::protocol` (the graphql-transport-ws subscriptions
/// on `/graphql`) are measured and refused before the library walks them
/// (its parse step checks recursion depth with fragments expanded, then it
/// validates). Documents the HTTP edge already checked carry [`Checked`] and
/// are not measured twice.
pub struct DocumentGuard {
    /// What the analysis knows of the schema.
    pub shape: SchemaShape,
    /// The limits.
    pub limits: DocumentLimits,
    /// The limits counted on the text before parsing.
    pub text: TextLimits,
    /// Whether `__schema` and `__type` may be asked for.
    pub introspection: bool,
}

/// Marks a request whose document the HTTP edge already measured.
pub struct Checked;

/// The error of a refused document, with its code.
pub fn refusal(e: &LimitError) -> async_graphql::ServerError {
    let code = match e {
        LimitError::TooComplex { .. } => crate::graphql::error::code::QUERY_TOO_COMPLEX,
        LimitError::Malformed(_) => crate::graphql::error::code::BAD_USER_INPUT,
    };
    let mut err = async_graphql::ServerError::new(e.to_string(), None);
    err.source = Some(std::sync::Arc::new(crate::graphql::error::Localised { prefix: None, msg: e.msg() }));
    err.extensions.get_or_insert_with(Default::default).set("code", code);
    err
}

impl DocumentGuard {
    /// Measures `doc` (every operation) and refuses it when over a limit or
    /// asking for introspection while it is off.
    pub fn check(
        &self,
        doc: &ExecutableDocument,
        operation_name: Option<&str>,
        variables: &Variables,
    ) -> Result<Analysis, LimitError> {
        let a = analyse(doc, operation_name, variables, &self.shape, &self.limits)?;
        if a.introspection && !self.introspection {
            return Err(LimitError::Malformed(crate::domain::Msg::IntrospectionDisabled));
        }
        Ok(a)
    }
}

/// Installs a [`DocumentGuard`] in a schema (`SchemaBuilder::extension`).
pub struct GuardFactory(pub std::sync::Arc<DocumentGuard>);

impl async_graphql::extensions::ExtensionFactory for GuardFactory {
    fn create(&self) -> std::sync::Arc<dyn async_graphql::extensions::Extension> {
        std::sync::Arc::new(GuardExtension(self.0.clone()))
    }
}

struct GuardExtension(std::sync::Arc<DocumentGuard>);

#[async_graphql::async_trait::async_trait]
impl async_graphql::extensions::Extension for GuardExtension {
    async fn parse_query(
        &self,
        ctx: &async_graphql::extensions::ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: async_graphql::extensions::NextParseQuery<'_>,
    ) -> async_graphql::ServerResult<ExecutableDocument> {
        if ctx.data_opt::<Checked>().is_some() {
            return next.run(ctx, query, variables).await;
        }
        // Measured on a parse of our own first: the library's parse step
        // also walks fragments expanded (its recursion-depth check).
        scan_text(query, &self.0.text).map_err(|e| refusal(&e))?;
        let doc = async_graphql::parser::parse_query(query).map_err(crate::graphql::error::syntax_error)?;
        self.0.check(&doc, None, variables).map_err(|e| refusal(&e))?;
        let types = crate::graphql::shape::types();
        if let Err(mut errors) = crate::graphql::variables::check(&doc, None, variables, types) {
            return Err(errors.remove(0));
        }
        next.run(ctx, query, variables).await
    }
}
