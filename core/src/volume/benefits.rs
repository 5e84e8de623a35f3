//! Software Assurance benefits and online-service reservations (DOMAIN.md section 3).
//!
//! Benefit statuses and their transitions:
//!
//! | from \ to                | Activated | HoldAwaitingReactivation | Expired |
//! |--------------------------|-----------|--------------------------|---------|
//! | RequiresActivation       | yes       | no                       | yes     |
//! | Activated                | -         | yes                      | yes     |
//! | HoldAwaitingReactivation | yes       | -                        | yes     |
//! | Expired                  | no        | no                       | -       |
//!
//! Only an Activated benefit can be used, and never below zero (`BenefitExhausted`); an Expired
//! one allows no action at all ([`Error::InvalidState`]).
//!
//! Reservations: only under Enterprise and Enterprise Subscription licensing IDs; the usage date
//! is today or at most 6 months ahead (and not after the enrollment ends); refused when the
//! enrollment has ended, has not started, or ends within a month. A reservation can be cancelled
//! within 72 hours of its submission; after that it is committed. Commitment is the passing of
//! time, not an event: the store keeps Submitted or Cancelled, and every reader derives Committed
//! (Submitted, and the store's clock at or past `submitted_at + 72 h`) with [`effective_status`]
//! here and the same rule in the `reservations` view, so reading writes nothing and the API, the
//! view and the cancel rule agree with the store's clock.

use chrono::{DateTime, Duration, Months, NaiveDate};
use rusqlite::{params, OptionalExtension, Row};
use serde::Serialize;

use super::{fmt_date, req_date, require_lid, text_enum};
use crate::access::{read, Role};
use crate::error::{Error, ErrorCode, Result};
use crate::store::{format_ts, Store, WriteCtx};
use crate::validate;

/// How long a submitted reservation can be cancelled.
pub const CANCEL_WINDOW_HOURS: i64 = 72;

/// How far ahead a reservation's usage date may be.
pub const RESERVATION_HORIZON_MONTHS: u32 = 6;

text_enum! {
    /// The status of a Software Assurance benefit.
    BenefitStatus, "benefit status" {
        /// Must be activated before use.
        RequiresActivation = "RequiresActivation",
        /// Usable.
        Activated = "Activated",
        /// On hold until reactivated.
        HoldAwaitingReactivation = "HoldAwaitingReactivation",
        /// Over: no action allowed.
        Expired = "Expired",
    }
}

impl BenefitStatus {
    /// Whether a benefit may move from `self` to `to`.
    pub fn can_become(self, to: BenefitStatus) -> bool {
        use BenefitStatus::*;
        matches!(
            (self, to),
            (RequiresActivation, Activated)
                | (RequiresActivation, Expired)
                | (Activated, HoldAwaitingReactivation)
                | (Activated, Expired)
                | (HoldAwaitingReactivation, Activated)
                | (HoldAwaitingReactivation, Expired)
        )
    }
}

text_enum! {
    /// The status of a reservation.
    ReservationStatus, "reservation status" {
        /// Submitted; cancellable for 72 hours.
        Submitted = "Submitted",
        /// Cancelled within its 72 hours.
        Cancelled = "Cancelled",
        /// Committed (72 hours passed without a cancellation).
        Committed = "Committed",
    }
}

/// A Software Assurance benefit of a licensing ID.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SaBenefit {
    /// Row id.
    pub id: i64,
    /// The licensing ID's number.
    pub licensing_id: String,
    /// The benefit's name ("Training Vouchers", ...).
    pub benefit: String,
    /// How many units the licensing ID is eligible for.
    pub eligible_quantity: i64,
    /// How many are left.
    pub remaining_quantity: i64,
    /// The status.
    pub status: BenefitStatus,
}

/// The fields of a new benefit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSaBenefit {
    /// An existing licensing ID's number.
    pub licensing_id: String,
    /// The benefit's name (unique per licensing ID).
    pub benefit: String,
    /// Units eligible (>= 0); all remain at first.
    pub eligible_quantity: i64,
    /// The initial status (VLSC shows most benefits as RequiresActivation at first).
    pub status: BenefitStatus,
}

