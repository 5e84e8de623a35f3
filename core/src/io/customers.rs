//! Canonical customers CSV: `name,tenant_domain,default_usage_location` (documented in
//! `docs/formats.md`). Import is an upsert by `name`: a new name adds a customer, a known one
//! (in any case) updates the fields the file has a column for.

use std::io::{Read, Write};

use super::{fail, run_import, Column, Format, ImportOptions, ImportReport, Records, RowOutcome};
use crate::customers::{self, CustomerFields, NewCustomer};
use crate::error::{Result, RowError};
use crate::query::Params;
use crate::store::Store;

/// The columns of the canonical customers file, in export order.
pub const COLUMNS: &[&str] = &["name", "tenant_domain", "default_usage_location"];

const SPEC: &[Column] = &[
    Column {
        name: "name",
        required: true,
    },
    Column {
        name: "tenant_domain",
        required: false,
    },
    Column {
        name: "default_usage_location",
        required: false,
    },
];

impl Store {
    /// Imports customers from canonical CSV (upsert by name). See [`ImportOptions`] for the
    /// all-or-nothing and skip-invalid modes.
    pub fn import_customers(
        &mut self,
        input: impl Read,
        opts: ImportOptions<'_>,
    ) -> Result<ImportReport> {
        let (records, header) = Records::open(input, &opts.file_name, opts.delimiter, SPEC)?;
        run_import(self, records, header, opts, None, |ctx, header, rec| {
            let name = rec.require(header, SPEC, 0)?;
            let existing = customers::find(ctx.tx, name).map_err(|e| fail(rec, "name", e))?;
            let keep = |ci: usize, current: Option<&String>| -> std::result::Result<_, RowError> {
                if header.pos[ci].is_some() {
                    Ok(rec.get(header, SPEC, ci)?.map(String::from))
                } else {
                    Ok(current.cloned())
                }
            };
            // The key matches without regard to case; an import never renames (the stored
            // spelling stays), renaming is `update_customer`'s job.
            let spec = NewCustomer {
                name: existing
                    .as_ref()
                    .map_or_else(|| name.to_string(), |c| c.name.clone()),
                tenant_domain: keep(1, existing.as_ref().and_then(|c| c.tenant_domain.as_ref()))?,
                default_usage_location: keep(
                    2,
                    existing
                        .as_ref()
                        .and_then(|c| c.default_usage_location.as_ref()),
                )?,
            };
            let fields = CustomerFields::validate(&spec).map_err(|e| {
                let col = match &e {
                    crate::Error::InvalidArgument { what, .. } if what.contains("domain") => {
                        "tenant_domain"
                    }
                    crate::Error::InvalidArgument { what, .. }
                        if what.contains("usage location") =>
                    {
                        "default_usage_location"
                    }
                    _ => "name",
                };
                fail(rec, col, e)
            })?;
            match existing {
                None => {
                    customers::insert(ctx, &fields).map_err(|e| fail(rec, "name", e))?;
                    Ok(RowOutcome::Inserted)
                }
                Some(before) => {
                    let (_, changed) = customers::apply(ctx, &before, &fields)
                        .map_err(|e| fail(rec, "tenant_domain", e))?;
                    Ok(if changed {
                        RowOutcome::Updated
                    } else {
                        RowOutcome::Unchanged
                    })
                }
            }
        })
    }

