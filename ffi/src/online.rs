//! Online services (docs/online.md): subscribed SKUs, subscribers, groups, rules, single and bulk
//! license assignment with preview and job results, expiry, phone numbers, the Graph and
//! Microsoft 365 syncs and point-in-time holders, wrapping the Rust API of `licstore::online`.
//!
//! Arguments: strings are NUL-terminated UTF-8, only read during the call; an optional string may
//! be NULL or `""` for none. SKUs are named by GUID or part number. Enum arguments are `uint32_t`
//! values of the C enums below, checked. Outputs are written only on success and a refused call
//! writes nothing to the store, with one documented addition: when an atomic bulk run is refused
//! (`LICSTORE_BULK_OPERATION_FAILED`) core records the refusal as a `Failed` job, whose id
//! `licstore_last_error_job_id()` gives and whose items `licstore_job_items` reads.
//!
//! Ownership: a handle written to a `*_out` belongs to the caller, who frees it with its `_free`;
//! an item of a list or of a preview is borrowed from it (never free it). Every string a getter
//! returns belongs to the handle it came from and stays valid until that handle is freed.

use std::cell::Cell;
use std::ffi::{c_char, CString};
use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use licstore::{
    AssignOptions, BulkMode, BulkOp, BulkOutcome, BulkPreview, BulkRequest, CatalogSku, Error,
    ErrorCode, Expiring, HeldBy, ItemOutcome, ItemResult, Job, JobStatus, NewSku, NewSubscriber,
    Profile, ReplaceFrom, Result, Sku, SkuChangeKind, SkuPreview, SkuRule, Store, Subscriber,
    SubscriberFilter, SubscriberStatus, SubscriberUpdate, Targets, Units, UserChangeKind,
};

use crate::boundary::{
    c_string, check_buffer_size, free_raw, guard, handle, handle_mut, into_raw, opt_str_arg,
    path_arg, str_arg, str_array, struct_arg, write_c_buffer, write_opt, Out,
};
use crate::error::{licstore_last_error_code, licstore_result};
use crate::handles::{get_opt_int, get_text, get_value, list_get, list_len};
use crate::io::write_atomically;
use crate::store::licstore_store;

// --- Enums -----------------------------------------------------------------------------------

/// The status of a subscriber (user). The type name is plural because
/// `licstore_subscriber_status` is the getter; the values are `LICSTORE_SUBSCRIBER_STATUS_*`.
///
/// cbindgen:prefix-with-name=false
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum licstore_subscriber_statuses {
    /// Exists (a sync brought it in) but is not provisioned yet.
    LICSTORE_SUBSCRIBER_STATUS_STAGED = 0,
    /// Provisioned.
    LICSTORE_SUBSCRIBER_STATUS_ACTIVE = 1,
    /// Left: holds no licenses, kept for history (`licstore_subscribers_offboard`).
    LICSTORE_SUBSCRIBER_STATUS_OFFBOARDED = 2,
}

/// The operation of a bulk request.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum licstore_bulk_op {
    /// Give each target the request's SKUs.
    Assign = 0,
    /// Take the request's SKUs away.
    Remove = 1,
    /// Remove the replaced SKUs (all the user holds when none is named) and add the request's
    /// SKUs, in one step per user.
    Replace = 2,
}

/// Atomic (the default) or best effort.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum licstore_bulk_mode {
    /// Any failing user refuses the whole run: nothing is applied.
    Atomic = 0,
    /// Apply the users that pass, record the failures.
    BestEffort = 1,
}

/// How many targets of a bulk request hold a SKU already.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum licstore_held_by {
    /// Every target.
    All = 0,
    /// Some of them.
    Some = 1,
    /// None.
    None = 2,
}

/// The status of a job. The type name is plural because `licstore_job_status` is the getter;
/// the values are `LICSTORE_JOB_STATUS_*`.
///
/// cbindgen:prefix-with-name=false
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum licstore_job_statuses {
    /// Recorded, not started.
    LICSTORE_JOB_STATUS_PENDING = 0,
    /// Running.
    LICSTORE_JOB_STATUS_RUNNING = 1,
    /// Every item ok or skipped.
    LICSTORE_JOB_STATUS_FINISHED = 2,
    /// Best effort: some items failed.
    LICSTORE_JOB_STATUS_FINISHED_WITH_EXCEPTION = 3,
    /// Nothing applied (a refused atomic run).
    LICSTORE_JOB_STATUS_FAILED = 4,
}

/// The outcome of one user in a job.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum licstore_item_outcome {
    /// Applied.
    Ok = 0,
    /// Nothing to do (`AlreadyAssigned`, `NotAssigned`).
    Skipped = 1,
    /// Refused by a rule, or not applied because the atomic run was refused.
    Error = 2,
}

/// The status `licstore_numbers_set_status` gives a phone number.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum licstore_number_status {
    /// Free for the next assignment (releases it from its user).
    Available = 0,
    /// Kept aside: not given by "next available", only by name.
    Reserved = 1,
}

fn status_value(s: SubscriberStatus) -> u32 {
    match s {
        SubscriberStatus::Staged => 0,
        SubscriberStatus::Active => 1,
        SubscriberStatus::Offboarded => 2,
    }
}

fn held_by_value(h: HeldBy) -> u32 {
    match h {
        HeldBy::All => 0,
        HeldBy::Some => 1,
        HeldBy::None => 2,
    }
}

fn job_status_value(s: JobStatus) -> u32 {
    match s {
        JobStatus::Pending => 0,
        JobStatus::Running => 1,
        JobStatus::Finished => 2,
        JobStatus::FinishedWithException => 3,
        JobStatus::Failed => 4,
    }
}

fn outcome_value(o: ItemOutcome) -> u32 {
    match o {
        ItemOutcome::Ok => 0,
        ItemOutcome::Skipped => 1,
        ItemOutcome::Error => 2,
    }
}

/// An enum value from C: `names[value]`, or `LICSTORE_INVALID_ARGUMENT` listing the valid ones.
fn checked(value: u32, arg: &str, c_name: &str, names: &[&str]) -> Result<usize> {
    let i = value as usize;
    if i < names.len() {
        return Ok(i);
    }
    let valid: Vec<String> = names
        .iter()
        .enumerate()
        .map(|(i, n)| format!("{i} ({n})"))
        .collect();
    Err(Error::invalid(
        format!("argument {arg}"),
        value.to_string(),
        format!(
            "is not a {c_name} value: must be one of {}",
            valid.join(", ")
        ),
    ))
}

fn status_arg(value: u32, arg: &str) -> Result<SubscriberStatus> {
    const ALL: [SubscriberStatus; 3] = [
        SubscriberStatus::Staged,
        SubscriberStatus::Active,
        SubscriberStatus::Offboarded,
    ];
    let i = checked(
        value,
        arg,
        "licstore_subscriber_statuses",
        &[
            "LICSTORE_SUBSCRIBER_STATUS_STAGED",
            "LICSTORE_SUBSCRIBER_STATUS_ACTIVE",
            "LICSTORE_SUBSCRIBER_STATUS_OFFBOARDED",
        ],
    )?;
    Ok(ALL[i])
}

fn op_arg(value: u32) -> Result<licstore_bulk_op> {
    const ALL: [licstore_bulk_op; 3] = [
        licstore_bulk_op::Assign,
        licstore_bulk_op::Remove,
        licstore_bulk_op::Replace,
    ];
    let i = checked(
        value,
        "op",
        "licstore_bulk_op",
        &[
            "LICSTORE_BULK_OP_ASSIGN",
            "LICSTORE_BULK_OP_REMOVE",
            "LICSTORE_BULK_OP_REPLACE",
        ],
    )?;
    Ok(ALL[i])
}

fn mode_arg(value: u32) -> Result<BulkMode> {
    const ALL: [BulkMode; 2] = [BulkMode::Atomic, BulkMode::BestEffort];
    let i = checked(
        value,
        "mode",
        "licstore_bulk_mode",
        &[
            "LICSTORE_BULK_MODE_ATOMIC",
            "LICSTORE_BULK_MODE_BEST_EFFORT",
        ],
    )?;
    Ok(ALL[i])
}

// --- The refused job of the last call --------------------------------------------------------

thread_local! {
    /// The `Failed` job recorded by the last call of this module on this thread that was an
    /// atomic refusal; 0 otherwise. Every function of this module sets it.
    static REFUSED_JOB: Cell<i64> = const { Cell::new(0) };
}

/// `guard`, remembering the job an atomic refusal recorded.
fn guard_online(function: &'static str, body: impl FnOnce() -> Result<()>) -> licstore_result {
    let mut refused = 0;
    let rc = guard(function, || {
        body().inspect_err(|e| {
            if let Error::BulkOperationFailed {
                job_id: Some(id), ..
            } = e
            {
                refused = *id;
            }
        })
    });
    REFUSED_JOB.with(|c| c.set(refused));
    rc
}

/// When the last licstore call on this thread failed with `LICSTORE_BULK_OPERATION_FAILED` (an
/// atomic bulk run refused because at least one user would fail), the id of the `Failed` job
/// that recorded the refusal: read its items with `licstore_job_items` (the failing users with
/// their codes, the others as not applied) or rerun it with `licstore_job_rerun` after fixing the
/// cause. 0 after any other call. Like `licstore_last_error_code`, it does not change the last
/// error.
#[no_mangle]
pub extern "C" fn licstore_last_error_job_id() -> i64 {
    if licstore_last_error_code() == licstore_result::LICSTORE_BULK_OPERATION_FAILED {
        REFUSED_JOB.with(Cell::get)
    } else {
        0
    }
}

// --- Argument helpers ------------------------------------------------------------------------

/// An optional string: NULL and `""` are none.
///
/// # Safety
/// As `str_arg`.
unsafe fn opt_text(p: *const c_char, arg: &str) -> Result<Option<String>> {
    // SAFETY: forwarded contract.
    Ok(unsafe { opt_str_arg(p, arg) }?
        .filter(|s| !s.is_empty())
        .map(String::from))
}

fn write_val<T>(out: Option<Out<T>>, v: T) {
    if let Some(out) = out {
        // SAFETY: checked non-NULL; writable per the caller's contract.
        unsafe { out.write(v) };
    }
}

fn opt_c(v: &Option<String>, what: &str) -> Result<Option<CString>> {
    v.as_deref().map(|s| c_string(s, what)).transpose()
}

fn file_name(path: &Path) -> String {
    path.display().to_string()
}

fn open(path: &Path) -> Result<BufReader<File>> {
    File::open(path)
        .map(BufReader::new)
        .map_err(|source| Error::Io {
            path: Some(path.to_path_buf()),
            source,
        })
}

// --- Handles ---------------------------------------------------------------------------------

/// The prepaid units of a SKU (Graph's `prepaidUnits`). Only `enabled` and `warning` units can
/// be assigned.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct licstore_units {
    /// Units that can be assigned.
    pub enabled: i64,
    /// Units in the grace period (still assignable).
    pub warning: i64,
    /// Suspended units (not assignable).
    pub suspended: i64,
    /// Locked-out units (not assignable).
    pub locked_out: i64,
}

/// What a sync would change (`licstore_graph_skus_diff`, `licstore_m365_users_diff`) or changed
/// (`licstore_graph_skus_apply`).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct licstore_sync_counts {
    /// Entries new to the store (SKUs, or users added as Staged).
    pub added: u64,
    /// Entries in the store with other figures, fields or licenses.
    pub changed: u64,
    /// Identical entries.
    pub unchanged: u64,
    /// Entries in the store, absent from the file.
    pub gone: u64,
    /// Rejected rows (M365 users only; an apply refuses a file that has any).
    pub errors: u64,
}

/// One subscribed SKU of a customer with its derived figures (as the `sku_usage` view shows
/// it): a snapshot. Free it with `licstore_sku_free`.
#[derive(Debug)]
pub struct licstore_sku {
    customer: CString,
    sku_id: CString,
    part_number: CString,
    display_name: CString,
    capability_status: CString,
    applies_to: CString,
    term_end: Option<CString>,
    v: Sku,
}

impl licstore_sku {
    fn new(v: &Sku) -> Result<licstore_sku> {
        Ok(licstore_sku {
            customer: c_string(&v.customer, "sku customer")?,
            sku_id: c_string(&v.sku_id, "sku id")?,
            part_number: c_string(&v.sku_part_number, "sku part number")?,
            display_name: c_string(&v.display_name, "sku display name")?,
            capability_status: c_string(&v.capability_status, "sku capability status")?,
            applies_to: c_string(&v.applies_to, "sku applies_to")?,
            term_end: opt_c(&v.term_end, "sku term end")?,
            v: v.clone(),
        })
    }
}

/// A customer's SKUs, by friendly name. Free it with `licstore_sku_list_free`.
#[derive(Debug)]
pub struct licstore_sku_list {
    items: Vec<licstore_sku>,
}

/// One subscriber (user): a snapshot. Free it with `licstore_subscriber_free`.
#[derive(Debug)]
pub struct licstore_subscriber {
    customer: CString,
    upn: CString,
    display_name: Option<CString>,
    usage_location: Option<CString>,
    department: Option<CString>,
    object_id: Option<CString>,
    v: Subscriber,
}

impl licstore_subscriber {
    fn new(v: &Subscriber) -> Result<licstore_subscriber> {
        Ok(licstore_subscriber {
            customer: c_string(&v.customer, "subscriber customer")?,
            upn: c_string(&v.user_principal_name, "user principal name")?,
            display_name: opt_c(&v.display_name, "subscriber display name")?,
            usage_location: opt_c(&v.usage_location, "subscriber usage location")?,
            department: opt_c(&v.department, "subscriber department")?,
            object_id: opt_c(&v.object_id, "subscriber object id")?,
            v: v.clone(),
        })
    }
}

/// A customer's subscribers, by UPN. Free it with `licstore_subscriber_list_free`.
#[derive(Debug)]
pub struct licstore_subscriber_list {
    items: Vec<licstore_subscriber>,
}

/// One license a user holds now, borrowed from its `licstore_license_list` (never free it).
#[derive(Debug)]
pub struct licstore_license {
    sku_id: CString,
    display_name: CString,
    expires_at: Option<CString>,
}

/// A user's licenses, by friendly name. Free it with `licstore_license_list_free`.
#[derive(Debug)]
pub struct licstore_license_list {
    items: Vec<licstore_license>,
}

/// A list of strings (UPNs). Free it with `licstore_string_list_free`.
#[derive(Debug)]
pub struct licstore_string_list {
    items: Vec<CString>,
}

impl licstore_string_list {
    pub(crate) fn new(v: &[String]) -> Result<licstore_string_list> {
        Ok(licstore_string_list {
            items: v
                .iter()
                .map(|s| c_string(s, "list item"))
                .collect::<Result<_>>()?,
        })
    }
}

/// One SKU of a bulk preview, borrowed from its `licstore_preview` (never free it).
#[derive(Debug)]
pub struct licstore_sku_preview {
    sku_id: CString,
    part_number: CString,
    display_name: CString,
    v: SkuPreview,
}

/// One user's result in a job (or a failure of a preview), always borrowed from its
/// `licstore_job_item_list` or `licstore_preview` (never free it).
#[derive(Debug)]
pub struct licstore_job_item {
    subject: CString,
    code: Option<CString>,
    message: Option<CString>,
    result: licstore_result,
    v: ItemResult,
}

impl licstore_job_item {
    fn new(v: &ItemResult) -> Result<licstore_job_item> {
        let result = match (v.outcome, v.code.as_deref()) {
            (ItemOutcome::Error, Some(name)) => ErrorCode::ALL
                .iter()
                .find(|c| c.name() == name)
                .and_then(|c| licstore_result::from_number(c.number()))
                .unwrap_or(licstore_result::LICSTORE_INTERNAL_ERROR),
            (ItemOutcome::Error, None) => licstore_result::LICSTORE_INTERNAL_ERROR,
            _ => licstore_result::LICSTORE_OK,
        };
        Ok(licstore_job_item {
            subject: c_string(&v.subject, "job item subject")?,
            code: opt_c(&v.code, "job item code")?,
            message: opt_c(&v.message, "job item message")?,
            result,
            v: v.clone(),
        })
    }
}

/// A job's items, in run order. Free it with `licstore_job_item_list_free`.
#[derive(Debug)]
pub struct licstore_job_item_list {
    items: Vec<licstore_job_item>,
}

/// A dry run of a bulk request: per SKU, who holds it and the seats; the users that would
/// fail. Nothing was written. Free it with `licstore_preview_free`.
#[derive(Debug)]
pub struct licstore_preview {
    skus: Vec<licstore_sku_preview>,
    failures: Vec<licstore_job_item>,
    v: BulkPreview,
}

impl licstore_preview {
    fn new(v: &BulkPreview) -> Result<licstore_preview> {
        Ok(licstore_preview {
            skus: v
                .skus
                .iter()
                .map(|s| {
                    Ok(licstore_sku_preview {
                        sku_id: c_string(&s.sku_id, "sku id")?,
                        part_number: c_string(&s.sku_part_number, "sku part number")?,
                        display_name: c_string(&s.display_name, "sku display name")?,
                        v: s.clone(),
                    })
                })
                .collect::<Result<_>>()?,
            failures: v
                .failures
                .iter()
                .map(licstore_job_item::new)
                .collect::<Result<_>>()?,
            v: v.clone(),
        })
    }
}