/// A reservation of an online service under an Enterprise enrollment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reservation {
    /// Row id.
    pub id: i64,
    /// The licensing ID's number.
    pub licensing_id: String,
    /// The online service ("Microsoft 365 E3").
    pub service: String,
    /// The SKU: a part number or GUID, as the caller names it.
    pub sku: String,
    /// How many.
    pub quantity: i64,
    /// The date from which the reservation is used.
    pub usage_date: NaiveDate,
    /// When it was submitted.
    pub submitted_at: String,
    /// Who submitted it.
    pub submitted_by: String,
    /// Submitted, Cancelled or Committed.
    pub status: ReservationStatus,
    /// Until when it can be cancelled (submitted_at + 72 hours).
    pub cancellable_until: String,
    /// When it was cancelled or committed.
    pub closed_at: Option<String>,
}

/// The fields of a new reservation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReservation {
    /// An Enterprise-program licensing ID's number.
    pub licensing_id: String,
    /// The online service.
    pub service: String,
    /// The SKU (free text: part number or GUID).
    pub sku: String,
    /// How many (> 0).
    pub quantity: i64,
    /// From today to 6 months ahead.
    pub usage_date: NaiveDate,
}

/// Which reservations to list, as VLSC's history offers them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReservationHistory {
    /// Every reservation.
    All,
    /// The reservations of one online service.
    Service(String),
    /// The reservations of one licensing ID.
    LicensingId(String),
    /// One reservation.
    Reservation(i64),
}

const BEN_COLUMNS: &str =
    "b.id, l.number, b.benefit, b.eligible_quantity, b.remaining_quantity, b.status";
const BEN_FROM: &str = "sa_benefit b JOIN licensing_id l ON l.id = b.licensing_id_id";

fn ben_from_row(r: &Row<'_>) -> rusqlite::Result<SaBenefit> {
    Ok(SaBenefit {
        id: r.get(0)?,
        licensing_id: r.get(1)?,
        benefit: r.get(2)?,
        eligible_quantity: r.get(3)?,
        remaining_quantity: r.get(4)?,
        status: r.get(5)?,
    })
}

fn require_benefit(conn: &rusqlite::Connection, id: i64) -> Result<SaBenefit> {
    conn.prepare_cached(&format!(
        "SELECT {BEN_COLUMNS} FROM {BEN_FROM} WHERE b.id = ?1"
    ))?
    .query_row([id], ben_from_row)
    .optional()?
    .ok_or_else(|| Error::not_found("SA benefit", id.to_string()))
}

fn update_benefit(
    ctx: &WriteCtx<'_>,
    before: &SaBenefit,
    action: &str,
    remaining: i64,
    status: BenefitStatus,
) -> Result<SaBenefit> {
    ctx.tx.execute(
        "UPDATE sa_benefit SET remaining_quantity = ?2, status = ?3, updated_at = ?4 WHERE id = ?1",
        params![before.id, remaining, status, ctx.now],
    )?;
    let after = require_benefit(ctx.tx, before.id)?;
    ctx.audit(
        action,
        "sa_benefit",
        &before.id.to_string(),
        Some(&serde_json::to_value(before)?),
        Some(&serde_json::to_value(&after)?),
    )?;
    Ok(after)
}

const RES_COLUMNS: &str = "r.id, l.number, r.service, r.sku, r.quantity, r.usage_date, \
    r.submitted_at, r.submitted_by, r.status, r.closed_at";
const RES_FROM: &str = "reservation r JOIN licensing_id l ON l.id = r.licensing_id_id";

/// The status of a reservation with this stored status and cancellation deadline at `now` (both
/// ISO-8601 UTC text, whole seconds, so they compare as text), and when it was closed: a
/// Submitted reservation is Committed from `cancellable_until` on.
pub(crate) fn effective_status(
    stored: ReservationStatus,
    cancellable_until: &str,
    closed_at: Option<String>,
    now: &str,
) -> (ReservationStatus, Option<String>) {
    if stored == ReservationStatus::Submitted && now >= cancellable_until {
        (
            ReservationStatus::Committed,
            Some(cancellable_until.to_string()),
        )
    } else {
        (stored, closed_at)
    }
}

