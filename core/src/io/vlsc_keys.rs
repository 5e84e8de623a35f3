//! The VLSC product-key download: one row per key, columns `Licensing ID, Parent Program,
//! Organization, Product, Product Key, Type, MAK Activations-Used/Available` (documented in
//! `docs/volume.md`).
//!
//! Reading: tab-delimited as VLSC writes it, or comma-delimited (detected from the header line:
//! a tab in it means tabs); the first column may be labelled `License ID`. "Used/Available" is
//! `used/remaining`, so a MAK's limit is used + available. Importing creates the customers
//! (Organization), licensing IDs and keys that are missing and sets every MAK's baseline count;
//! a key already in the store keeps its recorded activations and takes VLSC's totals. Streaming,
//! all-or-nothing by default, errors with file, line, column and value (keys masked).
//!
//! Writing: the same columns, tab-delimited by default, keys masked unless the caller asks to
//! reveal them; each revealed key writes an audit row.

use std::io::{BufRead, BufReader, Read, Write};

use rusqlite::params;

use super::{
    row_error, run_import, Column, Header, ImportOptions, ImportReport, Records, RowFail,
    RowOutcome,
};
use crate::customers::{self, CustomerFields, NewCustomer};
use crate::error::{Error, Result};
use crate::store::Store;
use crate::volume::keys::{self, mask_key, normalize_key, KeyType, NewProductKey};
use crate::volume::{self, NewLicensingId, Program};

/// The columns of the download, in the order VLSC writes them.
pub const COLUMNS: &[&str] = &[
    "Licensing ID",
    "Parent Program",
    "Organization",
    "Product",
    "Product Key",
    "Type",
    "MAK Activations-Used/Available",
];

const SPEC: &[Column] = &[
    Column {
        name: "Licensing ID",
        required: false,
    },
    Column {
        name: "License ID",
        required: false,
    },
    Column {
        name: "Parent Program",
        required: false,
    },
    Column {
        name: "Organization",
        required: true,
    },
    Column {
        name: "Product",
        required: true,
    },
    Column {
        name: "Product Key",
        required: true,
    },
    Column {
        name: "Type",
        required: true,
    },
    Column {
        name: "MAK Activations-Used/Available",
        required: false,
    },
];
const LID: usize = 0;
const LICENSE_ID: usize = 1;
const PARENT: usize = 2;
const ORG: usize = 3;
const PRODUCT: usize = 4;
const KEY: usize = 5;
const TYPE: usize = 6;
const MAK: usize = 7;

/// Parses a VLSC "Used/Available" value such as `12/88` into (used, available).
pub fn parse_used_available(v: &str) -> Result<(i64, i64)> {
    let bad = || {
        Error::invalid(
            "MAK activations used/available",
            v,
            "must be two whole numbers, used and available, as in \"12/88\"",
        )
    };
    let (u, a) = v.split_once('/').ok_or_else(bad)?;
    let u: i64 = u.trim().replace(',', "").parse().map_err(|_| bad())?;
    let a: i64 = a.trim().replace(',', "").parse().map_err(|_| bad())?;
    if u < 0 || a < 0 {
        return Err(bad());
    }
    Ok((u, a))
}

fn parse_type(v: &str) -> Result<KeyType> {
    let t = v.trim();
    let t = t
        .strip_suffix(" Key")
        .or_else(|| t.strip_suffix(" key"))
        .unwrap_or(t);
    t.parse().map_err(|e: Error| match e {
        Error::InvalidArgument { reason, .. } => Error::invalid("key type", v, reason),
        other => other,
    })
}

/// Options of a VLSC export.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VlscExportOptions {
    /// Only the keys of this licensing ID.
    pub licensing_id: Option<String>,
    /// Write full keys (each one audited as `product_key.reveal`); masked otherwise.
    pub reveal: bool,
    /// Comma-delimited instead of VLSC's tabs.
    pub comma: bool,
}

