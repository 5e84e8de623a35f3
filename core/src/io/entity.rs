//! Canonical CSV for every entity: one name, one header (the documented column names, in export
//! order), one import (upsert by natural key) and one export per entity. `docs/formats.md` has a
//! section per entity.
//!
//! Each entity's columns are listed here, once; the modules that import and export an entity use
//! [`Entity::columns`] as their export header and accept the same names on import.

use std::io::{Read, Write};

use super::{Format, ImportOptions, ImportReport};
use crate::error::{Error, Result};
use crate::store::Store;

/// An entity that has a canonical CSV format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Entity {
    /// Customers (natural key: `name`).
    Customers,
    /// Customers' subscribed SKUs (natural key: `customer` + SKU).
    Skus,
    /// Users (natural key: `user_principal_name`).
    Subscribers,
    /// Groups of users (natural key: `customer` + `name`).
    Groups,
    /// Group memberships (natural key: `customer` + `group` + `user_principal_name`).
    GroupMembers,
    /// Held licenses (natural key: `user_principal_name` + SKU).
    Assignments,
    /// Phone numbers (natural key: `number`).
    Numbers,
    /// Volume-licensing agreements and enrollments (natural key: `number`).
    LicensingIds,
    /// Volume-licensing products (natural key: `family` + `version`).
    Products,
    /// Order lines of a licensing ID (natural key: `licensing_id` + the line's `id`).
    Entitlements,
    /// Product keys (natural key: the key, full or masked; exported masked).
    Keys,
    /// Recorded key activations (natural key: `licensing_id` + `key` + `machine` +
    /// `activated_at`).
    Activations,
    /// Software Assurance benefits (natural key: `licensing_id` + `benefit`).
    Benefits,
    /// Online-services reservations (natural key: `licensing_id` + `service` + `sku` +
    /// `usage_date` + `submitted_at`).
    Reservations,
}

impl Entity {
    /// Every entity, in documentation order.
    pub const ALL: &'static [Entity] = &[
        Entity::Customers,
        Entity::Skus,
        Entity::Subscribers,
        Entity::Groups,
        Entity::GroupMembers,
        Entity::Assignments,
        Entity::Numbers,
        Entity::LicensingIds,
        Entity::Products,
        Entity::Entitlements,
        Entity::Keys,
        Entity::Activations,
        Entity::Benefits,
        Entity::Reservations,
    ];

    /// The entity's name as the CLI, Python, C and the docs spell it.
    pub fn name(self) -> &'static str {
        match self {
            Entity::Customers => "customers",
            Entity::Skus => "skus",
            Entity::Subscribers => "subscribers",
            Entity::Groups => "groups",
            Entity::GroupMembers => "group_members",
            Entity::Assignments => "assignments",
            Entity::Numbers => "numbers",
            Entity::LicensingIds => "licensing_ids",
            Entity::Products => "products",
            Entity::Entitlements => "entitlements",
            Entity::Keys => "keys",
            Entity::Activations => "activations",
            Entity::Benefits => "benefits",
            Entity::Reservations => "reservations",
        }
    }

    /// The entity named `name` (case-insensitive; `-` may stand for `_`).
    pub fn from_name(name: &str) -> Result<Entity> {
        let n = name.trim().to_ascii_lowercase().replace('-', "_");
        Entity::ALL
            .iter()
            .copied()
            .find(|e| e.name() == n)
            .ok_or_else(|| {
                let names: Vec<&str> = Entity::ALL.iter().map(|e| e.name()).collect();
                Error::invalid(
                    "entity",
                    name,
                    format!("must be one of {}", names.join(", ")),
                )
            })
    }

    /// The canonical header, in export order. Imports accept these names (in any order and case);
    /// which of them are required is documented per entity in `docs/formats.md`.
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            Entity::Customers => super::customers::COLUMNS,
            Entity::Skus => &[
                "customer",
                "sku_id",
                "sku_part_number",
                "enabled",
                "warning",
                "suspended",
                "locked_out",
                "capability_status",
                "applies_to",
                "term_end",
                "reported_consumed",
            ],
            Entity::Subscribers => &[
                "customer",
                "user_principal_name",
                "display_name",
                "usage_location",
                "department",
                "object_id",
                "status",
            ],
            Entity::Groups => &["customer", "name"],
            Entity::GroupMembers => &["customer", "group", "user_principal_name"],
            Entity::Numbers => &["customer", "number", "status", "user_principal_name"],
            Entity::Assignments => super::assignments::COLUMNS,
            // Volume entities: owned by io/volume_entities.rs.
            Entity::LicensingIds => super::volume_entities::LICENSING_ID_COLUMNS,
            Entity::Products => super::volume_entities::PRODUCT_COLUMNS,
            Entity::Entitlements => super::volume_entities::ENTITLEMENT_COLUMNS,
            Entity::Keys => super::volume_entities::KEY_COLUMNS,
            Entity::Activations => super::volume_entities::ACTIVATION_COLUMNS,
            Entity::Benefits => super::volume_entities::BENEFIT_COLUMNS,
            Entity::Reservations => super::volume_entities::RESERVATION_COLUMNS,
        }
    }
}