fn res_from_row(r: &Row<'_>, now: &str) -> rusqlite::Result<Reservation> {
    let submitted_at: String = r.get(6)?;
    let until = DateTime::parse_from_rfc3339(&submitted_at)
        .map(|t| format_ts(t.to_utc() + Duration::hours(CANCEL_WINDOW_HOURS)))
        .unwrap_or_default();
    let (status, closed_at) = effective_status(r.get(8)?, &until, r.get(9)?, now);
    Ok(Reservation {
        id: r.get(0)?,
        licensing_id: r.get(1)?,
        service: r.get(2)?,
        sku: r.get(3)?,
        quantity: r.get(4)?,
        usage_date: req_date(r, 5)?,
        submitted_at,
        submitted_by: r.get(7)?,
        status,
        cancellable_until: until,
        closed_at,
    })
}

/// The reservation with this id, its status as of `now` (ISO-8601 UTC).
fn require_reservation(conn: &rusqlite::Connection, id: i64, now: &str) -> Result<Reservation> {
    conn.prepare_cached(&format!(
        "SELECT {RES_COLUMNS} FROM {RES_FROM} WHERE r.id = ?1"
    ))?
    .query_row([id], |r| res_from_row(r, now))
    .optional()?
    .ok_or_else(|| Error::not_found("reservation", id.to_string()))
}

fn not_allowed(subject: &str, message: String) -> Error {
    Error::violation(ErrorCode::ReservationNotAllowed, subject, message)
}

/// Adds a benefit inside a write transaction (see [`Store::add_sa_benefit`]). `remaining`, when
/// given, is how many units are left of a benefit brought in with some used already (from 0 to
/// the eligible quantity); otherwise all remain.
pub(crate) fn insert_benefit(
    ctx: &WriteCtx<'_>,
    b: &NewSaBenefit,
    remaining: Option<i64>,
) -> Result<SaBenefit> {
    let name = validate::name("benefit", &b.benefit, 200)?;
    if b.eligible_quantity < 0 {
        return Err(Error::invalid(
            "eligible quantity",
            b.eligible_quantity.to_string(),
            "must not be negative",
        ));
    }
    let remaining = remaining.unwrap_or(b.eligible_quantity);
    if remaining < 0 || remaining > b.eligible_quantity {
        return Err(Error::invalid(
            "remaining quantity",
            remaining.to_string(),
            format!(
                "must be from 0 to the eligible quantity {}",
                b.eligible_quantity
            ),
        ));
    }
    let lid = require_lid(ctx.tx, &b.licensing_id)?;
    if find_benefit(ctx.tx, lid.id, &name)?.is_some() {
        return Err(Error::AlreadyExists {
            entity: "SA benefit",
            key: format!("{} {name}", lid.number),
        });
    }
    ctx.tx.execute(
        "INSERT INTO sa_benefit (licensing_id_id, benefit, eligible_quantity, remaining_quantity, \
         status, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
        params![
            lid.id,
            name,
            b.eligible_quantity,
            remaining,
            b.status,
            ctx.now
        ],
    )?;
    let after = require_benefit(ctx.tx, ctx.tx.last_insert_rowid())?;
    ctx.audit(
        "sa_benefit.add",
        "sa_benefit",
        &after.id.to_string(),
        None,
        Some(&serde_json::to_value(&after)?),
    )?;
    Ok(after)
}

/// The benefit of a licensing ID (by its row id) with this name (case-insensitive), if any.
pub(crate) fn find_benefit(
    conn: &rusqlite::Connection,
    licensing_id_id: i64,
    benefit: &str,
) -> Result<Option<SaBenefit>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {BEN_COLUMNS} FROM {BEN_FROM} WHERE b.licensing_id_id = ?1 AND b.benefit = ?2"
        ))?
        .query_row(params![licensing_id_id, benefit.trim()], ben_from_row)
        .optional()?)
}