/// A recorded job (a bulk run, rerun, expiry or sync): a snapshot. Free it with
/// `licstore_job_free`.
#[derive(Debug)]
pub struct licstore_job {
    customer: Option<CString>,
    kind: CString,
    parameters: CString,
    actor: CString,
    created_at: CString,
    started_at: Option<CString>,
    finished_at: Option<CString>,
    v: Job,
}

impl licstore_job {
    fn new(v: &Job) -> Result<licstore_job> {
        Ok(licstore_job {
            customer: opt_c(&v.customer, "job customer")?,
            kind: c_string(&v.kind, "job kind")?,
            parameters: c_string(&v.parameters, "job parameters")?,
            actor: c_string(&v.actor, "job actor")?,
            created_at: c_string(&v.created_at, "job created_at")?,
            started_at: opt_c(&v.started_at, "job started_at")?,
            finished_at: opt_c(&v.finished_at, "job finished_at")?,
            v: v.clone(),
        })
    }
}

/// One license or SKU term that ends soon, borrowed from its `licstore_expiring_list` (never
/// free it).
#[derive(Debug)]
pub struct licstore_expiring {
    kind: CString,
    customer: CString,
    upn: Option<CString>,
    sku_id: CString,
    display_name: CString,
    at: CString,
}

impl licstore_expiring {
    fn new(v: &Expiring) -> Result<licstore_expiring> {
        Ok(licstore_expiring {
            kind: c_string(&v.kind, "expiring kind")?,
            customer: c_string(&v.customer, "expiring customer")?,
            upn: opt_c(&v.user_principal_name, "expiring user")?,
            sku_id: c_string(&v.sku_id, "expiring sku id")?,
            display_name: c_string(&v.display_name, "expiring display name")?,
            at: c_string(&v.at, "expiring at")?,
        })
    }
}

/// Licenses and SKU terms ending within some days, soonest first. Free it with
/// `licstore_expiring_list_free`.
#[derive(Debug)]
pub struct licstore_expiring_list {
    items: Vec<licstore_expiring>,
}

fn list_of<T, H>(v: &[T], make: impl Fn(&T) -> Result<H>) -> Result<Vec<H>> {
    v.iter().map(make).collect()
}

// --- SKUs ------------------------------------------------------------------------------------

/// Adds a subscribed SKU (GUID or part number, resolved against the catalog) to the existing
/// `customer`, or updates it when the customer has it already: `units` (required; no negative
/// counts), `capability_status` (`Enabled`, `Warning`, `Suspended`, `Deleted`, `LockedOut`)
/// and `applies_to` (`User` or `Company`), each NULL or `""` for `Enabled` / `User` on a new SKU
/// and for "unchanged" on an existing one; `term_end` (`YYYY-MM-DD`) and `reported_consumed` (an
/// external consumed count) are set as given, NULL (or `""`) meaning none, also on an update.
///
/// `sku_out` may be NULL; otherwise on success it receives the SKU with its figures, a new
/// handle the caller frees with `licstore_sku_free`. Fails with `LICSTORE_NOT_FOUND` for an
/// unknown customer, `LICSTORE_SKU_NOT_FOUND` for a SKU the catalog does not know and
/// `LICSTORE_INVALID_ARGUMENT` for a bad value.
///
/// # Safety
/// `store` is NULL or a live handle; the strings are NULL or NUL-terminated; `units` and
/// `reported_consumed` are NULL or readable; `sku_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_skus_set(
    store: *const licstore_store,
    customer: *const c_char,
    sku: *const c_char,
    units: *const licstore_units,
    capability_status: *const c_char,
    applies_to: *const c_char,
    term_end: *const c_char,
    reported_consumed: *const i64,
    sku_out: *mut *mut licstore_sku,
) -> licstore_result {
    guard_online("licstore_skus_set", || {
        // SAFETY (all): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let u = unsafe { struct_arg(units, "units") }?;
        let new = NewSku {
            customer: unsafe { str_arg(customer, "customer") }?.into(),
            sku: unsafe { str_arg(sku, "sku") }?.into(),
            units: Units {
                enabled: u.enabled,
                warning: u.warning,
                suspended: u.suspended,
                locked_out: u.locked_out,
            },
            capability_status: unsafe { opt_text(capability_status, "capability_status") }?,
            applies_to: unsafe { opt_text(applies_to, "applies_to") }?,
            term_end: unsafe { opt_text(term_end, "term_end") }?,
            reported_consumed: unsafe { reported_consumed.as_ref() }.copied(),
        };
        let out = Out::optional(sku_out);
        let k = store.lock().set_sku(&new)?;
        write_opt(out, &k, licstore_sku::new)
    })
}

/// Reads one of `customer`'s SKUs (GUID or part number) with its figures. On success `*sku_out`
/// receives a new handle the caller frees with `licstore_sku_free`. Fails with
/// `LICSTORE_NOT_FOUND` for an unknown customer and `LICSTORE_SKU_NOT_FOUND` for a SKU the
/// customer does not subscribe to.
///
/// # Safety
/// `store` is NULL or a live handle; the strings are NULL or NUL-terminated; `sku_out` is NULL
/// or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_skus_get(
    store: *const licstore_store,
    customer: *const c_char,
    sku: *const c_char,
    sku_out: *mut *mut licstore_sku,
) -> licstore_result {
    guard_online("licstore_skus_get", || {
        // SAFETY (all): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let customer = unsafe { str_arg(customer, "customer") }?;
        let sku = unsafe { str_arg(sku, "sku") }?;
        let out = Out::new(sku_out, "sku_out")?;
        let k = store.lock().sku(customer, sku)?;
        write_opt(Some(out), &k, licstore_sku::new)
    })
}

/// Reads every SKU of `customer` with assigned, available and drift (per-customer SKU usage),
/// by friendly name. On success `*list_out` receives a new list the caller frees with
/// `licstore_sku_list_free`. Fails with `LICSTORE_NOT_FOUND` for an unknown customer.
///
/// # Safety
/// `store` is NULL or a live handle; `customer` is NULL or NUL-terminated; `list_out` is NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_skus_usage(
    store: *const licstore_store,
    customer: *const c_char,
    list_out: *mut *mut licstore_sku_list,
) -> licstore_result {
    guard_online("licstore_skus_usage", || {
        // SAFETY (all): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let customer = unsafe { str_arg(customer, "customer") }?;
        let out = Out::new(list_out, "list_out")?;
        let v = store.lock().sku_usage(customer)?;
        write_opt(Some(out), &v[..], |v| {
            Ok(licstore_sku_list {
                items: list_of(v, licstore_sku::new)?,
            })
        })
    })
}

/// The SKU's prepaid units. Writes them to `*value_out`.
///
/// # Safety
/// `value` is NULL or a live `licstore_sku`; `value_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_sku_units(
    value: *const licstore_sku,
    value_out: *mut licstore_units,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_value("licstore_sku_units", value, value_out, |h| licstore_units {
            enabled: h.v.units.enabled,
            warning: h.v.units.warning,
            suspended: h.v.units.suspended,
            locked_out: h.v.units.locked_out,
        })
    }
}

// --- Subscribers and groups ------------------------------------------------------------------

/// Adds a subscriber (user) to the existing `customer`: `user_principal_name` (`name@domain`,
/// unique in the store without regard to case), `status` (a `licstore_subscriber_statuses`
/// value; new users are usually `LICSTORE_SUBSCRIBER_STATUS_ACTIVE`); `display_name`,
/// `usage_location` (ISO 3166-1 alpha-2), `department` and `object_id` (a GUID) may be NULL or
/// `""` for none.
///
/// `subscriber_out` may be NULL; otherwise on success it receives the user as stored, a new
/// handle the caller frees with `licstore_subscriber_free`. Fails with `LICSTORE_NOT_FOUND` for
/// an unknown customer, `LICSTORE_ALREADY_EXISTS` for a taken UPN and
/// `LICSTORE_INVALID_ARGUMENT` for a bad value or status.
///
/// # Safety
/// `store` is NULL or a live handle; the strings are NULL or NUL-terminated; `subscriber_out` is
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_subscribers_add(
    store: *const licstore_store,
    customer: *const c_char,
    user_principal_name: *const c_char,
    display_name: *const c_char,
    usage_location: *const c_char,
    department: *const c_char,
    object_id: *const c_char,
    status: u32,
    subscriber_out: *mut *mut licstore_subscriber,
) -> licstore_result {
    guard_online("licstore_subscribers_add", || {
        // SAFETY (all): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let new = NewSubscriber {
            customer: unsafe { str_arg(customer, "customer") }?.into(),
            user_principal_name: unsafe { str_arg(user_principal_name, "user_principal_name") }?
                .into(),
            display_name: unsafe { opt_text(display_name, "display_name") }?,
            usage_location: unsafe { opt_text(usage_location, "usage_location") }?,
            department: unsafe { opt_text(department, "department") }?,
            object_id: unsafe { opt_text(object_id, "object_id") }?,
            status: status_arg(status, "status")?,
        };
        let out = Out::optional(subscriber_out);
        let s = store.lock().add_subscriber(&new)?;
        write_opt(out, &s, licstore_subscriber::new)
    })
}

/// A field of an update: NULL keeps it, `""` clears it, anything else replaces it.
fn field_update(v: Option<&str>) -> Option<Option<String>> {
    v.map(|s| (!s.is_empty()).then(|| s.to_string()))
}

/// Changes the user `user_principal_name` (case-insensitive). For each of `display_name`,
/// `usage_location`, `department` and `object_id`: NULL leaves the field as it is, `""` clears
/// it, any other value replaces it. `status` is NULL to keep the status, or points to a
/// `licstore_subscriber_statuses` value (offboarding is `licstore_subscribers_offboard`, which
/// also removes the licenses: `LICSTORE_SUBSCRIBER_STATUS_OFFBOARDED` here is
/// `LICSTORE_INVALID_STATE`). Nothing is written when nothing changes.
///
/// `subscriber_out` may be NULL; otherwise on success it receives the user after the change, a
/// new handle the caller frees with `licstore_subscriber_free`. Fails with
/// `LICSTORE_USER_NOT_FOUND` for an unknown UPN and `LICSTORE_INVALID_ARGUMENT` for a bad value.
///
/// # Safety
/// `store` is NULL or a live handle; the strings are NULL or NUL-terminated; `status` is NULL or
/// readable; `subscriber_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_subscribers_update(
    store: *const licstore_store,
    user_principal_name: *const c_char,
    display_name: *const c_char,
    usage_location: *const c_char,
    department: *const c_char,
    object_id: *const c_char,
    status: *const u32,
    subscriber_out: *mut *mut licstore_subscriber,
) -> licstore_result {
    guard_online("licstore_subscribers_update", || {
        // SAFETY (all): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let upn = unsafe { str_arg(user_principal_name, "user_principal_name") }?;
        let update = SubscriberUpdate {
            display_name: field_update(unsafe { opt_str_arg(display_name, "display_name") }?),
            usage_location: field_update(unsafe { opt_str_arg(usage_location, "usage_location") }?),
            department: field_update(unsafe { opt_str_arg(department, "department") }?),
            object_id: field_update(unsafe { opt_str_arg(object_id, "object_id") }?),
            status: unsafe { status.as_ref() }
                .map(|s| status_arg(*s, "status"))
                .transpose()?,
        };
        let out = Out::optional(subscriber_out);
        let s = store.lock().update_subscriber(upn, &update)?;
        write_opt(out, &s, licstore_subscriber::new)
    })
}

/// Reads the user `user_principal_name` (case-insensitive). On success `*subscriber_out`
/// receives a new handle the caller frees with `licstore_subscriber_free`. Fails with
/// `LICSTORE_USER_NOT_FOUND` for an unknown UPN.
///
/// # Safety
/// `store` is NULL or a live handle; `user_principal_name` is NULL or NUL-terminated;
/// `subscriber_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_subscribers_get(
    store: *const licstore_store,
    user_principal_name: *const c_char,
    subscriber_out: *mut *mut licstore_subscriber,
) -> licstore_result {
    guard_online("licstore_subscribers_get", || {
        // SAFETY (all): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let upn = unsafe { str_arg(user_principal_name, "user_principal_name") }?;
        let out = Out::new(subscriber_out, "subscriber_out")?;
        let s = store.lock().subscriber(upn)?;
        write_opt(Some(out), &s, licstore_subscriber::new)
    })
}

/// Reads every user of `customer`, by UPN. On success `*list_out` receives a new list the caller
/// frees with `licstore_subscriber_list_free`. Fails with `LICSTORE_NOT_FOUND` for an unknown
/// customer.
///
/// # Safety
/// `store` is NULL or a live handle; `customer` is NULL or NUL-terminated; `list_out` is NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_subscribers_list(
    store: *const licstore_store,
    customer: *const c_char,
    list_out: *mut *mut licstore_subscriber_list,
) -> licstore_result {
    guard_online("licstore_subscribers_list", || {
        // SAFETY (all): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let customer = unsafe { str_arg(customer, "customer") }?;
        let out = Out::new(list_out, "list_out")?;
        let v = store.lock().subscribers(customer)?;
        write_opt(Some(out), &v[..], |v| {
            Ok(licstore_subscriber_list {
                items: list_of(v, licstore_subscriber::new)?,
            })
        })
    })
}

/// Offboards a user: removes all its licenses (their history intervals end with reason
/// `offboard`), returns its phone numbers to the inventory and marks it
/// `LICSTORE_SUBSCRIBER_STATUS_OFFBOARDED`; the user, its history and its audit rows stay.
/// `removed_out` may be NULL; otherwise it receives how many licenses were removed. Fails with
/// `LICSTORE_USER_NOT_FOUND` for an unknown UPN and `LICSTORE_USER_OFFBOARDED` when the user is
/// offboarded already.
///
/// # Safety
/// `store` is NULL or a live handle; `user_principal_name` is NULL or NUL-terminated;
/// `removed_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_subscribers_offboard(
    store: *const licstore_store,
    user_principal_name: *const c_char,
    removed_out: *mut u64,
) -> licstore_result {
    guard_online("licstore_subscribers_offboard", || {
        // SAFETY (all): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let upn = unsafe { str_arg(user_principal_name, "user_principal_name") }?;
        let out = Out::optional(removed_out);
        let n = store.lock().offboard(upn)?;
        write_val(out, n);
        Ok(())
    })
}

/// Adds an empty group `name` to the existing `customer`. Fails with `LICSTORE_NOT_FOUND` for an
/// unknown customer, `LICSTORE_ALREADY_EXISTS` for a taken name and `LICSTORE_INVALID_ARGUMENT`
/// for an empty one.
///
/// # Safety
/// `store` is NULL or a live handle; the strings are NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn licstore_groups_add(
    store: *const licstore_store,
    customer: *const c_char,
    name: *const c_char,
) -> licstore_result {
    guard_online("licstore_groups_add", || {
        // SAFETY (all): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let customer = unsafe { str_arg(customer, "customer") }?;
        let name = unsafe { str_arg(name, "name") }?;
        store.lock().add_group(customer, name)
    })
}

/// Adds `count` users (`upns`, UPNs) to `customer`'s group `group`; users in it already are left
/// as they are. Every UPN must be a user of that customer, or nothing is added
/// (`LICSTORE_USER_NOT_FOUND` names it). `added_out` may be NULL; otherwise it receives how many
/// were added. Fails with `LICSTORE_NOT_FOUND` for an unknown customer or group.
///
/// # Safety
/// `store` is NULL or a live handle; the strings are NULL or NUL-terminated; `upns` is NULL or
/// points to `count` strings; `added_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_groups_add_members(
    store: *const licstore_store,
    customer: *const c_char,
    group: *const c_char,
    upns: *const *const c_char,
    count: usize,
    added_out: *mut u64,
) -> licstore_result {
    guard_online("licstore_groups_add_members", || {
        // SAFETY (all): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let customer = unsafe { str_arg(customer, "customer") }?;
        let group = unsafe { str_arg(group, "group") }?;
        let upns = unsafe { str_array(upns, count, "upns") }?;
        let out = Out::optional(added_out);
        let n = store.lock().add_group_members(customer, group, &upns)?;
        write_val(out, n);
        Ok(())
    })
}

/// Reads the UPNs of the members of `customer`'s group `group`, sorted. On success `*list_out`
/// receives a new list the caller frees with `licstore_string_list_free`. Fails with
/// `LICSTORE_NOT_FOUND` for an unknown customer or group.
///
/// # Safety
/// `store` is NULL or a live handle; the strings are NULL or NUL-terminated; `list_out` is NULL
/// or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_groups_members(
    store: *const licstore_store,
    customer: *const c_char,
    group: *const c_char,
    list_out: *mut *mut licstore_string_list,
) -> licstore_result {
    guard_online("licstore_groups_members", || {
        // SAFETY (all): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let customer = unsafe { str_arg(customer, "customer") }?;
        let group = unsafe { str_arg(group, "group") }?;
        let out = Out::new(list_out, "list_out")?;
        let v = store.lock().group_members(customer, group)?;
        write_opt(Some(out), &v[..], licstore_string_list::new)
    })
}

// --- Rules -----------------------------------------------------------------------------------

fn add_rule(store: &licstore_store, rule: SkuRule) -> Result<()> {
    store.lock().add_sku_rule(&rule)
}