impl Store {
    /// Imports a VLSC product-key download (see the module doc). `opts.delimiter` is ignored:
    /// the delimiter is detected from the header line.
    pub fn import_vlsc_keys(
        &mut self,
        input: impl Read,
        opts: ImportOptions<'_>,
    ) -> Result<ImportReport> {
        let mut input = BufReader::new(input);
        let head = input.fill_buf().map_err(|e| Error::Io {
            path: Some(opts.file_name.clone().into()),
            source: e,
        })?;
        let first_line = head.split(|b| *b == b'\n').next().unwrap_or(b"");
        let delimiter = if first_line.contains(&b'\t') {
            b'\t'
        } else {
            b','
        };
        let (records, header) = Records::open(input, &opts.file_name, delimiter, SPEC)?;
        let lid_col = match (header.pos[LID], header.pos[LICENSE_ID]) {
            (Some(_), None) => LID,
            (None, Some(_)) => LICENSE_ID,
            (Some(_), Some(_)) => {
                return Err(Error::csv(crate::error::RowError {
                    file: opts.file_name.clone(),
                    line: 1,
                    column: Some("License ID".into()),
                    value: None,
                    reason: "give either \"Licensing ID\" or \"License ID\", not both".into(),
                }))
            }
            (None, None) => {
                return Err(Error::csv(crate::error::RowError {
                    file: opts.file_name.clone(),
                    line: 1,
                    column: None,
                    value: None,
                    reason: "missing required column(s): Licensing ID (or License ID)".into(),
                }))
            }
        };
        // Never echo a full key into errors or the rejects file.
        let redact = |header: &Header, fields: &mut Vec<String>, e: &mut crate::error::RowError| {
            if let Some(p) = header.pos[KEY] {
                if let Some(f) = fields.get_mut(p) {
                    *f = crate::volume::keys::mask_any(f);
                }
            }
            if e.column.as_deref() == Some("Product Key") {
                e.value = e.value.as_deref().map(crate::volume::keys::mask_any);
            }
        };
        run_import(
            self,
            records,
            header,
            opts,
            Some(&redact),
            |ctx, header, rec| {
                let lid_name = SPEC[lid_col].name;
                let number = rec.require(header, SPEC, lid_col)?;
                let org = rec.require(header, SPEC, ORG)?;
                let parent = rec.get(header, SPEC, PARENT)?;
                let product = rec.require(header, SPEC, PRODUCT)?;
                let raw_key = rec.require(header, SPEC, KEY)?;
                let key = normalize_key(raw_key).map_err(|e| row_error(rec, "Product Key", e))?;
                let key_type = parse_type(rec.require(header, SPEC, TYPE)?)
                    .map_err(|e| row_error(rec, "Type", e))?;
                let counts = match (key_type, rec.get(header, SPEC, MAK)?) {
                    (KeyType::Mak, Some(v)) => Some(
                        parse_used_available(v).map_err(|e| row_error(rec, SPEC[MAK].name, e))?,
                    ),
                    (KeyType::Mak, None) => {
                        return Err(RowFail::Reject(rec.error(
                            Some(SPEC[MAK].name),
                            Some(""),
                            "a MAK row needs its used/available activations",
                        )))
                    }
                    _ => None,
                };
                // The customer and the licensing ID, created when missing.
                let lid = match volume::find_lid(ctx.tx, number)
                    .map_err(|e| row_error(rec, lid_name, e))?
                {
                    Some(l) => {
                        if !l.customer.eq_ignore_ascii_case(org.trim()) {
                            return Err(RowFail::Reject(rec.error(
                                Some("Organization"),
                                Some(org),
                                format!("licensing ID {} belongs to {}", l.number, l.customer),
                            )));
                        }
                        l
                    }
                    None => {
                        if customers::find(ctx.tx, org)
                            .map_err(|e| row_error(rec, "Organization", e))?
                            .is_none()
                        {
                            let f = CustomerFields::validate(&NewCustomer::named(org))
                                .map_err(|e| row_error(rec, "Organization", e))?;
                            customers::insert(ctx, &f)
                                .map_err(|e| row_error(rec, "Organization", e))?;
                        }
                        let mut n = NewLicensingId::new(
                            number,
                            org,
                            parent.map_or(Program::Other, Program::from_vlsc),
                        );
                        n.parent_program = parent.map(String::from);
                        volume::insert_lid(ctx, &n).map_err(|e| row_error(rec, lid_name, e))?
                    }
                };
                match keys::find_key_by_value(ctx.tx, &key)
                    .map_err(|e| row_error(rec, "Product Key", e))?
                {
                    None => {
                        let (used, available) = counts.unwrap_or((0, 0));
                        keys::insert_key(
                            ctx,
                            &NewProductKey {
                                licensing_id: lid.number.clone(),
                                product: product.to_string(),
                                key: key.clone(),
                                key_type,
                                activation_limit: counts.map(|_| used + available),
                                baseline_used: used,
                            },
                        )
                        .map_err(|e| row_error(rec, "Product Key", e))?;
                        Ok(RowOutcome::Inserted)
                    }
                    Some(k) => {
                        if k.licensing_id != lid.number || k.key_type != key_type {
                            return Err(RowFail::Reject(rec.error(
                                Some("Product Key"),
                                Some(&k.masked),
                                format!(
                                    "the store has this key as a {} key of licensing ID {}",
                                    k.key_type, k.licensing_id
                                ),
                            )));
                        }
                        match counts {
                            Some((u, a)) => {
                                let changed = keys::set_mak_counts(ctx, &k, u, a)
                                    .map_err(|e| row_error(rec, SPEC[MAK].name, e))?;
                                Ok(if changed {
                                    RowOutcome::Updated
                                } else {
                                    RowOutcome::Unchanged
                                })
                            }
                            None => Ok(RowOutcome::Unchanged),
                        }
                    }
                }
            },
        )
    }

