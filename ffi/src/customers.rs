//! Customers (DOMAIN.md section 1): the `licstore_customers_*` functions act on a store's
//! customers; a `licstore_customer` is one customer read from the store, a
//! `licstore_customer_list` several.
//!
//! Ownership: every string a getter returns belongs to the customer (or list) it came from and
//! stays valid until that handle is freed; never free such a string yourself.

use std::ffi::{c_char, CString};
use std::ptr;

use licstore::{Customer, CustomerUpdate, NewCustomer, Result};

use crate::boundary::{c_string, free_raw, guard, handle, into_raw, opt_str_arg, str_arg, Out};
use crate::error::licstore_result;
use crate::store::licstore_store;

/// One customer as read from the store: a snapshot that does not change when the store does.
/// Free it with `licstore_customer_free`.
#[derive(Debug)]
pub struct licstore_customer {
    name: CString,
    tenant_domain: Option<CString>,
    default_usage_location: Option<CString>,
    created_at: CString,
    updated_at: CString,
}

impl licstore_customer {
    fn new(c: &Customer) -> Result<licstore_customer> {
        let opt = |v: &Option<String>, what| v.as_deref().map(|s| c_string(s, what)).transpose();
        Ok(licstore_customer {
            name: c_string(&c.name, "customer name")?,
            tenant_domain: opt(&c.tenant_domain, "tenant domain")?,
            default_usage_location: opt(&c.default_usage_location, "default usage location")?,
            created_at: c_string(&c.created_at, "created_at")?,
            updated_at: c_string(&c.updated_at, "updated_at")?,
        })
    }
}

/// Several customers (by name). Free it with `licstore_customer_list_free`.
#[derive(Debug)]
pub struct licstore_customer_list {
    items: Vec<licstore_customer>,
}

fn write_customer(out: Option<Out<*mut licstore_customer>>, c: &Customer) -> Result<()> {
    if let Some(out) = out {
        let h = into_raw(licstore_customer::new(c)?);
        // SAFETY: checked non-NULL; writable per the caller's contract.
        unsafe { out.write(h) };
    }
    Ok(())
}

/// Adds a customer. `name` is required; `tenant_domain` (e.g. `"contoso.onmicrosoft.com"`) and
/// `default_usage_location` (ISO 3166-1 alpha-2, e.g. `"US"`) may be NULL or `""` for none.
/// All strings are NUL-terminated UTF-8, only read during the call.
///
/// `customer_out` may be NULL; otherwise on success it receives the customer as stored
/// (normalized), a new handle the caller owns and frees with `licstore_customer_free`.
/// Fails with `LICSTORE_ALREADY_EXISTS` when the name is taken (in any case) and
/// `LICSTORE_INVALID_ARGUMENT` for an empty name, a malformed domain or an unknown country.
///
/// # Safety
/// `store` is NULL or a live handle; the strings are NULL or NUL-terminated; `customer_out` is
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_customers_add(
    store: *const licstore_store,
    name: *const c_char,
    tenant_domain: *const c_char,
    default_usage_location: *const c_char,
    customer_out: *mut *mut licstore_customer,
) -> licstore_result {
    guard("licstore_customers_add", || {
        // SAFETY (all four): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let new = NewCustomer {
            name: unsafe { str_arg(name, "name") }?.to_string(),
            tenant_domain: unsafe { opt_str_arg(tenant_domain, "tenant_domain") }?
                .map(String::from),
            default_usage_location: unsafe {
                opt_str_arg(default_usage_location, "default_usage_location")
            }?
            .map(String::from),
        };
        let out = Out::optional(customer_out);
        let c = store.lock().add_customer(&new)?;
        write_customer(out, &c)
    })
}

/// An optional field of an update: NULL leaves it, `""` clears it, anything else sets it.
fn field_update(v: Option<&str>) -> Option<Option<String>> {
    v.map(|s| (!s.is_empty()).then(|| s.to_string()))
}