/// Adds a `requires` rule (valid for every customer): the add-on `sku` must be held with one of
/// the `count` base SKUs `any_of` (alternatives: any one suffices). Idempotent. Fails with
/// `LICSTORE_SKU_NOT_FOUND` for a SKU the catalog does not know and `LICSTORE_INVALID_ARGUMENT`
/// when `count` is 0.
///
/// # Safety
/// `store` is NULL or a live handle; `sku` is NULL or NUL-terminated; `any_of` is NULL or points
/// to `count` strings.
#[no_mangle]
pub unsafe extern "C" fn licstore_sku_rules_add_requires(
    store: *const licstore_store,
    sku: *const c_char,
    any_of: *const *const c_char,
    count: usize,
) -> licstore_result {
    guard_online("licstore_sku_rules_add_requires", || {
        // SAFETY (all): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let sku = unsafe { str_arg(sku, "sku") }?.to_string();
        let any_of = unsafe { str_array(any_of, count, "any_of") }?;
        let any_of = any_of.into_iter().map(String::from).collect();
        add_rule(store, SkuRule::Requires { sku, any_of })
    })
}

/// Adds an `excludes` rule (symmetric, valid for every customer): no user may hold `sku` and
/// `other` together. Idempotent. Fails with `LICSTORE_SKU_NOT_FOUND` for a SKU the catalog does
/// not know and `LICSTORE_INVALID_ARGUMENT` when both name the same SKU.
///
/// # Safety
/// `store` is NULL or a live handle; the strings are NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn licstore_sku_rules_add_excludes(
    store: *const licstore_store,
    sku: *const c_char,
    other: *const c_char,
) -> licstore_result {
    guard_online("licstore_sku_rules_add_excludes", || {
        // SAFETY (all): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let sku = unsafe { str_arg(sku, "sku") }?.to_string();
        let other = unsafe { str_arg(other, "other") }?.to_string();
        add_rule(store, SkuRule::Excludes { sku, other })
    })
}

/// Adds a `blocked_in` rule: `sku` cannot be assigned to users whose usage location is one of
/// the `count` `countries` (ISO 3166-1 alpha-2). Idempotent. Fails with `LICSTORE_SKU_NOT_FOUND`
/// for a SKU the catalog does not know and `LICSTORE_INVALID_ARGUMENT` for a bad country.
///
/// # Safety
/// `store` is NULL or a live handle; `sku` is NULL or NUL-terminated; `countries` is NULL or
/// points to `count` strings.
#[no_mangle]
pub unsafe extern "C" fn licstore_sku_rules_add_blocked_in(
    store: *const licstore_store,
    sku: *const c_char,
    countries: *const *const c_char,
    count: usize,
) -> licstore_result {
    guard_online("licstore_sku_rules_add_blocked_in", || {
        // SAFETY (all): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let sku = unsafe { str_arg(sku, "sku") }?.to_string();
        let countries = unsafe { str_array(countries, count, "countries") }?;
        let countries = countries.into_iter().map(String::from).collect();
        add_rule(store, SkuRule::BlockedIn { sku, countries })
    })
}

// --- Single assignments ----------------------------------------------------------------------

/// Assigns `sku` to the user `user_principal_name` (one audit row; not a job), checking the
/// rules of docs/online.md. `expires_at` (a date or an instant with an offset) and
/// `usage_location` (set on a user that has none) may be NULL or `""` for none;
/// `disabled_plans` are `disabled_plan_count` service-plan GUIDs of the SKU to switch off;
/// `take_number` non-zero gives a user receiving a voice-capable SKU the customer's next
/// available phone number.
///
/// `assigned_out` may be NULL; otherwise on success it receives 1 when the license was
/// assigned, 0 when the user held it already (a skip, not an error). A refusal returns the
/// rule's code: `LICSTORE_USER_NOT_FOUND`, `LICSTORE_USER_OFFBOARDED`,
/// `LICSTORE_USAGE_LOCATION_MISSING`, `LICSTORE_PROHIBITED_IN_USAGE_LOCATION_VIOLATION`,
/// `LICSTORE_MUTUALLY_EXCLUSIVE_VIOLATION`, `LICSTORE_DEPENDENCY_VIOLATION`,
/// `LICSTORE_COUNT_VIOLATION`, `LICSTORE_NUMBER_UNAVAILABLE`; `LICSTORE_SKU_NOT_FOUND` for a
/// SKU the user's customer does not subscribe to.
///
/// # Safety
/// `store` is NULL or a live handle; the strings are NULL or NUL-terminated; `disabled_plans` is
/// NULL or points to `disabled_plan_count` strings; `assigned_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_licenses_assign(
    store: *const licstore_store,
    user_principal_name: *const c_char,
    sku: *const c_char,
    expires_at: *const c_char,
    usage_location: *const c_char,
    disabled_plans: *const *const c_char,
    disabled_plan_count: usize,
    take_number: i32,
    assigned_out: *mut i32,
) -> licstore_result {
    guard_online("licstore_licenses_assign", || {
        // SAFETY (all): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let upn = unsafe { str_arg(user_principal_name, "user_principal_name") }?;
        let sku = unsafe { str_arg(sku, "sku") }?;
        let options = AssignOptions {
            expires_at: unsafe { opt_text(expires_at, "expires_at") }?,
            usage_location: unsafe { opt_text(usage_location, "usage_location") }?,
            disabled_plans: unsafe {
                str_array(disabled_plans, disabled_plan_count, "disabled_plans")
            }?
            .into_iter()
            .map(String::from)
            .collect(),
            take_number: take_number != 0,
        };
        let out = Out::optional(assigned_out);
        let done = store.lock().assign_license(upn, sku, &options)?;
        write_val(out, i32::from(done));
        Ok(())
    })
}

/// Removes `sku` from the user `user_principal_name` (one audit row; not a job). `removed_out`
/// may be NULL; otherwise on success it receives 1 when the license was removed, 0 when the
/// user did not hold it (a skip). Removing the last base of an add-on the user keeps is
/// `LICSTORE_DEPENDENCY_VIOLATION`; an unknown UPN `LICSTORE_USER_NOT_FOUND`.
///
/// # Safety
/// `store` is NULL or a live handle; the strings are NULL or NUL-terminated; `removed_out` is
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_licenses_remove(
    store: *const licstore_store,
    user_principal_name: *const c_char,
    sku: *const c_char,
    removed_out: *mut i32,
) -> licstore_result {
    guard_online("licstore_licenses_remove", || {
        // SAFETY (all): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let upn = unsafe { str_arg(user_principal_name, "user_principal_name") }?;
        let sku = unsafe { str_arg(sku, "sku") }?;
        let out = Out::optional(removed_out);
        let done = store.lock().remove_license(upn, sku)?;
        write_val(out, i32::from(done));
        Ok(())
    })
}

/// Reads the licenses the user `user_principal_name` holds now, by friendly name. On success
/// `*list_out` receives a new list the caller frees with `licstore_license_list_free`. Fails
/// with `LICSTORE_USER_NOT_FOUND` for an unknown UPN.
///
/// # Safety
/// `store` is NULL or a live handle; `user_principal_name` is NULL or NUL-terminated;
/// `list_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_licenses_list(
    store: *const licstore_store,
    user_principal_name: *const c_char,
    list_out: *mut *mut licstore_license_list,
) -> licstore_result {
    guard_online("licstore_licenses_list", || {
        // SAFETY (all): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let upn = unsafe { str_arg(user_principal_name, "user_principal_name") }?;
        let out = Out::new(list_out, "list_out")?;
        let v = store.lock().licenses(upn)?;
        write_opt(Some(out), &v[..], |v| {
            Ok(licstore_license_list {
                items: list_of(v, |(id, name, exp)| {
                    Ok(licstore_license {
                        sku_id: c_string(id, "sku id")?,
                        display_name: c_string(name, "sku display name")?,
                        expires_at: opt_c(exp, "expires_at")?,
                    })
                })?,
            })
        })
    })
}

/// Reads who held `customer`'s `sku` at `at` (a date, meaning midnight UTC, or an instant with
/// an offset), from the assignment history, by UPN. On success `*list_out` receives a new list
/// the caller frees with `licstore_string_list_free`. Fails with `LICSTORE_NOT_FOUND` for an
/// unknown customer, `LICSTORE_SKU_NOT_FOUND` for a SKU it does not subscribe to and
/// `LICSTORE_INVALID_ARGUMENT` for a bad `at`.
///
/// # Safety
/// `store` is NULL or a live handle; the strings are NULL or NUL-terminated; `list_out` is NULL
/// or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_holders_at(
    store: *const licstore_store,
    customer: *const c_char,
    sku: *const c_char,
    at: *const c_char,
    list_out: *mut *mut licstore_string_list,
) -> licstore_result {
    guard_online("licstore_holders_at", || {
        // SAFETY (all): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let customer = unsafe { str_arg(customer, "customer") }?;
        let sku = unsafe { str_arg(sku, "sku") }?;
        let at = unsafe { str_arg(at, "at") }?;
        let out = Out::new(list_out, "list_out")?;
        let v = store.lock().holders_at(customer, sku, at)?;
        write_opt(Some(out), &v[..], licstore_string_list::new)
    })
}

// --- Bulk requests ---------------------------------------------------------------------------

/// A bulk request being built: customer, operation, targets, SKUs, options and mode. Made by
/// `licstore_bulk_request_new`, changed by the `licstore_bulk_request_*` setters, used (not
/// consumed) by `licstore_bulk_preview` and `licstore_bulk_run`, freed with
/// `licstore_bulk_request_free`. Not checked against the store until it is used.
#[derive(Debug)]
pub struct licstore_bulk_request {
    customer: String,
    op: licstore_bulk_op,
    users: Vec<String>,
    groups: Vec<String>,
    filter: Option<SubscriberFilter>,
    skus: Vec<String>,
    replaced: Vec<String>,
    options: AssignOptions,
    mode: BulkMode,
}

impl licstore_bulk_request {
    fn to_request(&self) -> Result<BulkRequest> {
        let targets = match (&self.filter, self.groups.is_empty()) {
            (Some(f), _) => Targets::Filter(f.clone()),
            (None, false) => Targets::Groups(self.groups.clone()),
            (None, true) => Targets::Users(self.users.clone()),
        };
        let op = match self.op {
            licstore_bulk_op::Assign => BulkOp::Assign {
                skus: self.skus.clone(),
                options: self.options.clone(),
            },
            licstore_bulk_op::Remove => {
                if self.options != AssignOptions::default() {
                    return Err(Error::invalid(
                        "bulk request",
                        "remove",
                        "expires_at, usage location, disabled plans and take_number apply to assign and replace only",
                    ));
                }
                BulkOp::Remove {
                    skus: self.skus.clone(),
                }
            }
            licstore_bulk_op::Replace => BulkOp::Replace {
                from: if self.replaced.is_empty() {
                    ReplaceFrom::All
                } else {
                    ReplaceFrom::Skus(self.replaced.clone())
                },
                to: self.skus.clone(),
                options: self.options.clone(),
            },
        };
        if self.op != licstore_bulk_op::Replace && !self.replaced.is_empty() {
            return Err(Error::invalid(
                "bulk request",
                "replaced SKUs",
                "apply to replace only",
            ));
        }
        Ok(BulkRequest {
            customer: self.customer.clone(),
            targets,
            op,
            mode: self.mode,
        })
    }

    /// Refuses a second kind of target: a request targets users, groups or a filter.
    fn target_kind(&self, adding: &str) -> Result<()> {
        let current = if self.filter.is_some() {
            "a filter"
        } else if !self.groups.is_empty() {
            "groups"
        } else if !self.users.is_empty() {
            "users"
        } else {
            return Ok(());
        };
        if current == adding {
            Ok(())
        } else {
            Err(Error::InvalidState(format!(
                "the bulk request targets {current}; it cannot also target {adding}"
            )))
        }
    }
}

/// Starts a bulk request for `customer`: operation `LICSTORE_BULK_OP_ASSIGN`, mode
/// `LICSTORE_BULK_MODE_ATOMIC`, no targets, no SKUs. On success `*request_out` receives a new
/// handle the caller frees with `licstore_bulk_request_free`.
///
/// # Safety
/// `customer` is NULL or NUL-terminated; `request_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_bulk_request_new(
    customer: *const c_char,
    request_out: *mut *mut licstore_bulk_request,
) -> licstore_result {
    guard_online("licstore_bulk_request_new", || {
        // SAFETY: the caller's contract.
        let customer = unsafe { str_arg(customer, "customer") }?.to_string();
        let out = Out::new(request_out, "request_out")?;
        let r = licstore_bulk_request {
            customer,
            op: licstore_bulk_op::Assign,
            users: Vec::new(),
            groups: Vec::new(),
            filter: None,
            skus: Vec::new(),
            replaced: Vec::new(),
            options: AssignOptions::default(),
            mode: BulkMode::Atomic,
        };
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out.write(into_raw(r)) };
        Ok(())
    })
}

/// Frees a bulk request. NULL is a no-op.
///
/// # Safety
/// `request` is NULL or a request the caller owns, not freed before.
#[no_mangle]
pub unsafe extern "C" fn licstore_bulk_request_free(request: *mut licstore_bulk_request) {
    // SAFETY: the caller's contract.
    unsafe { free_raw(request) }
}

/// Sets the operation, a `licstore_bulk_op` value.
///
/// # Safety
/// `request` is NULL or a live request not used by another thread now.
#[no_mangle]
pub unsafe extern "C" fn licstore_bulk_request_set_op(
    request: *mut licstore_bulk_request,
    op: u32,
) -> licstore_result {
    guard_online("licstore_bulk_request_set_op", || {
        // SAFETY: the caller's contract.
        let r = unsafe { handle_mut(request, "request") }?;
        r.op = op_arg(op)?;
        Ok(())
    })
}

/// Sets the mode, a `licstore_bulk_mode` value.
///
/// # Safety
/// `request` is NULL or a live request not used by another thread now.
#[no_mangle]
pub unsafe extern "C" fn licstore_bulk_request_set_mode(
    request: *mut licstore_bulk_request,
    mode: u32,
) -> licstore_result {
    guard_online("licstore_bulk_request_set_mode", || {
        // SAFETY: the caller's contract.
        let r = unsafe { handle_mut(request, "request") }?;
        r.mode = mode_arg(mode)?;
        Ok(())
    })
}

/// Adds a target user (a UPN; unknown ones fail with `UserNotFound` as items of the run).
/// Duplicates are processed once. A request targets users, groups or a filter: adding a user to
/// a request with groups or a filter is `LICSTORE_INVALID_STATE`.
///
/// # Safety
/// `request` is NULL or a live request not used by another thread now; `user_principal_name` is
/// NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn licstore_bulk_request_add_user(
    request: *mut licstore_bulk_request,
    user_principal_name: *const c_char,
) -> licstore_result {
    guard_online("licstore_bulk_request_add_user", || {
        // SAFETY: the caller's contract.
        let r = unsafe { handle_mut(request, "request") }?;
        // SAFETY: the caller's contract.
        let upn = unsafe { str_arg(user_principal_name, "user_principal_name") }?;
        r.target_kind("users")?;
        r.users.push(upn.to_string());
        Ok(())
    })
}

/// Adds a target group of the customer (its members are the targets; their assignments get
/// `source = group:<name>`). An unknown group refuses the request when it is used
/// (`LICSTORE_NOT_FOUND`). Adding a group to a request with users or a filter is
/// `LICSTORE_INVALID_STATE`.
///
/// # Safety
/// `request` is NULL or a live request not used by another thread now; `group` is NULL or
/// NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn licstore_bulk_request_add_group(
    request: *mut licstore_bulk_request,
    group: *const c_char,
) -> licstore_result {
    guard_online("licstore_bulk_request_add_group", || {
        // SAFETY: the caller's contract.
        let r = unsafe { handle_mut(request, "request") }?;
        // SAFETY: the caller's contract.
        let group = unsafe { str_arg(group, "group") }?;
        r.target_kind("groups")?;
        r.groups.push(group.to_string());
        Ok(())
    })
}

/// Targets the customer's users matching a filter (replacing an earlier filter): every given
/// field must match. `department` (case-insensitive), `usage_location` (the user's own) and
/// `domain` (the UPN's part after `@`) may be NULL or `""` for any; `status` is NULL for any
/// status but offboarded, or points to a `licstore_subscriber_statuses` value. Setting a filter
/// on a request with users or groups is `LICSTORE_INVALID_STATE`.
///
/// # Safety
/// `request` is NULL or a live request not used by another thread now; the strings are NULL or
/// NUL-terminated; `status` is NULL or readable.
#[no_mangle]
pub unsafe extern "C" fn licstore_bulk_request_set_filter(
    request: *mut licstore_bulk_request,
    department: *const c_char,
    usage_location: *const c_char,
    status: *const u32,
    domain: *const c_char,
) -> licstore_result {
    guard_online("licstore_bulk_request_set_filter", || {
        // SAFETY: the caller's contract.
        let r = unsafe { handle_mut(request, "request") }?;
        // SAFETY (all): the caller's contract.
        let f = SubscriberFilter {
            department: unsafe { opt_text(department, "department") }?,
            usage_location: unsafe { opt_text(usage_location, "usage_location") }?,
            status: unsafe { status.as_ref() }
                .map(|s| status_arg(*s, "status"))
                .transpose()?,
            domain: unsafe { opt_text(domain, "domain") }?,
        };
        r.target_kind("a filter")?;
        r.filter = Some(f);
        Ok(())
    })
}

