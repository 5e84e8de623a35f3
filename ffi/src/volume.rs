//! Volume licensing (docs/volume.md): the `licstore_*` store functions that wrap the volume calls
//! of the Rust API 1:1. What they return are the handles of `volume_types.rs`.
//!
//! Arguments: strings are NUL-terminated UTF-8, only read during the call; an optional string
//! may be NULL or `""` for none. Dates are `YYYY-MM-DD`. Entities without a natural key (keys,
//! activations, requests, benefits, reservations, entitlements) are named by their `id`. Enum
//! arguments are `uint32_t` values of the C enums in `enums.rs`, checked. Every optional `*_out`
//! may be NULL (the result is then not built at all); the required ones are checked before the
//! store is touched. Outputs are written only on success, and a refused call writes nothing to
//! the store either.

use std::ffi::c_char;
use std::fs::File;
use std::io::BufReader;

use chrono::NaiveDate;

use licstore::{
    validate, Error, ImportOptions, NewEntitlement, NewLicensingId, NewProduct, NewProductKey,
    NewReservation, NewSaBenefit, ReservationHistory, Result, SummaryQuery, VlscExportOptions,
};

use crate::boundary::{
    check_buffer_size, guard, handle, opt_str_arg, path_arg, str_arg, str_array, struct_arg,
    write_c_buffer, write_opt, Out,
};
use crate::error::licstore_result;
use crate::handles::enum_arg;
use crate::io::{import_mode, licstore_import_report, write_atomically};
use crate::store::licstore_store;
use crate::volume_types::*;

/// The size of the buffer `licstore_product_keys_reveal` needs: a key
/// (`XXXXX-XXXXX-XXXXX-XXXXX-XXXXX`, 29 characters) and its NUL terminator.
pub const LICSTORE_KEY_BUFFER_SIZE: usize = 30;

/// `licstore_vlsc_keys_export` flag: write full keys (each one audited as `product_key.reveal`)
/// instead of masked ones.
pub const LICSTORE_VLSC_EXPORT_REVEAL: u32 = 1;
/// `licstore_vlsc_keys_export` flag: comma-delimited instead of VLSC's tabs.
pub const LICSTORE_VLSC_EXPORT_COMMA: u32 = 2;

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

/// An optional date (`YYYY-MM-DD`): NULL and `""` are none.
///
/// # Safety
/// As `str_arg`.
unsafe fn opt_date(p: *const c_char, arg: &str) -> Result<Option<NaiveDate>> {
    // SAFETY: forwarded contract.
    let s = unsafe { opt_text(p, arg) }?;
    validate::optional(s.as_deref(), |v| validate::date(arg, v))
}

/// Builds the handle and writes it to a required output.
fn write_req<T: ?Sized, H: 'static>(
    out: Out<*mut H>,
    v: &T,
    make: impl FnOnce(&T) -> Result<H>,
) -> Result<()> {
    write_opt(Some(out), v, make)
}

fn id_arg(id: i64, arg: &str) -> Result<i64> {
    if id > 0 {
        Ok(id)
    } else {
        Err(Error::invalid(
            format!("argument {arg}"),
            id.to_string(),
            "must be an id (greater than zero)",
        ))
    }
}

// --- Licensing IDs ---------------------------------------------------------------------------

/// Adds a licensing ID: `number` (unique, case-insensitive), the existing `customer`'s name,
/// `program` (a `licstore_program`); `parent_program`, `mbsa`, `partner`, `start_date` and
/// `end_date` (`YYYY-MM-DD`) may be NULL or `""` for none.
///
/// `licensing_id_out` may be NULL; otherwise on success it receives the licensing ID as stored,
/// a new handle the caller frees with `licstore_licensing_id_free`. Fails with
/// `LICSTORE_NOT_FOUND` for an unknown customer, `LICSTORE_ALREADY_EXISTS` for a taken number and
/// `LICSTORE_INVALID_ARGUMENT` for an empty number, a bad date or program, or an end before the
/// start.
///
/// # Safety
/// `store` is NULL or a live handle; the strings are NULL or NUL-terminated;
/// `licensing_id_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_licensing_ids_add(
    store: *const licstore_store,
    number: *const c_char,
    customer: *const c_char,
    program: u32,
    parent_program: *const c_char,
    mbsa: *const c_char,
    partner: *const c_char,
    start_date: *const c_char,
    end_date: *const c_char,
    licensing_id_out: *mut *mut licstore_licensing_id,
) -> licstore_result {
    guard("licstore_licensing_ids_add", || {
        // SAFETY (all): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let mut new = NewLicensingId::new(
            unsafe { str_arg(number, "number") }?,
            unsafe { str_arg(customer, "customer") }?,
            enum_arg(program, "program")?,
        );
        new.parent_program = unsafe { opt_text(parent_program, "parent_program") }?;
        new.mbsa = unsafe { opt_text(mbsa, "mbsa") }?;
        new.partner = unsafe { opt_text(partner, "partner") }?;
        new.start_date = unsafe { opt_date(start_date, "start_date") }?;
        new.end_date = unsafe { opt_date(end_date, "end_date") }?;
        let out = Out::optional(licensing_id_out);
        let l = store.lock().add_licensing_id(&new)?;
        write_opt(out, &l, licstore_licensing_id::new)
    })
}

