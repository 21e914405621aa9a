//! Relay global ids: opaque base64url of "TypeName:rowId".

use crate::service::ServiceError;
use async_graphql::ID;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

/// The kinds of node a global id can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NodeKind {
    /// A cooperative.
    Cooperative,
    /// A cooperative union.
    CooperativeUnion,
    /// A cooperative group.
    CooperativeGroup,
    /// A target.
    Target,
    /// A member of a cooperative's register.
    Member,
    /// A bulk export job.
    ExportJob,
}

impl NodeKind {
    fn type_name(self) -> &'static str {
        match self {
            NodeKind::Cooperative => "Cooperative",
            NodeKind::CooperativeUnion => "CooperativeUnion",
            NodeKind::CooperativeGroup => "CooperativeGroup",
            NodeKind::Target => "Target",
            NodeKind::Member => "Member",
            NodeKind::ExportJob => "ExportJob",
        }
    }
}

/// The global id of a row.
pub fn encode(kind: NodeKind, id: i64) -> ID {
    encode_named(kind.type_name(), id)
}

/// The global id of a row of the named GraphQL type.
pub fn encode_named(type_name: &str, id: i64) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{type_name}:{id}")))
}

/// Decodes a global id; `argument` names it in the error.
pub fn decode(argument: &str, id: &str) -> Result<(NodeKind, i64), ServiceError> {
    let malformed = || ServiceError::invalid(argument, crate::domain::Msg::NotCoopgateId);
    let bytes = URL_SAFE_NO_PAD.decode(id.trim()).map_err(|_| malformed())?;
    let text = String::from_utf8(bytes).map_err(|_| malformed())?;
    let (name, row) = text.split_once(':').ok_or_else(malformed)?;
    let kind = match name {
        "Cooperative" => NodeKind::Cooperative,
        "CooperativeUnion" => NodeKind::CooperativeUnion,
        "CooperativeGroup" => NodeKind::CooperativeGroup,
        "Target" => NodeKind::Target,
        "Member" => NodeKind::Member,
        "ExportJob" => NodeKind::ExportJob,
        _ => return Err(malformed()),
    };
    let row: i64 = row.parse().map_err(|_| malformed())?;
    Ok((kind, row))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_garbage_is_refused() {
        let id = encode(NodeKind::CooperativeUnion, 42);
        assert_eq!(decode("id", &id).ok(), Some((NodeKind::CooperativeUnion, 42)));
        assert!(decode("id", "bm9wZQ").is_err());
        assert!(decode("id", "!!").is_err());
    }
}
