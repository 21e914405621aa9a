//! Use cases: validate what the edge passes in, resolve codes through the
//! gazetteer, and call storage. Every write is one [`uow::UnitOfWork`];
//! no statement is built here (they are all in `storage`). Knows nothing
//! about GraphQL or HTTP.

pub mod aggregates;
pub mod cooperatives;
pub mod evidence;
pub mod export;
pub mod feed;
pub mod groups;
pub mod lifecycle;
pub mod members;
pub mod national;
pub mod national_form;
pub mod operations;
pub mod page;
pub mod registry;
pub mod reorganisation;
pub mod reporting;
pub mod reports;
pub mod sandbox;
pub mod sync;
pub mod targets;
pub mod trend;
pub mod unions;
pub mod uow;
pub mod write;

use crate::storage::StorageError;

/// A use case's failure.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// An argument is malformed or out of range; `argument` names it as the
    /// client wrote it (e.g. `filter.provinceCode`).
    #[error("{argument}: {message}")]
    InvalidArgument { argument: String, message: crate::domain::Msg },
    /// Storage failed; details are for the log only.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The caller has no credentials.
    #[error("authentication required")]
    Unauthenticated,
    /// The caller may not do this.
    #[error("forbidden: {0}")]
    Forbidden(crate::domain::Msg),
    /// Stored data that should be impossible (e.g. an unknown enum name).
    #[error("corrupt data: {0}")]
    Corrupt(String),
}

impl From<crate::auth::Denial> for ServiceError {
    fn from(d: crate::auth::Denial) -> Self {
        match d {
            crate::auth::Denial::Unauthenticated => ServiceError::Unauthenticated,
            crate::auth::Denial::Forbidden(m) => ServiceError::Forbidden(m),
        }
    }
}

impl ServiceError {
    /// An invalid-argument error.
    pub fn invalid(argument: impl Into<String>, message: impl Into<crate::domain::Msg>) -> Self {
        ServiceError::InvalidArgument { argument: argument.into(), message: message.into() }
    }
}
