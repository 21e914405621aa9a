//! The schema's types as the specification's algorithms need them: the
//! result type of every field (with its nullability) for completing values,
//! and the input types (input objects, enums, scalars) for coercing
//! variables. Read once from the exported SDL.

use async_graphql::parser::types::{BaseType, ServiceDocument, Type, TypeKind, TypeSystemDefinition};
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

/// One field of an input object.
#[derive(Debug, Clone)]
pub struct InputField {
    /// The field's name.
    pub name: String,
    /// Its declared type.
    pub ty: Type,
    /// Whether it declares a default value.
    pub has_default: bool,
}

/// The schema's types.
#[derive(Debug, Default)]
pub struct Types {
    /// Object and interface types: field name → result type.
    outputs: HashMap<String, HashMap<String, Type>>,
    /// Input object types and their fields.
    inputs: HashMap<String, Vec<InputField>>,
    /// Enum types and their values.
    enums: HashMap<String, HashSet<String>>,
}

/// What an input type name denotes.
#[derive(Debug, Clone, Copy)]
pub enum Input<'a> {
    /// A built-in or custom scalar (by name).
    Scalar(&'a str),
    /// An enum and its values.
    Enum(&'a HashSet<String>),
    /// An input object and its fields.
    Object(&'a [InputField]),
}

impl Types {
    /// Reads the types from SDL.
    pub fn from_sdl(sdl: &str) -> Result<Types, String> {
        let doc: ServiceDocument = async_graphql::parser::parse_schema(sdl).map_err(|e| e.to_string())?;
        let mut t = Types::default();
        for def in &doc.definitions {
            let TypeSystemDefinition::Type(def) = def else { continue };
            let name = def.node.name.node.to_string();
            match &def.node.kind {
                TypeKind::Object(o) => {
                    let fields = o.fields.iter().map(|f| (f.node.name.node.to_string(), f.node.ty.node.clone()));
                    t.outputs.insert(name, fields.collect());
                }
                TypeKind::Interface(i) => {
                    let fields = i.fields.iter().map(|f| (f.node.name.node.to_string(), f.node.ty.node.clone()));
                    t.outputs.insert(name, fields.collect());
                }
                TypeKind::InputObject(o) => {
                    let fields = o.fields.iter().map(|f| InputField {
                        name: f.node.name.node.to_string(),
                        ty: f.node.ty.node.clone(),
                        has_default: f.node.default_value.is_some(),
                    });
                    t.inputs.insert(name, fields.collect());
                }
                TypeKind::Enum(e) => {
                    t.enums.insert(name, e.values.iter().map(|v| v.node.value.node.to_string()).collect());
                }
                TypeKind::Scalar | TypeKind::Union(_) => {}
            }
        }
        Ok(t)
    }

    /// The result type of `field` on the object or interface type `parent`.
    pub fn field(&self, parent: &str, field: &str) -> Option<&Type> {
        self.outputs.get(parent)?.get(field)
    }

    /// What the input type named `name` is; `None` when it is no input type.
    pub fn input<'a>(&'a self, name: &'a str) -> Option<Input<'a>> {
        if let Some(fields) = self.inputs.get(name) {
            return Some(Input::Object(fields));
        }
        if let Some(values) = self.enums.get(name) {
            return Some(Input::Enum(values));
        }
        let known = matches!(name, "Int" | "Float" | "String" | "Boolean" | "ID") || !self.outputs.contains_key(name);
        known.then_some(Input::Scalar(name))
    }
}

/// The named type under any list wrappers.
pub fn named(t: &Type) -> &str {
    match &t.base {
        BaseType::Named(n) => n.as_str(),
        BaseType::List(inner) => named(inner),
    }
}

/// The coopgate schema's types (read from [`super::sdl`] on first use).
pub fn types() -> &'static Types {
    static TYPES: OnceLock<Types> = OnceLock::new();
    TYPES.get_or_init(|| {
        Types::from_sdl(&super::sdl()).unwrap_or_else(|e| {
            tracing::error!(error = %e, "the exported schema does not parse; responses are not completed");
            Types::default()
        })
    })
}