/// Reads the licensing ID with this number (case-insensitive). On success `*licensing_id_out`
/// receives a new handle the caller frees with `licstore_licensing_id_free`. Fails with
/// `LICSTORE_NOT_FOUND` for an unknown number.
///
/// # Safety
/// `store` is NULL or a live handle; `number` is NULL or NUL-terminated; `licensing_id_out` is
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_licensing_ids_get(
    store: *const licstore_store,
    number: *const c_char,
    licensing_id_out: *mut *mut licstore_licensing_id,
) -> licstore_result {
    guard("licstore_licensing_ids_get", || {
        // SAFETY (both): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let number = unsafe { str_arg(number, "number") }?;
        let out = Out::new(licensing_id_out, "licensing_id_out")?;
        let l = store.lock().licensing_id(number)?;
        write_req(out, &l, licstore_licensing_id::new)
    })
}

/// Reads every licensing ID (of one customer when `customer` is neither NULL nor `""`), by
/// number. On success `*list_out` receives a new list the caller frees with
/// `licstore_licensing_id_list_free`. Fails with `LICSTORE_NOT_FOUND` for an unknown customer.
///
/// # Safety
/// `store` is NULL or a live handle; `customer` is NULL or NUL-terminated; `list_out` is NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_licensing_ids_list(
    store: *const licstore_store,
    customer: *const c_char,
    list_out: *mut *mut licstore_licensing_id_list,
) -> licstore_result {
    guard("licstore_licensing_ids_list", || {
        // SAFETY (both): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let customer = unsafe { opt_text(customer, "customer") }?;
        let out = Out::new(list_out, "list_out")?;
        let all = store.lock().licensing_ids(customer.as_deref())?;
        write_req(out, &all[..], licstore_licensing_id_list::new)
    })
}

// --- Products --------------------------------------------------------------------------------

/// Adds a product: `family` (e.g. `"Office Professional Plus"`), `version` (e.g. `"2021"`) and
/// `pool` (a `licstore_pool`). `product_out` may be NULL; otherwise on success it receives the
/// product, a new handle the caller frees with `licstore_product_free`. Fails with
/// `LICSTORE_ALREADY_EXISTS` for a family and version that exist (in any case).
///
/// # Safety
/// `store` is NULL or a live handle; the strings are NULL or NUL-terminated; `product_out` is
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_products_add(
    store: *const licstore_store,
    family: *const c_char,
    version: *const c_char,
    pool: u32,
    product_out: *mut *mut licstore_product,
) -> licstore_result {
    guard("licstore_products_add", || {
        // SAFETY (all): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let new = NewProduct {
            family: unsafe { str_arg(family, "family") }?.to_string(),
            version: unsafe { str_arg(version, "version") }?.to_string(),
            pool: enum_arg(pool, "pool")?,
        };
        let out = Out::optional(product_out);
        let p = store.lock().add_product(&new)?;
        write_opt(out, &p, licstore_product::new)
    })
}

/// Reads the product of this family and version (case-insensitive). On success `*product_out`
/// receives a new handle the caller frees with `licstore_product_free`. Fails with
/// `LICSTORE_NOT_FOUND` when there is none.
///
/// # Safety
/// `store` is NULL or a live handle; the strings are NULL or NUL-terminated; `product_out` is
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_products_get(
    store: *const licstore_store,
    family: *const c_char,
    version: *const c_char,
    product_out: *mut *mut licstore_product,
) -> licstore_result {
    guard("licstore_products_get", || {
        // SAFETY (all): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let family = unsafe { str_arg(family, "family") }?;
        let version = unsafe { str_arg(version, "version") }?;
        let out = Out::new(product_out, "product_out")?;
        let p = store.lock().product(family, version)?;
        write_req(out, &p, licstore_product::new)
    })
}

/// Reads every product, by family and version. On success `*list_out` receives a new list the
/// caller frees with `licstore_product_list_free`.
///
/// # Safety
/// `store` is NULL or a live handle; `list_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_products_list(
    store: *const licstore_store,
    list_out: *mut *mut licstore_product_list,
) -> licstore_result {
    guard("licstore_products_list", || {
        // SAFETY: the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let out = Out::new(list_out, "list_out")?;
        let all = store.lock().products()?;
        write_req(out, &all[..], licstore_product_list::new)
    })
}

// --- Entitlements ----------------------------------------------------------------------------

/// A new entitlement (order line), filled by the caller. The strings are only read during the
/// call. Zero-initialize it (`= {0}`) and set what applies.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct licstore_new_entitlement {
    /// An existing licensing ID's number (required).
    pub licensing_id: *const c_char,
    /// An existing product's family (required).
    pub family: *const c_char,
    /// That product's version (required).
    pub version: *const c_char,
    /// How many licenses (> 0).
    pub quantity: i64,
    /// A `licstore_entitlement_kinds` value (`LICSTORE_ENTITLEMENT_KIND_*`).
    pub kind: u32,
    /// For `LICSTORE_ENTITLEMENT_KIND_STEP_UP` only: the family stepped up from; else NULL.
    pub from_family: *const c_char,
    /// The order date, `YYYY-MM-DD` (required).
    pub order_date: *const c_char,
    /// The end of SA coverage, `YYYY-MM-DD`, for kinds with coverage; NULL for the licensing
    /// ID's end date.
    pub sa_end: *const c_char,
    /// For `LICSTORE_ENTITLEMENT_KIND_GRANT`: the id of the line that earned it; 0 for none.
    pub granted_by: i64,
}

