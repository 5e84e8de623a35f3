//! The live-handle registry: which addresses are live licstore handles, and of which type.
//!
//! Lifecycle: every handle made for C (`boundary::into_raw`) is registered under its address and
//! Rust type; an item borrowed from a list (`handles::list_get`, `licstore_customer_list_get`) is
//! registered when it is first handed out, as a child of its list. Every call checks each handle
//! argument here (`boundary::handle`) before it reads the memory, so a freed handle, a pointer
//! licstore never made and a handle of another type are refused with `LICSTORE_INVALID_ARGUMENT`
//! instead of being dereferenced. `_free` unregisters the handle and its children before it frees
//! the memory; a `_free` of an address that is not a live owned handle of that type (a double
//! free, a borrowed item, a foreign pointer) frees nothing.
//!
//! N.B. What this cannot see (docs/c-api.md, "Wrong handles"): a freed handle whose address the
//! allocator has reused for a new handle of the same type (the stale pointer then names the new
//! handle), and a handle freed by one thread while another thread is inside a call on it.
//!
//! Cost: a call on a handle this thread has checked before, with no handle freed anywhere since,
//! is answered by a small per-thread cache (one atomic load of the free counter [`FREES`]);
//! otherwise it takes a read lock and a hash lookup. `tests/c/bench_calls.c` measures the whole
//! no-op call. The map is sharded by address so that threads working on different handles rarely
//! touch the same lock.

use std::any::TypeId;
use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{LazyLock, Mutex, RwLock};

use licstore::{Error, Result};

/// A fast hasher for addresses and type ids (SipHash would cost more than the rest of a no-op
/// call). Addresses are aligned, so the product is folded to bring the varied high bits down.
#[derive(Default)]
struct AddrHasher(u64);

impl AddrHasher {
    fn mix(&mut self, n: u64) {
        let h = (self.0.rotate_left(5) ^ n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.0 = h ^ (h >> 32);
    }
}

impl Hasher for AddrHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut b = [0u8; 8];
            b[..chunk.len()].copy_from_slice(chunk);
            self.mix(u64::from_le_bytes(b));
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.mix(n);
    }
    fn write_usize(&mut self, n: usize) {
        self.mix(n as u64);
    }
}

type Map<K, V> = HashMap<K, V, BuildHasherDefault<AddrHasher>>;

/// A registered handle.
#[derive(Clone, Copy)]
struct Entry {
    /// `std::any::type_name` of the handle type, for messages.
    type_name: &'static str,
    /// The address of the handle it is borrowed from; 0 for a handle the caller owns.
    owner: usize,
}

const SHARD_COUNT: usize = 16;

struct Registry {
    shards: [RwLock<Map<(usize, TypeId), Entry>>; SHARD_COUNT],
    /// Borrowed items by the address of what they are borrowed from.
    children: Mutex<Map<usize, Vec<(usize, TypeId)>>>,
}

static REGISTRY: LazyLock<Registry> = LazyLock::new(|| Registry {
    shards: std::array::from_fn(|_| RwLock::new(Map::default())),
    children: Mutex::new(Map::default()),
});

/// How many handles have been freed: a per-thread cache entry is valid only while this has not
/// changed since the entry was checked against the map. New handles do not invalidate anything.
static FREES: AtomicU64 = AtomicU64::new(0);

const CACHE_SLOTS: usize = 8;

/// The handles this thread found live in the map, while [`FREES`] was `frees`.
struct Cache {
    frees: u64,
    slots: [(usize, Option<TypeId>); CACHE_SLOTS],
}

thread_local! {
    static CACHE: RefCell<Cache> = const {
        RefCell::new(Cache {
            frees: u64::MAX,
            slots: [(0, None); CACHE_SLOTS],
        })
    };
}

fn cache_slot(addr: usize) -> usize {
    (addr >> 4) % CACHE_SLOTS
}

fn shard(addr: usize) -> &'static RwLock<Map<(usize, TypeId), Entry>> {
    // Box allocations are at least 8-aligned: skip the always-zero bits.
    &REGISTRY.shards[((addr >> 4) ^ (addr >> 12)) % SHARD_COUNT]
}

/// A poisoned lock only means a panic elsewhere while it was held; the map itself is never left
/// half-updated (every update is one insert or remove), so it is still right.
fn read<T>(l: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    l.read().unwrap_or_else(|p| p.into_inner())
}

fn write<T>(l: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    l.write().unwrap_or_else(|p| p.into_inner())
}

fn lock<T>(l: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    l.lock().unwrap_or_else(|p| p.into_inner())
}

/// `licstore::store::licstore_store` -> `licstore_store`.
fn short(type_name: &str) -> &str {
    type_name.rsplit("::").next().unwrap_or(type_name)
}

/// Registers a new handle the caller owns.
pub(crate) fn register<T: 'static>(p: *const T) {
    let addr = p as usize;
    write(shard(addr)).insert(
        (addr, TypeId::of::<T>()),
        Entry {
            type_name: std::any::type_name::<T>(),
            owner: 0,
        },
    );
}

