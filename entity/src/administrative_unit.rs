//! An administrative unit (đơn vị hành chính): province, district or ward,
//! with the dates it was in force. Codes are reused across reorganisations, so
//! a unit is identified by `id`; `(level, code, valid_from)` is unique.

use sea_orm::entity::prelude::*;

/// One row of `administrative_unit`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "administrative_unit")]
pub struct Model {
    /// Surrogate key, stable across reference-data loads.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i32,
    /// Official statistical code with leading zeros (province 2, district 3, ward 5 digits).
    pub code: String,
    /// `PROVINCE`, `DISTRICT` or `WARD`.
    pub level: String,
    /// Official name including its type, e.g. "Tỉnh Nghệ An", "Phường Ba Đình".
    pub name: String,
    /// The unit's type word: Tỉnh, Thành phố, Huyện, Quận, Thị xã, Phường, Xã, Đặc khu.
    pub unit_type: String,
    /// The unit it belongs to (ward → district or province, district → province).
    pub parent_id: Option<i32>,
    /// First day in force; `None` when older than the data set.
    pub valid_from: Option<Date>,
    /// Last day in force; `None` while in force.
    pub valid_to: Option<Date>,
}

/// Relations of an administrative unit.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