/// Adds a SKU (GUID or part number) of the operation: assigned by assign, removed by remove,
/// added by replace. A SKU the customer does not subscribe to refuses the request when it is
/// used (`LICSTORE_SKU_NOT_FOUND`).
///
/// # Safety
/// `request` is NULL or a live request not used by another thread now; `sku` is NULL or
/// NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn licstore_bulk_request_add_sku(
    request: *mut licstore_bulk_request,
    sku: *const c_char,
) -> licstore_result {
    guard_online("licstore_bulk_request_add_sku", || {
        // SAFETY: the caller's contract.
        let r = unsafe { handle_mut(request, "request") }?;
        // SAFETY: the caller's contract.
        r.skus.push(unsafe { str_arg(sku, "sku") }?.to_string());
        Ok(())
    })
}

/// Adds a SKU that a replace removes; a replace without any removes every SKU the user holds.
/// Using a request of another operation with replaced SKUs is `LICSTORE_INVALID_ARGUMENT`.
///
/// # Safety
/// `request` is NULL or a live request not used by another thread now; `sku` is NULL or
/// NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn licstore_bulk_request_add_replaced_sku(
    request: *mut licstore_bulk_request,
    sku: *const c_char,
) -> licstore_result {
    guard_online("licstore_bulk_request_add_replaced_sku", || {
        // SAFETY: the caller's contract.
        let r = unsafe { handle_mut(request, "request") }?;
        // SAFETY: the caller's contract.
        r.replaced.push(unsafe { str_arg(sku, "sku") }?.to_string());
        Ok(())
    })
}

/// Sets when the new assignments end (a date or an instant with an offset), or none for NULL or
/// `""`. Checked when the request is used.
///
/// # Safety
/// `request` is NULL or a live request not used by another thread now; `expires_at` is NULL or
/// NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn licstore_bulk_request_set_expires_at(
    request: *mut licstore_bulk_request,
    expires_at: *const c_char,
) -> licstore_result {
    guard_online("licstore_bulk_request_set_expires_at", || {
        // SAFETY: the caller's contract.
        let r = unsafe { handle_mut(request, "request") }?;
        // SAFETY: the caller's contract.
        r.options.expires_at = unsafe { opt_text(expires_at, "expires_at") }?;
        Ok(())
    })
}

/// Sets the usage location (ISO 3166-1 alpha-2) given to targets that have none of their own,
/// or none for NULL or `""`. Checked when the request is used.
///
/// # Safety
/// `request` is NULL or a live request not used by another thread now; `usage_location` is NULL
/// or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn licstore_bulk_request_set_usage_location(
    request: *mut licstore_bulk_request,
    usage_location: *const c_char,
) -> licstore_result {
    guard_online("licstore_bulk_request_set_usage_location", || {
        // SAFETY: the caller's contract.
        let r = unsafe { handle_mut(request, "request") }?;
        // SAFETY: the caller's contract.
        r.options.usage_location = unsafe { opt_text(usage_location, "usage_location") }?;
        Ok(())
    })
}

/// Adds a service plan (GUID) to switch off in the new assignments; it must belong to one of the
/// SKUs assigned (checked when the request is used: `LICSTORE_INVALID_ARGUMENT` names it).
///
/// # Safety
/// `request` is NULL or a live request not used by another thread now; `plan` is NULL or
/// NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn licstore_bulk_request_add_disabled_plan(
    request: *mut licstore_bulk_request,
    plan: *const c_char,
) -> licstore_result {
    guard_online("licstore_bulk_request_add_disabled_plan", || {
        // SAFETY: the caller's contract.
        let r = unsafe { handle_mut(request, "request") }?;
        // SAFETY: the caller's contract.
        let plan = unsafe { str_arg(plan, "plan") }?;
        r.options.disabled_plans.push(plan.to_string());
        Ok(())
    })
}

/// Non-zero: a target receiving a voice-capable SKU without a phone number gets the customer's
/// next available one (none left fails that user with `NumberUnavailable`).
///
/// # Safety
/// `request` is NULL or a live request not used by another thread now.
#[no_mangle]
pub unsafe extern "C" fn licstore_bulk_request_set_take_number(
    request: *mut licstore_bulk_request,
    take_number: i32,
) -> licstore_result {
    guard_online("licstore_bulk_request_set_take_number", || {
        // SAFETY: the caller's contract.
        let r = unsafe { handle_mut(request, "request") }?;
        r.options.take_number = take_number != 0;
        Ok(())
    })
}

/// A dry run of `request`: for each SKU of the operation how many targets hold it (all, some,
/// none) and the seats needed, freed and available, the users that would change, be skipped or
/// fail. Nothing is written. On success `*preview_out` receives a new handle the caller frees
/// with `licstore_preview_free`. A request the store refuses as a whole fails as
/// `licstore_bulk_run` does (`LICSTORE_SKU_NOT_FOUND`, `LICSTORE_NOT_FOUND`,
/// `LICSTORE_INVALID_ARGUMENT`); per-user failures are part of the preview, not errors.
///
/// # Safety
/// `store` is NULL or a live handle; `request` is NULL or a live request; `preview_out` is NULL
/// or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_bulk_preview(
    store: *const licstore_store,
    request: *const licstore_bulk_request,
    preview_out: *mut *mut licstore_preview,
) -> licstore_result {
    guard_online("licstore_bulk_preview", || {
        // SAFETY (all): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let req = unsafe { handle(request, "request") }?.to_request()?;
        let out = Out::new(preview_out, "preview_out")?;
        let p = store.lock().preview_bulk(&req)?;
        write_opt(Some(out), &p, licstore_preview::new)
    })
}

/// Reads a job and writes its handle, for the functions that run one.
fn write_job(
    store: &mut Store,
    out: Option<Out<*mut licstore_job>>,
    outcome: &BulkOutcome,
) -> Result<()> {
    if out.is_some() {
        let job = store.job(outcome.job_id)?;
        write_opt(out, &job, licstore_job::new)?;
    }
    Ok(())
}

/// Runs `request` as one job, in one transaction. Atomic mode: if any user would fail nothing is
/// applied, the call returns `LICSTORE_BULK_OPERATION_FAILED` (the message lists the failing
/// users and their codes) and the refusal is recorded as a `LICSTORE_JOB_STATUS_FAILED` job:
/// `licstore_last_error_job_id()` gives its id, `licstore_job_items` its items. Best-effort mode
/// applies the users that pass; the job is then `FINISHED_WITH_EXCEPTION` and its items say who
/// failed and why. A request refused as a whole (`LICSTORE_SKU_NOT_FOUND`, `LICSTORE_NOT_FOUND`
/// for an unknown customer or group, `LICSTORE_INVALID_ARGUMENT` for malformed input) records
/// no job.
///
/// `job_out` may be NULL; otherwise on success it receives the job, a new handle the caller frees
/// with `licstore_job_free`.
///
/// # Safety
/// `store` is NULL or a live handle; `request` is NULL or a live request; `job_out` is NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_bulk_run(
    store: *const licstore_store,
    request: *const licstore_bulk_request,
    job_out: *mut *mut licstore_job,
) -> licstore_result {
    guard_online("licstore_bulk_run", || {
        // SAFETY (all): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let req = unsafe { handle(request, "request") }?.to_request()?;
        let out = Out::optional(job_out);
        let mut s = store.lock();
        let o = s.run_bulk(&req)?;
        write_job(&mut s, out, &o)
    })
}

/// The progress callback of `licstore_bulk_run_with_progress`: called with the target users
/// handled so far (`done`) of all of them (`total`): once with `done = 0` when the targets are
/// known, every 1024 users while the changes are written, and once at the end; `user_data` is
/// passed as given. Return 0 to go on; any other value cancels the run. It runs on the calling
/// thread inside the run's transaction: it must not call licstore with the same store.
pub type licstore_job_progress_callback =
    Option<unsafe extern "C" fn(user_data: *mut std::ffi::c_void, done: u64, total: u64) -> i32>;

/// `licstore_bulk_run` with progress: `progress` (NULL for none) is called as
/// `licstore_job_progress_callback` says, with `user_data` (never read by licstore). A callback
/// returning non-zero cancels the run: the call fails with `LICSTORE_INTERRUPTED`, the
/// transaction is rolled back and nothing is written (no job either). Otherwise as
/// `licstore_bulk_run`.
///
/// # Safety
/// As `licstore_bulk_run`; `progress` is NULL or a function of that signature.
#[no_mangle]
pub unsafe extern "C" fn licstore_bulk_run_with_progress(
    store: *const licstore_store,
    request: *const licstore_bulk_request,
    progress: licstore_job_progress_callback,
    user_data: *mut std::ffi::c_void,
    job_out: *mut *mut licstore_job,
) -> licstore_result {
    guard_online("licstore_bulk_run_with_progress", || {
        // SAFETY (all): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let req = unsafe { handle(request, "request") }?.to_request()?;
        let out = Out::optional(job_out);
        let mut report = |p: licstore::JobProgress| match progress {
            // SAFETY: a function of this signature per the caller's contract.
            Some(f) if unsafe { f(user_data, p.done, p.total) } != 0 => {
                std::ops::ControlFlow::Break(())
            }
            _ => std::ops::ControlFlow::Continue(()),
        };
        let mut s = store.lock();
        let o = s.run_bulk_with_progress(&req, &mut report)?;
        write_job(&mut s, out, &o)
    })
}

/// Reruns a `FAILED` or `FINISHED_WITH_EXCEPTION` job: its request, limited to the users of its
/// error items, as a new job (`rerun_of` set), with the outcomes of `licstore_bulk_run`.
/// `job_out` may be NULL; otherwise on success it receives the new job, a new handle the caller
/// frees with `licstore_job_free`. Fails with `LICSTORE_NOT_FOUND` for an unknown id and
/// `LICSTORE_INVALID_STATE` for a job of another status or kind.
///
/// # Safety
/// `store` is NULL or a live handle; `job_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_job_rerun(
    store: *const licstore_store,
    job_id: i64,
    job_out: *mut *mut licstore_job,
) -> licstore_result {
    guard_online("licstore_job_rerun", || {
        // SAFETY: the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let out = Out::optional(job_out);
        let mut s = store.lock();
        let o = s.rerun_job(job_id)?;
        write_job(&mut s, out, &o)
    })
}

/// Reads the job `job_id`. On success `*job_out` receives a new handle the caller frees with
/// `licstore_job_free`. Fails with `LICSTORE_NOT_FOUND` for an unknown id.
///
/// # Safety
/// `store` is NULL or a live handle; `job_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_jobs_get(
    store: *const licstore_store,
    job_id: i64,
    job_out: *mut *mut licstore_job,
) -> licstore_result {
    guard_online("licstore_jobs_get", || {
        // SAFETY: the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let out = Out::new(job_out, "job_out")?;
        let job = store.lock().job(job_id)?;
        write_opt(Some(out), &job, licstore_job::new)
    })
}

/// Reads the items of the job `job_id` (one per user), in run order. On success `*list_out`
/// receives a new list the caller frees with `licstore_job_item_list_free`. Fails with
/// `LICSTORE_NOT_FOUND` for an unknown id.
///
/// # Safety
/// `store` is NULL or a live handle; `list_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_job_items(
    store: *const licstore_store,
    job_id: i64,
    list_out: *mut *mut licstore_job_item_list,
) -> licstore_result {
    guard_online("licstore_job_items", || {
        // SAFETY: the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let out = Out::new(list_out, "list_out")?;
        let v = store.lock().job_items(job_id)?;
        write_opt(Some(out), &v[..], |v| {
            Ok(licstore_job_item_list {
                items: list_of(v, licstore_job_item::new)?,
            })
        })
    })
}

/// Writes the items of the job `job_id` (the `job_items` view: job, item, subject, outcome,
/// code, message ...) as CSV with a header line to the file at `path` (created or replaced; on
/// failure an existing file is left as it was). `rows_out` may be NULL; otherwise it receives
/// the number of data rows. Fails with `LICSTORE_NOT_FOUND` for an unknown id and
/// `LICSTORE_IO_ERROR` when the file cannot be written.
///
/// # Safety
/// `store` is NULL or a live handle; `path` is NULL or NUL-terminated; `rows_out` is NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_job_items_to_csv(
    store: *const licstore_store,
    job_id: i64,
    path: *const c_char,
    rows_out: *mut u64,
) -> licstore_result {
    guard_online("licstore_job_items_to_csv", || {
        // SAFETY (all): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let path = unsafe { path_arg(path, "path") }?;
        let out = Out::optional(rows_out);
        let mut s = store.lock();
        s.job(job_id)?;
        let n = write_atomically(&path, &mut s, |s, w| {
            s.export_job_items(job_id, licstore::Format::Csv, w)
        })?;
        write_val(out, n);
        Ok(())
    })
}

// --- Expiry ----------------------------------------------------------------------------------

/// Removes every assignment in the store whose `expires_at` is at or before `now` (an instant or
/// a date; NULL or `""` for the store's clock), without rule checks, as one `expire` job whose
/// items name the users. `job_out` may be NULL; otherwise on success it receives the job, a new
/// handle the caller frees with `licstore_job_free`.
///
/// # Safety
/// `store` is NULL or a live handle; `now` is NULL or NUL-terminated; `job_out` is NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_expire(
    store: *const licstore_store,
    now: *const c_char,
    job_out: *mut *mut licstore_job,
) -> licstore_result {
    guard_online("licstore_expire", || {
        // SAFETY (all): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let now = unsafe { opt_text(now, "now") }?;
        let out = Out::optional(job_out);
        let mut s = store.lock();
        let now = now.unwrap_or_else(|| licstore::store::format_ts(s.now()));
        let o = s.expire(&now)?;
        write_job(&mut s, out, &o)
    })
}

/// Reads the licenses (with an `expires_at`) and SKU terms (`term_end`) that end within `days`
/// days of the store's clock, overdue ones included, of one customer (`customer`) or of all
/// (NULL or `""`), by date. On success `*list_out` receives a new list the caller frees with
/// `licstore_expiring_list_free`. Fails with `LICSTORE_NOT_FOUND` for an unknown customer.
///
/// # Safety
/// `store` is NULL or a live handle; `customer` is NULL or NUL-terminated; `list_out` is NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_expiring_within(
    store: *const licstore_store,
    days: u32,
    customer: *const c_char,
    list_out: *mut *mut licstore_expiring_list,
) -> licstore_result {
    guard_online("licstore_expiring_within", || {
        // SAFETY (all): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let customer = unsafe { opt_text(customer, "customer") }?;
        let out = Out::new(list_out, "list_out")?;
        let v = store.lock().expiring(days, customer.as_deref())?;
        write_opt(Some(out), &v[..], |v| {
            Ok(licstore_expiring_list {
                items: list_of(v, licstore_expiring::new)?,
            })
        })
    })
}

// --- Phone numbers ---------------------------------------------------------------------------

/// The size of the buffer `licstore_numbers_assign` needs: an E.164 number (`+` and at most 15
/// digits) and its NUL terminator.
pub const LICSTORE_NUMBER_BUFFER_SIZE: usize = 17;

/// Adds `count` phone numbers (E.164, `+14255550100`) to `customer`'s inventory as Available,
/// all or nothing (a number already in the store is `LICSTORE_ALREADY_EXISTS` naming it, a
/// malformed one `LICSTORE_INVALID_ARGUMENT`). `added_out` may be NULL; otherwise it receives
/// how many were added.
///
/// # Safety
/// `store` is NULL or a live handle; `customer` is NULL or NUL-terminated; `numbers` is NULL or
/// points to `count` strings; `added_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_numbers_add(
    store: *const licstore_store,
    customer: *const c_char,
    numbers: *const *const c_char,
    count: usize,
    added_out: *mut u64,
) -> licstore_result {
    guard_online("licstore_numbers_add", || {
        // SAFETY (all): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let customer = unsafe { str_arg(customer, "customer") }?;
        let numbers = unsafe { str_array(numbers, count, "numbers") }?;
        let out = Out::optional(added_out);
        let n = store.lock().add_numbers(customer, &numbers)?;
        write_val(out, n);
        Ok(())
    })
}

/// Gives the user `user_principal_name` a phone number: `number` (which must be Available or
/// Reserved), or for NULL or `""` the customer's next Available one. On success the number is
/// copied, NUL-terminated, into `buffer` of `buffer_size` bytes (at least
/// `LICSTORE_NUMBER_BUFFER_SIZE`). Fails with `LICSTORE_NUMBER_UNAVAILABLE` when no number is
/// left, `LICSTORE_USER_NOT_FOUND` for an unknown UPN and `LICSTORE_INVALID_ARGUMENT` for a small
/// buffer.
///
/// # Safety
/// `store` is NULL or a live handle; the strings are NULL or NUL-terminated; `buffer` is NULL or
/// writable for `buffer_size` bytes.
#[no_mangle]
pub unsafe extern "C" fn licstore_numbers_assign(
    store: *const licstore_store,
    user_principal_name: *const c_char,
    number: *const c_char,
    buffer: *mut c_char,
    buffer_size: usize,
) -> licstore_result {
    guard_online("licstore_numbers_assign", || {
        // SAFETY (all): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let upn = unsafe { str_arg(user_principal_name, "user_principal_name") }?;
        let number = unsafe { opt_text(number, "number") }?;
        let out = Out::new(buffer, "buffer")?;
        check_buffer_size(
            buffer_size,
            LICSTORE_NUMBER_BUFFER_SIZE,
            "LICSTORE_NUMBER_BUFFER_SIZE",
        )?;
        let n = store.lock().assign_number(upn, number.as_deref())?;
        write_c_buffer(
            out,
            buffer_size,
            &n,
            "a phone number",
            "LICSTORE_NUMBER_BUFFER_SIZE",
        )
    })
}