/// Changes the customer named `name` (case-insensitive). For each of `new_name`,
/// `tenant_domain` and `default_usage_location`: NULL leaves the field as it is; for the two
/// optional fields `""` clears it; any other value replaces it (`new_name` cannot be cleared).
/// Nothing is written when nothing changes. All strings are NUL-terminated UTF-8, only read
/// during the call.
///
/// `customer_out` may be NULL; otherwise on success it receives the customer after the change,
/// a new handle the caller owns and frees with `licstore_customer_free`. Fails with
/// `LICSTORE_NOT_FOUND` for an unknown name and as `licstore_customers_add` for bad values.
///
/// # Safety
/// As `licstore_customers_add`.
#[no_mangle]
pub unsafe extern "C" fn licstore_customers_update(
    store: *const licstore_store,
    name: *const c_char,
    new_name: *const c_char,
    tenant_domain: *const c_char,
    default_usage_location: *const c_char,
    customer_out: *mut *mut licstore_customer,
) -> licstore_result {
    guard("licstore_customers_update", || {
        // SAFETY (all five): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let name = unsafe { str_arg(name, "name") }?;
        let update = CustomerUpdate {
            name: unsafe { opt_str_arg(new_name, "new_name") }?.map(String::from),
            tenant_domain: field_update(unsafe { opt_str_arg(tenant_domain, "tenant_domain") }?),
            default_usage_location: field_update(unsafe {
                opt_str_arg(default_usage_location, "default_usage_location")
            }?),
        };
        let out = Out::optional(customer_out);
        let c = store.lock().update_customer(name, &update)?;
        write_customer(out, &c)
    })
}

/// Removes the customer named `name` (case-insensitive). Fails with `LICSTORE_NOT_FOUND` for an
/// unknown name and `LICSTORE_IN_USE` (the message says what refers to it) while anything in the
/// store references the customer.
///
/// # Safety
/// `store` is NULL or a live handle; `name` is NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn licstore_customers_remove(
    store: *const licstore_store,
    name: *const c_char,
) -> licstore_result {
    guard("licstore_customers_remove", || {
        // SAFETY (both): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let name = unsafe { str_arg(name, "name") }?;
        store.lock().remove_customer(name)
    })
}

/// Reads the customer named `name` (case-insensitive). On success `*customer_out` receives a new
/// handle the caller owns and frees with `licstore_customer_free`. Fails with
/// `LICSTORE_NOT_FOUND` for an unknown name.
///
/// # Safety
/// `store` is NULL or a live handle; `name` is NULL or NUL-terminated; `customer_out` is NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_customers_get(
    store: *const licstore_store,
    name: *const c_char,
    customer_out: *mut *mut licstore_customer,
) -> licstore_result {
    guard("licstore_customers_get", || {
        // SAFETY (both): the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let name = unsafe { str_arg(name, "name") }?;
        let out = Out::new(customer_out, "customer_out")?;
        let c = store.lock().customer(name)?;
        write_customer(Some(out), &c)
    })
}

/// Reads every customer, by name. On success `*list_out` receives a new list the caller owns and
/// frees with `licstore_customer_list_free`.
///
/// # Safety
/// `store` is NULL or a live handle; `list_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_customers_list(
    store: *const licstore_store,
    list_out: *mut *mut licstore_customer_list,
) -> licstore_result {
    guard("licstore_customers_list", || {
        // SAFETY: the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let out = Out::new(list_out, "list_out")?;
        let all = store.lock().customers()?;
        let items = all
            .iter()
            .map(licstore_customer::new)
            .collect::<Result<Vec<_>>>()?;
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out.write(into_raw(licstore_customer_list { items })) };
        Ok(())
    })
}

/// Writes the number of customers in the list to `*len_out`.
///
/// # Safety
/// `list` is NULL or a live list; `len_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_customer_list_len(
    list: *const licstore_customer_list,
    len_out: *mut usize,
) -> licstore_result {
    guard("licstore_customer_list_len", || {
        // SAFETY: the caller's contract.
        let list = unsafe { handle(list, "list") }?;
        let out = Out::new(len_out, "len_out")?;
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out.write(list.items.len()) };
        Ok(())
    })
}

/// Writes the customer at 0-based `index` to `*customer_out`. The customer is borrowed from the
/// list: valid until the list is freed; do not free it. Fails with `LICSTORE_INVALID_ARGUMENT`
/// for an index at or past the end.
///
/// # Safety
/// `list` is NULL or a live list; `customer_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_customer_list_get(
    list: *const licstore_customer_list,
    index: usize,
    customer_out: *mut *const licstore_customer,
) -> licstore_result {
    guard("licstore_customer_list_get", || {
        // SAFETY: the caller's contract.
        let list = unsafe { handle(list, "list") }?;
        let out = Out::new(customer_out, "customer_out")?;
        let c = list.items.get(index).ok_or_else(|| {
            licstore::Error::invalid(
                "argument index",
                index.to_string(),
                format!("the list has {} customer(s)", list.items.len()),
            )
        })?;
        // The customer is a handle now, alive until the list is freed.
        crate::registry::register_borrowed(c as *const licstore_customer, list as *const _);
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out.write(c) };
        Ok(())
    })
}

