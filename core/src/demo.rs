//! The demo store: realistic sample data generated deterministically (same seed, same store), so
//! `make demo`, the docs and the benchmarks all show the same figures.
//!
//! Each capability adds its own section; [`build`] runs them in order inside one transaction per
//! section.

use crate::customers::NewCustomer;
use crate::error::Result;
use crate::store::Store;

/// A small deterministic pseudo-random generator (SplitMix64): the demo must not depend on a
/// crate's algorithm changing between versions.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// One element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// The demo's customers: (name, tenant domain, default usage location).
pub const CUSTOMERS: &[(&str, &str, &str)] = &[
    ("Contoso", "contoso.onmicrosoft.com", "US"),
    ("Fabrikam", "fabrikam.onmicrosoft.com", "DE"),
    (
        "Northwind Traders",
        "northwindtraders.onmicrosoft.com",
        "PL",
    ),
    ("Tailspin Toys", "tailspintoys.onmicrosoft.com", "FR"),
];

/// What [`build`] made, for the summary the CLI prints.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DemoSummary {
    /// Customers added.
    pub customers: usize,
}

/// Fills an empty store with the demo data. The actor is `demo`. Dates are laid out relative to
/// the store's clock ("today"), so the same seed and the same clock give the same store.
pub fn build(store: &mut Store, seed: u64) -> Result<DemoSummary> {
    let _rng = Rng::new(seed);
    let previous = store.actor().to_string();
    store.set_actor("demo")?;
    let result = (|| {
        let mut summary = DemoSummary::default();
        for (name, domain, country) in CUSTOMERS {
            store.add_customer(&NewCustomer {
                name: (*name).into(),
                tenant_domain: Some((*domain).into()),
                default_usage_location: Some((*country).into()),
            })?;
            summary.customers += 1;
        }
        Ok(summary)
    })();
    store.set_actor(&previous)?;
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_is_deterministic() -> Result<()> {
        let t = chrono::DateTime::parse_from_rfc3339("2026-06-01T09:00:00Z")
            .unwrap()
            .to_utc();
        let mut a = Store::open_in_memory()?;
        let mut b = Store::open_in_memory()?;
        a.set_clock(crate::Clock::Fixed(t));
        b.set_clock(crate::Clock::Fixed(t));
        assert_eq!(build(&mut a, 7)?, build(&mut b, 7)?);
        let q = |s: &mut Store| {
            s.query(
                "SELECT * FROM customers ORDER BY name",
                &crate::Params::None,
            )
            .map(|r| r.rows)
        };
        assert_eq!(q(&mut a)?, q(&mut b)?);
        let mut r = Rng::new(1);
        assert_ne!(r.next_u64(), r.next_u64());
        Ok(())
    }
}