/// [`Store::set_sa_benefit_status`] inside a write transaction.
pub(crate) fn set_benefit_status(
    ctx: &WriteCtx<'_>,
    id: i64,
    status: BenefitStatus,
) -> Result<SaBenefit> {
    let b = require_benefit(ctx.tx, id)?;
    if !b.status.can_become(status) {
        return Err(Error::InvalidState(format!(
            "SA benefit {id} ({} of {}) cannot go from {} to {status}",
            b.benefit, b.licensing_id, b.status
        )));
    }
    update_benefit(ctx, &b, "sa_benefit.status", b.remaining_quantity, status)
}

/// [`Store::use_sa_benefit`] inside a write transaction.
pub(crate) fn use_benefit(ctx: &WriteCtx<'_>, id: i64, quantity: i64) -> Result<SaBenefit> {
    if quantity <= 0 {
        return Err(Error::invalid(
            "quantity",
            quantity.to_string(),
            "must be greater than zero",
        ));
    }
    let b = require_benefit(ctx.tx, id)?;
    if b.status != BenefitStatus::Activated {
        return Err(Error::InvalidState(format!(
            "SA benefit {id} ({} of {}) is {}: only an Activated benefit can be used",
            b.benefit, b.licensing_id, b.status
        )));
    }
    if quantity > b.remaining_quantity {
        return Err(Error::violation(
            ErrorCode::BenefitExhausted,
            format!("{} {}", b.licensing_id, b.benefit),
            format!(
                "{quantity} requested, {} of {} remaining",
                b.remaining_quantity, b.eligible_quantity
            ),
        ));
    }
    update_benefit(
        ctx,
        &b,
        "sa_benefit.use",
        b.remaining_quantity - quantity,
        b.status,
    )
}

/// [`Store::submit_reservation`] inside a write transaction, submitted at the store's now.
pub(crate) fn submit_reservation_in(ctx: &WriteCtx<'_>, r: &NewReservation) -> Result<Reservation> {
    if r.quantity <= 0 {
        return Err(Error::invalid(
            "quantity",
            r.quantity.to_string(),
            "must be greater than zero",
        ));
    }
    let service = validate::name("service", &r.service, 200)?;
    let sku = validate::name("sku", &r.sku, 200)?;
    let today = NaiveDate::parse_from_str(&ctx.now[..10], "%Y-%m-%d")
        .map_err(|e| Error::Internal(format!("the store's now {:?}: {e}", ctx.now)))?;
    let lid = require_lid(ctx.tx, &r.licensing_id)?;
    let subject = lid.number.as_str();
    if !lid.program.allows_reservations() {
        return Err(not_allowed(
            subject,
            format!(
                "reservations are only for Enterprise enrollments, not {}",
                lid.program
            ),
        ));
    }
    if let Some(s) = lid.start_date {
        if s > today {
            return Err(not_allowed(
                subject,
                format!("the enrollment starts on {}", fmt_date(s)),
            ));
        }
    }
    if let Some(e) = lid.end_date {
        if e < today {
            return Err(not_allowed(
                subject,
                format!("the enrollment ended on {}", fmt_date(e)),
            ));
        }
        let month = today.checked_add_months(Months::new(1)).unwrap_or(today);
        if e < month {
            return Err(not_allowed(
                subject,
                format!(
                    "the enrollment ends on {}, within a month: order through your reseller instead",
                    fmt_date(e)
                ),
            ));
        }
        if r.usage_date > e {
            return Err(not_allowed(
                subject,
                format!(
                    "usage date {} is after the enrollment ends ({})",
                    fmt_date(r.usage_date),
                    fmt_date(e)
                ),
            ));
        }
    }
    let horizon = today
        .checked_add_months(Months::new(RESERVATION_HORIZON_MONTHS))
        .unwrap_or(today);
    if r.usage_date < today || r.usage_date > horizon {
        return Err(not_allowed(
            subject,
            format!(
                "usage date {} must be from today ({}) to at most 6 months ahead ({})",
                fmt_date(r.usage_date),
                fmt_date(today),
                fmt_date(horizon)
            ),
        ));
    }
    ctx.tx.execute(
        "INSERT INTO reservation (licensing_id_id, service, sku, quantity, usage_date, \
         submitted_at, submitted_by, status) VALUES (?1,?2,?3,?4,?5,?6,?7,'Submitted')",
        params![
            lid.id,
            service,
            sku,
            r.quantity,
            fmt_date(r.usage_date),
            ctx.now,
            ctx.actor
        ],
    )?;
    let after = require_reservation(ctx.tx, ctx.tx.last_insert_rowid(), &ctx.now)?;
    ctx.audit(
        "reservation.submit",
        "reservation",
        &after.id.to_string(),
        None,
        Some(&serde_json::to_value(&after)?),
    )?;
    Ok(after)
}

