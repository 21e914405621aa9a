//! Decoding a model from a row by column position. SeaORM's derived
//! `FromQueryResult` finds every column by name (a hash lookup per column,
//! and a `format!` of the name when the columns carry a prefix), which was a
//! sixth of a list page's CPU; a statement that selects a model's columns in
//! their declared order (`Entity::find()` does) can decode them by position.
//!
//! [`DecodeAt::COLUMNS`] names the positions; a test holds them equal to
//! each entity's columns, so a column added, removed or moved in a model
//! without its list here fails the build (a missing field) or the test.

use sea_orm::{DbErr, QueryResult};

/// A model whose columns can be read by position.
pub trait DecodeAt: Sized {
    /// The model's columns in select order (`Column::iter()`).
    const COLUMNS: &'static [&'static str];
    /// How many columns a model spans in a row.
    const WIDTH: usize = Self::COLUMNS.len();
    /// The model from the [`Self::WIDTH`] columns of `row` starting at `start`.
    fn decode_at(row: &QueryResult, start: usize) -> Result<Self, DbErr>;
}

macro_rules! decode_at {
    ($model:path { $($field:ident),* $(,)? }) => {
        impl DecodeAt for $model {
            const COLUMNS: &'static [&'static str] = &[$(stringify!($field)),*];
            #[allow(unused_assignments)]
            fn decode_at(row: &QueryResult, start: usize) -> Result<Self, DbErr> {
                let mut at = start;
                Ok(Self {
                    $($field: {
                        let v = row.try_get_by_index(at)?;
                        at += 1;
                        v
                    }),*
                })
            }
        }
    };
}

decode_at!(crate::cooperative::Model {
    id,
    code,
    name,
    name_search,
    foreign_name,
    abbreviation,
    status,
    sector,
    business_lines,
    street,
    ward_id,
    province_id,
    registered_on,
    charter_capital,
    official_members,
    associate_members,
    director_id,
    legal_representative_id,
    high_tech,
    value_chain_linked,
    union_id,
    latest_rating,
    latest_report_year,
    tax_sync,
    registry_sync,
    sync_attempts,
    sync_last_error,
    last_synced_at,
    national_version,
    version,
    created_at,
    updated_at,
    below_legal_minimum_since,
});

decode_at!(crate::cooperative_union::Model {
    id,
    code,
    name,
    name_search,
    status,
    sector,
    street,
    ward_id,
    province_id,
    registered_on,
    charter_capital,
    legal_representative_id,
    high_tech,
    value_chain_linked,
    latest_rating,
    latest_report_year,
    tax_sync,
    registry_sync,
    sync_attempts,
    sync_last_error,
    last_synced_at,
    national_version,
    version,
    director_id,
    below_minimum_since,
    created_at,
    updated_at,
});

decode_at!(crate::cooperative_group::Model {
    id,
    name,
    name_search,
    status,
    sector,
    street,
    ward_id,
    province_id,
    established_on,
    members,
    representative_id,
    high_tech,
    value_chain_linked,
    latest_rating,
    latest_report_year,
    disbanded_on,
    version,
    created_at,
    updated_at,
});

decode_at!(crate::annual_report::Model {
    id,
    cooperative_id,
    union_id,
    group_id,
    year,
    official_members,
    associate_members,
    employees,
    revenue,
    profit,
    average_member_income,
    rating,
    high_tech,
    value_chain_linked,
    ocop_products,
    submitted_at,
    version,
});

decode_at!(crate::person::Model { id, full_name, gender, id_number, phone });

#[cfg(test)]
mod tests {
    use super::DecodeAt;
    use sea_orm::{EntityTrait, IdenStatic, Iterable};

    fn columns<E: EntityTrait>() -> Vec<String> {
        E::Column::iter().map(|c| c.as_str().to_owned()).collect()
    }

    #[test]
    fn every_decoded_model_lists_its_columns_in_select_order() {
        assert_eq!(crate::cooperative::Model::COLUMNS, columns::<crate::cooperative::Entity>());
        assert_eq!(crate::cooperative_union::Model::COLUMNS, columns::<crate::cooperative_union::Entity>());
        assert_eq!(crate::cooperative_group::Model::COLUMNS, columns::<crate::cooperative_group::Entity>());
        assert_eq!(crate::annual_report::Model::COLUMNS, columns::<crate::annual_report::Entity>());
        assert_eq!(crate::person::Model::COLUMNS, columns::<crate::person::Entity>());
    }
}
