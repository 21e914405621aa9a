//! A natural person named on a record: director (giám đốc), legal
//! representative (người đại diện theo pháp luật) or group representative.

use sea_orm::entity::prelude::*;

/// One row of `person`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "person")]
pub struct Model {
    /// Surrogate key.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Full name, NFC-normalised.
    pub full_name: String,
    /// `FEMALE`, `MALE` or `OTHER`.
    pub gender: Option<String>,
    /// Citizen identity number (restricted personal data).
    pub id_number: Option<String>,
    /// Phone number (restricted personal data).
    pub phone: Option<String>,
}

/// Relations of a person.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
