//! `licstore benefits ...` and `licstore reservations ...`: Software Assurance benefits and
//! online-service reservations (docs/volume.md).

use licstore::validate;
use licstore::{
    BenefitStatus, NewReservation, NewSaBenefit, Reservation, ReservationHistory, SaBenefit, Value,
};

use super::volume::{opt_text, text};
use super::{Ctx, Failure};
use crate::args::{BenefitsCommand, ReservationsCommand};
use crate::output::Table;

fn benefit_table(benefits: &[SaBenefit]) -> Table {
    Table {
        rows: benefits
            .iter()
            .map(|b| {
                vec![
                    Value::Integer(b.id),
                    text(&b.licensing_id),
                    text(&b.benefit),
                    Value::Integer(b.eligible_quantity),
                    Value::Integer(b.remaining_quantity),
                    Value::Integer(b.eligible_quantity - b.remaining_quantity),
                    text(b.status.as_str()),
                ]
            })
            .collect(),
        ..Table::new(&[
            "id",
            "licensing_id",
            "benefit",
            "eligible_quantity",
            "remaining_quantity",
            "used_quantity",
            "status",
        ])
    }
}

/// Runs a `benefits` subcommand.
pub fn benefits(ctx: &mut Ctx, cmd: BenefitsCommand) -> Result<(), Failure> {
    match cmd {
        BenefitsCommand::Add {
            licensing_id,
            benefit,
            eligible,
            status,
        } => {
            let status = status.parse::<BenefitStatus>()?;
            let mut store = ctx.open_existing()?;
            let b = store.add_sa_benefit(&NewSaBenefit {
                licensing_id,
                benefit,
                eligible_quantity: eligible,
                status,
            })?;
            ctx.print_record(&benefit_table(&[b]))
        }
        BenefitsCommand::List { licensing_id } => {
            let store = ctx.open_existing()?;
            let all = store.sa_benefits(licensing_id.as_deref())?;
            ctx.print_table(&benefit_table(&all))
        }
        BenefitsCommand::SetStatus { id, status } => {
            let status = status.parse::<BenefitStatus>()?;
            let mut store = ctx.open_existing()?;
            let b = store.set_sa_benefit_status(id, status)?;
            ctx.print_record(&benefit_table(&[b]))
        }
        BenefitsCommand::Use { id, quantity } => {
            let mut store = ctx.open_existing()?;
            let b = store.use_sa_benefit(id, quantity)?;
            ctx.print_record(&benefit_table(&[b]))
        }
    }
}

fn reservation_table(rs: &[Reservation]) -> Table {
    Table {
        rows: rs
            .iter()
            .map(|r| {
                vec![
                    Value::Integer(r.id),
                    text(&r.licensing_id),
                    text(&r.service),
                    text(&r.sku),
                    Value::Integer(r.quantity),
                    text(r.usage_date.to_string()),
                    text(&r.submitted_at),
                    text(&r.submitted_by),
                    text(r.status.as_str()),
                    text(&r.cancellable_until),
                    opt_text(r.closed_at.as_ref()),
                ]
            })
            .collect(),
        ..Table::new(&[
            "id",
            "licensing_id",
            "service",
            "sku",
            "quantity",
            "usage_date",
            "submitted_at",
            "submitted_by",
            "status",
            "cancellable_until",
            "closed_at",
        ])
    }
}

/// Runs a `reservations` subcommand.
pub fn reservations(ctx: &mut Ctx, cmd: ReservationsCommand) -> Result<(), Failure> {
    match cmd {
        ReservationsCommand::Submit {
            licensing_id,
            service,
            sku,
            quantity,
            usage_date,
        } => {
            let usage_date = validate::date("--usage-date", &usage_date)?;
            let mut store = ctx.open_existing()?;
            let r = store.submit_reservation(&NewReservation {
                licensing_id,
                service,
                sku,
                quantity,
                usage_date,
            })?;
            ctx.print_record(&reservation_table(&[r]))
        }
        ReservationsCommand::Cancel { id } => {
            let mut store = ctx.open_existing()?;
            let r = store.cancel_reservation(id)?;
            ctx.print_record(&reservation_table(&[r]))
        }
        ReservationsCommand::List {
            service,
            licensing_id,
            reservation,
        } => {
            let by = match (service, licensing_id, reservation) {
                (Some(s), _, _) => ReservationHistory::Service(s),
                (_, Some(l), _) => ReservationHistory::LicensingId(l),
                (_, _, Some(id)) => ReservationHistory::Reservation(id),
                _ => ReservationHistory::All,
            };
            let mut store = ctx.open_existing()?;
            let all = store.reservations(&by)?;
            ctx.print_table(&reservation_table(&all))
        }
    }
}