/// # Safety
/// The pointers of `e` are NULL or NUL-terminated.
unsafe fn new_entitlement(e: &licstore_new_entitlement, arg: &str) -> Result<NewEntitlement> {
    let a = |f: &str| format!("{arg}.{f}");
    // SAFETY (all): the caller's contract.
    Ok(NewEntitlement {
        licensing_id: unsafe { str_arg(e.licensing_id, &a("licensing_id")) }?.to_string(),
        family: unsafe { str_arg(e.family, &a("family")) }?.to_string(),
        version: unsafe { str_arg(e.version, &a("version")) }?.to_string(),
        quantity: e.quantity,
        kind: enum_arg(e.kind, &a("kind"))?,
        from_family: unsafe { opt_text(e.from_family, &a("from_family")) }?,
        order_date: validate::date(&a("order_date"), unsafe {
            str_arg(e.order_date, &a("order_date"))
        }?)?,
        sa_end: unsafe { opt_date(e.sa_end, &a("sa_end")) }?,
        granted_by: match e.granted_by {
            0 => None,
            id => Some(id_arg(id, &a("granted_by"))?),
        },
    })
}

/// Adds one entitlement. `entitlement_out` may be NULL; otherwise on success it receives the
/// line as stored (its id names it), a new handle the caller frees with
/// `licstore_entitlement_free`. Refusals (docs/volume.md): `LICSTORE_INVALID_ARGUMENT` for a
/// quantity <= 0, a bad kind or date, or a `from_family`, `sa_end` or `granted_by` that does not
/// fit the kind; `LICSTORE_NOT_FOUND` for an unknown licensing ID or product.
///
/// # Safety
/// `store` is NULL or a live handle; `entitlement` is NULL or points to a struct whose strings
/// are NULL or NUL-terminated; `entitlement_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_entitlements_add(
    store: *const licstore_store,
    entitlement: *const licstore_new_entitlement,
    entitlement_out: *mut *mut licstore_entitlement,
) -> licstore_result {
    guard("licstore_entitlements_add", || {
        // SAFETY (all): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let e = unsafe { new_entitlement(struct_arg(entitlement, "entitlement")?, "entitlement") }?;
        let out = Out::optional(entitlement_out);
        let added = store.lock().add_entitlement(&e)?;
        write_opt(out, &added, licstore_entitlement::new)
    })
}

/// Adds `count` entitlements in one transaction, all or none: when any line is refused nothing is
/// added and the call fails with that line's refusal (arguments are named `lines[i].field`).
/// `list_out` may be NULL; otherwise on success it receives the lines as stored, in the order
/// given, a new list the caller frees with `licstore_entitlement_list_free`.
///
/// # Safety
/// `store` is NULL or a live handle; `lines` is NULL (only with `count` 0) or points to `count`
/// structs whose strings are NULL or NUL-terminated; `list_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_entitlements_add_many(
    store: *const licstore_store,
    lines: *const licstore_new_entitlement,
    count: usize,
    list_out: *mut *mut licstore_entitlement_list,
) -> licstore_result {
    guard("licstore_entitlements_add_many", || {
        // SAFETY: the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let lines: &[licstore_new_entitlement] = if count == 0 {
            &[]
        } else if lines.is_null() {
            return Err(Error::invalid(
                "argument lines",
                "NULL",
                format!("must not be a NULL pointer (count is {count})"),
            ));
        } else {
            // SAFETY: non-NULL with `count` elements per the caller's contract.
            unsafe { std::slice::from_raw_parts(lines, count) }
        };
        let new = lines
            .iter()
            .enumerate()
            // SAFETY: the caller's contract.
            .map(|(i, e)| unsafe { new_entitlement(e, &format!("lines[{i}]")) })
            .collect::<Result<Vec<_>>>()?;
        let out = Out::optional(list_out);
        let added = store.lock().add_entitlements(&new)?;
        write_opt(out, &added[..], licstore_entitlement_list::new)
    })
}

/// Reads every entitlement (of one licensing ID when `licensing_id` is neither NULL nor `""`),
/// by id. On success `*list_out` receives a new list the caller frees with
/// `licstore_entitlement_list_free`. Fails with `LICSTORE_NOT_FOUND` for an unknown licensing ID.
///
/// # Safety
/// `store` is NULL or a live handle; `licensing_id` is NULL or NUL-terminated; `list_out` is NULL
/// or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_entitlements_list(
    store: *const licstore_store,
    licensing_id: *const c_char,
    list_out: *mut *mut licstore_entitlement_list,
) -> licstore_result {
    guard("licstore_entitlements_list", || {
        // SAFETY (both): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let lid = unsafe { opt_text(licensing_id, "licensing_id") }?;
        let out = Out::new(list_out, "list_out")?;
        let all = store.lock().entitlements(lid.as_deref())?;
        write_req(out, &all[..], licstore_entitlement_list::new)
    })
}

// --- License summary -------------------------------------------------------------------------