/// Sets the status of the phone number `number` (E.164): `status` is a `licstore_number_status`
/// value; `LICSTORE_NUMBER_STATUS_AVAILABLE` releases it from its user. Fails with
/// `LICSTORE_NOT_FOUND` for an unknown number and `LICSTORE_INVALID_ARGUMENT` for a malformed
/// one or a bad status.
///
/// # Safety
/// `store` is NULL or a live handle; `number` is NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn licstore_numbers_set_status(
    store: *const licstore_store,
    number: *const c_char,
    status: u32,
) -> licstore_result {
    guard_online("licstore_numbers_set_status", || {
        // SAFETY (all): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let number = unsafe { str_arg(number, "number") }?;
        let i = checked(
            status,
            "status",
            "licstore_number_status",
            &[
                "LICSTORE_NUMBER_STATUS_AVAILABLE",
                "LICSTORE_NUMBER_STATUS_RESERVED",
            ],
        )?;
        store
            .lock()
            .set_number_status(number, ["Available", "Reserved"][i])
    })
}

// --- Syncs -----------------------------------------------------------------------------------

fn sku_counts(changes: &[licstore::SkuChange]) -> licstore_sync_counts {
    let mut c = licstore_sync_counts::default();
    for ch in changes {
        match ch.kind {
            SkuChangeKind::New => c.added += 1,
            SkuChangeKind::Changed => c.changed += 1,
            SkuChangeKind::Unchanged => c.unchanged += 1,
            SkuChangeKind::Gone => c.gone += 1,
        }
    }
    c
}

/// Compares a Graph `GET /subscribedSkus` response (the JSON file at `path`) with `customer`'s
/// SKUs; nothing is written. On success `*counts_out` receives how many SKUs are new, changed,
/// unchanged and gone. Fails with `LICSTORE_INVALID_ARGUMENT` for a file that is not such a
/// response or names a `skuId` the catalog does not know, `LICSTORE_IO_ERROR` when it cannot be
/// read and `LICSTORE_NOT_FOUND` for an unknown customer.
///
/// # Safety
/// `store` is NULL or a live handle; the strings are NULL or NUL-terminated; `counts_out` is NULL
/// or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_graph_skus_diff(
    store: *const licstore_store,
    customer: *const c_char,
    path: *const c_char,
    counts_out: *mut licstore_sync_counts,
) -> licstore_result {
    guard_online("licstore_graph_skus_diff", || {
        // SAFETY (all): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let customer = unsafe { str_arg(customer, "customer") }?;
        let path = unsafe { path_arg(path, "path") }?;
        let out = Out::new(counts_out, "counts_out")?;
        let changes = store
            .lock()
            .diff_graph_skus(customer, open(&path)?, &file_name(&path))?;
        write_val(Some(out), sku_counts(&changes));
        Ok(())
    })
}

/// Applies a Graph `subscribedSkus` response (the JSON file at `path`) to `customer` as one
/// `sync_skus` job: units, capability status, `applies_to` and the reported consumed count per
/// SKU; a SKU absent from the file is marked `Deleted` with zero units. `job_id_out` and
/// `counts_out` may be NULL; otherwise on success they receive the job's id and what changed.
/// Fails as `licstore_graph_skus_diff`, writing nothing.
///
/// # Safety
/// `store` is NULL or a live handle; the strings are NULL or NUL-terminated; the outputs are NULL
/// or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_graph_skus_apply(
    store: *const licstore_store,
    customer: *const c_char,
    path: *const c_char,
    job_id_out: *mut i64,
    counts_out: *mut licstore_sync_counts,
) -> licstore_result {
    guard_online("licstore_graph_skus_apply", || {
        // SAFETY (all): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let customer = unsafe { str_arg(customer, "customer") }?;
        let path = unsafe { path_arg(path, "path") }?;
        let job_out = Out::optional(job_id_out);
        let counts = Out::optional(counts_out);
        let (job, changes) =
            store
                .lock()
                .apply_graph_skus(customer, open(&path)?, &file_name(&path))?;
        write_val(job_out, job);
        write_val(counts, sku_counts(&changes));
        Ok(())
    })
}

/// Compares a Microsoft 365 admin center "Export users" CSV (the file at `path`) with
/// `customer`'s users; nothing is written. On success `*counts_out` receives how many users are
/// new, changed, unchanged and gone, and how many rows were rejected (`errors`, for example a
/// license name the catalog does not know; `licstore_m365_users_apply` refuses such a file with
/// `LICSTORE_CSV_ERROR`, naming each row's line, column and value). Fails with
/// `LICSTORE_IO_ERROR` when the file cannot be read and `LICSTORE_NOT_FOUND` for an unknown
/// customer.
///
/// # Safety
/// `store` is NULL or a live handle; the strings are NULL or NUL-terminated; `counts_out` is NULL
/// or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_m365_users_diff(
    store: *const licstore_store,
    customer: *const c_char,
    path: *const c_char,
    counts_out: *mut licstore_sync_counts,
) -> licstore_result {
    guard_online("licstore_m365_users_diff", || {
        // SAFETY (all): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let customer = unsafe { str_arg(customer, "customer") }?;
        let path = unsafe { path_arg(path, "path") }?;
        let out = Out::new(counts_out, "counts_out")?;
        let d = store
            .lock()
            .diff_m365_users(customer, open(&path)?, &file_name(&path))?;
        let mut c = licstore_sync_counts {
            errors: d.errors.len() as u64,
            ..licstore_sync_counts::default()
        };
        for u in &d.users {
            match u.kind {
                UserChangeKind::New => c.added += 1,
                UserChangeKind::Changed => c.changed += 1,
                UserChangeKind::Unchanged => c.unchanged += 1,
                UserChangeKind::Gone => c.gone += 1,
            }
        }
        write_val(Some(out), c);
        Ok(())
    })
}

/// Applies a Microsoft 365 "Export users" CSV (the file at `path`) to `customer` as one
/// `sync_users` job: new users come in Staged, changed fields are updated, each listed user's
/// licenses are set to what the file lists through the normal rules (best effort per user;
/// failures are the job's error items). Any rejected row refuses the whole file with
/// `LICSTORE_CSV_ERROR` (line, column and value in the message), writing nothing. `job_id_out`
/// may be NULL; otherwise on success it receives the job's id.
///
/// # Safety
/// `store` is NULL or a live handle; the strings are NULL or NUL-terminated; `job_id_out` is NULL
/// or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_m365_users_apply(
    store: *const licstore_store,
    customer: *const c_char,
    path: *const c_char,
    job_id_out: *mut i64,
) -> licstore_result {
    guard_online("licstore_m365_users_apply", || {
        // SAFETY (all): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let customer = unsafe { str_arg(customer, "customer") }?;
        let path = unsafe { path_arg(path, "path") }?;
        let out = Out::optional(job_id_out);
        let job = store
            .lock()
            .apply_m365_users(customer, open(&path)?, &file_name(&path))?;
        write_val(out, job);
        Ok(())
    })
}

// --- Getters of the results ------------------------------------------------------------------

/// Frees a preview and every SKU and failure borrowed from it. NULL is a no-op.
///
/// # Safety
/// `preview` is NULL or a preview the caller owns, not freed before.
#[no_mangle]
pub unsafe extern "C" fn licstore_preview_free(preview: *mut licstore_preview) {
    // SAFETY: the caller's contract.
    unsafe { free_raw(preview) }
}

/// The number of distinct targets (unknown UPNs included). Writes it to `*value_out`.
///
/// # Safety
/// `value` is NULL or a live `licstore_preview`; `value_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_preview_targets(
    value: *const licstore_preview,
    value_out: *mut u64,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_value("licstore_preview_targets", value, value_out, |h| {
            h.v.targets
        })
    }
}

/// The number of users that would be changed. Writes it to `*value_out`.
///
/// # Safety
/// `value` is NULL or a live `licstore_preview`; `value_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_preview_ok(
    value: *const licstore_preview,
    value_out: *mut u64,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe { get_value("licstore_preview_ok", value, value_out, |h| h.v.ok) }
}

/// The number of users with nothing to do. Writes it to `*value_out`.
///
/// # Safety
/// `value` is NULL or a live `licstore_preview`; `value_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_preview_skipped(
    value: *const licstore_preview,
    value_out: *mut u64,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_value("licstore_preview_skipped", value, value_out, |h| {
            h.v.skipped
        })
    }
}

/// The number of SKUs of the preview (one per SKU the operation names). Writes it to
/// `*len_out`.
///
/// # Safety
/// `preview` is NULL or a live `licstore_preview`; `len_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_preview_sku_count(
    preview: *const licstore_preview,
    len_out: *mut usize,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        list_len("licstore_preview_sku_count", preview, len_out, |p| {
            p.skus.len()
        })
    }
}

/// Writes the SKU at 0-based `index` to `*value_out`: borrowed from the preview, valid until it
/// is freed; do not free it. An index at or past the end is `LICSTORE_INVALID_ARGUMENT`.
///
/// # Safety
/// `preview` is NULL or a live `licstore_preview`; `value_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_preview_sku(
    preview: *const licstore_preview,
    index: usize,
    value_out: *mut *const licstore_sku_preview,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        list_get("licstore_preview_sku", preview, index, value_out, |p| {
            &p.skus
        })
    }
}

/// The number of users that would fail. Writes it to `*len_out`.
///
/// # Safety
/// `preview` is NULL or a live `licstore_preview`; `len_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_preview_failure_count(
    preview: *const licstore_preview,
    len_out: *mut usize,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        list_len("licstore_preview_failure_count", preview, len_out, |p| {
            p.failures.len()
        })
    }
}

/// Writes the failure at 0-based `index` (a `licstore_job_item` with outcome error, its code and
/// message) to `*value_out`: borrowed from the preview, valid until it is freed; do not free it.
/// An index at or past the end is `LICSTORE_INVALID_ARGUMENT`.
///
/// # Safety
/// `preview` is NULL or a live `licstore_preview`; `value_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_preview_failure(
    preview: *const licstore_preview,
    index: usize,
    value_out: *mut *const licstore_job_item,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        list_get("licstore_preview_failure", preview, index, value_out, |p| {
            &p.failures
        })
    }
}

/// Writes the number of strings in the list to `*len_out`.
///
/// # Safety
/// `list` is NULL or a live list; `len_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_string_list_len(
    list: *const licstore_string_list,
    len_out: *mut usize,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe { list_len("licstore_string_list_len", list, len_out, |l| l.items.len()) }
}

/// Writes the string at 0-based `index` to `*value_out`: owned by the list, valid until it is
/// freed. An index at or past the end is `LICSTORE_INVALID_ARGUMENT`.
///
/// # Safety
/// `list` is NULL or a live list; `value_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_string_list_get(
    list: *const licstore_string_list,
    index: usize,
    value_out: *mut *const c_char,
) -> licstore_result {
    guard_online("licstore_string_list_get", || {
        // SAFETY: the caller's contract.
        let list = unsafe { handle(list, "list") }?;
        let out = Out::new(value_out, "value_out")?;
        let s = list.items.get(index).ok_or_else(|| {
            Error::invalid(
                "argument index",
                index.to_string(),
                format!("the list has {} item(s)", list.items.len()),
            )
        })?;
        write_val(Some(out), s.as_ptr());
        Ok(())
    })
}

/// Frees a string list and its strings. NULL is a no-op.
///
/// # Safety
/// `list` is NULL or a list the caller owns, not freed before.
#[no_mangle]
pub unsafe extern "C" fn licstore_string_list_free(list: *mut licstore_string_list) {
    // SAFETY: the caller's contract.
    unsafe { free_raw(list) }
}

// --- licstore_sku ------------------------------------------------------------------------------
/// Frees a `licstore_sku` the caller owns. NULL is a no-op. Never pass one borrowed from a list or a
/// result.
///
/// # Safety
/// `value` is NULL or an owned handle, not freed before.
#[no_mangle]
pub unsafe extern "C" fn licstore_sku_free(value: *mut licstore_sku) {
    // SAFETY: the caller's contract.
    unsafe { free_raw(value) }
}

/// Writes the number of items in the list to `*len_out`.
///
/// # Safety
/// `list` is NULL or a live list; `len_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_sku_list_len(
    list: *const licstore_sku_list,
    len_out: *mut usize,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe { list_len("licstore_sku_list_len", list, len_out, |l| l.items.len()) }
}

/// Writes the item at 0-based `index` to `*value_out`: borrowed from the list, valid until the
/// list is freed; do not free it. An index at or past the end is `LICSTORE_INVALID_ARGUMENT`.
///
/// # Safety
/// `list` is NULL or a live list; `value_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_sku_list_get(
    list: *const licstore_sku_list,
    index: usize,
    value_out: *mut *const licstore_sku,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        list_get("licstore_sku_list_get", list, index, value_out, |l| {
            &l.items
        })
    }
}

/// Frees a list and every item borrowed from it. NULL is a no-op.
///
/// # Safety
/// `list` is NULL or a list the caller owns, not freed before.
#[no_mangle]
pub unsafe extern "C" fn licstore_sku_list_free(list: *mut licstore_sku_list) {
    // SAFETY: the caller's contract.
    unsafe { free_raw(list) }
}

/// The customer's name. Writes it to `*value_out` (owned by the handle).
///
/// # Safety
/// `value` is NULL or a live `licstore_sku`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_sku_customer(
    value: *const licstore_sku,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text("licstore_sku_customer", value, value_out, |h| {
            Some(&h.customer)
        })
    }
}

/// The SKU's GUID (lower case). Writes it to `*value_out` (owned by the handle).
///
/// # Safety
/// `value` is NULL or a live `licstore_sku`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_sku_sku_id(
    value: *const licstore_sku,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe { get_text("licstore_sku_sku_id", value, value_out, |h| Some(&h.sku_id)) }
}

/// The part number (`ENTERPRISEPACK`). Writes it to `*value_out` (owned by the handle).
///
/// # Safety
/// `value` is NULL or a live `licstore_sku`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_sku_part_number(
    value: *const licstore_sku,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text("licstore_sku_part_number", value, value_out, |h| {
            Some(&h.part_number)
        })
    }
}

/// The friendly name from the catalog (`Office 365 E3`). Writes it to `*value_out` (owned by the handle).
///
/// # Safety
/// `value` is NULL or a live `licstore_sku`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_sku_display_name(
    value: *const licstore_sku,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text("licstore_sku_display_name", value, value_out, |h| {
            Some(&h.display_name)
        })
    }
}

/// `Enabled`, `Warning`, `Suspended`, `Deleted` or `LockedOut`. Writes it to `*value_out` (owned by the handle).
///
/// # Safety
/// `value` is NULL or a live `licstore_sku`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_sku_capability_status(
    value: *const licstore_sku,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text("licstore_sku_capability_status", value, value_out, |h| {
            Some(&h.capability_status)
        })
    }
}

/// `User` or `Company`. Writes it to `*value_out` (owned by the handle).
///
/// # Safety
/// `value` is NULL or a live `licstore_sku`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_sku_applies_to(
    value: *const licstore_sku,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text("licstore_sku_applies_to", value, value_out, |h| {
            Some(&h.applies_to)
        })
    }
}

/// The renewal or expiry date (`YYYY-MM-DD`), or NULL. Writes it to `*value_out` (owned by the handle; NULL when there is none).
///
/// # Safety
/// `value` is NULL or a live `licstore_sku`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_sku_term_end(
    value: *const licstore_sku,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text("licstore_sku_term_end", value, value_out, |h| {
            h.term_end.as_ref()
        })
    }
}

/// Assignments held now (counted from the assignments, never stored). Writes it to `*value_out`.
///
/// # Safety
/// `value` is NULL or a live `licstore_sku`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_sku_assigned(
    value: *const licstore_sku,
    value_out: *mut i64,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe { get_value("licstore_sku_assigned", value, value_out, |h| h.v.assigned) }
}

/// `enabled + warning - assigned` (negative when oversubscribed). Writes it to `*value_out`.
///
/// # Safety
/// `value` is NULL or a live `licstore_sku`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_sku_available(
    value: *const licstore_sku,
    value_out: *mut i64,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_value("licstore_sku_available", value, value_out, |h| {
            h.v.available
        })
    }
}

/// The consumed count an external system reported (Graph `consumedUnits`). Writes it to `*value_out` and 1 to `*present_out`, or 0 to both when there is none.
///
/// # Safety
/// `value` is NULL or a live `licstore_sku`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_sku_reported_consumed(
    value: *const licstore_sku,
    value_out: *mut i64,
    present_out: *mut i32,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_opt_int(
            "licstore_sku_reported_consumed",
            value,
            value_out,
            present_out,
            |h| h.v.reported_consumed,
        )
    }
}

/// `reported_consumed - assigned`, when a count was reported. Writes it to `*value_out` and 1 to `*present_out`, or 0 to both when there is none.
///
/// # Safety
/// `value` is NULL or a live `licstore_sku`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_sku_drift(
    value: *const licstore_sku,
    value_out: *mut i64,
    present_out: *mut i32,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_opt_int("licstore_sku_drift", value, value_out, present_out, |h| {
            h.v.drift
        })
    }
}
// --- licstore_subscriber -----------------------------------------------------------------------
/// Frees a `licstore_subscriber` the caller owns. NULL is a no-op. Never pass one borrowed from a list or a
/// result.
///
/// # Safety
/// `value` is NULL or an owned handle, not freed before.
#[no_mangle]
pub unsafe extern "C" fn licstore_subscriber_free(value: *mut licstore_subscriber) {
    // SAFETY: the caller's contract.
    unsafe { free_raw(value) }
}

