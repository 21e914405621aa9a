//! Writes to the registry's records (cooperatives, unions, groups, persons,
//! annual reports) and the reads a write makes inside its transaction.
//! Every change of a record is a compare-and-swap on `version`: a row is
//! written only if it is still at the version the writer loaded.

use super::organisations::OrgKind;
use super::write::WriteTxn;
use super::StorageError;
use crate::domain::rules::PersonRecord;
use crate::domain::{EntityKind, RegistrationStatus, Sector, SyncState};
use chrono::{DateTime, Utc};
use entity::{annual_report, cooperative, cooperative_group, cooperative_union, person};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, Set,
};

/// A cooperative by id.
pub async fn cooperative<C: ConnectionTrait>(c: &C, id: i64) -> Result<Option<cooperative::Model>, StorageError> {
    Ok(cooperative::Entity::find_by_id(id).one(c).await?)
}

/// A union by id.
pub async fn union<C: ConnectionTrait>(c: &C, id: i64) -> Result<Option<cooperative_union::Model>, StorageError> {
    Ok(cooperative_union::Entity::find_by_id(id).one(c).await?)
}

/// A group by id.
pub async fn group<C: ConnectionTrait>(c: &C, id: i64) -> Result<Option<cooperative_group::Model>, StorageError> {
    Ok(cooperative_group::Entity::find_by_id(id).one(c).await?)
}

/// A person by id.
pub async fn person<C: ConnectionTrait>(c: &C, id: i64) -> Result<Option<person::Model>, StorageError> {
    Ok(person::Entity::find_by_id(id).one(c).await?)
}

/// The member cooperatives of a union.
pub async fn members<C: ConnectionTrait>(c: &C, union_id: i64) -> Result<Vec<cooperative::Model>, StorageError> {
    Ok(cooperative::Entity::find().filter(cooperative::Column::UnionId.eq(union_id)).all(c).await?)
}

/// A cooperative, read inside a unit of work (for writing).
pub async fn cooperative_for_write(w: &WriteTxn, id: i64) -> Result<Option<cooperative::Model>, StorageError> {
    cooperative(&w.txn, id).await
}

/// The cooperative with a code, read inside a unit of work (for writing).
pub async fn cooperative_by_code_for_write(
    w: &WriteTxn,
    code: &str,
) -> Result<Option<cooperative::Model>, StorageError> {
    Ok(cooperative::Entity::find().filter(cooperative::Column::Code.eq(code)).one(&w.txn).await?)
}

/// A union, read inside a unit of work (for writing).
pub async fn union_for_write(w: &WriteTxn, id: i64) -> Result<Option<cooperative_union::Model>, StorageError> {
    union(&w.txn, id).await
}

/// A group, read inside a unit of work (for writing).
pub async fn group_for_write(w: &WriteTxn, id: i64) -> Result<Option<cooperative_group::Model>, StorageError> {
    group(&w.txn, id).await
}

/// A person, read inside a unit of work.
pub async fn person_for_write(w: &WriteTxn, id: i64) -> Result<Option<person::Model>, StorageError> {
    person(&w.txn, id).await
}

/// The member cooperatives of a union, read inside a unit of work.
pub async fn members_for_write(w: &WriteTxn, union_id: i64) -> Result<Vec<cooperative::Model>, StorageError> {
    members(&w.txn, union_id).await
}

/// How many ACTIVE member cooperatives a union has besides `except`, read
/// inside a unit of work.
pub async fn active_members_except(w: &WriteTxn, union_id: i64, except: i64) -> Result<u64, StorageError> {
    Ok(cooperative::Entity::find()
        .filter(cooperative::Column::UnionId.eq(union_id))
        .filter(cooperative::Column::Status.eq(RegistrationStatus::Active.as_str()))
        .filter(cooperative::Column::Id.ne(except))
        .count(&w.txn)
        .await?)
}