impl std::fmt::Display for Entity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Entity {
    type Err = Error;
    fn from_str(s: &str) -> Result<Entity> {
        Entity::from_name(s)
    }
}

impl Store {
    /// Imports an entity's canonical CSV (or TSV, per `opts.delimiter`): an upsert by the
    /// entity's natural key, streaming, all-or-nothing unless `opts.mode` says skip-invalid.
    pub fn import_entity(
        &mut self,
        entity: Entity,
        input: impl Read,
        opts: ImportOptions<'_>,
    ) -> Result<ImportReport> {
        match entity {
            Entity::Customers => self.import_customers(input, opts),
            Entity::Assignments => self.import_assignments(input, opts),
            Entity::Skus
            | Entity::Subscribers
            | Entity::Groups
            | Entity::GroupMembers
            | Entity::Numbers => self.import_online_entity(entity, input, opts),
            Entity::LicensingIds
            | Entity::Products
            | Entity::Entitlements
            | Entity::Keys
            | Entity::Activations
            | Entity::Benefits
            | Entity::Reservations => self.import_volume_entity(entity, input, opts),
        }
    }

    /// Exports an entity in its canonical columns ([`Entity::columns`]), in a stable order, as
    /// CSV, TSV or JSON Lines; returns the row count. What an export writes imports back unchanged.
    pub fn export_entity(
        &mut self,
        entity: Entity,
        format: Format,
        out: &mut dyn Write,
    ) -> Result<u64> {
        self.require_owner("export entities (an export holds every licensing ID's rows)")?;
        match entity {
            Entity::Customers => self.export_customers(format, out),
            Entity::Assignments => self.export_assignments(format, out),
            Entity::Skus
            | Entity::Subscribers
            | Entity::Groups
            | Entity::GroupMembers
            | Entity::Numbers => self.export_online_entity(entity, format, out),
            Entity::LicensingIds
            | Entity::Products
            | Entity::Entitlements
            | Entity::Keys
            | Entity::Activations
            | Entity::Benefits
            | Entity::Reservations => self.export_volume_entity(entity, format, out),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    #[test]
    fn names_round_trip_and_unknown_names_list_the_valid_ones() -> Result<()> {
        assert_eq!(Entity::ALL.len(), 14);
        for e in Entity::ALL {
            assert_eq!(Entity::from_name(e.name())?, *e);
            assert_eq!(Entity::from_name(&e.name().to_uppercase())?, *e);
            assert!(!e.columns().is_empty());
            let mut cols = e.columns().to_vec();
            cols.sort_unstable();
            cols.dedup();
            assert_eq!(cols.len(), e.columns().len(), "{e}: duplicate column");
        }
        assert_eq!(Entity::from_name("group-members")?, Entity::GroupMembers);
        let err = Entity::from_name("widgets").unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidArgument);
        assert!(err.to_string().contains("licensing_ids"), "{err}");
        Ok(())
    }

    #[test]
    fn every_export_writes_exactly_the_canonical_columns() -> Result<()> {
        let mut s = Store::open_in_memory()?;
        crate::demo::build(&mut s, 3)?;
        for e in Entity::ALL {
            let mut out = Vec::new();
            let n = s.export_entity(*e, Format::Csv, &mut out)?;
            assert!(n > 0, "{e}: the demo store has rows");
            let text = String::from_utf8(out).expect("UTF-8");
            assert_eq!(
                text.lines().next(),
                Some(e.columns().join(",").as_str()),
                "{e}"
            );
            let mut out = Vec::new();
            s.export_entity(*e, Format::JsonLines, &mut out)?;
            let first: serde_json::Map<String, serde_json::Value> =
                serde_json::from_slice(out.split(|b| *b == b'\n').next().unwrap_or(b""))?;
            let keys: Vec<&str> = first.keys().map(String::as_str).collect();
            let mut want = e.columns().to_vec();
            let mut got = keys.clone();
            want.sort_unstable();
            got.sort_unstable();
            assert_eq!(got, want, "{e}: JSON Lines keys");
        }
        Ok(())
    }
}
