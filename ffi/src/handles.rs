//! The shared bodies of the getters and list accessors of the volume-licensing handles
//! (`volume_types.rs`), and the conversion of enum values between C (`uint32_t`) and core.

use std::ffi::{c_char, CString};
use std::ptr;

use licstore::{Error, Result};

use crate::boundary::{guard, handle, Out};
use crate::error::licstore_result;
use crate::registry;

/// A core enum that crosses the C boundary as its position in `ALL`. The C enum of the same name
/// (`licstore_program`, ...) lists the same variants in the same order; the test
/// `header_enums_match_core` (in `enums.rs`) keeps the two in step.
pub(crate) trait CEnum: Copy + PartialEq + std::fmt::Display + 'static {
    /// Every variant, in the order of the C enum.
    const ALL: &'static [Self];
    /// The C enum's name, e.g. `licstore_program`.
    const C_NAME: &'static str;
    /// The prefix of its values, e.g. `LICSTORE_PROGRAM_`.
    const C_PREFIX: &'static str;
}

/// An enum value coming from C: checked, never trusted.
pub(crate) fn enum_arg<T: CEnum>(value: u32, arg: &str) -> Result<T> {
    T::ALL.get(value as usize).copied().ok_or_else(|| {
        let names: Vec<String> = T::ALL
            .iter()
            .enumerate()
            .map(|(i, v)| format!("{i} ({v})"))
            .collect();
        Error::invalid(
            format!("argument {arg}"),
            value.to_string(),
            format!(
                "is not a {} value ({}*): must be one of {}",
                T::C_NAME,
                T::C_PREFIX,
                names.join(", ")
            ),
        )
    })
}

/// The C value of a core enum.
pub(crate) fn enum_value<T: CEnum>(v: T) -> u32 {
    T::ALL.iter().position(|x| *x == v).unwrap_or(0) as u32
}

/// A text getter: writes the handle's string (or NULL for an absent optional one).
///
/// # Safety
/// `h` is NULL or a live handle; `out` is NULL or writable.
pub(crate) unsafe fn get_text<H: 'static>(
    function: &'static str,
    h: *const H,
    out: *mut *const c_char,
    field: impl FnOnce(&H) -> Option<&CString>,
) -> licstore_result {
    guard(function, || {
        // SAFETY: the caller's contract.
        let h = unsafe { handle(h, "value") }?;
        let out = Out::new(out, "value_out")?;
        let v = field(h).map_or(ptr::null(), |s| s.as_ptr());
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out.write(v) };
        Ok(())
    })
}

/// A plain value getter.
///
/// # Safety
/// As [`get_text`].
pub(crate) unsafe fn get_value<H: 'static, T>(
    function: &'static str,
    h: *const H,
    out: *mut T,
    field: impl FnOnce(&H) -> T,
) -> licstore_result {
    guard(function, || {
        // SAFETY: the caller's contract.
        let h = unsafe { handle(h, "value") }?;
        let out = Out::new(out, "value_out")?;
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out.write(field(h)) };
        Ok(())
    })
}

/// An enum getter: writes the C value of the field.
///
/// # Safety
/// As [`get_text`].
pub(crate) unsafe fn get_enum<H: 'static, T: CEnum>(
    function: &'static str,
    h: *const H,
    out: *mut u32,
    field: impl FnOnce(&H) -> T,
) -> licstore_result {
    // SAFETY: forwarded contract.
    unsafe { get_value(function, h, out, |h| enum_value(field(h))) }
}

/// An optional integer getter: `*present_out` says whether `*value_out` holds a value (0 when not).
///
/// # Safety
/// As [`get_text`]; `present_out` is NULL or writable.
pub(crate) unsafe fn get_opt_int<H: 'static>(
    function: &'static str,
    h: *const H,
    value_out: *mut i64,
    present_out: *mut i32,
    field: impl FnOnce(&H) -> Option<i64>,
) -> licstore_result {
    guard(function, || {
        // SAFETY: the caller's contract.
        let h = unsafe { handle(h, "value") }?;
        let value_out = Out::new(value_out, "value_out")?;
        let present_out = Out::new(present_out, "present_out")?;
        let v = field(h);
        // SAFETY (both): checked non-NULL; writable per the contract.
        unsafe {
            value_out.write(v.unwrap_or(0));
            present_out.write(i32::from(v.is_some()));
        }
        Ok(())
    })
}

/// `_len` of a list.
///
/// # Safety
/// `list` is NULL or a live list; `out` is NULL or writable.
pub(crate) unsafe fn list_len<L: 'static>(
    function: &'static str,
    list: *const L,
    out: *mut usize,
    len: impl FnOnce(&L) -> usize,
) -> licstore_result {
    guard(function, || {
        // SAFETY: the caller's contract.
        let list = unsafe { handle(list, "list") }?;
        let out = Out::new(out, "len_out")?;
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out.write(len(list)) };
        Ok(())
    })
}

/// `_get` of a list: the item is borrowed from the list.
///
/// # Safety
/// `list` is NULL or a live list; `out` is NULL or writable.
pub(crate) unsafe fn list_get<L: 'static, T: 'static>(
    function: &'static str,
    list: *const L,
    index: usize,
    out: *mut *const T,
    items: impl FnOnce(&L) -> &Vec<T>,
) -> licstore_result {
    guard(function, || {
        // SAFETY: the caller's contract.
        let list = unsafe { handle(list, "list") }?;
        let out = Out::new(out, "value_out")?;
        let items = items(list);
        let item = items.get(index).ok_or_else(|| {
            Error::invalid(
                "argument index",
                index.to_string(),
                format!("the list has {} item(s)", items.len()),
            )
        })?;
        // The item is a handle now, alive until the list is freed.
        registry::register_borrowed(item as *const T, list as *const L);
        // SAFETY: checked non-NULL; writable per the contract.
        unsafe { out.write(item) };
        Ok(())
    })
}