/// The license summary of `customer` as of `as_of` (`YYYY-MM-DD`; NULL or `""` for today by the
/// store's clock), over all the customer's licensing IDs or, when `licensing_id_count` > 0, only
/// the `licensing_id_count` numbers in `licensing_ids`. One line per product, by family and
/// version (docs/summary-algorithm.md). On success `*list_out` receives a new list the caller
/// frees with `licstore_summary_line_list_free`. Fails with `LICSTORE_NOT_FOUND` for an unknown
/// customer or licensing ID and `LICSTORE_INVALID_ARGUMENT` for a licensing ID of another
/// customer or a bad date. Reads only.
///
/// # Safety
/// `store` is NULL or a live handle; `customer` and `as_of` are NULL or NUL-terminated;
/// `licensing_ids` is NULL (only with a count of 0) or points to `licensing_id_count` strings,
/// each NUL-terminated; `list_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_license_summary(
    store: *const licstore_store,
    customer: *const c_char,
    as_of: *const c_char,
    licensing_ids: *const *const c_char,
    licensing_id_count: usize,
    list_out: *mut *mut licstore_summary_line_list,
) -> licstore_result {
    guard("licstore_license_summary", || {
        // SAFETY (all): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let q = SummaryQuery {
            customer: unsafe { str_arg(customer, "customer") }?.to_string(),
            as_of: unsafe { opt_date(as_of, "as_of") }?,
            licensing_ids: unsafe {
                str_array(licensing_ids, licensing_id_count, "licensing_ids")
            }?
            .into_iter()
            .map(String::from)
            .collect(),
        };
        let out = Out::new(list_out, "list_out")?;
        let lines = store.lock().license_summary(&q)?;
        write_req(out, &lines[..], licstore_summary_line_list::new)
    })
}

// --- Product keys ----------------------------------------------------------------------------

/// Adds a product key: the existing `licensing_id`'s number, the `product` name as VLSC shows it
/// (`"Office Professional Plus 2021"`), the `key` (`XXXXX-XXXXX-XXXXX-XXXXX-XXXXX` or 25
/// characters; case and spaces ignored), its `type` (a `licstore_key_type`). For a MAK,
/// `activation_limit` points to the limit (>= 0) and `baseline_used` is the activations used
/// before the store recorded any (0..limit); for other types `activation_limit` must be NULL and
/// `baseline_used` 0.
///
/// `key_out` may be NULL; otherwise on success it receives the key, masked, a new handle the
/// caller frees with `licstore_product_key_free`. Fails with `LICSTORE_INVALID_ARGUMENT` for a
/// malformed key (the message shows only its last 5 characters) or a limit that does not fit the
/// type, `LICSTORE_NOT_FOUND` for an unknown licensing ID, `LICSTORE_ALREADY_EXISTS` for a key in
/// the store.
///
/// # Safety
/// `store` is NULL or a live handle; the strings are NULL or NUL-terminated; `activation_limit`
/// is NULL or readable; `key_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_product_keys_add(
    store: *const licstore_store,
    licensing_id: *const c_char,
    product: *const c_char,
    key: *const c_char,
    key_type: u32,
    activation_limit: *const i64,
    baseline_used: i64,
    key_out: *mut *mut licstore_product_key,
) -> licstore_result {
    guard("licstore_product_keys_add", || {
        // SAFETY (all): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let new = NewProductKey {
            licensing_id: unsafe { str_arg(licensing_id, "licensing_id") }?.to_string(),
            product: unsafe { str_arg(product, "product") }?.to_string(),
            key: unsafe { str_arg(key, "key") }?.to_string(),
            key_type: enum_arg(key_type, "key_type")?,
            activation_limit: unsafe { activation_limit.as_ref() }.copied(),
            baseline_used,
        };
        let out = Out::optional(key_out);
        let k = store.lock().add_product_key(&new)?;
        write_opt(out, &k, licstore_product_key::new)
    })
}

/// Reads the key with this id (masked). On success `*key_out` receives a new handle the caller
/// frees with `licstore_product_key_free`. Fails with `LICSTORE_NOT_FOUND` for an unknown id.
///
/// # Safety
/// `store` is NULL or a live handle; `key_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_product_keys_get(
    store: *const licstore_store,
    key_id: i64,
    key_out: *mut *mut licstore_product_key,
) -> licstore_result {
    guard("licstore_product_keys_get", || {
        // SAFETY: the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let out = Out::new(key_out, "key_out")?;
        let k = store.lock().product_key(key_id)?;
        write_req(out, &k, licstore_product_key::new)
    })
}

/// Finds a key by its value (for callers who hold a key and need its id); the result is masked.
/// On success `*key_out` receives a new handle the caller frees with `licstore_product_key_free`.
/// Fails with `LICSTORE_INVALID_ARGUMENT` for a malformed key and `LICSTORE_NOT_FOUND` for a key
/// not in the store (messages show only its last 5 characters).
///
/// # Safety
/// `store` is NULL or a live handle; `key` is NULL or NUL-terminated; `key_out` is NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_product_keys_find(
    store: *const licstore_store,
    key: *const c_char,
    key_out: *mut *mut licstore_product_key,
) -> licstore_result {
    guard("licstore_product_keys_find", || {
        // SAFETY (both): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let key = unsafe { str_arg(key, "key") }?;
        let out = Out::new(key_out, "key_out")?;
        let k = store.lock().find_product_key(key)?;
        write_req(out, &k, licstore_product_key::new)
    })
}

