//! The one place errors become GraphQL errors with `extensions.code`.
//! Internal failures are logged in full and reach the client as a generic
//! message with code INTERNAL: no SQL, paths or stack traces.

use crate::domain::{Language, Msg};
use crate::service::ServiceError;
use async_graphql::{Error, ErrorExtensions, Response};
use std::sync::Arc;

/// The message of an error, kept as a catalogue key until the response is
/// finished ([`finalize`]) in the request's language: `prefix` (an argument
/// name, verbatim) then the message.
#[derive(Debug, Clone)]
pub struct Localised {
    /// Written before the message as `prefix: `, in every language.
    pub prefix: Option<String>,
    /// The message.
    pub msg: Msg,
}

impl Localised {
    /// The text in `lang`.
    pub fn text(&self, lang: Language) -> String {
        match &self.prefix {
            Some(p) => format!("{p}: {}", self.msg.text(lang)),
            None => self.msg.text(lang),
        }
    }
}

/// An error whose message is `msg` (English until [`finalize`] translates it).
fn localised(prefix: Option<&str>, msg: Msg) -> Error {
    let l = Localised { prefix: prefix.map(str::to_owned), msg };
    Error { message: l.text(Language::En), source: Some(Arc::new(l)), extensions: None }
}

/// The `extensions.code` values of the contract (each one is described,
/// with its HTTP status and what a client should do, in `docs/errors.md`).
pub mod code {
    /// No or invalid credentials.
    pub const UNAUTHENTICATED: &str = "UNAUTHENTICATED";
    /// Credentials valid, action not allowed.
    pub const FORBIDDEN: &str = "FORBIDDEN";
    /// The thing named does not exist.
    pub const NOT_FOUND: &str = "NOT_FOUND";
    /// Malformed or out-of-range input.
    pub const BAD_USER_INPUT: &str = "BAD_USER_INPUT";
    /// Over a cost or shape limit.
    pub const QUERY_TOO_COMPLEX: &str = "QUERY_TOO_COMPLEX";
    /// Over the rate limit.
    pub const RATE_LIMITED: &str = "RATE_LIMITED";
    /// The allow-list of persisted operations does not hold this document.
    pub const PERSISTED_QUERY_NOT_FOUND: &str = "PERSISTED_QUERY_NOT_FOUND";
    /// The request did not finish within the request timeout.
    pub const SERVICE_UNAVAILABLE: &str = "SERVICE_UNAVAILABLE";
    /// Anything else; details only in the server log.
    pub const INTERNAL: &str = "INTERNAL";
}

/// A syntax error of a document: one line with its location, not the
/// parser's multi-line drawing.
pub fn syntax_error(e: async_graphql::parser::Error) -> async_graphql::ServerError {
    let pos = e.positions().next();
    let what = match &e {
        async_graphql::parser::Error::Syntax { message, .. } => {
            let last = message.lines().rev().map(str::trim).find(|l| !l.is_empty()).unwrap_or_default();
            let what = last.strip_prefix("= ").unwrap_or(last).trim().to_owned();
            if what.is_empty() {
                "unexpected input".to_owned()
            } else {
                what
            }
        }
        other => other.to_string(),
    };
    let msg = match pos {
        Some(p) => Msg::SyntaxAt { line: p.line, column: p.column, what },
        None => Msg::Syntax { what },
    };
    let mut err = async_graphql::ServerError::new(msg.en(), pos);
    err.source = Some(Arc::new(Localised { prefix: None, msg }));
    err.extensions.get_or_insert_with(Default::default).set("code", code::BAD_USER_INPUT);
    err
}

/// A client-input error naming the argument.
pub fn bad_user_input(argument: &str, message: impl Into<Msg>) -> Error {
    localised(Some(argument), message.into()).extend_with(|_, e| {
        e.set("code", code::BAD_USER_INPUT);
        e.set("argument", argument);
    })
}

/// An internal error: logged here, generic for the client.
pub fn internal(detail: &dyn std::fmt::Display) -> Error {
    tracing::error!(error = %detail, "internal error");
    localised(None, Msg::InternalError).extend_with(|_, e| e.set("code", code::INTERNAL))
}

/// An error with a code and a message safe for clients.
pub fn coded(code: &'static str, message: impl Into<String>) -> Error {
    Error::new(message.into()).extend_with(|_, e| e.set("code", code))
}

/// An error with a code and a catalogue message.
pub fn coded_msg(code: &'static str, message: Msg) -> Error {
    localised(None, message).extend_with(|_, e| e.set("code", code))
}

