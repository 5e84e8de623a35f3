//! The enums of volume licensing as C sees them. Functions take and getters give them as
//! `uint32_t`; a value outside the enum is refused with `LICSTORE_INVALID_ARGUMENT`. The values
//! are the positions of the variants in core's `ALL` lists; `header_enums_match_core` below fails
//! when a C enum and its core enum disagree. Values are never reused or renumbered.

use licstore::{
    ActivationMethod, BenefitStatus, ContactKind, EntitlementKind, KeyType, Pool, Program,
    RequestStatus, ReservationStatus, Role, RoleGroup,
};

use crate::handles::CEnum;

/// The volume-licensing program of a licensing ID.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum licstore_program {
    /// Enterprise Agreement enrollment.
    Enterprise = 0,
    /// Enterprise Agreement Subscription.
    EnterpriseSubscription = 1,
    /// Select agreement.
    Select = 2,
    /// Select Plus (PCN).
    SelectPlus = 3,
    /// Open License.
    Open = 4,
    /// Open Value agreement.
    OpenValue = 5,
    /// Open Value Subscription.
    OpenValueSubscription = 6,
    /// Academic programs.
    Academic = 7,
    /// Anything else.
    Other = 8,
}

/// The pool of a product.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum licstore_pool {
    /// Office, Visio, Project ...
    Applications = 0,
    /// Client operating systems.
    Systems = 1,
    /// Server products.
    Servers = 2,
}

/// The kind of an entitlement (order line). The type name is plural because
/// `licstore_entitlement_kind` is the getter; the values are `LICSTORE_ENTITLEMENT_KIND_*`.
///
/// cbindgen:prefix-with-name=false
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum licstore_entitlement_kinds {
    /// A full license.
    LICSTORE_ENTITLEMENT_KIND_FULL = 0,
    /// A full license with Software Assurance coverage.
    LICSTORE_ENTITLEMENT_KIND_LICENSE_AND_SA = 1,
    /// A promotional full license, earned by the line `granted_by` names.
    LICSTORE_ENTITLEMENT_KIND_GRANT = 2,
    /// A version upgrade of an older base license of the same family.
    LICSTORE_ENTITLEMENT_KIND_UPGRADE = 3,
    /// Software Assurance coverage only, for existing licenses.
    LICSTORE_ENTITLEMENT_KIND_SA = 4,
    /// A step-up from another family (`from_family`) to this one, with SA coverage.
    LICSTORE_ENTITLEMENT_KIND_STEP_UP = 5,
}

/// The type of a product key.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum licstore_key_type {
    /// Multiple Activation Key: a number of one-time activations.
    Mak = 0,
    /// Key Management Service host key: 6 hosts (unless increased), 10 activations each.
    Kms = 1,
    /// Volume License Key (not activated).
    Vlk = 2,
    /// Setup key (bypasses activation; never activated).
    Setup = 3,
    /// Online Service Activation key: single use.
    Osa = 4,
    /// Retail key (activations recorded, no limit tracked).
    Retail = 5,
}

/// How an activation was made.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum licstore_activation_method {
    /// The machine activated itself (`licstore_key_activate`).
    Independent = 0,
    /// A proxy activated it with others (`licstore_key_proxy_activate`).
    Proxy = 1,
}

/// The status of a limit-increase request.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum licstore_request_status {
    /// Submitted, not decided.
    Pending = 0,
    /// Granted: the limit was raised.
    Granted = 1,
    /// Denied.
    Denied = 2,
}

/// The status of a Software Assurance benefit (transitions: docs/volume.md).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum licstore_benefit_status {
    /// Must be activated before use.
    RequiresActivation = 0,
    /// Usable.
    Activated = 1,
    /// On hold until reactivated.
    HoldAwaitingReactivation = 2,
    /// Over: no action allowed.
    Expired = 3,
}

/// The status of a reservation. The type name is plural because `licstore_reservation_status`
/// is the getter; the values are `LICSTORE_RESERVATION_STATUS_*`.
///
/// cbindgen:prefix-with-name=false
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum licstore_reservation_statuses {
    /// Submitted; cancellable for 72 hours.
    LICSTORE_RESERVATION_STATUS_SUBMITTED = 0,
    /// Cancelled within its 72 hours.
    LICSTORE_RESERVATION_STATUS_CANCELLED = 1,
    /// Committed (72 hours passed without a cancellation).
    LICSTORE_RESERVATION_STATUS_COMMITTED = 2,
}