/// Reads every key (of one licensing ID when `licensing_id` is neither NULL nor `""`), masked, by
/// id. On success `*list_out` receives a new list the caller frees with
/// `licstore_product_key_list_free`. Fails with `LICSTORE_NOT_FOUND` for an unknown licensing ID.
///
/// # Safety
/// `store` is NULL or a live handle; `licensing_id` is NULL or NUL-terminated; `list_out` is NULL
/// or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_product_keys_list(
    store: *const licstore_store,
    licensing_id: *const c_char,
    list_out: *mut *mut licstore_product_key_list,
) -> licstore_result {
    guard("licstore_product_keys_list", || {
        // SAFETY (both): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let lid = unsafe { opt_text(licensing_id, "licensing_id") }?;
        let out = Out::new(list_out, "list_out")?;
        let all = store.lock().product_keys(lid.as_deref())?;
        write_req(out, &all[..], licstore_product_key_list::new)
    })
}

/// Reveals the full key with this id into the caller's `buffer` of `buffer_size` bytes (at least
/// `LICSTORE_KEY_BUFFER_SIZE`), NUL-terminated, and writes a `product_key.reveal` audit row with
/// the actor and `reason` (NULL or `""` for none). The buffer is checked before anything is read
/// or audited: a NULL or short buffer is `LICSTORE_INVALID_ARGUMENT` and the buffer and the audit
/// log are left untouched, as they are on every other failure (`LICSTORE_NOT_FOUND` for an
/// unknown id). The key is a secret: clear the buffer when done with it.
///
/// # Safety
/// `store` is NULL or a live handle; `reason` is NULL or NUL-terminated; `buffer` is NULL or
/// writable for `buffer_size` bytes.
#[no_mangle]
pub unsafe extern "C" fn licstore_product_keys_reveal(
    store: *const licstore_store,
    key_id: i64,
    reason: *const c_char,
    buffer: *mut c_char,
    buffer_size: usize,
) -> licstore_result {
    guard("licstore_product_keys_reveal", || {
        // SAFETY (both): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let reason = unsafe { opt_str_arg(reason, "reason") }?.unwrap_or("");
        let out = Out::new(buffer, "buffer")?;
        check_buffer_size(
            buffer_size,
            LICSTORE_KEY_BUFFER_SIZE,
            "LICSTORE_KEY_BUFFER_SIZE",
        )?;
        let key = store.lock().reveal_key(key_id, reason)?;
        write_c_buffer(
            out,
            buffer_size,
            &key,
            "a revealed key",
            "LICSTORE_KEY_BUFFER_SIZE",
        )
    })
}

// --- Activations -----------------------------------------------------------------------------

/// Records one independent activation of the key `key_id` by `machine` (a KMS key: the host),
/// in its own transaction. The rules by key type are in docs/volume.md: past a MAK's limit or on
/// a used OSA key `LICSTORE_ACTIVATION_LIMIT_REACHED`, past the KMS host rules
/// `LICSTORE_KMS_HOST_LIMIT_REACHED`, on VLK and Setup keys `LICSTORE_INVALID_STATE`, for an
/// unknown id `LICSTORE_NOT_FOUND`, for an empty machine name `LICSTORE_INVALID_ARGUMENT`.
///
/// `activation_out` may be NULL (the fast path: nothing is built); otherwise on success it
/// receives the activation, a new handle the caller frees with `licstore_key_activation_free`.
///
/// # Safety
/// `store` is NULL or a live handle; `machine` is NULL or NUL-terminated; `activation_out` is
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_key_activate(
    store: *const licstore_store,
    key_id: i64,
    machine: *const c_char,
    activation_out: *mut *mut licstore_key_activation,
) -> licstore_result {
    guard("licstore_key_activate", || {
        // SAFETY (both): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let machine = unsafe { str_arg(machine, "machine") }?;
        let out = Out::optional(activation_out);
        let a = store.lock().activate_key(key_id, machine)?;
        write_opt(out, &a, licstore_key_activation::new)
    })
}

/// Proxy activation: records the `count` machines in `machines` as activations of the key
/// `key_id` in one transaction, all or none (no machines, a machine twice, or any machine that
/// would break a rule refuses the whole call, with the codes of `licstore_key_activate`).
/// `list_out` may be NULL; otherwise on success it receives the activations in the order given,
/// a new list the caller frees with `licstore_key_activation_list_free`.
///
/// # Safety
/// `store` is NULL or a live handle; `machines` is NULL (only with `count` 0) or points to
/// `count` strings, each NUL-terminated; `list_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_key_proxy_activate(
    store: *const licstore_store,
    key_id: i64,
    machines: *const *const c_char,
    count: usize,
    list_out: *mut *mut licstore_key_activation_list,
) -> licstore_result {
    guard("licstore_key_proxy_activate", || {
        // SAFETY (both): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let machines = unsafe { str_array(machines, count, "machines") }?;
        let out = Out::optional(list_out);
        let all = store.lock().proxy_activate(key_id, &machines)?;
        write_opt(out, &all[..], licstore_key_activation_list::new)
    })
}

/// Reads the activations of the key `key_id`, oldest first. On success `*list_out` receives a new
/// list the caller frees with `licstore_key_activation_list_free`. Fails with `LICSTORE_NOT_FOUND`
/// for an unknown key.
///
/// # Safety
/// `store` is NULL or a live handle; `list_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_key_activations(
    store: *const licstore_store,
    key_id: i64,
    list_out: *mut *mut licstore_key_activation_list,
) -> licstore_result {
    guard("licstore_key_activations", || {
        // SAFETY: the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let out = Out::new(list_out, "list_out")?;
        let all = store.lock().key_activations(key_id)?;
        write_req(out, &all[..], licstore_key_activation_list::new)
    })
}

// --- Limit-increase requests -----------------------------------------------------------------

