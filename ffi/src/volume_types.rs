//! The handles of volume licensing: one opaque, read-only snapshot type per entity, each with a
//! list type, and their getters. Made by the functions in `volume.rs`.
//!
//! Ownership: a handle written to a `*_out` of a `licstore_*` store function belongs to the caller,
//! who frees it with its `_free`; an item of a list is borrowed from the list (never free it). Every
//! string a getter returns belongs to the handle it came from and stays valid until that handle
//! (or its list) is freed. Getters write their output only on success.
//!
//! Each entity has the same shape: `licstore_X` (with getters `licstore_X_<field>` and
//! `licstore_X_free`) and `licstore_X_list` (`_len`, `_get`, `_free`).

use std::ffi::{c_char, CString};

use licstore::{
    Activation, Entitlement, LicensingId, LimitIncreaseRequest, Product, ProductKey, Reservation,
    Result, SaBenefit, SummaryLine,
};

use crate::boundary::{c_string, free_raw};
use crate::error::licstore_result;
use crate::handles::{get_enum, get_opt_int, get_text, get_value, list_get, list_len};

/// One licensing ID (agreement, enrollment or license number) as read from the store. Free it with `licstore_licensing_id_free`.
#[derive(Debug)]
pub struct licstore_licensing_id {
    number: CString,
    customer: CString,
    parent_program: Option<CString>,
    mbsa: Option<CString>,
    partner: Option<CString>,
    start_date: Option<CString>,
    end_date: Option<CString>,
    v: LicensingId,
}

impl licstore_licensing_id {
    pub(crate) fn new(v: &LicensingId) -> Result<licstore_licensing_id> {
        Ok(licstore_licensing_id {
            number: c_string(&v.number, "licensing id number")?,
            customer: c_string(&v.customer, "licensing id customer")?,
            parent_program: v
                .parent_program
                .as_deref()
                .map(|s| c_string(s, "licensing id parent program"))
                .transpose()?,
            mbsa: v
                .mbsa
                .as_deref()
                .map(|s| c_string(s, "licensing id mbsa"))
                .transpose()?,
            partner: v
                .partner
                .as_deref()
                .map(|s| c_string(s, "licensing id partner"))
                .transpose()?,
            start_date: v
                .start_date
                .map(|d| c_string(&d.to_string(), "licensing id start date"))
                .transpose()?,
            end_date: v
                .end_date
                .map(|d| c_string(&d.to_string(), "licensing id end date"))
                .transpose()?,
            v: v.clone(),
        })
    }
}

/// Several licensing IDs, by number. Free it with `licstore_licensing_id_list_free`.
#[derive(Debug)]
pub struct licstore_licensing_id_list {
    items: Vec<licstore_licensing_id>,
}

impl licstore_licensing_id_list {
    pub(crate) fn new(v: &[LicensingId]) -> Result<licstore_licensing_id_list> {
        Ok(licstore_licensing_id_list {
            items: v
                .iter()
                .map(licstore_licensing_id::new)
                .collect::<Result<_>>()?,
        })
    }
}

/// Frees a `licstore_licensing_id` the caller owns. NULL is a no-op. Never pass one borrowed from a list.
///
/// # Safety
/// `value` is NULL or an owned handle, not freed before.
#[no_mangle]
pub unsafe extern "C" fn licstore_licensing_id_free(value: *mut licstore_licensing_id) {
    // SAFETY: the caller's contract.
    unsafe { free_raw(value) }
}

/// Writes the number of items in the list to `*len_out`.
///
/// # Safety
/// `list` is NULL or a live list; `len_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_licensing_id_list_len(
    list: *const licstore_licensing_id_list,
    len_out: *mut usize,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        list_len("licstore_licensing_id_list_len", list, len_out, |l| {
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
pub unsafe extern "C" fn licstore_licensing_id_list_get(
    list: *const licstore_licensing_id_list,
    index: usize,
    value_out: *mut *const licstore_licensing_id,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        list_get(
            "licstore_licensing_id_list_get",
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
pub unsafe extern "C" fn licstore_licensing_id_list_free(list: *mut licstore_licensing_id_list) {
    // SAFETY: the caller's contract.
    unsafe { free_raw(list) }
}

/// The licensing ID's row id. Writes it to `*value_out`.
///
/// # Safety
/// `value` is NULL or a live `licstore_licensing_id`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_licensing_id_id(
    value: *const licstore_licensing_id,
    value_out: *mut i64,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe { get_value("licstore_licensing_id_id", value, value_out, |h| h.v.id) }
}

/// The number (unique, case-insensitive). Writes it to `*value_out` (owned by the handle).
///
/// # Safety
/// `value` is NULL or a live `licstore_licensing_id`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_licensing_id_number(
    value: *const licstore_licensing_id,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text("licstore_licensing_id_number", value, value_out, |h| {
            Some(&h.number)
        })
    }
}

/// The customer's name. Writes it to `*value_out` (owned by the handle).
///
/// # Safety
/// `value` is NULL or a live `licstore_licensing_id`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_licensing_id_customer(
    value: *const licstore_licensing_id,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text("licstore_licensing_id_customer", value, value_out, |h| {
            Some(&h.customer)
        })
    }
}

/// The program, a `licstore_program` value. Writes it to `*value_out`.
///
/// # Safety
/// `value` is NULL or a live `licstore_licensing_id`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_licensing_id_program(
    value: *const licstore_licensing_id,
    value_out: *mut u32,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_enum("licstore_licensing_id_program", value, value_out, |h| {
            h.v.program
        })
    }
}

/// The parent program as VLSC names it, or NULL. Writes it to `*value_out` (owned by the handle; NULL when there is none).
///
/// # Safety
/// `value` is NULL or a live `licstore_licensing_id`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_licensing_id_parent_program(
    value: *const licstore_licensing_id,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text(
            "licstore_licensing_id_parent_program",
            value,
            value_out,
            |h| h.parent_program.as_ref(),
        )
    }
}

/// The MBSA number, or NULL. Writes it to `*value_out` (owned by the handle; NULL when there is none).
///
/// # Safety
/// `value` is NULL or a live `licstore_licensing_id`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_licensing_id_mbsa(
    value: *const licstore_licensing_id,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text("licstore_licensing_id_mbsa", value, value_out, |h| {
            h.mbsa.as_ref()
        })
    }
}

/// The reseller, or NULL. Writes it to `*value_out` (owned by the handle; NULL when there is none).
///
/// # Safety
/// `value` is NULL or a live `licstore_licensing_id`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_licensing_id_partner(
    value: *const licstore_licensing_id,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text("licstore_licensing_id_partner", value, value_out, |h| {
            h.partner.as_ref()
        })
    }
}