/// Writes the number of items in the list to `*len_out`.
///
/// # Safety
/// `list` is NULL or a live list; `len_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_subscriber_list_len(
    list: *const licstore_subscriber_list,
    len_out: *mut usize,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        list_len("licstore_subscriber_list_len", list, len_out, |l| {
            l.items.len()
        })
    }
}

/// Writes the item at 0-based `index` to `*value_out`: borrowed from the list, valid until the
/// list is freed; do not free it. An index at or past the end is `LICSTORE_INVALID_ARGUMENT`.
///
/// # Safety
/// `list` is NULL or a live list; `value_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_subscriber_list_get(
    list: *const licstore_subscriber_list,
    index: usize,
    value_out: *mut *const licstore_subscriber,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        list_get(
            "licstore_subscriber_list_get",
            list,
            index,
            value_out,
            |l| &l.items,
        )
    }
}

/// Frees a list and every item borrowed from it. NULL is a no-op.
///
/// # Safety
/// `list` is NULL or a list the caller owns, not freed before.
#[no_mangle]
pub unsafe extern "C" fn licstore_subscriber_list_free(list: *mut licstore_subscriber_list) {
    // SAFETY: the caller's contract.
    unsafe { free_raw(list) }
}

/// The customer's name. Writes it to `*value_out` (owned by the handle).
///
/// # Safety
/// `value` is NULL or a live `licstore_subscriber`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_subscriber_customer(
    value: *const licstore_subscriber,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text("licstore_subscriber_customer", value, value_out, |h| {
            Some(&h.customer)
        })
    }
}

/// The user principal name, as stored. Writes it to `*value_out` (owned by the handle).
///
/// # Safety
/// `value` is NULL or a live `licstore_subscriber`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_subscriber_user_principal_name(
    value: *const licstore_subscriber,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text(
            "licstore_subscriber_user_principal_name",
            value,
            value_out,
            |h| Some(&h.upn),
        )
    }
}

/// The display name, or NULL. Writes it to `*value_out` (owned by the handle; NULL when there is none).
///
/// # Safety
/// `value` is NULL or a live `licstore_subscriber`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_subscriber_display_name(
    value: *const licstore_subscriber,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text("licstore_subscriber_display_name", value, value_out, |h| {
            h.display_name.as_ref()
        })
    }
}

/// The user's own usage location (ISO 3166-1 alpha-2), or NULL. Writes it to `*value_out` (owned by the handle; NULL when there is none).
///
/// # Safety
/// `value` is NULL or a live `licstore_subscriber`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_subscriber_usage_location(
    value: *const licstore_subscriber,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text(
            "licstore_subscriber_usage_location",
            value,
            value_out,
            |h| h.usage_location.as_ref(),
        )
    }
}

/// The department, or NULL. Writes it to `*value_out` (owned by the handle; NULL when there is none).
///
/// # Safety
/// `value` is NULL or a live `licstore_subscriber`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_subscriber_department(
    value: *const licstore_subscriber,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text("licstore_subscriber_department", value, value_out, |h| {
            h.department.as_ref()
        })
    }
}

/// The Entra object id (GUID), or NULL. Writes it to `*value_out` (owned by the handle; NULL when there is none).
///
/// # Safety
/// `value` is NULL or a live `licstore_subscriber`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_subscriber_object_id(
    value: *const licstore_subscriber,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text("licstore_subscriber_object_id", value, value_out, |h| {
            h.object_id.as_ref()
        })
    }
}

/// The status, a `licstore_subscriber_statuses` value. Writes it to `*value_out`.
///
/// # Safety
/// `value` is NULL or a live `licstore_subscriber`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_subscriber_status(
    value: *const licstore_subscriber,
    value_out: *mut u32,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_value("licstore_subscriber_status", value, value_out, |h| {
            status_value(h.v.status)
        })
    }
}
// --- licstore_license --------------------------------------------------------------------------
/// Writes the number of items in the list to `*len_out`.
///
/// # Safety
/// `list` is NULL or a live list; `len_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_license_list_len(
    list: *const licstore_license_list,
    len_out: *mut usize,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        list_len("licstore_license_list_len", list, len_out, |l| {
            l.items.len()
        })
    }
}

/// Writes the item at 0-based `index` to `*value_out`: borrowed from the list, valid until the
/// list is freed; do not free it. An index at or past the end is `LICSTORE_INVALID_ARGUMENT`.
///
/// # Safety
/// `list` is NULL or a live list; `value_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_license_list_get(
    list: *const licstore_license_list,
    index: usize,
    value_out: *mut *const licstore_license,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        list_get("licstore_license_list_get", list, index, value_out, |l| {
            &l.items
        })
    }
}

/// Frees a list and every item borrowed from it. NULL is a no-op.
///
/// # Safety
/// `list` is NULL or a list the caller owns, not freed before.
#[no_mangle]
pub unsafe extern "C" fn licstore_license_list_free(list: *mut licstore_license_list) {
    // SAFETY: the caller's contract.
    unsafe { free_raw(list) }
}

/// The SKU's GUID. Writes it to `*value_out` (owned by the handle).
///
/// # Safety
/// `value` is NULL or a live `licstore_license`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_license_sku_id(
    value: *const licstore_license,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text("licstore_license_sku_id", value, value_out, |h| {
            Some(&h.sku_id)
        })
    }
}

/// The SKU's friendly name. Writes it to `*value_out` (owned by the handle).
///
/// # Safety
/// `value` is NULL or a live `licstore_license`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_license_display_name(
    value: *const licstore_license,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text("licstore_license_display_name", value, value_out, |h| {
            Some(&h.display_name)
        })
    }
}

/// When the license ends (an instant, `2026-01-31T00:00:00Z`), or NULL. Writes it to `*value_out` (owned by the handle; NULL when there is none).
///
/// # Safety
/// `value` is NULL or a live `licstore_license`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_license_expires_at(
    value: *const licstore_license,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text("licstore_license_expires_at", value, value_out, |h| {
            h.expires_at.as_ref()
        })
    }
}
// --- licstore_sku_preview ----------------------------------------------------------------------
/// The SKU's GUID. Writes it to `*value_out` (owned by the handle).
///
/// # Safety
/// `value` is NULL or a live `licstore_sku_preview`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_sku_preview_sku_id(
    value: *const licstore_sku_preview,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text("licstore_sku_preview_sku_id", value, value_out, |h| {
            Some(&h.sku_id)
        })
    }
}

/// The part number. Writes it to `*value_out` (owned by the handle).
///
/// # Safety
/// `value` is NULL or a live `licstore_sku_preview`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_sku_preview_part_number(
    value: *const licstore_sku_preview,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text("licstore_sku_preview_part_number", value, value_out, |h| {
            Some(&h.part_number)
        })
    }
}

/// The friendly name. Writes it to `*value_out` (owned by the handle).
///
/// # Safety
/// `value` is NULL or a live `licstore_sku_preview`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_sku_preview_display_name(
    value: *const licstore_sku_preview,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text("licstore_sku_preview_display_name", value, value_out, |h| {
            Some(&h.display_name)
        })
    }
}

/// Whether all, some or none of the targets hold the SKU now, a `licstore_held_by` value (Partner Center's tri-state check box). Writes it to `*value_out`.
///
/// # Safety
/// `value` is NULL or a live `licstore_sku_preview`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_sku_preview_held_by(
    value: *const licstore_sku_preview,
    value_out: *mut u32,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_value("licstore_sku_preview_held_by", value, value_out, |h| {
            held_by_value(h.v.held_by)
        })
    }
}

/// How many targets hold it now. Writes it to `*value_out`.
///
/// # Safety
/// `value` is NULL or a live `licstore_sku_preview`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_sku_preview_holders(
    value: *const licstore_sku_preview,
    value_out: *mut u64,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_value("licstore_sku_preview_holders", value, value_out, |h| {
            h.v.holders
        })
    }
}

/// Seats the run would take. Writes it to `*value_out`.
///
/// # Safety
/// `value` is NULL or a live `licstore_sku_preview`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_sku_preview_seats_needed(
    value: *const licstore_sku_preview,
    value_out: *mut u64,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_value("licstore_sku_preview_seats_needed", value, value_out, |h| {
            h.v.seats_needed
        })
    }
}

/// Seats the run would free. Writes it to `*value_out`.
///
/// # Safety
/// `value` is NULL or a live `licstore_sku_preview`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_sku_preview_seats_freed(
    value: *const licstore_sku_preview,
    value_out: *mut u64,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_value("licstore_sku_preview_seats_freed", value, value_out, |h| {
            h.v.seats_freed
        })
    }
}

/// Available seats before the run. Writes it to `*value_out`.
///
/// # Safety
/// `value` is NULL or a live `licstore_sku_preview`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_sku_preview_seats_available(
    value: *const licstore_sku_preview,
    value_out: *mut i64,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_value(
            "licstore_sku_preview_seats_available",
            value,
            value_out,
            |h| h.v.seats_available,
        )
    }
}
// --- licstore_job ------------------------------------------------------------------------------
/// Frees a `licstore_job` the caller owns. NULL is a no-op. Never pass one borrowed from a list or a
/// result.
///
/// # Safety
/// `value` is NULL or an owned handle, not freed before.
#[no_mangle]
pub unsafe extern "C" fn licstore_job_free(value: *mut licstore_job) {
    // SAFETY: the caller's contract.
    unsafe { free_raw(value) }
}

/// The job's id. Writes it to `*value_out`.
///
/// # Safety
/// `value` is NULL or a live `licstore_job`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_job_id(
    value: *const licstore_job,
    value_out: *mut i64,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe { get_value("licstore_job_id", value, value_out, |h| h.v.id) }
}

/// The customer's name, or NULL for a store-wide job (expiry). Writes it to `*value_out` (owned by the handle; NULL when there is none).
///
/// # Safety
/// `value` is NULL or a live `licstore_job`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_job_customer(
    value: *const licstore_job,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text("licstore_job_customer", value, value_out, |h| {
            h.customer.as_ref()
        })
    }
}

/// `assign`, `remove`, `replace`, `expire`, `sync_skus`, `sync_users` ... Writes it to `*value_out` (owned by the handle).
///
/// # Safety
/// `value` is NULL or a live `licstore_job`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_job_kind(
    value: *const licstore_job,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe { get_text("licstore_job_kind", value, value_out, |h| Some(&h.kind)) }
}

/// The request, as JSON. Writes it to `*value_out` (owned by the handle).
///
/// # Safety
/// `value` is NULL or a live `licstore_job`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_job_parameters(
    value: *const licstore_job,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text("licstore_job_parameters", value, value_out, |h| {
            Some(&h.parameters)
        })
    }
}

/// Who ran it. Writes it to `*value_out` (owned by the handle).
///
/// # Safety
/// `value` is NULL or a live `licstore_job`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_job_actor(
    value: *const licstore_job,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe { get_text("licstore_job_actor", value, value_out, |h| Some(&h.actor)) }
}

/// When it was recorded (an instant). Writes it to `*value_out` (owned by the handle).
///
/// # Safety
/// `value` is NULL or a live `licstore_job`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_job_created_at(
    value: *const licstore_job,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text("licstore_job_created_at", value, value_out, |h| {
            Some(&h.created_at)
        })
    }
}

/// When it started, or NULL. Writes it to `*value_out` (owned by the handle; NULL when there is none).
///
/// # Safety
/// `value` is NULL or a live `licstore_job`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_job_started_at(
    value: *const licstore_job,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text("licstore_job_started_at", value, value_out, |h| {
            h.started_at.as_ref()
        })
    }
}

/// When it finished, or NULL. Writes it to `*value_out` (owned by the handle; NULL when there is none).
///
/// # Safety
/// `value` is NULL or a live `licstore_job`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_job_finished_at(
    value: *const licstore_job,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text("licstore_job_finished_at", value, value_out, |h| {
            h.finished_at.as_ref()
        })
    }
}

/// The status, a `licstore_job_statuses` value. Writes it to `*value_out`.
///
/// # Safety
/// `value` is NULL or a live `licstore_job`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_job_status(
    value: *const licstore_job,
    value_out: *mut u32,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_value("licstore_job_status", value, value_out, |h| {
            job_status_value(h.v.status)
        })
    }
}

/// The job this one reran. Writes it to `*value_out` and 1 to `*present_out`, or 0 to both when there is none.
///
/// # Safety
/// `value` is NULL or a live `licstore_job`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_job_rerun_of(
    value: *const licstore_job,
    value_out: *mut i64,
    present_out: *mut i32,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_opt_int(
            "licstore_job_rerun_of",
            value,
            value_out,
            present_out,
            |h| h.v.rerun_of,
        )
    }
}

/// Users changed. Writes it to `*value_out`.
///
/// # Safety
/// `value` is NULL or a live `licstore_job`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_job_ok(
    value: *const licstore_job,
    value_out: *mut u64,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe { get_value("licstore_job_ok", value, value_out, |h| h.v.ok) }
}

/// Users with nothing to do. Writes it to `*value_out`.
///
/// # Safety
/// `value` is NULL or a live `licstore_job`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_job_skipped(
    value: *const licstore_job,
    value_out: *mut u64,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe { get_value("licstore_job_skipped", value, value_out, |h| h.v.skipped) }
}

/// Users that failed (for a refused atomic run: every target). Writes it to `*value_out`.
///
/// # Safety
/// `value` is NULL or a live `licstore_job`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_job_failed(
    value: *const licstore_job,
    value_out: *mut u64,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe { get_value("licstore_job_failed", value, value_out, |h| h.v.failed) }
}
// --- licstore_job_item -------------------------------------------------------------------------
/// Writes the number of items in the list to `*len_out`.
///
/// # Safety
/// `list` is NULL or a live list; `len_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_job_item_list_len(
    list: *const licstore_job_item_list,
    len_out: *mut usize,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        list_len("licstore_job_item_list_len", list, len_out, |l| {
            l.items.len()
        })
    }
}

/// Writes the item at 0-based `index` to `*value_out`: borrowed from the list, valid until the
/// list is freed; do not free it. An index at or past the end is `LICSTORE_INVALID_ARGUMENT`.
///
/// # Safety
/// `list` is NULL or a live list; `value_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_job_item_list_get(
    list: *const licstore_job_item_list,
    index: usize,
    value_out: *mut *const licstore_job_item,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        list_get("licstore_job_item_list_get", list, index, value_out, |l| {
            &l.items
        })
    }
}

/// Frees a list and every item borrowed from it. NULL is a no-op.
///
/// # Safety
/// `list` is NULL or a list the caller owns, not freed before.
#[no_mangle]
pub unsafe extern "C" fn licstore_job_item_list_free(list: *mut licstore_job_item_list) {
    // SAFETY: the caller's contract.
    unsafe { free_raw(list) }
}

/// The user principal name (as stored, or as given when unknown). Writes it to `*value_out` (owned by the handle).
///
/// # Safety
/// `value` is NULL or a live `licstore_job_item`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_job_item_subject(
    value: *const licstore_job_item,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text("licstore_job_item_subject", value, value_out, |h| {
            Some(&h.subject)
        })
    }
}

/// Ok, skipped or error, a `licstore_item_outcome` value. Writes it to `*value_out`.
///
/// # Safety
/// `value` is NULL or a live `licstore_job_item`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_job_item_outcome(
    value: *const licstore_job_item,
    value_out: *mut u32,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_value("licstore_job_item_outcome", value, value_out, |h| {
            outcome_value(h.v.outcome)
        })
    }
}

/// The code's name: `AlreadyAssigned` / `NotAssigned` for a skip, the error's name (`CountViolation` ...) for an error; NULL for ok. Writes it to `*value_out` (owned by the handle; NULL when there is none).
///
/// # Safety
/// `value` is NULL or a live `licstore_job_item`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_job_item_code(
    value: *const licstore_job_item,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text("licstore_job_item_code", value, value_out, |h| {
            h.code.as_ref()
        })
    }
}

/// The error as a `licstore_result` (`LICSTORE_COUNT_VIOLATION` ...); `LICSTORE_OK` for ok and skipped items. Writes it to `*value_out`.
///
/// # Safety
/// `value` is NULL or a live `licstore_job_item`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_job_item_result(
    value: *const licstore_job_item,
    value_out: *mut u32,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_value("licstore_job_item_result", value, value_out, |h| {
            h.result as u32
        })
    }
}

/// What happened, or NULL. Writes it to `*value_out` (owned by the handle; NULL when there is none).
///
/// # Safety
/// `value` is NULL or a live `licstore_job_item`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_job_item_message(
    value: *const licstore_job_item,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text("licstore_job_item_message", value, value_out, |h| {
            h.message.as_ref()
        })
    }
}
// --- licstore_expiring -------------------------------------------------------------------------
/// Writes the number of items in the list to `*len_out`.
///
/// # Safety
/// `list` is NULL or a live list; `len_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_expiring_list_len(
    list: *const licstore_expiring_list,
    len_out: *mut usize,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        list_len("licstore_expiring_list_len", list, len_out, |l| {
            l.items.len()
        })
    }
}

