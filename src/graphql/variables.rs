//! Coercion of variable values (GraphQL specification, "CoerceVariableValues")
//! before execution: a required variable that is not sent, a `null` for a
//! non-null variable, or a value of the wrong type is a request error
//! (`BAD_USER_INPUT`) naming the variable and the path of the offending
//! value, never an execution failure.

use super::error::code;
use super::shape::{Input, Types};
use async_graphql::parser::types::{BaseType, DocumentOperations, ExecutableDocument, OperationDefinition, Type};
use async_graphql::{Pos, Positioned, ServerError, Value, Variables};

/// The operation `operation_name` names (or the only one).
pub fn operation<'a>(
    doc: &'a ExecutableDocument,
    operation_name: Option<&str>,
) -> Option<&'a Positioned<OperationDefinition>> {
    match (&doc.operations, operation_name) {
        (DocumentOperations::Single(op), _) => Some(op),
        (DocumentOperations::Multiple(m), Some(name)) => m.get(name),
        (DocumentOperations::Multiple(m), None) if m.len() == 1 => m.values().next(),
        (DocumentOperations::Multiple(_), None) => None,
    }
}

/// Checks the variables sent for the operation that will run against its
/// variable definitions; every problem found is one error.
pub fn check(
    doc: &ExecutableDocument,
    operation_name: Option<&str>,
    variables: &Variables,
    types: &Types,
) -> Result<(), Vec<ServerError>> {
    let Some(op) = operation(doc, operation_name) else { return Ok(()) };
    let mut errors = Vec::new();
    for def in &op.node.variable_definitions {
        let name = def.node.name.node.as_str();
        let ty = &def.node.var_type.node;
        let pos = def.pos;
        match variables.get(name) {
            None if !ty.nullable && def.node.default_value.is_none() => errors.push(error(
                pos,
                name,
                name,
                format!("Variable \"${name}\" of required type \"{ty}\" was not provided."),
            )),
            None => {}
            Some(Value::Null) if !ty.nullable => errors.push(error(
                pos,
                name,
                name,
                format!("Variable \"${name}\" of non-null type \"{ty}\" must not be null."),
            )),
            Some(v) => {
                if let Err((path, problem)) = coerce(v, ty, name.to_owned(), types) {
                    let shown = shown(v, &path, name);
                    let message = if path == name {
                        format!("Variable \"${name}\" got invalid value {shown}; {problem}.")
                    } else {
                        format!("Variable \"${name}\" got invalid value {shown} at \"{path}\"; {problem}.")
                    };
                    errors.push(error(pos, name, &path, message));
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

fn error(pos: Pos, variable: &str, path: &str, message: String) -> ServerError {
    let mut e = ServerError::new(message, Some(pos));
    let ext = e.extensions.get_or_insert_with(Default::default);
    ext.set("code", code::BAD_USER_INPUT);
    ext.set("variable", variable);
    ext.set("variablePath", path);
    e
}

/// The offending value at `path` (below the variable `name`), as JSON, cut short.
fn shown(v: &Value, path: &str, name: &str) -> String {
    let mut cur = v;
    let rest = path.strip_prefix(name).unwrap_or_default();
    for part in rest.split(['.', '[']).filter(|p| !p.is_empty()) {
        let next = match (cur, part.strip_suffix(']')) {
            (Value::List(l), Some(i)) => i.parse::<usize>().ok().and_then(|i| l.get(i)),
            (Value::Object(o), None) => o.get(part),
            _ => None,
        };
        match next {
            Some(n) => cur = n,
            None => break,
        }
    }
    let text = cur.clone().into_json().map(|j| j.to_string()).unwrap_or_else(|_| cur.to_string());
    if text.chars().count() > 80 {
        format!("{}…", text.chars().take(80).collect::<String>())
    } else {
        text
    }
}

/// Coerces `v` to `ty`; on failure, the path of the offending value and what is wrong.
fn coerce(v: &Value, ty: &Type, path: String, types: &Types) -> Result<(), (String, String)> {
    if matches!(v, Value::Null) {
        return if ty.nullable { Ok(()) } else { Err((path, format!("expected non-null type \"{ty}\""))) };
    }
    match &ty.base {
        BaseType::List(inner) => match v {
            Value::List(items) => {
                for (i, item) in items.iter().enumerate() {
                    coerce(item, inner, format!("{path}[{i}]"), types)?;
                }
                Ok(())
            }
            // A single value is coerced to a list of one.
            other => coerce(other, inner, path, types),
        },
        BaseType::Named(name) => named(v, name.as_str(), path, types),
    }
}

fn named(v: &Value, name: &str, path: String, types: &Types) -> Result<(), (String, String)> {
    let wrong = |path: String| Err((path, format!("expected type \"{name}\"")));
    let Some(input) = types.input(name) else { return Ok(()) };
    match input {
        Input::Scalar("Int") => match v {
            Value::Number(n) if n.as_i64().is_some_and(|i| i32::try_from(i).is_ok()) => Ok(()),
            _ => Err((path, "Int cannot represent this value (a 32-bit integer is expected)".into())),
        },
        Input::Scalar("Float") => match v {
            Value::Number(_) => Ok(()),
            _ => wrong(path),
        },
        Input::Scalar("String") => match v {
            Value::String(_) => Ok(()),
            _ => wrong(path),
        },
        Input::Scalar("Boolean") => match v {
            Value::Boolean(_) => Ok(()),
            _ => wrong(path),
        },
        Input::Scalar("ID") => match v {
            Value::String(_) => Ok(()),
            Value::Number(n) if n.is_i64() || n.is_u64() => Ok(()),
            _ => wrong(path),
        },
        // Custom scalars parse their own values (and name the argument when they fail).
        Input::Scalar(_) => Ok(()),
        Input::Enum(values) => match v {
            Value::String(s) if values.contains(s.as_str()) => Ok(()),
            Value::Enum(e) if values.contains(e.as_str()) => Ok(()),
            _ => {
                let mut all: Vec<&str> = values.iter().map(String::as_str).collect();
                all.sort_unstable();
                Err((path, format!("expected one of {} (enum \"{name}\")", all.join(", "))))
            }
        },
        Input::Object(fields) => {
            let Value::Object(map) = v else { return wrong(path) };
            if let Some(unknown) = map.keys().find(|k| !fields.iter().any(|f| f.name == k.as_str())) {
                return Err((
                    format!("{path}.{unknown}"),
                    format!("field \"{unknown}\" is not defined by type \"{name}\""),
                ));
            }
            for f in fields {
                let at = format!("{path}.{}", f.name);
                match map.get(f.name.as_str()) {
                    None if !f.ty.nullable && !f.has_default => {
                        return Err((
                            at,
                            format!("field \"{}\" of required type \"{}\" was not provided", f.name, f.ty),
                        ))
                    }
                    None => {}
                    Some(fv) => coerce(fv, &f.ty, at, types)?,
                }
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SDL: &str = "type Query { a(x: Int): Int }
        enum Color { RED GREEN }
        input Filter { code: String, ids: [ID!], color: Color, nested: Inner }
        input Inner { n: Int! }";

    fn run(q: &str, vars: serde_json::Value) -> Result<(), Vec<ServerError>> {
        let types = Types::from_sdl(SDL).expect("sdl");
        let doc = async_graphql::parser::parse_query(q).expect("query");
        check(&doc, None, &Variables::from_json(vars), &types)
    }

    fn first(r: Result<(), Vec<ServerError>>) -> (String, String, String) {
        let e = r.expect_err("refused").remove(0);
        let ext = e.extensions.expect("extensions");
        let s = |k: &str| match ext.get(k) {
            Some(Value::String(s)) => s.clone(),
            other => format!("{other:?}"),
        };
        (e.message, s("variable"), s("variablePath"))
    }

    #[test]
    fn a_required_variable_not_sent_is_named() {
        let (m, v, _) = first(run("query($c: ID!) { a }", serde_json::json!({})));
        assert_eq!(m, "Variable \"$c\" of required type \"ID!\" was not provided.");
        assert_eq!(v, "c");
        assert!(run("query($c: ID! = 1) { a }", serde_json::json!({})).is_ok());
        assert!(run("query($c: ID) { a }", serde_json::json!({})).is_ok());
        let (m, _, _) = first(run("query($c: ID!) { a }", serde_json::json!({"c": null})));
        assert_eq!(m, "Variable \"$c\" of non-null type \"ID!\" must not be null.");
    }

    #[test]
    fn a_value_of_the_wrong_type_is_named_with_its_path() {
        let (m, v, p) = first(run("query($f: Filter) { a }", serde_json::json!({"f": {"code": 5}})));
        assert_eq!(m, "Variable \"$f\" got invalid value 5 at \"f.code\"; expected type \"String\".");
        assert_eq!((v.as_str(), p.as_str()), ("f", "f.code"));
        let (m, _, p) = first(run("query($f: Filter) { a }", serde_json::json!({"f": {"ids": ["1", null]}})));
        assert_eq!(p, "f.ids[1]");
        assert!(m.contains("non-null"), "{m}");
        let (_, _, p) = first(run("query($f: Filter) { a }", serde_json::json!({"f": {"color": "BLUE"}})));
        assert_eq!(p, "f.color");
        let (_, _, p) = first(run("query($f: Filter) { a }", serde_json::json!({"f": {"nested": {}}})));
        assert_eq!(p, "f.nested.n");
        let (_, _, p) = first(run("query($f: Filter) { a }", serde_json::json!({"f": {"zzz": 1}})));
        assert_eq!(p, "f.zzz");
        let (m, _, _) = first(run("query($c: Int) { a }", serde_json::json!({"c": "abc"})));
        assert_eq!(m, "Variable \"$c\" got invalid value \"abc\"; Int cannot represent this value (a 32-bit integer is expected).");
        assert!(run("query($c: Int) { a }", serde_json::json!({"c": 3_000_000_000u64})).is_err());
    }

    #[test]
    fn valid_values_pass() {
        let vars = serde_json::json!({"f": {"code": "40", "ids": "1", "color": "RED", "nested": {"n": 1}}, "c": 7});
        assert!(run("query($f: Filter, $c: Int!) { a }", vars).is_ok());
    }
}