/// The first day (`YYYY-MM-DD`), or NULL when unknown. Writes it to `*value_out` (owned by the handle; NULL when there is none).
///
/// # Safety
/// `value` is NULL or a live `licstore_licensing_id`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_licensing_id_start_date(
    value: *const licstore_licensing_id,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text("licstore_licensing_id_start_date", value, value_out, |h| {
            h.start_date.as_ref()
        })
    }
}

/// The last day (`YYYY-MM-DD`), or NULL when unknown. Writes it to `*value_out` (owned by the handle; NULL when there is none).
///
/// # Safety
/// `value` is NULL or a live `licstore_licensing_id`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_licensing_id_end_date(
    value: *const licstore_licensing_id,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text("licstore_licensing_id_end_date", value, value_out, |h| {
            h.end_date.as_ref()
        })
    }
}

/// One product (family and version) as read from the store. Free it with `licstore_product_free`.
#[derive(Debug)]
pub struct licstore_product {
    family: CString,
    version: CString,
    v: Product,
}

impl licstore_product {
    pub(crate) fn new(v: &Product) -> Result<licstore_product> {
        Ok(licstore_product {
            family: c_string(&v.family, "product family")?,
            version: c_string(&v.version, "product version")?,
            v: v.clone(),
        })
    }
}

/// Several products, by family and version. Free it with `licstore_product_list_free`.
#[derive(Debug)]
pub struct licstore_product_list {
    items: Vec<licstore_product>,
}

impl licstore_product_list {
    pub(crate) fn new(v: &[Product]) -> Result<licstore_product_list> {
        Ok(licstore_product_list {
            items: v.iter().map(licstore_product::new).collect::<Result<_>>()?,
        })
    }
}

/// Frees a `licstore_product` the caller owns. NULL is a no-op. Never pass one borrowed from a list.
///
/// # Safety
/// `value` is NULL or an owned handle, not freed before.
#[no_mangle]
pub unsafe extern "C" fn licstore_product_free(value: *mut licstore_product) {
    // SAFETY: the caller's contract.
    unsafe { free_raw(value) }
}

/// Writes the number of items in the list to `*len_out`.
///
/// # Safety
/// `list` is NULL or a live list; `len_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_product_list_len(
    list: *const licstore_product_list,
    len_out: *mut usize,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        list_len("licstore_product_list_len", list, len_out, |l| {
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
pub unsafe extern "C" fn licstore_product_list_get(
    list: *const licstore_product_list,
    index: usize,
    value_out: *mut *const licstore_product,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        list_get("licstore_product_list_get", list, index, value_out, |l| {
            &l.items
        })
    }
}

/// Frees a list and every item borrowed from it. NULL is a no-op.
///
/// # Safety
/// `list` is NULL or a list the caller owns, not freed before.
#[no_mangle]
pub unsafe extern "C" fn licstore_product_list_free(list: *mut licstore_product_list) {
    // SAFETY: the caller's contract.
    unsafe { free_raw(list) }
}

/// The product's row id. Writes it to `*value_out`.
///
/// # Safety
/// `value` is NULL or a live `licstore_product`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_product_id(
    value: *const licstore_product,
    value_out: *mut i64,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe { get_value("licstore_product_id", value, value_out, |h| h.v.id) }
}

/// The family, e.g. `Office Professional Plus`. Writes it to `*value_out` (owned by the handle).
///
/// # Safety
/// `value` is NULL or a live `licstore_product`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_product_family(
    value: *const licstore_product,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text("licstore_product_family", value, value_out, |h| {
            Some(&h.family)
        })
    }
}

/// The version, e.g. `2021`. Writes it to `*value_out` (owned by the handle).
///
/// # Safety
/// `value` is NULL or a live `licstore_product`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_product_version(
    value: *const licstore_product,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text("licstore_product_version", value, value_out, |h| {
            Some(&h.version)
        })
    }
}

/// The pool, a `licstore_pool` value. Writes it to `*value_out`.
///
/// # Safety
/// `value` is NULL or a live `licstore_product`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_product_pool(
    value: *const licstore_product,
    value_out: *mut u32,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe { get_enum("licstore_product_pool", value, value_out, |h| h.v.pool) }
}

/// One entitlement (order line) as read from the store. Free it with `licstore_entitlement_free`.
#[derive(Debug)]
pub struct licstore_entitlement {
    licensing_id: CString,
    family: CString,
    version: CString,
    from_family: Option<CString>,
    order_date: CString,
    sa_end: Option<CString>,
    v: Entitlement,
}

impl licstore_entitlement {
    pub(crate) fn new(v: &Entitlement) -> Result<licstore_entitlement> {
        Ok(licstore_entitlement {
            licensing_id: c_string(&v.licensing_id, "entitlement licensing id")?,
            family: c_string(&v.family, "entitlement family")?,
            version: c_string(&v.version, "entitlement version")?,
            from_family: v
                .from_family
                .as_deref()
                .map(|s| c_string(s, "entitlement from family"))
                .transpose()?,
            order_date: c_string(&v.order_date.to_string(), "entitlement order date")?,
            sa_end: v
                .sa_end
                .map(|d| c_string(&d.to_string(), "entitlement sa end"))
                .transpose()?,
            v: v.clone(),
        })
    }
}

/// Several entitlements, by id. Free it with `licstore_entitlement_list_free`.
#[derive(Debug)]
pub struct licstore_entitlement_list {
    items: Vec<licstore_entitlement>,
}

impl licstore_entitlement_list {
    pub(crate) fn new(v: &[Entitlement]) -> Result<licstore_entitlement_list> {
        Ok(licstore_entitlement_list {
            items: v
                .iter()
                .map(licstore_entitlement::new)
                .collect::<Result<_>>()?,
        })
    }
}

/// Frees a `licstore_entitlement` the caller owns. NULL is a no-op. Never pass one borrowed from a list.
///
/// # Safety
/// `value` is NULL or an owned handle, not freed before.
#[no_mangle]
pub unsafe extern "C" fn licstore_entitlement_free(value: *mut licstore_entitlement) {
    // SAFETY: the caller's contract.
    unsafe { free_raw(value) }
}