/// Inserts a person and returns its id.
pub async fn insert_person(w: &WriteTxn, p: &PersonRecord) -> Result<i64, StorageError> {
    let m = person::ActiveModel {
        full_name: Set(p.full_name.clone()),
        gender: Set(p.gender.map(|g| g.as_str().to_owned())),
        id_number: Set(p.id_number.clone()),
        phone: Set(p.phone.clone()),
        ..Default::default()
    }
    .insert(&w.txn)
    .await?;
    Ok(m.id)
}

macro_rules! insert_and_swap {
    ($entity:ident, $insert:ident, $swap:ident, $what:literal) => {
        #[doc = concat!("Inserts a ", $what, " (its `id` is assigned) and returns the stored row.")]
        pub async fn $insert(w: &WriteTxn, row: $entity::Model) -> Result<$entity::Model, StorageError> {
            let mut am = row.into_active_model();
            am.id = NotSet;
            Ok(am.insert(&w.txn).await?)
        }

        #[doc = concat!("Writes `next` over the stored ", $what, " if it is still at version `expected`; `false` when another write won.")]
        pub async fn $swap(w: &WriteTxn, next: &$entity::Model, expected: i32) -> Result<bool, StorageError> {
            let res = $entity::Entity::update_many()
                .set(next.clone().into_active_model().reset_all())
                .filter($entity::Column::Id.eq(next.id))
                .filter($entity::Column::Version.eq(expected))
                .exec(&w.txn)
                .await?;
            Ok(res.rows_affected == 1)
        }
    };
}

insert_and_swap!(cooperative, insert_cooperative, swap_cooperative, "cooperative");
insert_and_swap!(cooperative_union, insert_union, swap_union, "union");
insert_and_swap!(cooperative_group, insert_group, swap_group, "group");

/// A report of an organisation for a year, read inside a unit of work.
pub async fn report_of_year(
    w: &WriteTxn,
    kind: OrgKind,
    owner: i64,
    year: i32,
) -> Result<Option<annual_report::Model>, StorageError> {
    let col = match kind {
        OrgKind::Cooperative => annual_report::Column::CooperativeId,
        OrgKind::Union => annual_report::Column::UnionId,
        OrgKind::Group => annual_report::Column::GroupId,
    };
    Ok(annual_report::Entity::find()
        .filter(col.eq(owner))
        .filter(annual_report::Column::Year.eq(year))
        .one(&w.txn)
        .await?)
}

/// Stores a report: over the row `row.id` when it is not 0, else as a new row.
pub async fn save_report(w: &WriteTxn, row: annual_report::Model) -> Result<annual_report::Model, StorageError> {
    let replace = row.id != 0;
    let mut am = row.into_active_model();
    if replace {
        am = am.reset_all();
        Ok(am.update(&w.txn).await?)
    } else {
        am.id = NotSet;
        Ok(am.insert(&w.txn).await?)
    }
}

/// A record's sync bookkeeping, as one write sets it.
#[derive(Debug, Clone, Default)]
pub struct SyncMark<'a> {
    /// The registry sync state, if it changes.
    pub registry: Option<SyncState>,
    /// The tax sync state, if it changes.
    pub tax: Option<SyncState>,
    /// Attempts, if they change.
    pub attempts: Option<i32>,
    /// The last error, if it changes (`Some(None)` clears it).
    pub last_error: Option<Option<&'a str>>,
    /// When the record was last in step, if it changes.
    pub synced_at: Option<DateTime<Utc>>,
}