    /// Exports customers as canonical CSV (or TSV / JSON Lines); returns the row count.
    pub fn export_customers(&mut self, format: Format, out: &mut dyn Write) -> Result<u64> {
        self.export_query(
            &format!("SELECT {} FROM customers ORDER BY name", COLUMNS.join(", ")),
            &Params::None,
            format,
            out,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;
    use crate::io::ImportMode;

    fn import(s: &mut Store, text: &str) -> Result<ImportReport> {
        s.import_customers(text.as_bytes(), ImportOptions::new("customers.csv"))
    }

    #[test]
    fn import_upserts_and_round_trips() -> Result<()> {
        let mut s = Store::open_in_memory()?;
        let r = import(
            &mut s,
            "\u{feff}name,tenant_domain,default_usage_location\r\nContoso,contoso.onmicrosoft.com,US\r\n\"Adatum, Inc.\",,pl\r\n",
        )?;
        assert_eq!((r.rows, r.inserted, r.updated, r.unchanged), (2, 2, 0, 0));
        // Re-import: same rows unchanged, one changed, column subset leaves other fields alone.
        let r = import(
            &mut s,
            "name,default_usage_location\ncontoso,US\n\"Adatum, Inc.\",DE\n",
        )?;
        assert_eq!((r.inserted, r.updated, r.unchanged), (0, 1, 1));
        assert_eq!(
            s.customer("Contoso")?.tenant_domain.as_deref(),
            Some("contoso.onmicrosoft.com")
        );
        let mut out = Vec::new();
        s.export_customers(Format::Csv, &mut out)?;
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "name,tenant_domain,default_usage_location\n\"Adatum, Inc.\",,DE\nContoso,contoso.onmicrosoft.com,US\n"
        );
        // The export imports back unchanged.
        let r = import(&mut s, &text)?;
        assert_eq!(r.unchanged, 2);
        Ok(())
    }

    #[test]
    fn malformed_row_names_line_and_column_and_writes_nothing() -> Result<()> {
        let mut s = Store::open_in_memory()?;
        let e = import(
            &mut s,
            "name,default_usage_location\nContoso,US\nAdatum,XX\n,US\n",
        )
        .unwrap_err();
        assert_eq!(e.code(), ErrorCode::CsvError);
        let errs = e.csv_errors().unwrap();
        assert_eq!(errs.rejected, 2);
        assert_eq!(errs.errors[0].line, 3);
        assert_eq!(
            errs.errors[0].column.as_deref(),
            Some("default_usage_location")
        );
        assert_eq!(errs.errors[0].value.as_deref(), Some("XX"));
        assert_eq!(errs.errors[1].line, 4);
        assert_eq!(errs.errors[1].column.as_deref(), Some("name"));
        assert!(
            e.to_string()
                .starts_with("customers.csv:3: column \"default_usage_location\": value \"XX\""),
            "{e}"
        );
        assert!(s.customers()?.is_empty(), "all-or-nothing: nothing written");
        assert!(s.audit_entries(None)?.is_empty());
        Ok(())
    }

    #[test]
    fn skip_invalid_applies_good_rows_and_writes_rejects() -> Result<()> {
        let mut s = Store::open_in_memory()?;
        let mut rejects = Vec::new();
        let mut opts = ImportOptions::new("c.csv");
        opts.mode = ImportMode::SkipInvalid;
        opts.rejects = Some(&mut rejects);
        let r = s.import_customers(
            "name,default_usage_location\nContoso,US\nAdatum,XX\n".as_bytes(),
            opts,
        )?;
        assert_eq!((r.inserted, r.rejected), (1, 1));
        let text = String::from_utf8(rejects).unwrap();
        assert_eq!(
            text,
            "name,default_usage_location,error_line,error_column,error_reason\n\
             Adatum,XX,3,default_usage_location,\"must be an ISO 3166-1 alpha-2 country code such as \"\"US\"\" or \"\"PL\"\" (value \"\"XX\"\")\"\n"
        );
        Ok(())
    }

    #[test]
    fn header_problems_are_reported_on_line_1() -> Result<()> {
        let mut s = Store::open_in_memory()?;
        for (text, needle) in [
            ("", "the file is empty"),
            ("tenant_domain\nx.com\n", "missing required column(s): name"),
            ("name,colour\nA,red\n", "unknown column"),
            ("name,name\nA,B\n", "duplicate column"),
        ] {
            let e = import(&mut s, text).unwrap_err();
            let first = e.csv_errors().unwrap().first().clone();
            assert_eq!(first.line, 1, "{text:?}");
            assert!(e.to_string().contains(needle), "{text:?}: {e}");
        }
        Ok(())
    }

    #[test]
    fn odd_but_valid_files() -> Result<()> {
        let mut s = Store::open_in_memory()?;
        // Trailing empty columns, a quoted newline in a field is refused by the name rule
        // (control character), invalid UTF-8 is reported with its line.
        let r = import(&mut s, "name,tenant_domain,,\nContoso,,,\n")?;
        assert_eq!(r.inserted, 1);
        let e = import(&mut s, "name\n\"Two\nLines\"\n").unwrap_err();
        assert_eq!(e.csv_errors().unwrap().first().line, 2);
        let mut bytes = b"name\nGood\nBad\xff\n".to_vec();
        bytes.extend_from_slice(b"Also good\n");
        let e = s
            .import_customers(&bytes[..], ImportOptions::new("bad.csv"))
            .unwrap_err();
        let first = e.csv_errors().unwrap().first().clone();
        assert_eq!((first.line, first.column.as_deref()), (3, Some("name")));
        assert!(first.reason.contains("UTF-8"));
        let e = import(&mut s, "name\nA,extra\n").unwrap_err();
        assert!(e.to_string().contains("too many fields"), "{e}");
        Ok(())
    }
}