/// Writes the number of items in the list to `*len_out`.
///
/// # Safety
/// `list` is NULL or a live list; `len_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_entitlement_list_len(
    list: *const licstore_entitlement_list,
    len_out: *mut usize,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        list_len("licstore_entitlement_list_len", list, len_out, |l| {
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
pub unsafe extern "C" fn licstore_entitlement_list_get(
    list: *const licstore_entitlement_list,
    index: usize,
    value_out: *mut *const licstore_entitlement,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        list_get(
            "licstore_entitlement_list_get",
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
pub unsafe extern "C" fn licstore_entitlement_list_free(list: *mut licstore_entitlement_list) {
    // SAFETY: the caller's contract.
    unsafe { free_raw(list) }
}

/// The line's id. Writes it to `*value_out`.
///
/// # Safety
/// `value` is NULL or a live `licstore_entitlement`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_entitlement_id(
    value: *const licstore_entitlement,
    value_out: *mut i64,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe { get_value("licstore_entitlement_id", value, value_out, |h| h.v.id) }
}

/// The licensing ID's number. Writes it to `*value_out` (owned by the handle).
///
/// # Safety
/// `value` is NULL or a live `licstore_entitlement`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_entitlement_licensing_id(
    value: *const licstore_entitlement,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text("licstore_entitlement_licensing_id", value, value_out, |h| {
            Some(&h.licensing_id)
        })
    }
}

/// The product family. Writes it to `*value_out` (owned by the handle).
///
/// # Safety
/// `value` is NULL or a live `licstore_entitlement`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_entitlement_family(
    value: *const licstore_entitlement,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text("licstore_entitlement_family", value, value_out, |h| {
            Some(&h.family)
        })
    }
}

/// The product version. Writes it to `*value_out` (owned by the handle).
///
/// # Safety
/// `value` is NULL or a live `licstore_entitlement`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_entitlement_version(
    value: *const licstore_entitlement,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text("licstore_entitlement_version", value, value_out, |h| {
            Some(&h.version)
        })
    }
}

/// How many licenses (> 0). Writes it to `*value_out`.
///
/// # Safety
/// `value` is NULL or a live `licstore_entitlement`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_entitlement_quantity(
    value: *const licstore_entitlement,
    value_out: *mut i64,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_value("licstore_entitlement_quantity", value, value_out, |h| {
            h.v.quantity
        })
    }
}

/// The kind, a `licstore_entitlement_kinds` value. Writes it to `*value_out`.
///
/// # Safety
/// `value` is NULL or a live `licstore_entitlement`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_entitlement_kind(
    value: *const licstore_entitlement,
    value_out: *mut u32,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe { get_enum("licstore_entitlement_kind", value, value_out, |h| h.v.kind) }
}

/// For a step-up: the family stepped up from; else NULL. Writes it to `*value_out` (owned by the handle; NULL when there is none).
///
/// # Safety
/// `value` is NULL or a live `licstore_entitlement`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_entitlement_from_family(
    value: *const licstore_entitlement,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text("licstore_entitlement_from_family", value, value_out, |h| {
            h.from_family.as_ref()
        })
    }
}

/// The order date (`YYYY-MM-DD`). Writes it to `*value_out` (owned by the handle).
///
/// # Safety
/// `value` is NULL or a live `licstore_entitlement`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_entitlement_order_date(
    value: *const licstore_entitlement,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text("licstore_entitlement_order_date", value, value_out, |h| {
            Some(&h.order_date)
        })
    }
}

/// The end of SA coverage as ordered (`YYYY-MM-DD`), or NULL. Writes it to `*value_out` (owned by the handle; NULL when there is none).
///
/// # Safety
/// `value` is NULL or a live `licstore_entitlement`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_entitlement_sa_end(
    value: *const licstore_entitlement,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text("licstore_entitlement_sa_end", value, value_out, |h| {
            h.sa_end.as_ref()
        })
    }
}

/// For a grant: the id of the line that earned it. Writes 1 to `*present_out` and the value to `*value_out`, or 0 to both when it is
/// absent.
///
/// # Safety
/// `value` is NULL or a live `licstore_entitlement`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_entitlement_granted_by(
    value: *const licstore_entitlement,
    value_out: *mut i64,
    present_out: *mut i32,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_opt_int(
            "licstore_entitlement_granted_by",
            value,
            value_out,
            present_out,
            |h| h.v.granted_by,
        )
    }
}

/// One line of a license summary: a customer's position in one product. Free it with `licstore_summary_line_free`.
#[derive(Debug)]
pub struct licstore_summary_line {
    customer: CString,
    family: CString,
    version: CString,
    v: SummaryLine,
}

impl licstore_summary_line {
    pub(crate) fn new(v: &SummaryLine) -> Result<licstore_summary_line> {
        Ok(licstore_summary_line {
            customer: c_string(&v.customer, "summary line customer")?,
            family: c_string(&v.family, "summary line family")?,
            version: c_string(&v.version, "summary line version")?,
            v: v.clone(),
        })
    }
}

/// The lines of a license summary, by family and version. Free it with `licstore_summary_line_list_free`.
#[derive(Debug)]
pub struct licstore_summary_line_list {
    items: Vec<licstore_summary_line>,
}

impl licstore_summary_line_list {
    pub(crate) fn new(v: &[SummaryLine]) -> Result<licstore_summary_line_list> {
        Ok(licstore_summary_line_list {
            items: v
                .iter()
                .map(licstore_summary_line::new)
                .collect::<Result<_>>()?,
        })
    }
}

/// Frees a `licstore_summary_line` the caller owns. NULL is a no-op. Never pass one borrowed from a list.
///
/// # Safety
/// `value` is NULL or an owned handle, not freed before.
#[no_mangle]
pub unsafe extern "C" fn licstore_summary_line_free(value: *mut licstore_summary_line) {
    // SAFETY: the caller's contract.
    unsafe { free_raw(value) }
}

/// Writes the number of items in the list to `*len_out`.
///
/// # Safety
/// `list` is NULL or a live list; `len_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_summary_line_list_len(
    list: *const licstore_summary_line_list,
    len_out: *mut usize,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        list_len("licstore_summary_line_list_len", list, len_out, |l| {
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
pub unsafe extern "C" fn licstore_summary_line_list_get(
    list: *const licstore_summary_line_list,
    index: usize,
    value_out: *mut *const licstore_summary_line,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        list_get(
            "licstore_summary_line_list_get",
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
pub unsafe extern "C" fn licstore_summary_line_list_free(list: *mut licstore_summary_line_list) {
    // SAFETY: the caller's contract.
    unsafe { free_raw(list) }
}

/// The customer's name. Writes it to `*value_out` (owned by the handle).
///
/// # Safety
/// `value` is NULL or a live `licstore_summary_line`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_summary_line_customer(
    value: *const licstore_summary_line,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text("licstore_summary_line_customer", value, value_out, |h| {
            Some(&h.customer)
        })
    }
}

/// The product family. Writes it to `*value_out` (owned by the handle).
///
/// # Safety
/// `value` is NULL or a live `licstore_summary_line`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_summary_line_family(
    value: *const licstore_summary_line,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text("licstore_summary_line_family", value, value_out, |h| {
            Some(&h.family)
        })
    }
}