/// Sets a record's sync columns (only those; its content and version stay).
pub async fn mark_sync(w: &WriteTxn, kind: EntityKind, id: i64, m: SyncMark<'_>) -> Result<(), StorageError> {
    macro_rules! mark {
        ($entity:ident) => {{
            let mut q = $entity::Entity::update_many().filter($entity::Column::Id.eq(id));
            let mut any = false;
            if let Some(s) = m.registry {
                q = q.col_expr($entity::Column::RegistrySync, Expr::value(s.as_str()));
                any = true;
            }
            if let Some(s) = m.tax {
                q = q.col_expr($entity::Column::TaxSync, Expr::value(s.as_str()));
                any = true;
            }
            if let Some(a) = m.attempts {
                q = q.col_expr($entity::Column::SyncAttempts, Expr::value(a));
                any = true;
            }
            if let Some(e) = m.last_error {
                q = q.col_expr($entity::Column::SyncLastError, Expr::value(e.map(str::to_owned)));
                any = true;
            }
            if let Some(t) = m.synced_at {
                q = q.col_expr($entity::Column::LastSyncedAt, Expr::value(t));
                any = true;
            }
            if any {
                q.exec(&w.txn).await?;
            }
        }};
    }
    match kind {
        EntityKind::Cooperative => mark!(cooperative),
        EntityKind::CooperativeUnion => mark!(cooperative_union),
        EntityKind::CooperativeGroup | EntityKind::Target | EntityKind::Person => {}
    }
    Ok(())
}

/// Sets a record's NCRS version (after a delivery the answer of which named it).
pub async fn set_national_version(
    w: &WriteTxn,
    kind: EntityKind,
    id: i64,
    version: Option<i32>,
) -> Result<(), StorageError> {
    macro_rules! set {
        ($entity:ident) => {{
            $entity::Entity::update_many()
                .col_expr($entity::Column::NationalVersion, Expr::value(version))
                .filter($entity::Column::Id.eq(id))
                .exec(&w.txn)
                .await?;
        }};
    }
    match kind {
        EntityKind::Cooperative => set!(cooperative),
        EntityKind::CooperativeUnion => set!(cooperative_union),
        EntityKind::CooperativeGroup | EntityKind::Target | EntityKind::Person => {}
    }
    Ok(())
}

/// The stored enumerations of a cooperative or union row, read and written
/// through this one typed conversion (the columns hold the enumerations'
/// stored names; an unreadable name is [`StorageError::Corrupt`]).
pub trait RegisteredRow {
    /// The registration status.
    fn registration_status(&self) -> Result<RegistrationStatus, StorageError>;
    /// Sets the registration status.
    fn set_registration_status(&mut self, s: RegistrationStatus);
    /// The sync state with NCRS.
    fn registry_sync_state(&self) -> Result<SyncState, StorageError>;
    /// Sets the sync states with NCRS and the tax system.
    fn set_sync_states(&mut self, registry: SyncState, tax: SyncState);
    /// Sets the statistical sector.
    fn set_sector(&mut self, s: Sector);
    /// Whether the record takes part in national sync (records imported
    /// with an existing code, NOT_REQUIRED, do not).
    fn syncs(&self) -> bool {
        !matches!(self.registry_sync_state(), Ok(SyncState::NotRequired))
    }
}

macro_rules! registered_row {
    ($entity:ident) => {
        impl RegisteredRow for $entity::Model {
            fn registration_status(&self) -> Result<RegistrationStatus, StorageError> {
                RegistrationStatus::parse(&self.status).ok_or_else(|| {
                    StorageError::Corrupt(format!("{} {}: status {:?}", stringify!($entity), self.id, self.status))
                })
            }
            fn set_registration_status(&mut self, s: RegistrationStatus) {
                self.status = s.as_str().to_owned();
            }
            fn registry_sync_state(&self) -> Result<SyncState, StorageError> {
                SyncState::parse(&self.registry_sync).ok_or_else(|| {
                    StorageError::Corrupt(format!(
                        "{} {}: registry_sync {:?}",
                        stringify!($entity),
                        self.id,
                        self.registry_sync
                    ))
                })
            }
            fn set_sync_states(&mut self, registry: SyncState, tax: SyncState) {
                self.registry_sync = registry.as_str().to_owned();
                self.tax_sync = tax.as_str().to_owned();
            }
            fn set_sector(&mut self, s: Sector) {
                self.sector = s.as_str().to_owned();
            }
        }
    };
}

registered_row!(cooperative);
registered_row!(cooperative_union);