/// Requests `activations` more activations for a MAK (more hosts for a KMS key) with a business
/// `justification`; the request is Pending. `request_out` may be NULL; otherwise on success it
/// receives the request, a new handle the caller frees with `licstore_limit_request_free`. Fails
/// with `LICSTORE_INVALID_ARGUMENT` for `activations` <= 0, an empty justification or a key type
/// without a limit, `LICSTORE_NOT_FOUND` for an unknown key.
///
/// # Safety
/// `store` is NULL or a live handle; `justification` is NULL or NUL-terminated; `request_out` is
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_limit_increase_request(
    store: *const licstore_store,
    key_id: i64,
    activations: i64,
    justification: *const c_char,
    request_out: *mut *mut licstore_limit_request,
) -> licstore_result {
    guard("licstore_limit_increase_request", || {
        // SAFETY (both): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let justification = unsafe { str_arg(justification, "justification") }?;
        let out = Out::optional(request_out);
        let r = store
            .lock()
            .request_limit_increase(key_id, activations, justification)?;
        write_opt(out, &r, licstore_limit_request::new)
    })
}

/// Decides a Pending request: `decision` is a `licstore_decision` (grant raises the key's MAK
/// limit or KMS host limit by the requested number). `request_out` may be NULL; otherwise on
/// success it receives the decided request, a new handle the caller frees with
/// `licstore_limit_request_free`. Fails with `LICSTORE_INVALID_STATE` for a decided request and
/// `LICSTORE_NOT_FOUND` for an unknown one.
///
/// # Safety
/// `store` is NULL or a live handle; `request_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_limit_increase_decide(
    store: *const licstore_store,
    request_id: i64,
    decision: u32,
    request_out: *mut *mut licstore_limit_request,
) -> licstore_result {
    guard("licstore_limit_increase_decide", || {
        // SAFETY: the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let grant = match decision {
            d if d == crate::enums::licstore_decision::Grant as u32 => true,
            d if d == crate::enums::licstore_decision::Deny as u32 => false,
            d => {
                return Err(Error::invalid(
                    "argument decision",
                    d.to_string(),
                    "must be LICSTORE_DECISION_DENY (0) or LICSTORE_DECISION_GRANT (1)",
                ))
            }
        };
        let out = Out::optional(request_out);
        let r = store.lock().decide_limit_increase(request_id, grant)?;
        write_opt(out, &r, licstore_limit_request::new)
    })
}

/// Reads the limit-increase requests of the key `key_id` (0: of every key), by id. On success
/// `*list_out` receives a new list the caller frees with `licstore_limit_request_list_free`.
///
/// # Safety
/// `store` is NULL or a live handle; `list_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_limit_increase_requests(
    store: *const licstore_store,
    key_id: i64,
    list_out: *mut *mut licstore_limit_request_list,
) -> licstore_result {
    guard("licstore_limit_increase_requests", || {
        // SAFETY: the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let key = (key_id != 0).then_some(key_id);
        let out = Out::new(list_out, "list_out")?;
        let all = store.lock().limit_increase_requests(key)?;
        write_req(out, &all[..], licstore_limit_request_list::new)
    })
}

// --- Software Assurance benefits -------------------------------------------------------------

/// Adds a Software Assurance benefit (`benefit`, e.g. `"Training Vouchers"`, unique per licensing
/// ID) to `licensing_id` with `eligible_quantity` units (>= 0, all remaining) and the initial
/// `status` (a `licstore_benefit_status`). `benefit_out` may be NULL; otherwise on success it
/// receives the benefit, a new handle the caller frees with `licstore_sa_benefit_free`.
///
/// # Safety
/// `store` is NULL or a live handle; the strings are NULL or NUL-terminated; `benefit_out` is
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_sa_benefits_add(
    store: *const licstore_store,
    licensing_id: *const c_char,
    benefit: *const c_char,
    eligible_quantity: i64,
    status: u32,
    benefit_out: *mut *mut licstore_sa_benefit,
) -> licstore_result {
    guard("licstore_sa_benefits_add", || {
        // SAFETY (all): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let new = NewSaBenefit {
            licensing_id: unsafe { str_arg(licensing_id, "licensing_id") }?.to_string(),
            benefit: unsafe { str_arg(benefit, "benefit") }?.to_string(),
            eligible_quantity,
            status: enum_arg(status, "status")?,
        };
        let out = Out::optional(benefit_out);
        let b = store.lock().add_sa_benefit(&new)?;
        write_opt(out, &b, licstore_sa_benefit::new)
    })
}

/// Reads the benefit with this id. On success `*benefit_out` receives a new handle the caller
/// frees with `licstore_sa_benefit_free`. Fails with `LICSTORE_NOT_FOUND` for an unknown id.
///
/// # Safety
/// `store` is NULL or a live handle; `benefit_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_sa_benefits_get(
    store: *const licstore_store,
    benefit_id: i64,
    benefit_out: *mut *mut licstore_sa_benefit,
) -> licstore_result {
    guard("licstore_sa_benefits_get", || {
        // SAFETY: the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let out = Out::new(benefit_out, "benefit_out")?;
        let b = store.lock().sa_benefit(benefit_id)?;
        write_req(out, &b, licstore_sa_benefit::new)
    })
}