/// The product version. Writes it to `*value_out` (owned by the handle).
///
/// # Safety
/// `value` is NULL or a live `licstore_summary_line`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_summary_line_version(
    value: *const licstore_summary_line,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text("licstore_summary_line_version", value, value_out, |h| {
            Some(&h.version)
        })
    }
}

/// The product's pool, a `licstore_pool` value. Writes it to `*value_out`.
///
/// # Safety
/// `value` is NULL or a live `licstore_summary_line`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_summary_line_pool(
    value: *const licstore_summary_line,
    value_out: *mut u32,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe { get_enum("licstore_summary_line_pool", value, value_out, |h| h.v.pool) }
}

/// Licenses whose current version is this one after upgrades and step-ups. Writes it to `*value_out`.
///
/// # Safety
/// `value` is NULL or a live `licstore_summary_line`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_summary_line_effective_quantity(
    value: *const licstore_summary_line,
    value_out: *mut i64,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_value(
            "licstore_summary_line_effective_quantity",
            value,
            value_out,
            |h| h.v.effective_quantity,
        )
    }
}

/// Of those, licenses under SA coverage active on the date. Writes it to `*value_out`.
///
/// # Safety
/// `value` is NULL or a live `licstore_summary_line`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_summary_line_active_sa_quantity(
    value: *const licstore_summary_line,
    value_out: *mut i64,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_value(
            "licstore_summary_line_active_sa_quantity",
            value,
            value_out,
            |h| h.v.active_sa_quantity,
        )
    }
}

/// Upgrade, step-up and active SA licenses of this product that found no qualifying base license. Writes it to `*value_out`.
///
/// # Safety
/// `value` is NULL or a live `licstore_summary_line`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_summary_line_unresolved_quantity(
    value: *const licstore_summary_line,
    value_out: *mut i64,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_value(
            "licstore_summary_line_unresolved_quantity",
            value,
            value_out,
            |h| h.v.unresolved_quantity,
        )
    }
}

/// Of the effective licenses, those from promotional grants (shown with `*`). Writes it to `*value_out`.
///
/// # Safety
/// `value` is NULL or a live `licstore_summary_line`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_summary_line_granted_quantity(
    value: *const licstore_summary_line,
    value_out: *mut i64,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_value(
            "licstore_summary_line_granted_quantity",
            value,
            value_out,
            |h| h.v.granted_quantity,
        )
    }
}

/// MAK activations of keys for this product (baseline + recorded on or before the date). Writes it to `*value_out`.
///
/// # Safety
/// `value` is NULL or a live `licstore_summary_line`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_summary_line_deployed_quantity(
    value: *const licstore_summary_line,
    value_out: *mut i64,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_value(
            "licstore_summary_line_deployed_quantity",
            value,
            value_out,
            |h| h.v.deployed_quantity,
        )
    }
}

/// `effective_quantity - deployed_quantity`. Writes it to `*value_out`.
///
/// # Safety
/// `value` is NULL or a live `licstore_summary_line`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_summary_line_balance(
    value: *const licstore_summary_line,
    value_out: *mut i64,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_value("licstore_summary_line_balance", value, value_out, |h| {
            h.v.balance
        })
    }
}

/// Licenses missing for what is deployed (`max(-balance, 0)`). Writes it to `*value_out`.
///
/// # Safety
/// `value` is NULL or a live `licstore_summary_line`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_summary_line_shortfall(
    value: *const licstore_summary_line,
    value_out: *mut i64,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_value("licstore_summary_line_shortfall", value, value_out, |h| {
            h.v.shortfall()
        })
    }
}

/// Licenses not deployed (`max(balance, 0)`). Writes it to `*value_out`.
///
/// # Safety
/// `value` is NULL or a live `licstore_summary_line`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_summary_line_surplus(
    value: *const licstore_summary_line,
    value_out: *mut i64,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_value("licstore_summary_line_surplus", value, value_out, |h| {
            h.v.surplus()
        })
    }
}

/// One product key, masked (only `licstore_product_keys_reveal` returns a full key). Free it with `licstore_product_key_free`.
#[derive(Debug)]
pub struct licstore_product_key {
    licensing_id: CString,
    product: CString,
    last5: CString,
    masked: CString,
    v: ProductKey,
}

impl licstore_product_key {
    pub(crate) fn new(v: &ProductKey) -> Result<licstore_product_key> {
        Ok(licstore_product_key {
            licensing_id: c_string(&v.licensing_id, "product key licensing id")?,
            product: c_string(&v.product, "product key product")?,
            last5: c_string(&v.last5, "product key last5")?,
            masked: c_string(&v.masked, "product key masked")?,
            v: v.clone(),
        })
    }
}

/// Several product keys, by id. Free it with `licstore_product_key_list_free`.
#[derive(Debug)]
pub struct licstore_product_key_list {
    items: Vec<licstore_product_key>,
}

impl licstore_product_key_list {
    pub(crate) fn new(v: &[ProductKey]) -> Result<licstore_product_key_list> {
        Ok(licstore_product_key_list {
            items: v
                .iter()
                .map(licstore_product_key::new)
                .collect::<Result<_>>()?,
        })
    }
}

/// Frees a `licstore_product_key` the caller owns. NULL is a no-op. Never pass one borrowed from a list.
///
/// # Safety
/// `value` is NULL or an owned handle, not freed before.
#[no_mangle]
pub unsafe extern "C" fn licstore_product_key_free(value: *mut licstore_product_key) {
    // SAFETY: the caller's contract.
    unsafe { free_raw(value) }
}

/// Writes the number of items in the list to `*len_out`.
///
/// # Safety
/// `list` is NULL or a live list; `len_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_product_key_list_len(
    list: *const licstore_product_key_list,
    len_out: *mut usize,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        list_len("licstore_product_key_list_len", list, len_out, |l| {
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
pub unsafe extern "C" fn licstore_product_key_list_get(
    list: *const licstore_product_key_list,
    index: usize,
    value_out: *mut *const licstore_product_key,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        list_get(
            "licstore_product_key_list_get",
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
pub unsafe extern "C" fn licstore_product_key_list_free(list: *mut licstore_product_key_list) {
    // SAFETY: the caller's contract.
    unsafe { free_raw(list) }
}

/// The key's id (how calls name it). Writes it to `*value_out`.
///
/// # Safety
/// `value` is NULL or a live `licstore_product_key`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_product_key_id(
    value: *const licstore_product_key,
    value_out: *mut i64,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe { get_value("licstore_product_key_id", value, value_out, |h| h.v.id) }
}

/// The licensing ID's number. Writes it to `*value_out` (owned by the handle).
///
/// # Safety
/// `value` is NULL or a live `licstore_product_key`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_product_key_licensing_id(
    value: *const licstore_product_key,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text("licstore_product_key_licensing_id", value, value_out, |h| {
            Some(&h.licensing_id)
        })
    }
}

/// The product name as VLSC shows it. Writes it to `*value_out` (owned by the handle).
///
/// # Safety
/// `value` is NULL or a live `licstore_product_key`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_product_key_product(
    value: *const licstore_product_key,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text("licstore_product_key_product", value, value_out, |h| {
            Some(&h.product)
        })
    }
}