/// Writes the item at 0-based `index` to `*value_out`: borrowed from the list, valid until the
/// list is freed; do not free it. An index at or past the end is `LICSTORE_INVALID_ARGUMENT`.
///
/// # Safety
/// `list` is NULL or a live list; `value_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_expiring_list_get(
    list: *const licstore_expiring_list,
    index: usize,
    value_out: *mut *const licstore_expiring,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        list_get("licstore_expiring_list_get", list, index, value_out, |l| {
            &l.items
        })
    }
}

/// Frees a list and every item borrowed from it. NULL is a no-op.
///
/// # Safety
/// `list` is NULL or a list the caller owns, not freed before.
#[no_mangle]
pub unsafe extern "C" fn licstore_expiring_list_free(list: *mut licstore_expiring_list) {
    // SAFETY: the caller's contract.
    unsafe { free_raw(list) }
}

/// `license` (a user's license with an `expires_at`) or `sku_term` (a SKU's term end). Writes it to `*value_out` (owned by the handle).
///
/// # Safety
/// `value` is NULL or a live `licstore_expiring`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_expiring_kind(
    value: *const licstore_expiring,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text("licstore_expiring_kind", value, value_out, |h| {
            Some(&h.kind)
        })
    }
}

/// The customer's name. Writes it to `*value_out` (owned by the handle).
///
/// # Safety
/// `value` is NULL or a live `licstore_expiring`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_expiring_customer(
    value: *const licstore_expiring,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text("licstore_expiring_customer", value, value_out, |h| {
            Some(&h.customer)
        })
    }
}

/// The user, or NULL for a SKU term. Writes it to `*value_out` (owned by the handle; NULL when there is none).
///
/// # Safety
/// `value` is NULL or a live `licstore_expiring`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_expiring_user_principal_name(
    value: *const licstore_expiring,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text(
            "licstore_expiring_user_principal_name",
            value,
            value_out,
            |h| h.upn.as_ref(),
        )
    }
}

/// The SKU's GUID. Writes it to `*value_out` (owned by the handle).
///
/// # Safety
/// `value` is NULL or a live `licstore_expiring`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_expiring_sku_id(
    value: *const licstore_expiring,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text("licstore_expiring_sku_id", value, value_out, |h| {
            Some(&h.sku_id)
        })
    }
}

/// The SKU's friendly name. Writes it to `*value_out` (owned by the handle).
///
/// # Safety
/// `value` is NULL or a live `licstore_expiring`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_expiring_display_name(
    value: *const licstore_expiring,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text("licstore_expiring_display_name", value, value_out, |h| {
            Some(&h.display_name)
        })
    }
}

/// When it ends. Writes it to `*value_out` (owned by the handle).
///
/// # Safety
/// `value` is NULL or a live `licstore_expiring`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_expiring_at(
    value: *const licstore_expiring,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe { get_text("licstore_expiring_at", value, value_out, |h| Some(&h.at)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> String {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../include/licstore.h");
        std::fs::read_to_string(path).expect("include/licstore.h exists")
    }

    fn has_line(header: &str, line: &str) {
        assert!(
            header.lines().any(|l| l.trim() == line),
            "include/licstore.h lacks `{line}` (run `make header`)"
        );
    }

    #[test]
    fn header_enums_match_core() {
        let h = header();
        for (s, name) in [
            (SubscriberStatus::Staged, "STAGED"),
            (SubscriberStatus::Active, "ACTIVE"),
            (SubscriberStatus::Offboarded, "OFFBOARDED"),
        ] {
            let v = status_value(s);
            has_line(&h, &format!("LICSTORE_SUBSCRIBER_STATUS_{name} = {v},"));
            assert_eq!(status_arg(v, "status").unwrap(), s);
            assert_eq!(s.as_str().to_ascii_uppercase(), name);
        }
        for (s, name) in [
            (JobStatus::Pending, "PENDING"),
            (JobStatus::Running, "RUNNING"),
            (JobStatus::Finished, "FINISHED"),
            (JobStatus::FinishedWithException, "FINISHED_WITH_EXCEPTION"),
            (JobStatus::Failed, "FAILED"),
        ] {
            has_line(
                &h,
                &format!("LICSTORE_JOB_STATUS_{name} = {},", job_status_value(s)),
            );
        }
        for (o, name) in [
            (ItemOutcome::Ok, "OK"),
            (ItemOutcome::Skipped, "SKIPPED"),
            (ItemOutcome::Error, "ERROR"),
        ] {
            has_line(
                &h,
                &format!("LICSTORE_ITEM_OUTCOME_{name} = {},", outcome_value(o)),
            );
        }
        for (b, name) in [
            (HeldBy::All, "ALL"),
            (HeldBy::Some, "SOME"),
            (HeldBy::None, "NONE"),
        ] {
            has_line(
                &h,
                &format!("LICSTORE_HELD_BY_{name} = {},", held_by_value(b)),
            );
        }
        for (i, name) in ["ASSIGN", "REMOVE", "REPLACE"].iter().enumerate() {
            has_line(&h, &format!("LICSTORE_BULK_OP_{name} = {i},"));
            assert_eq!(op_arg(i as u32).unwrap() as u32, i as u32);
        }
        assert_eq!(mode_arg(0).unwrap(), BulkMode::Atomic);
        assert_eq!(mode_arg(1).unwrap(), BulkMode::BestEffort);
        has_line(&h, "LICSTORE_BULK_MODE_BEST_EFFORT = 1,");
        has_line(&h, "LICSTORE_NUMBER_STATUS_RESERVED = 1,");
    }

    #[test]
    fn enum_values_out_of_range_are_refused() {
        for e in [
            status_arg(3, "status").unwrap_err(),
            op_arg(3).unwrap_err(),
            mode_arg(2).unwrap_err(),
            mode_arg(u32::MAX).unwrap_err(),
        ] {
            assert_eq!(e.code(), ErrorCode::InvalidArgument);
            assert!(e.to_string().contains("must be one of 0 ("), "{e}");
        }
    }

    #[test]
    fn job_items_carry_their_result_code() {
        let item = |outcome, code: Option<&str>| ItemResult {
            subject: "u@contoso.com".into(),
            outcome,
            code: code.map(String::from),
            message: None,
        };
        for &code in ErrorCode::ALL {
            let h = licstore_job_item::new(&item(ItemOutcome::Error, Some(code.name()))).unwrap();
            assert_eq!(h.result as u32, code.number(), "{code}");
        }
        let h = licstore_job_item::new(&item(ItemOutcome::Skipped, Some("AlreadyAssigned")));
        assert_eq!(h.unwrap().result, licstore_result::LICSTORE_OK);
        let h = licstore_job_item::new(&item(ItemOutcome::Ok, None)).unwrap();
        assert_eq!(h.result, licstore_result::LICSTORE_OK);
    }

    #[test]
    fn a_request_has_one_kind_of_target_and_checks_its_options() {
        let mut r = licstore_bulk_request {
            customer: "Contoso".into(),
            op: licstore_bulk_op::Remove,
            users: vec!["u0@contoso.com".into()],
            groups: Vec::new(),
            filter: None,
            skus: vec!["ENTERPRISEPACK".into()],
            replaced: Vec::new(),
            options: AssignOptions::default(),
            mode: BulkMode::BestEffort,
        };
        assert_eq!(
            r.target_kind("groups").unwrap_err().code(),
            ErrorCode::InvalidState
        );
        r.target_kind("users").unwrap();
        let req = r.to_request().unwrap();
        assert_eq!(req.targets, Targets::Users(vec!["u0@contoso.com".into()]));
        assert_eq!(
            req.op,
            BulkOp::Remove {
                skus: vec!["ENTERPRISEPACK".into()]
            }
        );
        r.options.take_number = true;
        assert_eq!(
            r.to_request().unwrap_err().code(),
            ErrorCode::InvalidArgument
        );
        r.op = licstore_bulk_op::Replace;
        let req = r.to_request().unwrap();
        assert!(matches!(
            req.op,
            BulkOp::Replace {
                from: ReplaceFrom::All,
                ..
            }
        ));
    }
}

// --- Catalog ---------------------------------------------------------------------------------

/// One SKU of Microsoft's product catalog with its service plans: a snapshot. Free it with
/// `licstore_catalog_entry_free`.
#[derive(Debug)]
pub struct licstore_catalog_entry {
    sku_id: CString,
    part_number: CString,
    display_name: CString,
    /// (plan id, plan name) per service plan.
    plans: Vec<(CString, CString)>,
}

impl licstore_catalog_entry {
    fn new(v: &CatalogSku) -> Result<licstore_catalog_entry> {
        Ok(licstore_catalog_entry {
            sku_id: c_string(&v.sku_id, "catalog sku id")?,
            part_number: c_string(&v.part_number, "catalog part number")?,
            display_name: c_string(&v.display_name, "catalog display name")?,
            plans: v
                .plans
                .iter()
                .map(|(id, name, _)| {
                    Ok((
                        c_string(id, "service plan id")?,
                        c_string(name, "service plan name")?,
                    ))
                })
                .collect::<Result<_>>()?,
        })
    }
}

/// What a catalog import loaded (`licstore_catalog_import_csv`).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct licstore_catalog_report {
    /// SKUs loaded.
    pub skus: u64,
    /// (SKU, service plan) pairs loaded.
    pub plans: u64,
    /// Duplicate rows of the file dropped.
    pub duplicate_rows: u64,
}

/// Looks a SKU up in the catalog by GUID or part number (case-insensitive; the built-in catalog
/// is loaded on first use). On success `*entry_out` receives a new handle the caller frees with
/// `licstore_catalog_entry_free`. Fails with `LICSTORE_SKU_NOT_FOUND` for a SKU the catalog does
/// not know.
///
/// # Safety
/// `store` is NULL or a live handle; `sku` is NULL or NUL-terminated; `entry_out` is NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_catalog_sku(
    store: *const licstore_store,
    sku: *const c_char,
    entry_out: *mut *mut licstore_catalog_entry,
) -> licstore_result {
    guard_online("licstore_catalog_sku", || {
        // SAFETY (all): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let sku = unsafe { str_arg(sku, "sku") }?;
        let out = Out::new(entry_out, "entry_out")?;
        let v = store.lock().catalog_sku(sku)?;
        write_opt(Some(out), &v, licstore_catalog_entry::new)
    })
}

/// Every SKU GUID the catalog knows under the friendly name `display_name` (a primary name or an
/// alias, compared without regard to case), in GUID order; an unknown name gives an empty list.
/// On success `*list_out` receives a new list the caller frees with `licstore_string_list_free`.
///
/// # Safety
/// `store` is NULL or a live handle; `display_name` is NULL or NUL-terminated; `list_out` is NULL
/// or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_catalog_by_name(
    store: *const licstore_store,
    display_name: *const c_char,
    list_out: *mut *mut licstore_string_list,
) -> licstore_result {
    guard_online("licstore_catalog_by_name", || {
        // SAFETY (all): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let name = unsafe { str_arg(display_name, "display_name") }?;
        let out = Out::new(list_out, "list_out")?;
        let v = store.lock().catalog_by_name(name)?;
        write_opt(Some(out), &v[..], licstore_string_list::new)
    })
}

/// Replaces the catalog with a newer copy of Microsoft's "Product names and service plan
/// identifiers for licensing" CSV (the file at `path`), all or nothing. SKUs already subscribed
/// keep working; their friendly names follow the new file. `report_out` may be NULL; otherwise on
/// success it receives how many SKUs and plans were loaded. Fails with `LICSTORE_CSV_ERROR` (line,
/// column and value in the message) for a malformed file and `LICSTORE_IO_ERROR` when it cannot
/// be read, changing nothing.
///
/// # Safety
/// `store` is NULL or a live handle; `path` is NULL or NUL-terminated; `report_out` is NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_catalog_import_csv(
    store: *const licstore_store,
    path: *const c_char,
    report_out: *mut licstore_catalog_report,
) -> licstore_result {
    guard_online("licstore_catalog_import_csv", || {
        // SAFETY (all): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let path = unsafe { path_arg(path, "path") }?;
        let out = Out::optional(report_out);
        let r = store
            .lock()
            .import_catalog(open(&path)?, &file_name(&path))?;
        write_val(
            out,
            licstore_catalog_report {
                skus: r.skus,
                plans: r.plans,
                duplicate_rows: r.duplicate_rows,
            },
        );
        Ok(())
    })
}

/// Frees a catalog entry. NULL is a no-op.
///
/// # Safety
/// `value` is NULL or an entry the caller owns, not freed before.
#[no_mangle]
pub unsafe extern "C" fn licstore_catalog_entry_free(value: *mut licstore_catalog_entry) {
    // SAFETY: the caller's contract.
    unsafe { free_raw(value) }
}

/// The SKU's GUID (Graph `skuId`). Writes it to `*value_out` (owned by the handle).
///
/// # Safety
/// `value` is NULL or a live `licstore_catalog_entry`; `value_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_catalog_entry_sku_id(
    value: *const licstore_catalog_entry,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text("licstore_catalog_entry_sku_id", value, value_out, |h| {
            Some(&h.sku_id)
        })
    }
}

/// The SKU's part number (Graph `skuPartNumber`). Writes it to `*value_out` (owned by the
/// handle).
///
/// # Safety
/// `value` is NULL or a live `licstore_catalog_entry`; `value_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_catalog_entry_part_number(
    value: *const licstore_catalog_entry,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text(
            "licstore_catalog_entry_part_number",
            value,
            value_out,
            |h| Some(&h.part_number),
        )
    }
}

/// The SKU's friendly name. Writes it to `*value_out` (owned by the handle).
///
/// # Safety
/// `value` is NULL or a live `licstore_catalog_entry`; `value_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_catalog_entry_display_name(
    value: *const licstore_catalog_entry,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text(
            "licstore_catalog_entry_display_name",
            value,
            value_out,
            |h| Some(&h.display_name),
        )
    }
}

/// The number of service plans of the SKU. Writes it to `*len_out`.
///
/// # Safety
/// `value` is NULL or a live `licstore_catalog_entry`; `len_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_catalog_entry_plan_count(
    value: *const licstore_catalog_entry,
    len_out: *mut usize,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        list_len("licstore_catalog_entry_plan_count", value, len_out, |h| {
            h.plans.len()
        })
    }
}

/// The service plan at 0-based `index`: its GUID to `*id_out` and its name (for example
/// `EXCHANGE_S_ENTERPRISE`) to `*name_out`, both owned by the handle. Both outputs are required;
/// an index at or past the end is `LICSTORE_INVALID_ARGUMENT`.
///
/// # Safety
/// `value` is NULL or a live `licstore_catalog_entry`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_catalog_entry_plan(
    value: *const licstore_catalog_entry,
    index: usize,
    id_out: *mut *const c_char,
    name_out: *mut *const c_char,
) -> licstore_result {
    guard_online("licstore_catalog_entry_plan", || {
        // SAFETY: the caller's contract.
        let h = unsafe { handle(value, "value") }?;
        let id_out = Out::new(id_out, "id_out")?;
        let name_out = Out::new(name_out, "name_out")?;
        let (id, name) = h.plans.get(index).ok_or_else(|| {
            Error::invalid(
                "argument index",
                index.to_string(),
                format!("the SKU has {} service plan(s)", h.plans.len()),
            )
        })?;
        write_val(Some(id_out), id.as_ptr());
        write_val(Some(name_out), name.as_ptr());
        Ok(())
    })
}

// --- Batch of subscribers --------------------------------------------------------------------

/// One user of `licstore_subscribers_add_batch`: the same fields as `licstore_subscribers_add`.
/// `customer` and `user_principal_name` are required; the other strings may be NULL or `""` for
/// none; `status` is a `licstore_subscriber_statuses` value.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct licstore_new_subscriber {
    /// The existing customer's name.
    pub customer: *const c_char,
    /// `name@domain`, new to the store (case-insensitive).
    pub user_principal_name: *const c_char,
    /// Display name, or NULL.
    pub display_name: *const c_char,
    /// ISO 3166-1 alpha-2, or NULL.
    pub usage_location: *const c_char,
    /// Department, or NULL.
    pub department: *const c_char,
    /// Entra object id (a GUID), or NULL.
    pub object_id: *const c_char,
    /// A `licstore_subscriber_statuses` value.
    pub status: u32,
}