/// Reads every benefit (of one licensing ID when `licensing_id` is neither NULL nor `""`), by
/// licensing ID and name. On success `*list_out` receives a new list the caller frees with
/// `licstore_sa_benefit_list_free`.
///
/// # Safety
/// `store` is NULL or a live handle; `licensing_id` is NULL or NUL-terminated; `list_out` is NULL
/// or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_sa_benefits_list(
    store: *const licstore_store,
    licensing_id: *const c_char,
    list_out: *mut *mut licstore_sa_benefit_list,
) -> licstore_result {
    guard("licstore_sa_benefits_list", || {
        // SAFETY (both): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let lid = unsafe { opt_text(licensing_id, "licensing_id") }?;
        let out = Out::new(list_out, "list_out")?;
        let all = store.lock().sa_benefits(lid.as_deref())?;
        write_req(out, &all[..], licstore_sa_benefit_list::new)
    })
}

/// Moves a benefit to `status` (a `licstore_benefit_status`; allowed transitions in
/// docs/volume.md); any other transition, and every action on an Expired benefit, is
/// `LICSTORE_INVALID_STATE`. `benefit_out` may be NULL; otherwise on success it receives the
/// benefit after the change, a new handle the caller frees with `licstore_sa_benefit_free`.
///
/// # Safety
/// `store` is NULL or a live handle; `benefit_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_sa_benefits_set_status(
    store: *const licstore_store,
    benefit_id: i64,
    status: u32,
    benefit_out: *mut *mut licstore_sa_benefit,
) -> licstore_result {
    guard("licstore_sa_benefits_set_status", || {
        // SAFETY: the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let status = enum_arg(status, "status")?;
        let out = Out::optional(benefit_out);
        let b = store.lock().set_sa_benefit_status(benefit_id, status)?;
        write_opt(out, &b, licstore_sa_benefit::new)
    })
}

/// Uses `quantity` units of an Activated benefit. Fails with `LICSTORE_INVALID_ARGUMENT` for a
/// quantity <= 0, `LICSTORE_INVALID_STATE` for a benefit that is not Activated and
/// `LICSTORE_BENEFIT_EXHAUSTED` for more than remains. `benefit_out` may be NULL; otherwise on
/// success it receives the benefit after the use, a new handle the caller frees with
/// `licstore_sa_benefit_free`.
///
/// # Safety
/// `store` is NULL or a live handle; `benefit_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_sa_benefits_use(
    store: *const licstore_store,
    benefit_id: i64,
    quantity: i64,
    benefit_out: *mut *mut licstore_sa_benefit,
) -> licstore_result {
    guard("licstore_sa_benefits_use", || {
        // SAFETY: the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let out = Out::optional(benefit_out);
        let b = store.lock().use_sa_benefit(benefit_id, quantity)?;
        write_opt(out, &b, licstore_sa_benefit::new)
    })
}

// --- Reservations ----------------------------------------------------------------------------

/// Submits a reservation of `quantity` (> 0) of an online `service` (`sku`: a part number or
/// GUID, free text) under the Enterprise licensing ID `licensing_id`, used from `usage_date`
/// (`YYYY-MM-DD`, today to 6 months ahead). Refusals of the program or window rules are
/// `LICSTORE_RESERVATION_NOT_ALLOWED` naming the licensing ID. `reservation_out` may be NULL;
/// otherwise on success it receives the reservation, a new handle the caller frees with
/// `licstore_reservation_free`.
///
/// # Safety
/// `store` is NULL or a live handle; the strings are NULL or NUL-terminated; `reservation_out` is
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_reservations_submit(
    store: *const licstore_store,
    licensing_id: *const c_char,
    service: *const c_char,
    sku: *const c_char,
    quantity: i64,
    usage_date: *const c_char,
    reservation_out: *mut *mut licstore_reservation,
) -> licstore_result {
    guard("licstore_reservations_submit", || {
        // SAFETY (all): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let new = NewReservation {
            licensing_id: unsafe { str_arg(licensing_id, "licensing_id") }?.to_string(),
            service: unsafe { str_arg(service, "service") }?.to_string(),
            sku: unsafe { str_arg(sku, "sku") }?.to_string(),
            quantity,
            usage_date: validate::date("usage_date", unsafe {
                str_arg(usage_date, "usage_date")
            }?)?,
        };
        let out = Out::optional(reservation_out);
        let r = store.lock().submit_reservation(&new)?;
        write_opt(out, &r, licstore_reservation::new)
    })
}

/// Cancels a reservation within 72 hours of its submission. A committed one is
/// `LICSTORE_RESERVATION_NOT_ALLOWED`, a cancelled one `LICSTORE_INVALID_STATE`. `reservation_out`
/// may be NULL; otherwise on success it receives the cancelled reservation, a new handle the
/// caller frees with `licstore_reservation_free`.
///
/// # Safety
/// `store` is NULL or a live handle; `reservation_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_reservations_cancel(
    store: *const licstore_store,
    reservation_id: i64,
    reservation_out: *mut *mut licstore_reservation,
) -> licstore_result {
    guard("licstore_reservations_cancel", || {
        // SAFETY: the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let out = Out::optional(reservation_out);
        let r = store.lock().cancel_reservation(reservation_id)?;
        write_opt(out, &r, licstore_reservation::new)
    })
}