/// The key type, a `licstore_key_type` value. Writes it to `*value_out`.
///
/// # Safety
/// `value` is NULL or a live `licstore_product_key`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_product_key_type(
    value: *const licstore_product_key,
    value_out: *mut u32,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_enum("licstore_product_key_type", value, value_out, |h| {
            h.v.key_type
        })
    }
}

/// The key's last 5 characters. Writes it to `*value_out` (owned by the handle).
///
/// # Safety
/// `value` is NULL or a live `licstore_product_key`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_product_key_last5(
    value: *const licstore_product_key,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text("licstore_product_key_last5", value, value_out, |h| {
            Some(&h.last5)
        })
    }
}

/// The masked key, `*****-*****-*****-*****-` and the last 5 characters. Writes it to `*value_out` (owned by the handle).
///
/// # Safety
/// `value` is NULL or a live `licstore_product_key`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_product_key_masked(
    value: *const licstore_product_key,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text("licstore_product_key_masked", value, value_out, |h| {
            Some(&h.masked)
        })
    }
}

/// MAK: how many activations the key allows (absent for other types). Writes 1 to `*present_out` and the value to `*value_out`, or 0 to both when it is
/// absent.
///
/// # Safety
/// `value` is NULL or a live `licstore_product_key`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_product_key_activation_limit(
    value: *const licstore_product_key,
    value_out: *mut i64,
    present_out: *mut i32,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_opt_int(
            "licstore_product_key_activation_limit",
            value,
            value_out,
            present_out,
            |h| h.v.activation_limit,
        )
    }
}

/// Activations used: the imported baseline plus the recorded activations. Writes it to `*value_out`.
///
/// # Safety
/// `value` is NULL or a live `licstore_product_key`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_product_key_activations_used(
    value: *const licstore_product_key,
    value_out: *mut i64,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_value(
            "licstore_product_key_activations_used",
            value,
            value_out,
            |h| h.v.activations_used,
        )
    }
}

/// MAK: `activation_limit - activations_used` (absent for other types). Writes 1 to `*present_out` and the value to `*value_out`, or 0 to both when it is
/// absent.
///
/// # Safety
/// `value` is NULL or a live `licstore_product_key`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_product_key_activations_available(
    value: *const licstore_product_key,
    value_out: *mut i64,
    present_out: *mut i32,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_opt_int(
            "licstore_product_key_activations_available",
            value,
            value_out,
            present_out,
            |h| h.v.activations_available,
        )
    }
}

/// KMS: how many distinct hosts the key may activate (absent for other types). Writes 1 to `*present_out` and the value to `*value_out`, or 0 to both when it is
/// absent.
///
/// # Safety
/// `value` is NULL or a live `licstore_product_key`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_product_key_host_limit(
    value: *const licstore_product_key,
    value_out: *mut i64,
    present_out: *mut i32,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_opt_int(
            "licstore_product_key_host_limit",
            value,
            value_out,
            present_out,
            |h| h.v.host_limit,
        )
    }
}

/// KMS: distinct hosts activated so far (0 for other types). Writes it to `*value_out`.
///
/// # Safety
/// `value` is NULL or a live `licstore_product_key`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_product_key_hosts_used(
    value: *const licstore_product_key,
    value_out: *mut i64,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_value("licstore_product_key_hosts_used", value, value_out, |h| {
            h.v.hosts_used
        })
    }
}

/// One recorded activation of a product key. Free it with `licstore_key_activation_free`.
#[derive(Debug)]
pub struct licstore_key_activation {
    machine: CString,
    activated_at: CString,
    v: Activation,
}

impl licstore_key_activation {
    pub(crate) fn new(v: &Activation) -> Result<licstore_key_activation> {
        Ok(licstore_key_activation {
            machine: c_string(&v.machine, "key activation machine")?,
            activated_at: c_string(&v.activated_at, "key activation activated at")?,
            v: v.clone(),
        })
    }
}

/// Several activations, oldest first. Free it with `licstore_key_activation_list_free`.
#[derive(Debug)]
pub struct licstore_key_activation_list {
    items: Vec<licstore_key_activation>,
}

impl licstore_key_activation_list {
    pub(crate) fn new(v: &[Activation]) -> Result<licstore_key_activation_list> {
        Ok(licstore_key_activation_list {
            items: v
                .iter()
                .map(licstore_key_activation::new)
                .collect::<Result<_>>()?,
        })
    }
}

/// Frees a `licstore_key_activation` the caller owns. NULL is a no-op. Never pass one borrowed from a list.
///
/// # Safety
/// `value` is NULL or an owned handle, not freed before.
#[no_mangle]
pub unsafe extern "C" fn licstore_key_activation_free(value: *mut licstore_key_activation) {
    // SAFETY: the caller's contract.
    unsafe { free_raw(value) }
}

/// Writes the number of items in the list to `*len_out`.
///
/// # Safety
/// `list` is NULL or a live list; `len_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_key_activation_list_len(
    list: *const licstore_key_activation_list,
    len_out: *mut usize,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        list_len("licstore_key_activation_list_len", list, len_out, |l| {
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
pub unsafe extern "C" fn licstore_key_activation_list_get(
    list: *const licstore_key_activation_list,
    index: usize,
    value_out: *mut *const licstore_key_activation,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        list_get(
            "licstore_key_activation_list_get",
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
pub unsafe extern "C" fn licstore_key_activation_list_free(
    list: *mut licstore_key_activation_list,
) {
    // SAFETY: the caller's contract.
    unsafe { free_raw(list) }
}

/// The activation's id. Writes it to `*value_out`.
///
/// # Safety
/// `value` is NULL or a live `licstore_key_activation`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_key_activation_id(
    value: *const licstore_key_activation,
    value_out: *mut i64,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe { get_value("licstore_key_activation_id", value, value_out, |h| h.v.id) }
}

/// The key's id. Writes it to `*value_out`.
///
/// # Safety
/// `value` is NULL or a live `licstore_key_activation`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_key_activation_key_id(
    value: *const licstore_key_activation,
    value_out: *mut i64,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_value("licstore_key_activation_key_id", value, value_out, |h| {
            h.v.key_id
        })
    }
}

/// The machine (KMS: host) activated. Writes it to `*value_out` (owned by the handle).
///
/// # Safety
/// `value` is NULL or a live `licstore_key_activation`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_key_activation_machine(
    value: *const licstore_key_activation,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text("licstore_key_activation_machine", value, value_out, |h| {
            Some(&h.machine)
        })
    }
}