/// Maps a service error to its GraphQL error.
pub fn from_service(e: ServiceError) -> Error {
    match e {
        ServiceError::InvalidArgument { argument, message } => bad_user_input(&argument, message),
        ServiceError::Unauthenticated => coded_msg(code::UNAUTHENTICATED, Msg::AuthenticationRequired),
        ServiceError::Forbidden(m) => coded_msg(code::FORBIDDEN, m),
        other => internal(&other),
    }
}

/// Writes an error that carries a catalogue message ([`Localised`]) in `lang`.
pub fn localise(err: &mut async_graphql::ServerError, lang: Language) {
    if let Some(l) = err.source::<Localised>() {
        err.message = l.text(lang);
    }
}

/// The catalogue message of the commonest validation errors the GraphQL
/// library writes in English (unknown field or argument, missing argument,
/// missing subfields); `None` for the others (docs/errors.md, Languages).
pub fn library_message(m: &str) -> Option<Msg> {
    /// The quoted values of `m` in order and what follows the last quote.
    fn quoted(m: &str) -> (Vec<&str>, &str) {
        let mut parts = m.split('"');
        let mut values = Vec::new();
        let _before = parts.next();
        let rest: Vec<&str> = parts.collect();
        let mut i = 0;
        while i + 1 < rest.len() {
            values.push(rest[i]);
            i += 2;
        }
        // `rest` alternates quoted value and text between: an even length
        // ends with the text after the last closing quote.
        let tail = if rest.len() % 2 == 0 { rest.last().copied().unwrap_or_default() } else { "" };
        (values, tail)
    }
    if m.len() > 2000 {
        return None;
    }
    if m.starts_with("Unknown field \"") {
        let head = m.split(" Did you mean").next().unwrap_or(m);
        let (q, tail) = quoted(head);
        if let ([field, ty], ".") = (q.as_slice(), tail) {
            let suggestion = m[head.len()..].to_owned();
            return Some(Msg::UnknownField { field: (*field).to_owned(), ty: (*ty).to_owned(), suggestion });
        }
    }
    if m.starts_with("Unknown argument \"") && m.contains("\" on field \"") {
        let head = m.split(" Did you mean").next().unwrap_or(m);
        let (q, tail) = quoted(head);
        if let ([argument, field, ty], ".") = (q.as_slice(), tail) {
            let suggestion = m[head.len()..].to_owned();
            return Some(Msg::UnknownArgument {
                argument: (*argument).to_owned(),
                field: (*field).to_owned(),
                ty: (*ty).to_owned(),
                suggestion,
            });
        }
    }
    if m.starts_with("Field \"") && m.ends_with("\" is required but not provided") && m.contains("\" argument \"") {
        let (q, _) = quoted(m);
        if let [field, argument, ty] = q.as_slice() {
            let (field, argument, ty) = ((*field).to_owned(), (*argument).to_owned(), (*ty).to_owned());
            return Some(Msg::MissingArgument { field, argument, ty });
        }
    }
    if m.starts_with("Field \"") && m.ends_with("\" must have a selection of subfields") {
        let (q, _) = quoted(m);
        if let [field, ty] = q.as_slice() {
            return Some(Msg::NeedsSubfields { field: (*field).to_owned(), ty: (*ty).to_owned() });
        }
    }
    None
}

/// `.api()` turns a service result into a resolver result.
pub trait ApiResult<T> {
    /// Maps the error through [`from_service`].
    fn api(self) -> async_graphql::Result<T>;
}

impl<T> ApiResult<T> for Result<T, ServiceError> {
    fn api(self) -> async_graphql::Result<T> {
        self.map_err(from_service)
    }
}

/// Last look at a response before it leaves: every error gets a code.
/// Document errors (syntax, validation, input coercion) become
/// BAD_USER_INPUT; an error that reached here without a code from a resolver
/// is a bug, so its text is logged and replaced. Every catalogue message
/// is written in `lang` (the request's language).
pub fn finalize(resp: &mut Response, lang: Language) {
    for err in &mut resp.errors {
        localise(err, lang);
        if err.source.is_none() && err.path.is_empty() {
            if let Some(m) = library_message(&err.message) {
                err.message = m.text(lang);
            }
        }
        let has_code = err.extensions.as_ref().is_some_and(|x| x.get("code").is_some());
        if has_code {
            continue;
        }
        let input_error = err.path.is_empty()
            || err.message.starts_with("Failed to parse")
            || err.message.starts_with("Invalid value for argument");
        let code = if input_error {
            code::BAD_USER_INPUT
        } else {
            tracing::error!(error = %err.message, "resolver error without a code");
            err.message = Msg::InternalError.text(lang);
            code::INTERNAL
        };
        err.extensions.get_or_insert_with(Default::default).set("code", code);
    }
}