/// Adds `count` subscribers in one transaction, all or nothing: one bad entry (a bad value, an
/// unknown customer, a UPN taken in the store or twice in the batch) refuses the whole batch,
/// adding nobody; the message names the entry. `added_out` may be NULL; otherwise on success it
/// receives how many were added (`count`). `subscribers` may be NULL only when `count` is 0.
///
/// # Safety
/// `store` is NULL or a live handle; `subscribers` is NULL or points to `count` readable
/// entries whose strings are NULL or NUL-terminated; `added_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_subscribers_add_batch(
    store: *const licstore_store,
    subscribers: *const licstore_new_subscriber,
    count: usize,
    added_out: *mut u64,
) -> licstore_result {
    guard_online("licstore_subscribers_add_batch", || {
        // SAFETY (all): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let items: &[licstore_new_subscriber] = if count == 0 {
            &[]
        } else if subscribers.is_null() {
            return Err(Error::invalid(
                "argument subscribers",
                "NULL",
                format!("must not be a NULL pointer (count is {count})"),
            ));
        } else {
            unsafe { std::slice::from_raw_parts(subscribers, count) }
        };
        let new = items
            .iter()
            .enumerate()
            .map(|(i, s)| {
                Ok(NewSubscriber {
                    customer: unsafe {
                        str_arg(s.customer, &format!("subscribers[{i}].customer"))
                    }?
                    .into(),
                    user_principal_name: unsafe {
                        str_arg(
                            s.user_principal_name,
                            &format!("subscribers[{i}].user_principal_name"),
                        )
                    }?
                    .into(),
                    display_name: unsafe {
                        opt_text(s.display_name, &format!("subscribers[{i}].display_name"))
                    }?,
                    usage_location: unsafe {
                        opt_text(
                            s.usage_location,
                            &format!("subscribers[{i}].usage_location"),
                        )
                    }?,
                    department: unsafe {
                        opt_text(s.department, &format!("subscribers[{i}].department"))
                    }?,
                    object_id: unsafe {
                        opt_text(s.object_id, &format!("subscribers[{i}].object_id"))
                    }?,
                    status: status_arg(s.status, &format!("subscribers[{i}].status"))?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let out = Out::optional(added_out);
        let n = store.lock().add_subscribers(&new)?;
        write_val(out, n);
        Ok(())
    })
}

// --- Per-entry sync differences --------------------------------------------------------------

/// What a sync would do to one entry of a `licstore_sync_diff`.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum licstore_change_kind {
    /// Not in the store yet (a SKU, or a user the apply adds as Staged).
    New = 0,
    /// In the store with other figures, fields or licenses.
    Changed = 1,
    /// In the store, absent from the file.
    Gone = 2,
}

#[derive(Debug)]
struct SyncChange {
    kind: licstore_change_kind,
    key: CString,
    description: CString,
}

/// The per-entry differences between a sync file and the store, unchanged entries left out, in
/// core's order (the file's order, then the gone entries). Free it with `licstore_sync_diff_free`.
#[derive(Debug)]
pub struct licstore_sync_diff {
    items: Vec<SyncChange>,
}

impl licstore_sync_diff {
    fn new<'a>(
        entries: impl Iterator<Item = (Option<licstore_change_kind>, &'a str, &'a [String])>,
    ) -> Result<licstore_sync_diff> {
        let mut items = Vec::new();
        for (kind, key, changes) in entries {
            if let Some(kind) = kind {
                items.push(SyncChange {
                    kind,
                    key: c_string(key, "sync entry")?,
                    description: c_string(&changes.join("; "), "sync change")?,
                });
            }
        }
        Ok(licstore_sync_diff { items })
    }
}

/// As `licstore_graph_skus_diff`, but per SKU: on success `*diff_out` receives a new
/// `licstore_sync_diff` (the caller frees it with `licstore_sync_diff_free`) whose entries are
/// keyed by SKU GUID and describe each differing field as `field: old -> new`. Fails as
/// `licstore_graph_skus_diff`; nothing is written to the store.
///
/// # Safety
/// `store` is NULL or a live handle; the strings are NULL or NUL-terminated; `diff_out` is NULL
/// or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_graph_skus_diff_entries(
    store: *const licstore_store,
    customer: *const c_char,
    path: *const c_char,
    diff_out: *mut *mut licstore_sync_diff,
) -> licstore_result {
    guard_online("licstore_graph_skus_diff_entries", || {
        // SAFETY (all): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let customer = unsafe { str_arg(customer, "customer") }?;
        let path = unsafe { path_arg(path, "path") }?;
        let out = Out::new(diff_out, "diff_out")?;
        let changes = store
            .lock()
            .diff_graph_skus(customer, open(&path)?, &file_name(&path))?;
        write_opt(Some(out), &changes[..], |v| {
            licstore_sync_diff::new(v.iter().map(|c| {
                let kind = match c.kind {
                    SkuChangeKind::New => Some(licstore_change_kind::New),
                    SkuChangeKind::Changed => Some(licstore_change_kind::Changed),
                    SkuChangeKind::Gone => Some(licstore_change_kind::Gone),
                    SkuChangeKind::Unchanged => None,
                };
                (kind, c.sku_id.as_str(), &c.changes[..])
            }))
        })
    })
}

/// As `licstore_m365_users_diff`, but per user: on success `*diff_out` receives a new
/// `licstore_sync_diff` (the caller frees it with `licstore_sync_diff_free`) whose entries are
/// keyed by UPN and describe each difference as `field: old -> new` or `+License` / `-License`.
/// Rejected rows are not entries (their count is `errors` of `licstore_m365_users_diff`). Fails
/// as `licstore_m365_users_diff`; nothing is written to the store.
///
/// # Safety
/// `store` is NULL or a live handle; the strings are NULL or NUL-terminated; `diff_out` is NULL
/// or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_m365_users_diff_entries(
    store: *const licstore_store,
    customer: *const c_char,
    path: *const c_char,
    diff_out: *mut *mut licstore_sync_diff,
) -> licstore_result {
    guard_online("licstore_m365_users_diff_entries", || {
        // SAFETY (all): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let customer = unsafe { str_arg(customer, "customer") }?;
        let path = unsafe { path_arg(path, "path") }?;
        let out = Out::new(diff_out, "diff_out")?;
        let d = store
            .lock()
            .diff_m365_users(customer, open(&path)?, &file_name(&path))?;
        write_opt(Some(out), &d.users[..], |v| {
            licstore_sync_diff::new(v.iter().map(|u| {
                let kind = match u.kind {
                    UserChangeKind::New => Some(licstore_change_kind::New),
                    UserChangeKind::Changed => Some(licstore_change_kind::Changed),
                    UserChangeKind::Gone => Some(licstore_change_kind::Gone),
                    UserChangeKind::Unchanged => None,
                };
                (kind, u.user_principal_name.as_str(), &u.changes[..])
            }))
        })
    })
}

/// Writes the number of entries of the difference to `*len_out`.
///
/// # Safety
/// `diff` is NULL or a live `licstore_sync_diff`; `len_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_sync_diff_len(
    diff: *const licstore_sync_diff,
    len_out: *mut usize,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe { list_len("licstore_sync_diff_len", diff, len_out, |d| d.items.len()) }
}

/// The entry at 0-based `index`: its kind (a `licstore_change_kind` value) to `*kind_out`, its
/// key (the UPN, or the SKU GUID) to `*key_out` and what changed (the differences joined by
/// `"; "`, `""` when there is nothing to list) to `*description_out`; the strings are owned by
/// the difference and valid until it is freed. Every output is required; an index at or past the
/// end is `LICSTORE_INVALID_ARGUMENT`.
///
/// # Safety
/// `diff` is NULL or a live `licstore_sync_diff`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_sync_diff_get(
    diff: *const licstore_sync_diff,
    index: usize,
    kind_out: *mut u32,
    key_out: *mut *const c_char,
    description_out: *mut *const c_char,
) -> licstore_result {
    guard_online("licstore_sync_diff_get", || {
        // SAFETY: the caller's contract.
        let d = unsafe { handle(diff, "diff") }?;
        let kind_out = Out::new(kind_out, "kind_out")?;
        let key_out = Out::new(key_out, "key_out")?;
        let description_out = Out::new(description_out, "description_out")?;
        let e = d.items.get(index).ok_or_else(|| {
            Error::invalid(
                "argument index",
                index.to_string(),
                format!("the difference has {} entry(ies)", d.items.len()),
            )
        })?;
        write_val(Some(kind_out), e.kind as u32);
        write_val(Some(key_out), e.key.as_ptr());
        write_val(Some(description_out), e.description.as_ptr());
        Ok(())
    })
}

/// Frees a sync difference and its strings. NULL is a no-op.
///
/// # Safety
/// `diff` is NULL or a difference the caller owns, not freed before.
#[no_mangle]
pub unsafe extern "C" fn licstore_sync_diff_free(diff: *mut licstore_sync_diff) {
    // SAFETY: the caller's contract.
    unsafe { free_raw(diff) }
}

// --- Provisioning profiles -------------------------------------------------------------------

/// One provisioning profile, borrowed from its `licstore_profile_list` (never free it).
#[derive(Debug)]
pub struct licstore_profile {
    name: CString,
    department: Option<CString>,
    usage_location: Option<CString>,
    domain: Option<CString>,
    /// SKU GUIDs.
    skus: Vec<CString>,
}

impl licstore_profile {
    fn new(p: &Profile) -> Result<licstore_profile> {
        Ok(licstore_profile {
            name: c_string(&p.name, "profile name")?,
            department: opt_c(&p.filter.department, "profile department")?,
            usage_location: opt_c(&p.filter.usage_location, "profile usage location")?,
            domain: opt_c(&p.filter.domain, "profile domain")?,
            skus: p
                .skus
                .iter()
                .map(|s| c_string(s, "profile SKU"))
                .collect::<Result<_>>()?,
        })
    }
}

/// A customer's provisioning profiles, by name. Free it with `licstore_profile_list_free`.
#[derive(Debug)]
pub struct licstore_profile_list {
    items: Vec<licstore_profile>,
}

/// One job of `licstore_profiles_apply`: a profile's best-effort `assign` run.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct licstore_profile_run {
    /// The job (read its items with `licstore_job_items`).
    pub job_id: i64,
    /// A `licstore_job_statuses` value (`FINISHED` or `FINISHED_WITH_EXCEPTION`).
    pub status: u32,
    /// Users given licenses.
    pub ok: u64,
    /// Users with nothing to do.
    pub skipped: u64,
    /// Users that failed.
    pub failed: u64,
}

/// Adds the provisioning profile `name` (unique per customer, case-insensitive) to `customer`, or
/// replaces the one of that name: the Staged users matching its filter (`department`,
/// `usage_location` and `domain`, each NULL or `""` for any) get the `sku_count` SKUs of `skus`
/// (GUIDs or part numbers, at least one, each subscribed by the customer; stored as GUIDs) when
/// `licstore_profiles_apply` runs. Fails with `LICSTORE_NOT_FOUND` for an unknown customer,
/// `LICSTORE_SKU_NOT_FOUND` for a SKU the customer does not subscribe to and
/// `LICSTORE_INVALID_ARGUMENT` for a bad name, country or an empty SKU list.
///
/// # Safety
/// `store` is NULL or a live handle; the strings are NULL or NUL-terminated; `skus` is NULL or
/// points to `sku_count` strings.
#[no_mangle]
pub unsafe extern "C" fn licstore_profiles_set(
    store: *const licstore_store,
    customer: *const c_char,
    name: *const c_char,
    department: *const c_char,
    usage_location: *const c_char,
    domain: *const c_char,
    skus: *const *const c_char,
    sku_count: usize,
) -> licstore_result {
    guard_online("licstore_profiles_set", || {
        // SAFETY (all): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let p = Profile {
            customer: unsafe { str_arg(customer, "customer") }?.into(),
            name: unsafe { str_arg(name, "name") }?.into(),
            filter: SubscriberFilter {
                department: unsafe { opt_text(department, "department") }?,
                usage_location: unsafe { opt_text(usage_location, "usage_location") }?,
                status: None,
                domain: unsafe { opt_text(domain, "domain") }?,
            },
            skus: unsafe { str_array(skus, sku_count, "skus") }?
                .into_iter()
                .map(String::from)
                .collect(),
        };
        store.lock().set_profile(&p)
    })
}

/// Reads `customer`'s provisioning profiles, by name. On success `*list_out` receives a new list
/// the caller frees with `licstore_profile_list_free`. Fails with `LICSTORE_NOT_FOUND` for an
/// unknown customer.
///
/// # Safety
/// `store` is NULL or a live handle; `customer` is NULL or NUL-terminated; `list_out` is NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_profiles_list(
    store: *const licstore_store,
    customer: *const c_char,
    list_out: *mut *mut licstore_profile_list,
) -> licstore_result {
    guard_online("licstore_profiles_list", || {
        // SAFETY (all): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let customer = unsafe { str_arg(customer, "customer") }?;
        let out = Out::new(list_out, "list_out")?;
        let v = store.lock().profiles(customer)?;
        write_opt(Some(out), &v[..], |v| {
            Ok(licstore_profile_list {
                items: list_of(v, licstore_profile::new)?,
            })
        })
    })
}

/// Provisions `customer`'s Staged users: each profile, in name order, runs as a best-effort
/// `assign` job over the Staged users its filter matches; then every Staged user that matched at
/// least one profile and failed in none becomes Active. Writes up to `capacity` runs (one per
/// profile, in order) to `runs` and the number of profiles to `*count_out` (which may exceed
/// `capacity`: the later runs are then not written, but were made). `runs` may be NULL when
/// `capacity` is 0; `count_out` may be NULL. Fails with `LICSTORE_NOT_FOUND` for an unknown
/// customer.
///
/// # Safety
/// `store` is NULL or a live handle; `customer` is NULL or NUL-terminated; `runs` is NULL or
/// points to `capacity` writable entries; `count_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_profiles_apply(
    store: *const licstore_store,
    customer: *const c_char,
    runs: *mut licstore_profile_run,
    capacity: usize,
    count_out: *mut usize,
) -> licstore_result {
    guard_online("licstore_profiles_apply", || {
        // SAFETY (all): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let customer = unsafe { str_arg(customer, "customer") }?;
        if capacity > 0 && runs.is_null() {
            return Err(Error::invalid(
                "argument runs",
                "NULL",
                format!("must not be a NULL pointer (capacity is {capacity})"),
            ));
        }
        let count = Out::optional(count_out);
        let outcomes = store.lock().apply_profiles(customer)?;
        for (i, o) in outcomes.iter().take(capacity).enumerate() {
            let r = licstore_profile_run {
                job_id: o.job_id,
                status: job_status_value(o.status),
                ok: o.ok,
                skipped: o.skipped,
                failed: o.failed,
            };
            // SAFETY: `runs` has `capacity` writable entries and `i < capacity`.
            unsafe { runs.add(i).write(r) };
        }
        write_val(count, outcomes.len());
        Ok(())
    })
}

/// Writes the number of profiles in the list to `*len_out`.
///
/// # Safety
/// `list` is NULL or a live list; `len_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_profile_list_len(
    list: *const licstore_profile_list,
    len_out: *mut usize,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        list_len("licstore_profile_list_len", list, len_out, |l| {
            l.items.len()
        })
    }
}

/// Writes the profile at 0-based `index` to `*value_out`: borrowed from the list, valid until the
/// list is freed; do not free it. An index at or past the end is `LICSTORE_INVALID_ARGUMENT`.
///
/// # Safety
/// `list` is NULL or a live list; `value_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_profile_list_get(
    list: *const licstore_profile_list,
    index: usize,
    value_out: *mut *const licstore_profile,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        list_get("licstore_profile_list_get", list, index, value_out, |l| {
            &l.items
        })
    }
}

/// Frees a profile list and every profile borrowed from it. NULL is a no-op.
///
/// # Safety
/// `list` is NULL or a list the caller owns, not freed before.
#[no_mangle]
pub unsafe extern "C" fn licstore_profile_list_free(list: *mut licstore_profile_list) {
    // SAFETY: the caller's contract.
    unsafe { free_raw(list) }
}

/// The profile's name. Writes it to `*value_out` (owned by the list).
///
/// # Safety
/// `value` is NULL or a live `licstore_profile`; `value_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_profile_name(
    value: *const licstore_profile,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe { get_text("licstore_profile_name", value, value_out, |h| Some(&h.name)) }
}

/// The filter's department, or NULL for any. Writes it to `*value_out` (owned by the list).
///
/// # Safety
/// `value` is NULL or a live `licstore_profile`; `value_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_profile_department(
    value: *const licstore_profile,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text("licstore_profile_department", value, value_out, |h| {
            h.department.as_ref()
        })
    }
}

/// The filter's usage location, or NULL for any. Writes it to `*value_out` (owned by the list).
///
/// # Safety
/// `value` is NULL or a live `licstore_profile`; `value_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_profile_usage_location(
    value: *const licstore_profile,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text("licstore_profile_usage_location", value, value_out, |h| {
            h.usage_location.as_ref()
        })
    }
}

/// The filter's UPN domain, or NULL for any. Writes it to `*value_out` (owned by the list).
///
/// # Safety
/// `value` is NULL or a live `licstore_profile`; `value_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_profile_domain(
    value: *const licstore_profile,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text("licstore_profile_domain", value, value_out, |h| {
            h.domain.as_ref()
        })
    }
}

/// The number of SKUs the profile gives. Writes it to `*len_out`.
///
/// # Safety
/// `value` is NULL or a live `licstore_profile`; `len_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_profile_sku_count(
    value: *const licstore_profile,
    len_out: *mut usize,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        list_len("licstore_profile_sku_count", value, len_out, |h| {
            h.skus.len()
        })
    }
}

/// The GUID of the SKU at 0-based `index`. Writes it to `*value_out` (owned by the list). An
/// index at or past the end is `LICSTORE_INVALID_ARGUMENT`.
///
/// # Safety
/// `value` is NULL or a live `licstore_profile`; `value_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_profile_sku(
    value: *const licstore_profile,
    index: usize,
    value_out: *mut *const c_char,
) -> licstore_result {
    guard_online("licstore_profile_sku", || {
        // SAFETY: the caller's contract.
        let h = unsafe { handle(value, "value") }?;
        let out = Out::new(value_out, "value_out")?;
        let s = h.skus.get(index).ok_or_else(|| {
            Error::invalid(
                "argument index",
                index.to_string(),
                format!("the profile has {} SKU(s)", h.skus.len()),
            )
        })?;
        write_val(Some(out), s.as_ptr());
        Ok(())
    })
}