/// [`Store::cancel_reservation`] inside a write transaction.
pub(crate) fn cancel_reservation_in(ctx: &WriteCtx<'_>, id: i64) -> Result<Reservation> {
    let before = require_reservation(ctx.tx, id, &ctx.now)?;
    match before.status {
        ReservationStatus::Submitted => {}
        ReservationStatus::Committed => {
            return Err(not_allowed(
                &before.licensing_id,
                format!(
                    "reservation {id} was committed at {} (72 hours after submission); it can no longer be cancelled",
                    before.cancellable_until
                ),
            ))
        }
        ReservationStatus::Cancelled => {
            return Err(Error::InvalidState(format!(
                "reservation {id} is cancelled already"
            )))
        }
    }
    ctx.tx.execute(
        "UPDATE reservation SET status = 'Cancelled', closed_at = ?2 WHERE id = ?1",
        params![id, ctx.now],
    )?;
    let after = require_reservation(ctx.tx, id, &ctx.now)?;
    ctx.audit(
        "reservation.cancel",
        "reservation",
        &id.to_string(),
        Some(&serde_json::to_value(&before)?),
        Some(&serde_json::to_value(&after)?),
    )?;
    Ok(after)
}

/// The reservation of a licensing ID (by its row id) for this service and SKU (case-insensitive),
/// usage date and submission instant, with its status as of the store's now, if any.
pub(crate) fn find_reservation(
    ctx: &WriteCtx<'_>,
    licensing_id_id: i64,
    service: &str,
    sku: &str,
    usage_date: NaiveDate,
    submitted_at: &str,
) -> Result<Option<Reservation>> {
    Ok(ctx
        .tx
        .prepare_cached(&format!(
            "SELECT {RES_COLUMNS} FROM {RES_FROM} WHERE r.licensing_id_id = ?1 \
             AND r.service = ?2 COLLATE NOCASE AND r.sku = ?3 COLLATE NOCASE \
             AND r.usage_date = ?4 AND r.submitted_at = ?5 ORDER BY r.id LIMIT 1"
        ))?
        .query_row(
            params![
                licensing_id_id,
                service.trim(),
                sku.trim(),
                fmt_date(usage_date),
                submitted_at
            ],
            |r| res_from_row(r, &ctx.now),
        )
        .optional()?)
}

impl Store {
    /// Adds a Software Assurance benefit to a licensing ID (remaining = eligible).
    pub fn add_sa_benefit(&mut self, b: &NewSaBenefit) -> Result<SaBenefit> {
        let _ok = self.require_role(&b.licensing_id, Role::Administrator)?;
        self.write(|ctx| insert_benefit(ctx, b, None))
    }

    /// The benefit with this id, or [`Error::NotFound`].
    pub fn sa_benefit(&self, id: i64) -> Result<SaBenefit> {
        let b = require_benefit(self.conn(), id)?;
        self.require_any(&b.licensing_id, read::BENEFITS).map(|_| b)
    }

    /// The benefits (of one licensing ID, when given), by licensing ID and name.
    pub fn sa_benefits(&self, licensing_id: Option<&str>) -> Result<Vec<SaBenefit>> {
        licensing_id
            .map(|n| self.require_any(n, read::BENEFITS))
            .transpose()?;
        let lid = match licensing_id {
            Some(n) => Some(require_lid(self.conn(), n)?.id),
            None => None,
        };
        let mut st = self.conn().prepare_cached(&format!(
            "SELECT {BEN_COLUMNS} FROM {BEN_FROM} WHERE ?1 IS NULL OR b.licensing_id_id = ?1 ORDER BY l.number, b.benefit"
        ))?;
        let rows = st.query_map([lid], ben_from_row)?;
        self.visible_only(
            rows.collect::<rusqlite::Result<_>>()?,
            |b| &b.licensing_id,
            read::BENEFITS,
        )
    }