/// Which reservations `licstore_reservations_list` returns (VLSC's history filters).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum licstore_reservation_filter {
    /// Every reservation.
    All = 0,
    /// The reservations of one online service (`value` names it).
    Service = 1,
    /// The reservations of one licensing ID (`value` is its number).
    LicensingId = 2,
    /// One reservation (`id`).
    Reservation = 3,
}

/// The decision on a limit-increase request.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum licstore_decision {
    /// Deny the request.
    Deny = 0,
    /// Grant it: raise the limit by the requested number.
    Grant = 1,
}

macro_rules! c_enum {
    ($($core:ty => $c:expr),* $(,)?) => {
        $(impl CEnum for $core {
            const ALL: &'static [Self] = <$core>::ALL;
            const C_NAME: &'static str = $c.0;
            const C_PREFIX: &'static str = $c.1;
        })*
    };
}

c_enum! {
    Program => ("licstore_program", "LICSTORE_PROGRAM_"),
    Pool => ("licstore_pool", "LICSTORE_POOL_"),
    EntitlementKind => ("licstore_entitlement_kinds", "LICSTORE_ENTITLEMENT_KIND_"),
    KeyType => ("licstore_key_type", "LICSTORE_KEY_TYPE_"),
    ActivationMethod => ("licstore_activation_method", "LICSTORE_ACTIVATION_METHOD_"),
    RequestStatus => ("licstore_request_status", "LICSTORE_REQUEST_STATUS_"),
    BenefitStatus => ("licstore_benefit_status", "LICSTORE_BENEFIT_STATUS_"),
    ReservationStatus => ("licstore_reservation_statuses", "LICSTORE_RESERVATION_STATUS_"),
    Role => ("licstore_role", "LICSTORE_ROLE_"),
    RoleGroup => ("licstore_role_group", "LICSTORE_ROLE_GROUP_"),
    ContactKind => ("licstore_contact_kind", "LICSTORE_CONTACT_KIND_"),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handles::{enum_arg, enum_value};

    /// `HoldAwaitingReactivation` -> `HOLD_AWAITING_REACTIVATION`, `license_and_sa` ->
    /// `LICENSE_AND_SA`, `MAK` -> `MAK`: independent of cbindgen's renamer.
    fn screaming(name: &str) -> String {
        let mut out = String::new();
        let mut prev_lower = false;
        for c in name.chars() {
            if c.is_ascii_uppercase() && prev_lower {
                out.push('_');
            }
            prev_lower = c.is_ascii_lowercase();
            out.push(c.to_ascii_uppercase());
        }
        out
    }

    fn check<T: CEnum>(header: &str) {
        for (i, v) in T::ALL.iter().enumerate() {
            let line = format!("{}{} = {i},", T::C_PREFIX, screaming(&v.to_string()));
            assert!(
                header.lines().any(|l| l.trim() == line),
                "include/licstore.h lacks `{line}` (core's {} changed, or run `make header`)",
                T::C_NAME
            );
            assert_eq!(enum_value(*v), i as u32);
            assert!(enum_arg::<T>(i as u32, "x").unwrap() == *v);
        }
        let e = match enum_arg::<T>(T::ALL.len() as u32, "x") {
            Ok(v) => panic!("{} accepted {} as {v}", T::C_NAME, T::ALL.len()),
            Err(e) => e,
        };
        assert_eq!(e.code(), licstore::ErrorCode::InvalidArgument);
        assert!(e.to_string().contains(T::C_NAME), "{e}");
        assert!(enum_arg::<T>(u32::MAX, "x").is_err());
    }

    #[test]
    fn header_enums_match_core() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../include/licstore.h");
        let header = std::fs::read_to_string(path).expect("include/licstore.h exists");
        check::<Program>(&header);
        check::<Pool>(&header);
        check::<EntitlementKind>(&header);
        check::<KeyType>(&header);
        check::<ActivationMethod>(&header);
        check::<RequestStatus>(&header);
        check::<BenefitStatus>(&header);
        check::<ReservationStatus>(&header);
        check::<Role>(&header);
        check::<RoleGroup>(&header);
        check::<ContactKind>(&header);
    }
}
