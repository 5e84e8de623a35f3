//! `licstore import ENTITY FILE` and `licstore export ENTITY|VIEW`: every entity's canonical CSV
//! (docs/formats.md) through the core's `Store::import_entity` / `Store::export_entity`, and any
//! public view through the read-only query channel.

use std::io::{self, Write};

use licstore::{Entity, ErrorCode, Format, Params, QueryOptions};

use super::customers::{import_with, same_file, write_replacing};
use super::{Ctx, Failure};
use crate::args::{EntityExportArgs, EntityImportArgs, OutputFormat};
use crate::output::{io_error, RowPrinter};

/// `import ENTITY FILE [--tsv] [--skip-invalid] [--rejects FILE]`
pub fn import(ctx: &mut Ctx, a: EntityImportArgs) -> Result<(), Failure> {
    // Checked before the file or the store is touched: a usage error.
    let entity = Entity::from_name(&a.entity).map_err(|e| Failure::usage(e.to_string()))?;
    import_with(ctx, a.file, |store, input, opts| {
        store.import_entity(entity, input, opts)
    })
}

/// What an export writes: an entity or a view.
enum Source {
    Entity(Entity),
    View(String),
}

/// `export ENTITY|VIEW [-o FILE]`
pub fn export(ctx: &mut Ctx, a: EntityExportArgs) -> Result<(), Failure> {
    let format = ctx.format_or(OutputFormat::Csv);
    if format == OutputFormat::Table {
        return Err(Failure::usage(
            "export writes csv, tsv, json or jsonl, not table (use `licstore sql` for a table)",
        ));
    }
    let source = match Entity::from_name(&a.what) {
        Ok(e) => Source::Entity(e),
        Err(_) => {
            let name = a.what.trim().to_ascii_lowercase();
            let plain = !name.is_empty()
                && name.starts_with(|c: char| c.is_ascii_alphabetic())
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !plain {
                return Err(unknown(&a.what));
            }
            Source::View(name)
        }
    };
    if let Some(o) = &a.output {
        if same_file(o, ctx.db_path()?) {
            return Err(Failure::usage(format!(
                "-o {}: that is the store; name another file",
                o.display()
            )));
        }
    }
    let mut store = ctx.open_existing()?;
    let mut write = |w: &mut dyn Write| -> Result<(), Failure> {
        match &source {
            Source::Entity(e) => export_entity(&mut store, *e, format, w),
            Source::View(v) => {
                let mut printer = RowPrinter::new(w, format);
                store
                    .query_stream(
                        &format!("SELECT * FROM \"{v}\""),
                        &Params::None,
                        QueryOptions::default(),
                        &mut printer,
                    )
                    .map_err(|e| match e.code() {
                        // No such view (or a private table): say what can be exported.
                        ErrorCode::QueryRefused | ErrorCode::NotFound => unknown(v),
                        _ if e.to_string().contains("no such table") => unknown(v),
                        _ => e.into(),
                    })?;
                printer.finish()?;
                Ok(())
            }
        }
    };
    match &a.output {
        None => write(&mut ctx.out),
        Some(path) => write_replacing(path, write),
    }
}

fn unknown(what: &str) -> Failure {
    let names: Vec<&str> = Entity::ALL.iter().map(|e| e.name()).collect();
    Failure {
        exit: crate::exit::exit_code(ErrorCode::InvalidArgument),
        message: format!(
            "{what:?} is neither an entity nor a public view; entities: {}",
            names.join(", ")
        ),
        details: vec!["views: see docs/sql.md (sku_usage, subscriber_licenses, jobs, ...)".into()],
    }
}

fn export_entity(
    store: &mut licstore::Store,
    entity: Entity,
    format: OutputFormat,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    match format {
        OutputFormat::Csv => store.export_entity(entity, Format::Csv, out)?,
        OutputFormat::Tsv => store.export_entity(entity, Format::Tsv, out)?,
        OutputFormat::Jsonl => store.export_entity(entity, Format::JsonLines, out)?,
        // One array, one object per line, like every other `--format json`.
        _ => {
            let mut array = JsonArray::new(out);
            store.export_entity(entity, Format::JsonLines, &mut array)?;
            array.finish().map_err(|e| io_error(None, e))?;
            0
        }
    };
    Ok(())
}

/// Turns JSON Lines written through it into one JSON array (`[`, the objects separated by `,`
/// at line ends, `]`), streaming: no line is kept beyond its own end.
struct JsonArray<'a> {
    out: &'a mut dyn Write,
    /// Objects started so far.
    objects: u64,
    /// Whether the next byte starts a line.
    at_line_start: bool,
}

impl<'a> JsonArray<'a> {
    fn new(out: &'a mut dyn Write) -> JsonArray<'a> {
        JsonArray {
            out,
            objects: 0,
            at_line_start: true,
        }
    }

    fn finish(self) -> io::Result<()> {
        if self.objects == 0 {
            self.out.write_all(b"[]\n")
        } else {
            self.out.write_all(b"\n]\n")
        }
    }
}

impl Write for JsonArray<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        for line in buf.split_inclusive(|b| *b == b'\n') {
            let (body, ends) = match line.strip_suffix(b"\n") {
                Some(b) => (b, true),
                None => (line, false),
            };
            if self.at_line_start && !body.is_empty() {
                self.out
                    .write_all(if self.objects == 0 { b"[\n" } else { b",\n" })?;
                self.objects += 1;
                self.at_line_start = false;
            }
            self.out.write_all(body)?;
            if ends {
                self.at_line_start = true;
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn array(chunks: &[&str]) -> String {
        let mut out = Vec::new();
        let mut a = JsonArray::new(&mut out);
        for c in chunks {
            a.write_all(c.as_bytes()).unwrap();
        }
        a.finish().unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn json_lines_become_one_array_however_they_are_split() {
        let whole = array(&["{\"a\":1}\n{\"a\":2}\n"]);
        assert_eq!(whole, "[\n{\"a\":1},\n{\"a\":2}\n]\n");
        assert_eq!(array(&["{\"a\"", ":1}\n{\"a\":2", "}\n"]), whole);
        assert_eq!(array(&[]), "[]\n");
        let v: serde_json::Value = serde_json::from_str(&whole).unwrap();
        assert_eq!(v.as_array().unwrap().len(), 2);
    }

    #[test]
    fn the_help_lists_every_entity() {
        use clap::CommandFactory;
        let cmd = crate::args::Cli::command();
        let import = cmd.find_subcommand("import").unwrap();
        let help = import.get_after_help().unwrap().to_string();
        for e in Entity::ALL {
            assert!(help.contains(e.name()), "{}", e.name());
        }
    }
}