/// Reads the reservation history, newest first, with statuses as of the store's clock (due
/// commitments are stored first). `filter` is a `licstore_reservation_filter`: `_ALL` (`value`
/// and `reservation_id` ignored), `_SERVICE` (`value` names the service), `_LICENSING_ID`
/// (`value` is the number) or `_RESERVATION` (`reservation_id`). On success `*list_out` receives
/// a new list the caller frees with `licstore_reservation_list_free`.
///
/// # Safety
/// `store` is NULL or a live handle; `value` is NULL or NUL-terminated; `list_out` is NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_reservations_list(
    store: *const licstore_store,
    filter: u32,
    value: *const c_char,
    reservation_id: i64,
    list_out: *mut *mut licstore_reservation_list,
) -> licstore_result {
    use crate::enums::licstore_reservation_filter as F;
    guard("licstore_reservations_list", || {
        // SAFETY (both): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let text = || unsafe { str_arg(value, "value") }.map(String::from);
        let by = match filter {
            f if f == F::All as u32 => ReservationHistory::All,
            f if f == F::Service as u32 => ReservationHistory::Service(text()?),
            f if f == F::LicensingId as u32 => ReservationHistory::LicensingId(text()?),
            f if f == F::Reservation as u32 => ReservationHistory::Reservation(reservation_id),
            f => {
                return Err(Error::invalid(
                    "argument filter",
                    f.to_string(),
                    "is not a licstore_reservation_filter: must be 0 (ALL), 1 (SERVICE), \
                     2 (LICENSING_ID) or 3 (RESERVATION)",
                ))
            }
        };
        let out = Out::new(list_out, "list_out")?;
        let all = store.lock().reservations(&by)?;
        write_req(out, &all[..], licstore_reservation_list::new)
    })
}

// --- VLSC key download -----------------------------------------------------

/// Imports a VLSC product-key download (tab- or comma-delimited, detected; docs/volume.md):
/// creates missing customers, licensing IDs and keys, updates MAK counts of known keys. `mode` is
/// a `licstore_import_mode`. On success `*report_out` (caller-owned) receives the counts of keys
/// (`inserted`, `updated`, `unchanged`, `rejected`). In all-or-nothing mode a rejected row fails
/// the call with `LICSTORE_CSV_ERROR` naming file, line, column and value (keys masked) and
/// nothing is written.
///
/// # Safety
/// `store` is NULL or a live handle; `path` is NULL or NUL-terminated; `report_out` is NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_vlsc_keys_import(
    store: *const licstore_store,
    path: *const c_char,
    mode: u32,
    report_out: *mut licstore_import_report,
) -> licstore_result {
    guard("licstore_vlsc_keys_import", || {
        // SAFETY (both): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let path = unsafe { path_arg(path, "path") }?;
        let mode = import_mode(mode)?;
        let out = Out::new(report_out, "report_out")?;
        let file = File::open(&path).map_err(|source| Error::Io {
            path: Some(path.clone()),
            source,
        })?;
        let mut opts = ImportOptions::new(path.display().to_string());
        opts.mode = mode;
        let r = store.lock().import_vlsc_keys(BufReader::new(file), opts)?;
        let report = licstore_import_report {
            rows: r.rows,
            inserted: r.inserted,
            updated: r.updated,
            unchanged: r.unchanged,
            rejected: r.rejected,
        };
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out.write(report) };
        Ok(())
    })
}

/// Exports the keys (of one licensing ID when `licensing_id` is neither NULL nor `""`) in the
/// VLSC download format to the file at `path` (created or replaced; on failure an existing file
/// is left as it was). `flags` is 0 or a combination of `LICSTORE_VLSC_EXPORT_REVEAL` (full keys,
/// each audited as `product_key.reveal`; masked otherwise) and `LICSTORE_VLSC_EXPORT_COMMA`;
/// other bits are `LICSTORE_INVALID_ARGUMENT`. `rows_out` may be NULL; otherwise it receives the
/// number of keys written.
///
/// # Safety
/// `store` is NULL or a live handle; `path` and `licensing_id` are NULL or NUL-terminated;
/// `rows_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_vlsc_keys_export(
    store: *const licstore_store,
    path: *const c_char,
    licensing_id: *const c_char,
    flags: u32,
    rows_out: *mut u64,
) -> licstore_result {
    guard("licstore_vlsc_keys_export", || {
        // SAFETY (all): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let path = unsafe { path_arg(path, "path") }?;
        let lid = unsafe { opt_text(licensing_id, "licensing_id") }?;
        let known = LICSTORE_VLSC_EXPORT_REVEAL | LICSTORE_VLSC_EXPORT_COMMA;
        if flags & !known != 0 {
            return Err(Error::invalid(
                "argument flags",
                format!("{flags:#x}"),
                "only LICSTORE_VLSC_EXPORT_REVEAL (1) and LICSTORE_VLSC_EXPORT_COMMA (2) are known",
            ));
        }
        let opts = VlscExportOptions {
            licensing_id: lid,
            reveal: flags & LICSTORE_VLSC_EXPORT_REVEAL != 0,
            comma: flags & LICSTORE_VLSC_EXPORT_COMMA != 0,
        };
        let out = Out::optional(rows_out);
        let mut store = store.lock();
        // Refuse an unknown licensing ID before creating any file.
        if let Some(n) = &opts.licensing_id {
            store.licensing_id(n)?;
        }
        let n = write_atomically(&path, &mut store, |s, w| s.export_vlsc_keys(w, &opts))?;
        if let Some(out) = out {
            // SAFETY: checked non-NULL; writable per the contract.
            unsafe { out.write(n) };
        }
        Ok(())
    })
}
