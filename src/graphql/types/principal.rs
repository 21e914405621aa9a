//! The caller as `me` shows it.

use super::enums::Role;
use async_graphql::Object;

/// Who is calling.
pub struct Principal(pub crate::auth::Principal);

/// Who is calling.
#[Object]
impl Principal {
    /// Token subject; "anonymous" without a token.
    async fn subject(&self) -> &str {
        &self.0.subject
    }

    /// Role.
    async fn role(&self) -> Role {
        self.0.role.into()
    }

    /// Province of a provincial officer.
    async fn province_code(&self) -> Option<&str> {
        self.0.province.as_ref().map(|p| p.as_str())
    }
}