/// When (ISO 8601 UTC, `2024-05-06T07:08:09Z`). Writes it to `*value_out` (owned by the handle).
///
/// # Safety
/// `value` is NULL or a live `licstore_key_activation`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_key_activation_activated_at(
    value: *const licstore_key_activation,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text(
            "licstore_key_activation_activated_at",
            value,
            value_out,
            |h| Some(&h.activated_at),
        )
    }
}

/// How, a `licstore_activation_method` value. Writes it to `*value_out`.
///
/// # Safety
/// `value` is NULL or a live `licstore_key_activation`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_key_activation_method(
    value: *const licstore_key_activation,
    value_out: *mut u32,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_enum("licstore_key_activation_method", value, value_out, |h| {
            h.v.method
        })
    }
}

/// One request to raise a key's limit (MAK activations or KMS hosts). Free it with `licstore_limit_request_free`.
#[derive(Debug)]
pub struct licstore_limit_request {
    key_last5: CString,
    licensing_id: CString,
    product: CString,
    justification: CString,
    requested_at: CString,
    requested_by: CString,
    decided_at: Option<CString>,
    decided_by: Option<CString>,
    v: LimitIncreaseRequest,
}

impl licstore_limit_request {
    pub(crate) fn new(v: &LimitIncreaseRequest) -> Result<licstore_limit_request> {
        Ok(licstore_limit_request {
            key_last5: c_string(&v.key_last5, "limit request key last5")?,
            licensing_id: c_string(&v.licensing_id, "limit request licensing id")?,
            product: c_string(&v.product, "limit request product")?,
            justification: c_string(&v.justification, "limit request justification")?,
            requested_at: c_string(&v.requested_at, "limit request requested at")?,
            requested_by: c_string(&v.requested_by, "limit request requested by")?,
            decided_at: v
                .decided_at
                .as_deref()
                .map(|s| c_string(s, "limit request decided at"))
                .transpose()?,
            decided_by: v
                .decided_by
                .as_deref()
                .map(|s| c_string(s, "limit request decided by"))
                .transpose()?,
            v: v.clone(),
        })
    }
}

/// Several limit-increase requests, by id. Free it with `licstore_limit_request_list_free`.
#[derive(Debug)]
pub struct licstore_limit_request_list {
    items: Vec<licstore_limit_request>,
}

impl licstore_limit_request_list {
    pub(crate) fn new(v: &[LimitIncreaseRequest]) -> Result<licstore_limit_request_list> {
        Ok(licstore_limit_request_list {
            items: v
                .iter()
                .map(licstore_limit_request::new)
                .collect::<Result<_>>()?,
        })
    }
}

/// Frees a `licstore_limit_request` the caller owns. NULL is a no-op. Never pass one borrowed from a list.
///
/// # Safety
/// `value` is NULL or an owned handle, not freed before.
#[no_mangle]
pub unsafe extern "C" fn licstore_limit_request_free(value: *mut licstore_limit_request) {
    // SAFETY: the caller's contract.
    unsafe { free_raw(value) }
}

/// Writes the number of items in the list to `*len_out`.
///
/// # Safety
/// `list` is NULL or a live list; `len_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_limit_request_list_len(
    list: *const licstore_limit_request_list,
    len_out: *mut usize,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        list_len("licstore_limit_request_list_len", list, len_out, |l| {
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
pub unsafe extern "C" fn licstore_limit_request_list_get(
    list: *const licstore_limit_request_list,
    index: usize,
    value_out: *mut *const licstore_limit_request,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        list_get(
            "licstore_limit_request_list_get",
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
pub unsafe extern "C" fn licstore_limit_request_list_free(list: *mut licstore_limit_request_list) {
    // SAFETY: the caller's contract.
    unsafe { free_raw(list) }
}

/// The request's id. Writes it to `*value_out`.
///
/// # Safety
/// `value` is NULL or a live `licstore_limit_request`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_limit_request_id(
    value: *const licstore_limit_request,
    value_out: *mut i64,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe { get_value("licstore_limit_request_id", value, value_out, |h| h.v.id) }
}

/// The key's id. Writes it to `*value_out`.
///
/// # Safety
/// `value` is NULL or a live `licstore_limit_request`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_limit_request_key_id(
    value: *const licstore_limit_request,
    value_out: *mut i64,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_value("licstore_limit_request_key_id", value, value_out, |h| {
            h.v.key_id
        })
    }
}

/// The key's last 5 characters (what VLSC support asks for). Writes it to `*value_out` (owned by the handle).
///
/// # Safety
/// `value` is NULL or a live `licstore_limit_request`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_limit_request_key_last5(
    value: *const licstore_limit_request,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text("licstore_limit_request_key_last5", value, value_out, |h| {
            Some(&h.key_last5)
        })
    }
}

/// The key's licensing ID. Writes it to `*value_out` (owned by the handle).
///
/// # Safety
/// `value` is NULL or a live `licstore_limit_request`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_limit_request_licensing_id(
    value: *const licstore_limit_request,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text(
            "licstore_limit_request_licensing_id",
            value,
            value_out,
            |h| Some(&h.licensing_id),
        )
    }
}

/// The key's product name. Writes it to `*value_out` (owned by the handle).
///
/// # Safety
/// `value` is NULL or a live `licstore_limit_request`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_limit_request_product(
    value: *const licstore_limit_request,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text("licstore_limit_request_product", value, value_out, |h| {
            Some(&h.product)
        })
    }
}

/// How many more activations (MAK) or hosts (KMS) are asked for. Writes it to `*value_out`.
///
/// # Safety
/// `value` is NULL or a live `licstore_limit_request`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_limit_request_activations_requested(
    value: *const licstore_limit_request,
    value_out: *mut i64,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_value(
            "licstore_limit_request_activations_requested",
            value,
            value_out,
            |h| h.v.activations_requested,
        )
    }
}

/// The business justification. Writes it to `*value_out` (owned by the handle).
///
/// # Safety
/// `value` is NULL or a live `licstore_limit_request`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_limit_request_justification(
    value: *const licstore_limit_request,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text(
            "licstore_limit_request_justification",
            value,
            value_out,
            |h| Some(&h.justification),
        )
    }
}