    /// Moves a benefit to another status (see the module's transition table); a transition not in
    /// the table, and any action on an Expired benefit, is [`Error::InvalidState`].
    pub fn set_sa_benefit_status(&mut self, id: i64, status: BenefitStatus) -> Result<SaBenefit> {
        let _ok = self.require_role(
            &require_benefit(self.conn(), id)?.licensing_id,
            Role::SoftwareAssuranceManager,
        )?;
        self.write(|ctx| set_benefit_status(ctx, id, status))
    }

    /// Uses `quantity` units of an Activated benefit. Refused: a quantity of zero or less
    /// ([`Error::InvalidArgument`]), a benefit that is not Activated ([`Error::InvalidState`]),
    /// more than remains (`BenefitExhausted`).
    pub fn use_sa_benefit(&mut self, id: i64, quantity: i64) -> Result<SaBenefit> {
        let _ok = self.require_role(
            &require_benefit(self.conn(), id)?.licensing_id,
            Role::SoftwareAssuranceManager,
        )?;
        self.write(|ctx| use_benefit(ctx, id, quantity))
    }

    /// Submits a reservation (see the module doc for the rules; refusals are
    /// `ReservationNotAllowed` naming the licensing ID, bad quantities [`Error::InvalidArgument`]).
    pub fn submit_reservation(&mut self, r: &NewReservation) -> Result<Reservation> {
        let _ok = self.require_role(&r.licensing_id, Role::ManageReservation)?;
        self.write(|ctx| submit_reservation_in(ctx, r))
    }

    /// Cancels a reservation within 72 hours of its submission. Later it is committed
    /// (`ReservationNotAllowed`); a cancelled one cannot be cancelled again
    /// ([`Error::InvalidState`]).
    pub fn cancel_reservation(&mut self, id: i64) -> Result<Reservation> {
        let _ok = self.require_role(
            &require_reservation(self.conn(), id, "")?.licensing_id,
            Role::ManageReservation,
        )?;
        self.write(|ctx| cancel_reservation_in(ctx, id))
    }

