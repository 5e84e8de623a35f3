//! `licstore sql "SELECT ..."`: the read-only SQL channel over the public views.

use std::io::Write;
use std::time::Duration;

use licstore::{Params, QueryOptions, Value};

use super::{Ctx, Failure};
use crate::args::{OutputFormat, SqlArgs};
use crate::output::{io_error, RowPrinter};

/// A parameter value from the command line: a canonical integer (`42`, `-7`) or decimal (`3.5`)
/// is a number, everything else is text. "007" stays text (a zip code, not seven); `CAST(? AS
/// TEXT)` in the query forces text.
pub fn param_value(s: &str) -> Value {
    if let Ok(i) = s.parse::<i64>() {
        if i.to_string() == s {
            return Value::Integer(i);
        }
    }
    let digits = s.strip_prefix('-').unwrap_or(s);
    if let Some((int, frac)) = digits.split_once('.') {
        let canonical_int = int == "0" || (!int.is_empty() && !int.starts_with('0'));
        if canonical_int
            && int.bytes().all(|b| b.is_ascii_digit())
            && !frac.is_empty()
            && frac.bytes().all(|b| b.is_ascii_digit())
        {
            if let Ok(f) = s.parse::<f64>() {
                return Value::Real(f);
            }
        }
    }
    Value::Text(s.to_string())
}

/// Runs the query and prints its rows.
pub fn run(ctx: &mut Ctx, a: SqlArgs) -> Result<(), Failure> {
    let params = if !a.named.is_empty() {
        let mut pairs = Vec::with_capacity(a.named.len());
        for n in &a.named {
            let Some((name, value)) = n.split_once('=') else {
                return Err(Failure::usage(format!(
                    "--named {n:?}: expected NAME=VALUE"
                )));
            };
            pairs.push((name.to_string(), param_value(value)));
        }
        Params::Named(pairs)
    } else if !a.params.is_empty() {
        Params::Positional(a.params.iter().map(|p| param_value(p)).collect())
    } else {
        Params::None
    };
    let timeout = match a.timeout {
        None => None,
        Some(t) if t.is_finite() && t > 0.0 && t < 1e9 => Some(Duration::from_secs_f64(t)),
        Some(t) => {
            return Err(Failure::usage(format!(
                "--timeout {t}: expected a positive number of seconds"
            )))
        }
    };
    let mut store = ctx.open_existing()?;
    let format = ctx.format_or(OutputFormat::Table);
    let mut printer = RowPrinter::new(&mut ctx.out, format);
    store.query_stream(
        &a.query,
        &params,
        QueryOptions {
            timeout,
            ..QueryOptions::default()
        },
        &mut printer,
    )?;
    let rows = printer.rows();
    printer.finish()?;
    if format == OutputFormat::Table && rows > 0 {
        let s = if rows == 1 { "" } else { "s" };
        writeln!(ctx.out, "({rows} row{s})").map_err(|e| io_error(None, e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_typed_only_when_canonical() {
        assert_eq!(param_value("42"), Value::Integer(42));
        assert_eq!(param_value("-7"), Value::Integer(-7));
        assert_eq!(param_value("0"), Value::Integer(0));
        assert_eq!(param_value("3.5"), Value::Real(3.5));
        assert_eq!(param_value("-0.25"), Value::Real(-0.25));
        for text in [
            "007", "+1", "1e3", "1.", ".5", "01.5", "Contoso", "", " 1", "NaN",
        ] {
            assert_eq!(param_value(text), Value::Text(text.into()), "{text:?}");
        }
    }
}