/// The status, a `licstore_request_status` value. Writes it to `*value_out`.
///
/// # Safety
/// `value` is NULL or a live `licstore_limit_request`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_limit_request_status(
    value: *const licstore_limit_request,
    value_out: *mut u32,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_enum("licstore_limit_request_status", value, value_out, |h| {
            h.v.status
        })
    }
}

/// When it was requested (ISO 8601 UTC). Writes it to `*value_out` (owned by the handle).
///
/// # Safety
/// `value` is NULL or a live `licstore_limit_request`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_limit_request_requested_at(
    value: *const licstore_limit_request,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text(
            "licstore_limit_request_requested_at",
            value,
            value_out,
            |h| Some(&h.requested_at),
        )
    }
}

/// Who requested it. Writes it to `*value_out` (owned by the handle).
///
/// # Safety
/// `value` is NULL or a live `licstore_limit_request`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_limit_request_requested_by(
    value: *const licstore_limit_request,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text(
            "licstore_limit_request_requested_by",
            value,
            value_out,
            |h| Some(&h.requested_by),
        )
    }
}

/// When it was decided (ISO 8601 UTC), or NULL while pending. Writes it to `*value_out` (owned by the handle; NULL when there is none).
///
/// # Safety
/// `value` is NULL or a live `licstore_limit_request`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_limit_request_decided_at(
    value: *const licstore_limit_request,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text("licstore_limit_request_decided_at", value, value_out, |h| {
            h.decided_at.as_ref()
        })
    }
}

/// Who decided it, or NULL while pending. Writes it to `*value_out` (owned by the handle; NULL when there is none).
///
/// # Safety
/// `value` is NULL or a live `licstore_limit_request`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_limit_request_decided_by(
    value: *const licstore_limit_request,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text("licstore_limit_request_decided_by", value, value_out, |h| {
            h.decided_by.as_ref()
        })
    }
}

/// One Software Assurance benefit of a licensing ID. Free it with `licstore_sa_benefit_free`.
#[derive(Debug)]
pub struct licstore_sa_benefit {
    licensing_id: CString,
    benefit: CString,
    v: SaBenefit,
}

impl licstore_sa_benefit {
    pub(crate) fn new(v: &SaBenefit) -> Result<licstore_sa_benefit> {
        Ok(licstore_sa_benefit {
            licensing_id: c_string(&v.licensing_id, "sa benefit licensing id")?,
            benefit: c_string(&v.benefit, "sa benefit benefit")?,
            v: v.clone(),
        })
    }
}

/// Several SA benefits, by licensing ID and name. Free it with `licstore_sa_benefit_list_free`.
#[derive(Debug)]
pub struct licstore_sa_benefit_list {
    items: Vec<licstore_sa_benefit>,
}

impl licstore_sa_benefit_list {
    pub(crate) fn new(v: &[SaBenefit]) -> Result<licstore_sa_benefit_list> {
        Ok(licstore_sa_benefit_list {
            items: v
                .iter()
                .map(licstore_sa_benefit::new)
                .collect::<Result<_>>()?,
        })
    }
}

/// Frees a `licstore_sa_benefit` the caller owns. NULL is a no-op. Never pass one borrowed from a list.
///
/// # Safety
/// `value` is NULL or an owned handle, not freed before.
#[no_mangle]
pub unsafe extern "C" fn licstore_sa_benefit_free(value: *mut licstore_sa_benefit) {
    // SAFETY: the caller's contract.
    unsafe { free_raw(value) }
}

/// Writes the number of items in the list to `*len_out`.
///
/// # Safety
/// `list` is NULL or a live list; `len_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_sa_benefit_list_len(
    list: *const licstore_sa_benefit_list,
    len_out: *mut usize,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        list_len("licstore_sa_benefit_list_len", list, len_out, |l| {
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
pub unsafe extern "C" fn licstore_sa_benefit_list_get(
    list: *const licstore_sa_benefit_list,
    index: usize,
    value_out: *mut *const licstore_sa_benefit,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        list_get(
            "licstore_sa_benefit_list_get",
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
pub unsafe extern "C" fn licstore_sa_benefit_list_free(list: *mut licstore_sa_benefit_list) {
    // SAFETY: the caller's contract.
    unsafe { free_raw(list) }
}

/// The benefit's id. Writes it to `*value_out`.
///
/// # Safety
/// `value` is NULL or a live `licstore_sa_benefit`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_sa_benefit_id(
    value: *const licstore_sa_benefit,
    value_out: *mut i64,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe { get_value("licstore_sa_benefit_id", value, value_out, |h| h.v.id) }
}

/// The licensing ID's number. Writes it to `*value_out` (owned by the handle).
///
/// # Safety
/// `value` is NULL or a live `licstore_sa_benefit`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_sa_benefit_licensing_id(
    value: *const licstore_sa_benefit,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text("licstore_sa_benefit_licensing_id", value, value_out, |h| {
            Some(&h.licensing_id)
        })
    }
}

/// The benefit's name (`Training Vouchers`, ...). Writes it to `*value_out` (owned by the handle).
///
/// # Safety
/// `value` is NULL or a live `licstore_sa_benefit`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_sa_benefit_benefit(
    value: *const licstore_sa_benefit,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text("licstore_sa_benefit_benefit", value, value_out, |h| {
            Some(&h.benefit)
        })
    }
}

/// Units the licensing ID is eligible for. Writes it to `*value_out`.
///
/// # Safety
/// `value` is NULL or a live `licstore_sa_benefit`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_sa_benefit_eligible_quantity(
    value: *const licstore_sa_benefit,
    value_out: *mut i64,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_value(
            "licstore_sa_benefit_eligible_quantity",
            value,
            value_out,
            |h| h.v.eligible_quantity,
        )
    }
}

/// Units left. Writes it to `*value_out`.
///
/// # Safety
/// `value` is NULL or a live `licstore_sa_benefit`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_sa_benefit_remaining_quantity(
    value: *const licstore_sa_benefit,
    value_out: *mut i64,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_value(
            "licstore_sa_benefit_remaining_quantity",
            value,
            value_out,
            |h| h.v.remaining_quantity,
        )
    }
}

/// The status, a `licstore_benefit_status` value. Writes it to `*value_out`.
///
/// # Safety
/// `value` is NULL or a live `licstore_sa_benefit`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_sa_benefit_status(
    value: *const licstore_sa_benefit,
    value_out: *mut u32,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_enum("licstore_sa_benefit_status", value, value_out, |h| {
            h.v.status
        })
    }
}