/// Registers `item`, borrowed from `owner` (a live handle): it lives until `owner` is freed.
pub(crate) fn register_borrowed<T: 'static, O: 'static>(item: *const T, owner: *const O) {
    let (addr, owner) = (item as usize, owner as usize);
    let key = (addr, TypeId::of::<T>());
    let entry = Entry {
        type_name: std::any::type_name::<T>(),
        owner,
    };
    if write(shard(addr)).insert(key, entry).is_none() {
        lock(&REGISTRY.children).entry(owner).or_default().push(key);
    }
}

/// Checks that `p` (not NULL) is a live handle of type `T`, owned or borrowed.
pub(crate) fn check<T: 'static>(p: *const T, arg: &str) -> Result<()> {
    let addr = p as usize;
    let key = (addr, Some(TypeId::of::<T>()));
    // Acquire: a thread that sees a free's count also sees that free's map update.
    let frees = FREES.load(Ordering::Acquire);
    let cached = CACHE.with(|c| {
        c.try_borrow()
            .is_ok_and(|c| c.frees == frees && c.slots[cache_slot(addr)] == key)
    });
    if cached {
        return Ok(());
    }
    let map = read(shard(addr));
    if map.contains_key(&(addr, TypeId::of::<T>())) {
        drop(map);
        CACHE.with(|c| {
            if let Ok(mut c) = c.try_borrow_mut() {
                if c.frees != frees {
                    *c = Cache {
                        frees,
                        slots: [(0, None); CACHE_SLOTS],
                    };
                }
                c.slots[cache_slot(addr)] = key;
            }
        });
        return Ok(());
    }
    let wanted = short(std::any::type_name::<T>());
    // The slow path: is it a live handle of another type?
    let other = map
        .iter()
        .find(|((a, _), _)| *a == addr)
        .map(|(_, e)| short(e.type_name));
    drop(map);
    let why = match other {
        Some(other) => format!("is a {other} handle, not a {wanted}"),
        None => format!(
            "is not a live {wanted} handle: it was freed (or the list it was borrowed from was), \
             or it was never made by licstore"
        ),
    };
    Err(Error::invalid(
        format!("argument {arg}"),
        format!("{p:p}"),
        why,
    ))
}

/// Why `p` could not be freed as a handle of type `T`, if it cannot.
pub(crate) enum NotFreed {
    /// No live handle of type `T` is at that address (already freed, or never one).
    NotLive,
    /// The handle is borrowed from a list (or another handle): only its owner can be freed.
    Borrowed,
}

/// Unregisters the owned handle `p` of type `T` and everything borrowed from it, so that it can
/// be freed. Refuses (and changes nothing) when `p` is not a live owned handle of type `T`.
pub(crate) fn unregister<T: 'static>(p: *const T) -> std::result::Result<(), NotFreed> {
    let addr = p as usize;
    let key = (addr, TypeId::of::<T>());
    {
        let mut map = write(shard(addr));
        match map.get(&key) {
            None => return Err(NotFreed::NotLive),
            Some(e) if e.owner != 0 => return Err(NotFreed::Borrowed),
            Some(_) => {}
        }
        map.remove(&key);
        release_if_empty(&mut map);
    }
    remove_children(addr);
    // After the map update (Release): every thread's cache is stale from now on.
    FREES.fetch_add(1, Ordering::Release);
    Ok(())
}

/// Forgets everything borrowed from `owner`, and what is borrowed from those in turn.
fn remove_children(owner: usize) {
    let mut pending = vec![owner];
    while let Some(owner) = pending.pop() {
        let items = {
            let mut children = lock(&REGISTRY.children);
            let items = children.remove(&owner);
            if children.is_empty() {
                *children = Map::default();
            }
            items
        };
        for key in items.into_iter().flatten() {
            let mut map = write(shard(key.0));
            map.remove(&key);
            release_if_empty(&mut map);
            pending.push(key.0);
        }
    }
}

/// An empty map gives its memory back, so that a program that freed every handle holds no
/// licstore memory at exit (valgrind counts even reachable blocks in the C tests).
fn release_if_empty<K, V>(map: &mut Map<K, V>) {
    if map.is_empty() && map.capacity() > 0 {
        *map = Map::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use licstore::ErrorCode;

    struct A(#[allow(dead_code)] u64);
    struct B(#[allow(dead_code)] u64);

    #[test]
    fn live_freed_foreign_and_wrong_type() {
        let a = Box::into_raw(Box::new(A(1)));
        register(a);
        assert!(check(a, "a").is_ok());
        // The same address as another type.
        let e = check(a.cast::<B>(), "b").unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidArgument);
        assert!(e.to_string().contains("is a A handle, not a B"), "{e}");
        // Borrowed items live as long as their owner.
        let items = [B(1), B(2)];
        register_borrowed(&items[1] as *const B, a);
        register_borrowed(&items[1] as *const B, a); // twice is once
        assert!(check(&items[1] as *const B, "item").is_ok());
        assert!(check(&items[0] as *const B, "item").is_err());
        assert!(matches!(
            unregister(&items[1] as *const B),
            Err(NotFreed::Borrowed)
        ));
        assert!(unregister(a).is_ok());
        let e = check(a, "a").unwrap_err();
        assert!(e.to_string().contains("is not a live A handle"), "{e}");
        assert!(check(&items[1] as *const B, "item").is_err());
        // A double free frees nothing.
        assert!(matches!(unregister(a), Err(NotFreed::NotLive)));
        // SAFETY: made by Box::into_raw above, unregistered once.
        drop(unsafe { Box::from_raw(a) });
    }
}