/// Frees a customer list and every customer borrowed from it. NULL is a no-op.
///
/// # Safety
/// `list` is NULL or a list from `licstore_customers_list`, not freed before.
#[no_mangle]
pub unsafe extern "C" fn licstore_customer_list_free(list: *mut licstore_customer_list) {
    // SAFETY: the caller's contract.
    unsafe { free_raw(list) }
}

/// Writes the number of customers in the store to `*count_out`.
///
/// # Safety
/// `store` is NULL or a live handle; `count_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_customers_count(
    store: *const licstore_store,
    count_out: *mut u64,
) -> licstore_result {
    guard("licstore_customers_count", || {
        // SAFETY: the caller's contract.
        let store = unsafe { handle(store, "store") }?;
        let out = Out::new(count_out, "count_out")?;
        let n = store.lock().customers()?.len() as u64;
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out.write(n) };
        Ok(())
    })
}

/// Frees a customer from `licstore_customers_get`, `_add` or `_update`. NULL is a no-op. Never
/// pass a customer borrowed from a list.
///
/// # Safety
/// `customer` is NULL or an owned customer handle, not freed before.
#[no_mangle]
pub unsafe extern "C" fn licstore_customer_free(customer: *mut licstore_customer) {
    // SAFETY: the caller's contract.
    unsafe { free_raw(customer) }
}

unsafe fn getter(
    function: &'static str,
    customer: *const licstore_customer,
    out: *mut *const c_char,
    field: impl FnOnce(&licstore_customer) -> Option<&CString>,
) -> licstore_result {
    guard(function, || {
        // SAFETY: the caller's contract.
        let c = unsafe { handle(customer, "customer") }?;
        let out = Out::new(out, "value_out")?;
        let v = field(c).map_or(ptr::null(), |s| s.as_ptr());
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out.write(v) };
        Ok(())
    })
}

/// Writes the customer's name to `*value_out` (UTF-8, owned by the customer: valid until it is
/// freed).
///
/// # Safety
/// `customer` is NULL or a live customer; `value_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn licstore_customer_name(
    customer: *const licstore_customer,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        getter("licstore_customer_name", customer, value_out, |c| {
            Some(&c.name)
        })
    }
}

/// Writes the customer's tenant domain to `*value_out`, or NULL when it has none (owned by the
/// customer: valid until it is freed).
///
/// # Safety
/// As `licstore_customer_name`.
#[no_mangle]
pub unsafe extern "C" fn licstore_customer_tenant_domain(
    customer: *const licstore_customer,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        getter(
            "licstore_customer_tenant_domain",
            customer,
            value_out,
            |c| c.tenant_domain.as_ref(),
        )
    }
}

/// Writes the customer's default usage location (ISO 3166-1 alpha-2) to `*value_out`, or NULL
/// when it has none (owned by the customer: valid until it is freed).
///
/// # Safety
/// As `licstore_customer_name`.
#[no_mangle]
pub unsafe extern "C" fn licstore_customer_default_usage_location(
    customer: *const licstore_customer,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        getter(
            "licstore_customer_default_usage_location",
            customer,
            value_out,
            |c| c.default_usage_location.as_ref(),
        )
    }
}

/// Writes when the customer was added (ISO 8601 UTC, `2024-05-06T07:08:09Z`) to `*value_out`
/// (owned by the customer: valid until it is freed).
///
/// # Safety
/// As `licstore_customer_name`.
#[no_mangle]
pub unsafe extern "C" fn licstore_customer_created_at(
    customer: *const licstore_customer,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        getter("licstore_customer_created_at", customer, value_out, |c| {
            Some(&c.created_at)
        })
    }
}

/// Writes when the customer was last changed (ISO 8601 UTC) to `*value_out` (owned by the
/// customer: valid until it is freed).
///
/// # Safety
/// As `licstore_customer_name`.
#[no_mangle]
pub unsafe extern "C" fn licstore_customer_updated_at(
    customer: *const licstore_customer,
    value_out: *mut *const c_char,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe {
        getter("licstore_customer_updated_at", customer, value_out, |c| {
            Some(&c.updated_at)
        })
    }
}