/// One online-service reservation under an Enterprise enrollment. Free it with `licstore_reservation_free`.
#[derive(Debug)]
pub struct licstore_reservation {
    licensing_id: CString,
    service: CString,
    sku: CString,
    usage_date: CString,
    submitted_at: CString,
    submitted_by: CString,
    cancellable_until: CString,
    closed_at: Option<CString>,
    v: Reservation,
}

impl licstore_reservation {
    pub(crate) fn new(v: &Reservation) -> Result<licstore_reservation> {
        Ok(licstore_reservation {
            licensing_id: c_string(&v.licensing_id, "reservation licensing id")?,
            service: c_string(&v.service, "reservation service")?,
            sku: c_string(&v.sku, "reservation sku")?,
            usage_date: c_string(&v.usage_date.to_string(), "reservation usage date")?,
            submitted_at: c_string(&v.submitted_at, "reservation submitted at")?,
            submitted_by: c_string(&v.submitted_by, "reservation submitted by")?,
            cancellable_until: c_string(&v.cancellable_until, "reservation cancellable until")?,
            closed_at: v
                .closed_at
                .as_deref()
                .map(|s| c_string(s, "reservation closed at"))
                .transpose()?,
            v: v.clone(),
        })
    }
}

/// Several reservations, newest first. Free it with `licstore_reservation_list_free`.
#[derive(Debug)]
pub struct licstore_reservation_list {
    items: Vec<licstore_reservation>,
}

impl licstore_reservation_list {
    pub(crate) fn new(v: &[Reservation]) -> Result<licstore_reservation_list> {
        Ok(licstore_reservation_list {
            items: v
                .iter()
                .map(licstore_reservation::new)
                .collect::<Result<_>>()?,
        })
    }
}

/// Frees a `licstore_reservation` the caller owns. NULL is a no-op. Never pass one borrowed from a list.
///
/// # Safety
/// `value` is NULL or an owned handle, not freed before.
#[no_mangle]
pub unsafe extern "C" fn licstore_reservation_free(value: *mut licstore_reservation) {
    // SAFETY: the caller's contract.
    unsafe { free_raw(value) }
}

/// Writes the number of items in the list to `*len_out`.
///
/// # Safety
/// `list` is NULL or a live list; `len_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_reservation_list_len(
    list: *const licstore_reservation_list,
    len_out: *mut usize,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        list_len("licstore_reservation_list_len", list, len_out, |l| {
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
pub unsafe extern "C" fn licstore_reservation_list_get(
    list: *const licstore_reservation_list,
    index: usize,
    value_out: *mut *const licstore_reservation,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        list_get(
            "licstore_reservation_list_get",
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
pub unsafe extern "C" fn licstore_reservation_list_free(list: *mut licstore_reservation_list) {
    // SAFETY: the caller's contract.
    unsafe { free_raw(list) }
}

/// The reservation's id. Writes it to `*value_out`.
///
/// # Safety
/// `value` is NULL or a live `licstore_reservation`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_reservation_id(
    value: *const licstore_reservation,
    value_out: *mut i64,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe { get_value("licstore_reservation_id", value, value_out, |h| h.v.id) }
}

/// The licensing ID's number. Writes it to `*value_out` (owned by the handle).
///
/// # Safety
/// `value` is NULL or a live `licstore_reservation`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_reservation_licensing_id(
    value: *const licstore_reservation,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text("licstore_reservation_licensing_id", value, value_out, |h| {
            Some(&h.licensing_id)
        })
    }
}

/// The online service. Writes it to `*value_out` (owned by the handle).
///
/// # Safety
/// `value` is NULL or a live `licstore_reservation`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_reservation_service(
    value: *const licstore_reservation,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text("licstore_reservation_service", value, value_out, |h| {
            Some(&h.service)
        })
    }
}

/// The SKU as given (part number or GUID). Writes it to `*value_out` (owned by the handle).
///
/// # Safety
/// `value` is NULL or a live `licstore_reservation`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_reservation_sku(
    value: *const licstore_reservation,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text("licstore_reservation_sku", value, value_out, |h| {
            Some(&h.sku)
        })
    }
}

/// How many. Writes it to `*value_out`.
///
/// # Safety
/// `value` is NULL or a live `licstore_reservation`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_reservation_quantity(
    value: *const licstore_reservation,
    value_out: *mut i64,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_value("licstore_reservation_quantity", value, value_out, |h| {
            h.v.quantity
        })
    }
}

/// The date from which it is used (`YYYY-MM-DD`). Writes it to `*value_out` (owned by the handle).
///
/// # Safety
/// `value` is NULL or a live `licstore_reservation`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_reservation_usage_date(
    value: *const licstore_reservation,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text("licstore_reservation_usage_date", value, value_out, |h| {
            Some(&h.usage_date)
        })
    }
}

/// When it was submitted (ISO 8601 UTC). Writes it to `*value_out` (owned by the handle).
///
/// # Safety
/// `value` is NULL or a live `licstore_reservation`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_reservation_submitted_at(
    value: *const licstore_reservation,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text("licstore_reservation_submitted_at", value, value_out, |h| {
            Some(&h.submitted_at)
        })
    }
}

/// Who submitted it. Writes it to `*value_out` (owned by the handle).
///
/// # Safety
/// `value` is NULL or a live `licstore_reservation`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_reservation_submitted_by(
    value: *const licstore_reservation,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text("licstore_reservation_submitted_by", value, value_out, |h| {
            Some(&h.submitted_by)
        })
    }
}

/// The status as of the store's clock, a `licstore_reservation_statuses` value. Writes it to `*value_out`.
///
/// # Safety
/// `value` is NULL or a live `licstore_reservation`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_reservation_status(
    value: *const licstore_reservation,
    value_out: *mut u32,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_enum("licstore_reservation_status", value, value_out, |h| {
            h.v.status
        })
    }
}

/// Until when it can be cancelled (submitted_at + 72 hours, ISO 8601 UTC). Writes it to `*value_out` (owned by the handle).
///
/// # Safety
/// `value` is NULL or a live `licstore_reservation`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_reservation_cancellable_until(
    value: *const licstore_reservation,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text(
            "licstore_reservation_cancellable_until",
            value,
            value_out,
            |h| Some(&h.cancellable_until),
        )
    }
}

/// When it was cancelled or committed (ISO 8601 UTC), or NULL. Writes it to `*value_out` (owned by the handle; NULL when there is none).
///
/// # Safety
/// `value` is NULL or a live `licstore_reservation`; the outputs are NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_reservation_closed_at(
    value: *const licstore_reservation,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        get_text("licstore_reservation_closed_at", value, value_out, |h| {
            h.closed_at.as_ref()
        })
    }
}