    /// Writes the keys (of one licensing ID, when given) in the VLSC download format; returns the
    /// row count. Keys are masked unless `opts.reveal`, in which case each key written is audited.
    pub fn export_vlsc_keys(
        &mut self,
        out: &mut dyn Write,
        opts: &VlscExportOptions,
    ) -> Result<u64> {
        let lid = match &opts.licensing_id {
            Some(n) => Some(volume::require_lid(self.conn(), n)?.id),
            None => None,
        };
        self.write(|ctx| {
            let io = |e: csv::Error| Error::Io {
                path: None,
                source: std::io::Error::other(e.to_string()),
            };
            let mut w = csv::WriterBuilder::new()
                .delimiter(if opts.comma { b',' } else { b'\t' })
                .from_writer(&mut *out);
            w.write_record(COLUMNS).map_err(io)?;
            let mut st = ctx.tx.prepare_cached(
                "SELECT k.id, l.number, COALESCE(l.parent_program, l.program), c.name, k.product_name, \
                 k.key_value, k.last5, k.type, k.activation_limit, k.baseline_used + k.recorded \
                 FROM product_key k JOIN licensing_id l ON l.id = k.licensing_id_id \
                 JOIN customer c ON c.id = l.customer_id \
                 WHERE ?1 IS NULL OR l.id = ?1 ORDER BY l.number, k.product_name, k.id",
            )?;
            let mut rows = st.query(params![lid])?;
            let mut n = 0u64;
            while let Some(r) = rows.next()? {
                let id: i64 = r.get(0)?;
                let last5: String = r.get(6)?;
                let key_type: KeyType = r.get(7)?;
                let limit: Option<i64> = r.get(8)?;
                let used: i64 = r.get(9)?;
                let key = if opts.reveal {
                    ctx.audit(
                        "product_key.reveal",
                        "product_key",
                        &id.to_string(),
                        None,
                        Some(&serde_json::json!({ "key": mask_key(&last5), "reason": "VLSC export" })),
                    )?;
                    r.get::<_, String>(5)?
                } else {
                    mask_key(&last5)
                };
                let counts = match (key_type, limit) {
                    (KeyType::Mak, Some(l)) => format!("{used}/{}", (l - used).max(0)),
                    _ => String::new(),
                };
                let number: String = r.get(1)?;
                let parent: String = r.get(2)?;
                let org: String = r.get(3)?;
                let product: String = r.get(4)?;
                w.write_record([
                    number.as_str(),
                    parent.as_str(),
                    org.as_str(),
                    product.as_str(),
                    key.as_str(),
                    key_type.as_str(),
                    counts.as_str(),
                ])
                .map_err(io)?;
                n += 1;
            }
            w.flush().map_err(|e| Error::Io { path: None, source: e })?;
            Ok(n)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;
    use crate::volume::tests::store;

    const TSV: &str = "Licensing ID\tParent Program\tOrganization\tProduct\tProduct Key\tType\tMAK Activations-Used/Available\n\
        E1\tEnterprise\tContoso\tOffice Standard 2019\tBCDFG-HJKMN-PQRTV-WXY23-46789\tMAK\t12/88\n\
        V-778\tOpen Value\tAdatum\tWindows Enterprise 10\tW269N-WFGWX-YVC9B-4J6C9-T83GX\tKMS\t\n";

    #[test]
    fn import_creates_ids_keys_and_baselines_and_round_trips() -> Result<()> {
        let mut s = store()?;
        let r = s.import_vlsc_keys(TSV.as_bytes(), ImportOptions::new("keys.tsv"))?;
        assert_eq!((r.rows, r.inserted), (2, 2));
        let mak = s.find_product_key("BCDFG-HJKMN-PQRTV-WXY23-46789")?;
        assert_eq!(
            (
                mak.activation_limit,
                mak.activations_used,
                mak.activations_available
            ),
            (Some(100), 12, Some(88))
        );
        let v = s.licensing_id("V-778")?;
        assert_eq!(
            (v.customer.as_str(), v.program),
            ("Adatum", Program::OpenValue)
        );
        assert_eq!(v.parent_program.as_deref(), Some("Open Value"));
        // Recorded activations and a re-import: VLSC's totals win, recorded ones are kept.
        s.activate_key(mak.id, "PC-1")?;
        let again = TSV.replace("12/88", "20/80");
        let r = s.import_vlsc_keys(again.as_bytes(), ImportOptions::new("keys.tsv"))?;
        assert_eq!((r.updated, r.unchanged), (1, 1));
        let k = s.product_key(mak.id)?;
        assert_eq!((k.activation_limit, k.activations_used), (Some(100), 20));
        // Export: masked by default, no audit of reveals.
        let mut out = Vec::new();
        assert_eq!(
            s.export_vlsc_keys(&mut out, &VlscExportOptions::default())?,
            2
        );
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("Licensing ID\tParent Program\t"));
        assert!(
            text.contains("*****-*****-*****-*****-46789\tMAK\t20/80"),
            "{text}"
        );
        assert!(!text.contains("HJKMN"));
        let before = s.audit_entries(None)?.len();
        let mut out = Vec::new();
        s.export_vlsc_keys(
            &mut out,
            &VlscExportOptions {
                reveal: true,
                comma: true,
                licensing_id: Some("E1".into()),
            },
        )?;
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("BCDFG-HJKMN-PQRTV-WXY23-46789"));
        let audit = s.audit_entries(None)?;
        assert_eq!(audit.len(), before + 1);
        assert_eq!(audit.last().unwrap().action, "product_key.reveal");
        // The revealed comma-delimited export imports back unchanged.
        let r = s.import_vlsc_keys(text.as_bytes(), ImportOptions::new("keys.csv"))?;
        assert_eq!(r.unchanged, 1);
        Ok(())
    }

    #[test]
    fn skip_invalid_masks_keys_in_the_rejects_file() -> Result<()> {
        let mut s = store()?;
        let text = format!(
            "{}E1\tEnterprise\tContoso\tOffice Standard 2019\tNPPR9-FWDCX-D2C8J-H872K-2YT43\tMAK\tn/a\n",
            TSV
        );
        let mut rejects = Vec::new();
        let mut opts = ImportOptions::new("keys.tsv");
        opts.mode = crate::io::ImportMode::SkipInvalid;
        opts.rejects = Some(&mut rejects);
        let r = s.import_vlsc_keys(text.as_bytes(), opts)?;
        assert_eq!((r.inserted, r.rejected), (2, 1));
        let rejects = String::from_utf8(rejects).unwrap();
        assert!(
            rejects.contains("*****-*****-*****-*****-2YT43"),
            "{rejects}"
        );
        assert!(!rejects.contains("NPPR9"), "{rejects}");
        assert_eq!(r.errors[0].line, 4);
        Ok(())
    }

    #[test]
    fn license_id_header_and_comma_variant() -> Result<()> {
        let mut s = store()?;
        let csv =
            "License ID,Organization,Product,Product Key,Type,MAK Activations-Used/Available\n\
                   E1,Contoso,Office Standard 2019,BCDFGHJKMNPQRTVWXY2346789,MAK,\"1,000/0\"\n";
        let r = s.import_vlsc_keys(csv.as_bytes(), ImportOptions::new("k.csv"))?;
        assert_eq!(r.inserted, 1);
        let k = s.find_product_key("BCDFG-HJKMN-PQRTV-WXY23-46789")?;
        assert_eq!(k.activation_limit, Some(1000));
        Ok(())
    }

    #[test]
    fn bad_rows_name_line_column_value_and_write_nothing() -> Result<()> {
        let mut s = store()?;
        let n = s.audit_entries(None)?.len();
        let text = "Licensing ID\tOrganization\tProduct\tProduct Key\tType\tMAK Activations-Used/Available\n\
            E9\tContoso\tOffice Standard 2019\tBCDFG-HJKMN-PQRTV-WXY23-4678A\tMAK\t1/2\n\
            E8\tContoso\tOffice Standard 2019\tW269N-WFGWX-YVC9B-4J6C9-T83GX\tMAK\tlots\n\
            E1\tFabrikam\tOffice Standard 2019\tNPPR9-FWDCX-D2C8J-H872K-2YT43\tKMS\t\n\
            E7\tContoso\tOffice Standard 2019\tFJ82H-XT6CR-J8D7P-XQJJ2-GPDD4\tFloppy\t\n";
        let e = s
            .import_vlsc_keys(text.as_bytes(), ImportOptions::new("k.tsv"))
            .unwrap_err();
        assert_eq!(e.code(), ErrorCode::CsvError);
        let errs = e.csv_errors().unwrap();
        assert_eq!(errs.rejected, 4);
        let cols: Vec<(u64, Option<&str>)> = errs
            .errors
            .iter()
            .map(|e| (e.line, e.column.as_deref()))
            .collect();
        assert_eq!(
            cols,
            vec![
                (2, Some("Product Key")),
                (3, Some("MAK Activations-Used/Available")),
                (4, Some("Organization")),
                (5, Some("Type")),
            ]
        );
        assert_eq!(errs.errors[1].value.as_deref(), Some("lots"));
        assert!(!e.to_string().contains("HJKMN-PQRTV"), "{e}");
        assert!(s.product_keys(None)?.is_empty());
        assert!(s.licensing_ids(None)?.len() == 2, "no licensing ID created");
        assert_eq!(s.audit_entries(None)?.len(), n);
        let e = s
            .import_vlsc_keys(
                "Organization\tProduct\tProduct Key\tType\n".as_bytes(),
                ImportOptions::new("k.tsv"),
            )
            .unwrap_err();
        assert!(
            e.to_string().contains("Licensing ID (or License ID)"),
            "{e}"
        );
        Ok(())
    }
}