    /// Reservation history by service, licensing ID or reservation (newest first), with the
    /// statuses as of the store's clock. It only reads; `&mut self` is kept so the signature the
    /// bindings use does not change.
    pub fn reservations(&mut self, by: &ReservationHistory) -> Result<Vec<Reservation>> {
        if let ReservationHistory::LicensingId(n) = by {
            self.require_any(n, read::RESERVATIONS)?;
        }
        let now = format_ts(self.now());
        let (filter, arg): (&str, rusqlite::types::Value) = match by {
            ReservationHistory::All => ("1 = 1 OR ?1 IS NULL", rusqlite::types::Value::Null),
            ReservationHistory::Service(s) => {
                ("r.service = ?1 COLLATE NOCASE", s.trim().to_string().into())
            }
            ReservationHistory::LicensingId(n) => {
                let l = require_lid(self.conn(), n)?;
                ("r.licensing_id_id = ?1", l.id.into())
            }
            ReservationHistory::Reservation(id) => {
                require_reservation(self.conn(), *id, &now)?;
                ("r.id = ?1", (*id).into())
            }
        };
        let mut st = self.conn().prepare(&format!(
            "SELECT {RES_COLUMNS} FROM {RES_FROM} WHERE {filter} ORDER BY r.submitted_at DESC, r.id DESC"
        ))?;
        let rows = st.query_map([arg], |r| res_from_row(r, &now))?;
        self.visible_only(
            rows.collect::<rusqlite::Result<_>>()?,
            |r| &r.licensing_id,
            read::RESERVATIONS,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::volume::tests::{d, store};
    use crate::Clock;

    fn at(s: &mut Store, t: &str) {
        s.set_clock(Clock::Fixed(
            DateTime::parse_from_rfc3339(t).unwrap().to_utc(),
        ));
    }

    #[test]
    fn benefit_transitions_and_usage() -> Result<()> {
        let mut s = store()?;
        let b = s.add_sa_benefit(&NewSaBenefit {
            licensing_id: "E1".into(),
            benefit: "Training Vouchers".into(),
            eligible_quantity: 10,
            status: BenefitStatus::RequiresActivation,
        })?;
        // Not Activated: refused, nothing written.
        let e = s.use_sa_benefit(b.id, 1).unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidState);
        assert!(e.to_string().contains("Training Vouchers"), "{e}");
        assert_eq!(s.sa_benefit(b.id)?.remaining_quantity, 10);
        let b = s.set_sa_benefit_status(b.id, BenefitStatus::Activated)?;
        let b = s.use_sa_benefit(b.id, 7)?;
        assert_eq!(b.remaining_quantity, 3);
        let e = s.use_sa_benefit(b.id, 4).unwrap_err();
        assert_eq!(e.code(), ErrorCode::BenefitExhausted);
        assert!(e.to_string().contains("3 of 10 remaining"), "{e}");
        assert_eq!(
            s.use_sa_benefit(b.id, 0).unwrap_err().code(),
            ErrorCode::InvalidArgument
        );
        assert_eq!(
            s.use_sa_benefit(b.id, -1).unwrap_err().code(),
            ErrorCode::InvalidArgument
        );
        let b = s.use_sa_benefit(b.id, 3)?;
        assert_eq!(b.remaining_quantity, 0);
        let b = s.set_sa_benefit_status(b.id, BenefitStatus::HoldAwaitingReactivation)?;
        assert_eq!(
            s.use_sa_benefit(b.id, 1).unwrap_err().code(),
            ErrorCode::InvalidState
        );
        let b = s.set_sa_benefit_status(b.id, BenefitStatus::Activated)?;
        let b = s.set_sa_benefit_status(b.id, BenefitStatus::Expired)?;
        for to in BenefitStatus::ALL {
            let e = s.set_sa_benefit_status(b.id, *to).unwrap_err();
            assert_eq!(e.code(), ErrorCode::InvalidState);
        }
        assert_eq!(
            s.use_sa_benefit(b.id, 1).unwrap_err().code(),
            ErrorCode::InvalidState
        );
        assert!(
            !BenefitStatus::RequiresActivation.can_become(BenefitStatus::HoldAwaitingReactivation)
        );
        assert_eq!(s.sa_benefits(Some("E1"))?.len(), 1);
        let dup = s.add_sa_benefit(&NewSaBenefit {
            licensing_id: "E1".into(),
            benefit: "training vouchers".into(),
            eligible_quantity: 1,
            status: BenefitStatus::Activated,
        });
        assert_eq!(dup.unwrap_err().code(), ErrorCode::AlreadyExists);
        Ok(())
    }

    fn res(lid: &str, usage: &str) -> NewReservation {
        NewReservation {
            licensing_id: lid.into(),
            service: "Microsoft 365 E3".into(),
            sku: "AAA-12345".into(),
            quantity: 50,
            usage_date: d(usage),
        }
    }

    #[test]
    fn reservation_windows() -> Result<()> {
        let mut s = store()?; // today 2025-06-01; E1 ends 2026-12-31; OV1 is Open Value
        let n = s.audit_entries(None)?.len();
        for (r, needle) in [
            (res("OV1", "2025-07-01"), "only for Enterprise"),
            (res("E1", "2025-05-31"), "must be from today"),
            (res("E1", "2025-12-02"), "at most 6 months"),
        ] {
            let e = s.submit_reservation(&r).unwrap_err();
            assert_eq!(e.code(), ErrorCode::ReservationNotAllowed, "{r:?}");
            assert!(e.to_string().contains(needle), "{e}");
        }
        let e = s.submit_reservation(&NewReservation {
            quantity: 0,
            ..res("E1", "2025-07-01")
        });
        assert_eq!(e.unwrap_err().code(), ErrorCode::InvalidArgument);
        assert_eq!(s.audit_entries(None)?.len(), n, "nothing written");
        assert!(s.submit_reservation(&res("E1", "2025-12-01")).is_ok());
        // Near the end of the enrollment.
        at(&mut s, "2026-12-10T00:00:00Z");
        let e = s.submit_reservation(&res("E1", "2026-12-20")).unwrap_err();
        assert!(e.to_string().contains("within a month"), "{e}");
        at(&mut s, "2027-01-02T00:00:00Z");
        let e = s.submit_reservation(&res("E1", "2027-01-05")).unwrap_err();
        assert!(e.to_string().contains("ended"), "{e}");
        Ok(())
    }

    #[test]
    fn cancel_within_72_hours_then_committed() -> Result<()> {
        let mut s = store()?;
        let a = s.submit_reservation(&res("E1", "2025-07-01"))?;
        let b = s.submit_reservation(&NewReservation {
            service: "Dynamics 365 Sales".into(),
            ..res("E1", "2025-08-01")
        })?;
        assert_eq!(a.cancellable_until, "2025-06-04T12:00:00Z");
        at(&mut s, "2025-06-04T11:59:59Z");
        let a = s.cancel_reservation(a.id)?;
        assert_eq!(a.status, ReservationStatus::Cancelled);
        assert_eq!(
            s.cancel_reservation(a.id).unwrap_err().code(),
            ErrorCode::InvalidState
        );
        at(&mut s, "2025-06-04T12:00:00Z");
        let e = s.cancel_reservation(b.id).unwrap_err();
        assert_eq!(e.code(), ErrorCode::ReservationNotAllowed);
        let all = s.reservations(&ReservationHistory::All)?;
        assert_eq!(all.len(), 2);
        let by_service =
            s.reservations(&ReservationHistory::Service("dynamics 365 sales".into()))?;
        assert_eq!(by_service.len(), 1);
        assert_eq!(by_service[0].status, ReservationStatus::Committed);
        assert_eq!(
            s.reservations(&ReservationHistory::LicensingId("E1".into()))?
                .len(),
            2
        );
        let one = s.reservations(&ReservationHistory::Reservation(a.id))?;
        assert_eq!(one[0].status, ReservationStatus::Cancelled);
        // Commitment is derived from the clock: nothing was written for it.
        assert!(s
            .audit_entries(None)?
            .iter()
            .all(|e| e.action != "reservation.commit"));
        Ok(())
    }

    #[test]
    fn the_view_and_the_api_derive_commitment_from_the_store_clock() -> Result<()> {
        let mut s = store()?;
        let a = s.submit_reservation(&res("E1", "2025-07-01"))?;
        let view = |s: &mut Store| -> Result<(String, Option<String>)> {
            let r = s.query(
                "SELECT status, closed_at FROM reservations WHERE id = ?",
                &crate::Params::Positional(vec![a.id.into()]),
            )?;
            let text = |v: &crate::Value| match v {
                crate::Value::Text(t) => Some(t.clone()),
                _ => None,
            };
            Ok((text(&r.rows[0][0]).unwrap_or_default(), text(&r.rows[0][1])))
        };
        let api = |s: &mut Store| -> Result<(String, Option<String>)> {
            let r = s.reservations(&ReservationHistory::Reservation(a.id))?;
            Ok((r[0].status.to_string(), r[0].closed_at.clone()))
        };
        at(&mut s, "2025-06-04T11:59:59Z");
        assert_eq!(view(&mut s)?, ("Submitted".to_string(), None));
        assert_eq!(api(&mut s)?, view(&mut s)?);
        at(&mut s, "2025-06-04T12:00:00Z");
        let committed = (
            "Committed".to_string(),
            Some("2025-06-04T12:00:00Z".to_string()),
        );
        assert_eq!(view(&mut s)?, committed);
        assert_eq!(api(&mut s)?, committed);
        // The clock going back (a replay) shows it as it was then: nothing was stored.
        at(&mut s, "2025-06-02T00:00:00Z");
        assert_eq!(view(&mut s)?.0, "Submitted");
        assert_eq!(api(&mut s)?.0, "Submitted");
        let stored: String = s.conn().query_row(
            "SELECT status FROM reservation WHERE id = ?1",
            [a.id],
            |r| r.get(0),
        )?;
        assert_eq!(stored, "Submitted");
        Ok(())
    }
}
