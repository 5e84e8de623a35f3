//! Query results in columns: built straight from core's row stream (`RowSink`), kept as Arrow
//! arrays, and handed to pyarrow, polars and pandas through the Arrow C stream interface
//! (`__arrow_c_stream__`) without a Python object per value.
//!
//! SQLite types values, not columns, so each column's type is decided from its values as they
//! arrive: all integers make an `int64` column, integers and reals a `float64` one, text a string
//! column, bytes a binary one; a column that mixes text, numbers and bytes keeps its values as
//! they are (`Mixed`). Nulls never change a column's type; a column of nothing but nulls takes
//! its declared type (`INTEGER`, `REAL`, `TEXT`) when SQLite knows it.
//!
//! Text columns keep their text (rows read back exactly as stored); on export, a text column
//! whose values are all the store's timestamps (`2024-05-06T07:08:09Z`) becomes
//! `timestamp[s, UTC]` and one whose values are all dates (`2024-05-06`) becomes `date32`.
//! A text column of only nulls whose name ends in `_at` (the store's naming of instants) is a
//! timestamp column, and one ending in `_date` a date column.

use std::sync::Arc;

use arrow_array::ffi_stream::FFI_ArrowArrayStream;
use arrow_array::{
    Array, ArrayRef, Date32Array, Float64Array, Int64Array, LargeBinaryArray, LargeStringArray,
    NullArray, RecordBatch, RecordBatchIterator, RecordBatchOptions, TimestampSecondArray,
};
use arrow_buffer::{Buffer, NullBuffer, NullBufferBuilder, OffsetBuffer, ScalarBuffer};
use arrow_schema::{Field, Schema};
use licstore::{Error, RowSink, Value, ValueRef};

/// The rows of one query, in columns.
#[derive(Debug)]
pub struct Frame {
    /// Column names, in order (duplicates allowed, as SQL allows them).
    pub names: Vec<String>,
    /// The columns, each `len` long.
    pub columns: Vec<Column>,
    /// The number of rows.
    pub len: usize,
}

/// One finished column.
#[derive(Debug)]
pub enum Column {
    /// Only nulls, of no known type.
    Null(usize),
    /// 64-bit integers.
    Int(Int64Array),
    /// Doubles (integers mixed in are converted).
    Float(Float64Array),
    /// UTF-8 text. `hint` is the export type of an all-null column (`_at`/`_date` names).
    Text { array: LargeStringArray, hint: Hint },
    /// Bytes.
    Blob(LargeBinaryArray),
    /// Values of more than one kind (text and numbers, bytes and text, ...).
    Mixed(Vec<Value>),
}

/// What an all-null text column becomes on export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hint {
    Text,
    Timestamp,
    Date,
}

impl Column {
    /// The value at row `i` (`i < len`).
    pub fn get(&self, i: usize) -> ValueRef<'_> {
        match self {
            Column::Null(_) => ValueRef::Null,
            Column::Int(a) if a.is_valid(i) => ValueRef::Integer(a.value(i)),
            Column::Float(a) if a.is_valid(i) => ValueRef::Real(a.value(i)),
            Column::Text { array, .. } if array.is_valid(i) => ValueRef::Text(array.value(i)),
            Column::Blob(a) if a.is_valid(i) => ValueRef::Blob(a.value(i)),
            Column::Mixed(v) => v[i].as_ref(),
            _ => ValueRef::Null,
        }
    }
}

/// A column being built.
#[derive(Debug)]
enum Builder {
    Null(usize),
    Int(Vec<i64>, NullBufferBuilder),
    Float(Vec<f64>, NullBufferBuilder),
    Text(Vec<i64>, Vec<u8>, NullBufferBuilder),
    Blob(Vec<i64>, Vec<u8>, NullBufferBuilder),
    Mixed(Vec<Value>),
}

fn nulls(n: usize) -> NullBufferBuilder {
    let mut b = NullBufferBuilder::new(n.max(1024));
    b.append_n_nulls(n);
    b
}

impl Builder {
    fn len(&self) -> usize {
        match self {
            Builder::Null(n) => *n,
            Builder::Int(v, _) => v.len(),
            Builder::Float(v, _) => v.len(),
            Builder::Text(o, ..) | Builder::Blob(o, ..) => o.len() - 1,
            Builder::Mixed(v) => v.len(),
        }
    }

    fn value(&self, i: usize) -> Value {
        match self {
            Builder::Null(_) => Value::Null,
            Builder::Int(v, n) if n.is_valid(i) => Value::Integer(v[i]),
            Builder::Float(v, n) if n.is_valid(i) => Value::Real(v[i]),
            Builder::Text(o, d, n) if n.is_valid(i) => Value::Text(
                String::from_utf8_lossy(&d[o[i] as usize..o[i + 1] as usize]).into_owned(),
            ),
            Builder::Blob(o, d, n) if n.is_valid(i) => {
                Value::Blob(d[o[i] as usize..o[i + 1] as usize].to_vec())
            }
            Builder::Mixed(v) => v[i].clone(),
            _ => Value::Null,
        }
    }

    /// Turns this column into a `Mixed` one (a value arrived that its type cannot hold).
    fn into_mixed(self) -> Builder {
        let n = self.len();
        Builder::Mixed((0..n).map(|i| self.value(i)).collect())
    }

    fn push(&mut self, v: ValueRef<'_>) {
        match (&mut *self, v) {
            (Builder::Null(n), ValueRef::Null) => *n += 1,
            (Builder::Null(n), first) => {
                let n = *n;
                *self = match first {
                    ValueRef::Integer(_) => Builder::Int(vec![0; n], nulls(n)),
                    ValueRef::Real(_) => Builder::Float(vec![0.0; n], nulls(n)),
                    ValueRef::Text(_) => Builder::Text(vec![0; n + 1], Vec::new(), nulls(n)),
                    ValueRef::Blob(_) => Builder::Blob(vec![0; n + 1], Vec::new(), nulls(n)),
                    ValueRef::Null => unreachable!("matched above"),
                };
                self.push(first);
            }
            (Builder::Int(v, n), ValueRef::Integer(i)) => {
                v.push(i);
                n.append_non_null();
            }
            (Builder::Int(v, n), ValueRef::Null) => {
                v.push(0);
                n.append_null();
            }
            (Builder::Int(v, n), ValueRef::Real(f)) => {
                let values = v.iter().map(|&i| i as f64).collect();
                let n = std::mem::replace(n, NullBufferBuilder::new(0));
                *self = Builder::Float(values, n);
                self.push(ValueRef::Real(f));
            }
            (Builder::Float(v, n), ValueRef::Real(f)) => {
                v.push(f);
                n.append_non_null();
            }
            (Builder::Float(v, n), ValueRef::Integer(i)) => {
                v.push(i as f64);
                n.append_non_null();
            }
            (Builder::Float(v, n), ValueRef::Null) => {
                v.push(f64::NAN);
                n.append_null();
            }
            (Builder::Text(o, d, n), ValueRef::Text(t)) => {
                d.extend_from_slice(t.as_bytes());
                o.push(d.len() as i64);
                n.append_non_null();
            }
            (Builder::Blob(o, d, n), ValueRef::Blob(b)) => {
                d.extend_from_slice(b);
                o.push(d.len() as i64);
                n.append_non_null();
            }
            (Builder::Text(o, d, n) | Builder::Blob(o, d, n), ValueRef::Null) => {
                o.push(d.len() as i64);
                n.append_null();
            }
            (Builder::Mixed(m), v) => m.push(v.to_owned_value()),
            (_, v) => {
                let b = std::mem::replace(self, Builder::Null(0));
                *self = b.into_mixed();
                self.push(v);
            }
        }
    }

    /// The bytes of a text or bytes column's values (0 for the other kinds).
    fn data_len(&self) -> usize {
        match self {
            Builder::Text(_, d, _) | Builder::Blob(_, d, _) => d.len(),
            _ => 0,
        }
    }

    /// Makes room for `rows` rows in all, and `bytes` bytes of text or bytes.
    fn reserve(&mut self, rows: usize, bytes: usize) {
        let more = rows.saturating_sub(self.len());
        match self {
            Builder::Null(_) => {}
            Builder::Int(v, _) => v.reserve(more),
            Builder::Float(v, _) => v.reserve(more),
            Builder::Text(o, d, _) | Builder::Blob(o, d, _) => {
                o.reserve(more);
                d.reserve(bytes.saturating_sub(d.len()));
            }
            Builder::Mixed(v) => v.reserve(more),
        }
    }

    /// A builder of this one's kind holding `n` nulls.
    fn nulls_like(&self, n: usize) -> Builder {
        match self {
            Builder::Null(_) => Builder::Null(n),
            Builder::Int(..) => Builder::Int(vec![0; n], nulls(n)),
            Builder::Float(..) => Builder::Float(vec![0.0; n], nulls(n)),
            Builder::Text(..) => Builder::Text(vec![0; n + 1], Vec::new(), nulls(n)),
            Builder::Blob(..) => Builder::Blob(vec![0; n + 1], Vec::new(), nulls(n)),
            Builder::Mixed(_) => Builder::Mixed(vec![Value::Null; n]),
        }
    }

    /// Appends `other`'s values (the next rows of the same column) to this column, widening it
    /// as [`Builder::push`] would had the values arrived one by one.
    fn append(self, other: Builder) -> Builder {
        fn append_nulls(into: &mut NullBufferBuilder, mut from: NullBufferBuilder, len: usize) {
            match from.finish() {
                Some(b) => into.append_buffer(&b),
                None => into.append_n_non_nulls(len),
            }
        }
        type Bytes = (Vec<i64>, Vec<u8>, NullBufferBuilder);
        fn append_bytes((mut o, mut d, mut n): Bytes, (o2, d2, n2): Bytes, len: usize) -> Bytes {
            let base = d.len() as i64;
            d.extend_from_slice(&d2);
            o.extend(o2[1..].iter().map(|x| x + base));
            append_nulls(&mut n, n2, len);
            (o, d, n)
        }
        fn as_float(b: Builder) -> Builder {
            match b {
                Builder::Int(v, n) => Builder::Float(v.into_iter().map(|i| i as f64).collect(), n),
                other => other,
            }
        }
        let other_len = other.len();
        match (self, other) {
            (Builder::Null(a), Builder::Null(b)) => Builder::Null(a + b),
            (Builder::Null(a), other) => other.nulls_like(a).append(other),
            (mut this, Builder::Null(b)) => {
                for _ in 0..b {
                    this.push(ValueRef::Null);
                }
                this
            }
            (Builder::Int(mut v, mut n), Builder::Int(v2, n2)) => {
                v.extend_from_slice(&v2);
                append_nulls(&mut n, n2, other_len);
                Builder::Int(v, n)
            }
            (Builder::Float(mut v, mut n), Builder::Float(v2, n2)) => {
                v.extend_from_slice(&v2);
                append_nulls(&mut n, n2, other_len);
                Builder::Float(v, n)
            }
            (a @ Builder::Int(..), b @ Builder::Float(..))
            | (a @ Builder::Float(..), b @ Builder::Int(..)) => as_float(a).append(as_float(b)),
            (Builder::Text(o, d, n), Builder::Text(o2, d2, n2)) => {
                let (o, d, n) = append_bytes((o, d, n), (o2, d2, n2), other_len);
                Builder::Text(o, d, n)
            }
            (Builder::Blob(o, d, n), Builder::Blob(o2, d2, n2)) => {
                let (o, d, n) = append_bytes((o, d, n), (o2, d2, n2), other_len);
                Builder::Blob(o, d, n)
            }
            (a, b) => {
                let (Builder::Mixed(mut m), Builder::Mixed(m2)) = (a.into_mixed(), b.into_mixed())
                else {
                    unreachable!("into_mixed gives Mixed")
                };
                m.extend(m2);
                Builder::Mixed(m)
            }
        }
    }

    fn finish(self, name: &str, decl: Option<&str>) -> Column {
        match self {
            Builder::Null(n) => {
                let decl = decl.unwrap_or("").to_ascii_uppercase();
                if decl.contains("INT") {
                    Column::Int(Int64Array::new_null(n))
                } else if decl.contains("REAL") || decl.contains("FLOA") || decl.contains("DOUB") {
                    Column::Float(Float64Array::new_null(n))
                } else if decl.contains("TEXT") || decl.contains("CHAR") {
                    let hint = if name.ends_with("_at") {
                        Hint::Timestamp
                    } else if name.ends_with("_date") {
                        Hint::Date
                    } else {
                        Hint::Text
                    };
                    Column::Text {
                        array: LargeStringArray::new_null(n),
                        hint,
                    }
                } else {
                    Column::Null(n)
                }
            }
            Builder::Int(v, mut n) => Column::Int(Int64Array::new(v.into(), n.finish())),
            Builder::Float(v, mut n) => Column::Float(Float64Array::new(v.into(), n.finish())),
            Builder::Text(o, d, mut n) => Column::Text {
                // The bytes came from `&str`s, so they are UTF-8 and the offsets are in order;
                // `new` checks both all the same (a few milliseconds per million values).
                array: LargeStringArray::new(
                    OffsetBuffer::new(ScalarBuffer::from(o)),
                    Buffer::from_vec(d),
                    n.finish(),
                ),
                hint: Hint::Text,
            },
            Builder::Blob(o, d, mut n) => Column::Blob(LargeBinaryArray::new(
                OffsetBuffer::new(ScalarBuffer::from(o)),
                Buffer::from_vec(d),
                n.finish(),
            )),
            Builder::Mixed(m) => Column::Mixed(m),
        }
    }
}

/// Builds a [`Frame`] from a query stream, refusing more than `max_rows` rows.
#[derive(Debug)]
pub struct FrameSink {
    names: Vec<String>,
    decl: Vec<Option<String>>,
    builders: Vec<Builder>,
    len: usize,
    max_rows: u64,
}

impl FrameSink {
    pub fn new(max_rows: u64) -> FrameSink {
        FrameSink {
            names: vec![],
            decl: vec![],
            builders: vec![],
            len: 0,
            max_rows,
        }
    }

    /// The rows of a query read in parts (`Store::query_view_parallel`), in order, as one sink;
    /// refuses more than `max_rows` rows in all. The columns are joined on one thread per core.
    pub fn concat(parts: Vec<FrameSink>, max_rows: u64) -> licstore::Result<FrameSink> {
        let mut parts: Vec<FrameSink> = parts
            .into_iter()
            .filter(|p| !p.builders.is_empty())
            .collect();
        if parts.len() <= 1 {
            return Ok(parts.pop().unwrap_or_else(|| FrameSink::new(max_rows)));
        }
        let len: usize = parts.iter().map(|p| p.len).sum();
        if len as u64 > max_rows {
            return Err(Error::QueryRefused(format!(
                "the result has more than {max_rows} rows; add a LIMIT or raise max_rows"
            )));
        }
        let (names, decl) = (parts[0].names.clone(), parts[0].decl.clone());
        // Column-major: each column's builders, part by part.
        let mut columns: Vec<Vec<Builder>> = names.iter().map(|_| Vec::new()).collect();
        for p in parts {
            for (c, b) in columns.iter_mut().zip(p.builders) {
                c.push(b);
            }
        }
        let joined: Vec<std::sync::Mutex<Option<Builder>>> = columns
            .iter()
            .map(|_| std::sync::Mutex::new(None))
            .collect();
        let todo: Vec<std::sync::Mutex<Vec<Builder>>> =
            columns.into_iter().map(std::sync::Mutex::new).collect();
        let next = std::sync::atomic::AtomicUsize::new(0);
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
        std::thread::scope(|scope| {
            for _ in 0..threads.min(todo.len()) {
                scope.spawn(|| loop {
                    let c = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(cell) = todo.get(c) else { return };
                    let builders =
                        std::mem::take(&mut *cell.lock().unwrap_or_else(|e| e.into_inner()));
                    let (rows, bytes) = builders
                        .iter()
                        .fold((0, 0), |(r, b), x| (r + x.len(), b + x.data_len()));
                    let mut parts = builders.into_iter();
                    let one = parts.next().map(|mut first| {
                        // Room for every part at once: one copy of each, not one per doubling.
                        first.reserve(rows, bytes);
                        parts.fold(first, Builder::append)
                    });
                    *joined[c].lock().unwrap_or_else(|e| e.into_inner()) = one;
                });
            }
        });
        let builders = joined
            .into_iter()
            .map(|m| {
                m.into_inner()
                    .unwrap_or_else(|e| e.into_inner())
                    .unwrap_or(Builder::Null(0))
            })
            .collect();
        Ok(FrameSink {
            names,
            decl,
            builders,
            len,
            max_rows,
        })
    }

    pub fn finish(self) -> Frame {
        let columns = self
            .builders
            .into_iter()
            .zip(self.names.iter().zip(&self.decl))
            .map(|(b, (name, decl))| b.finish(name, decl.as_deref()))
            .collect();
        Frame {
            names: self.names,
            columns,
            len: self.len,
        }
    }
}

impl RowSink for FrameSink {
    fn columns(&mut self, names: &[String], decl_types: &[Option<String>]) -> licstore::Result<()> {
        self.names = names.to_vec();
        self.decl = decl_types.to_vec();
        self.builders = names.iter().map(|_| Builder::Null(0)).collect();
        Ok(())
    }

    fn row(&mut self, values: &[ValueRef<'_>]) -> licstore::Result<()> {
        if self.len as u64 >= self.max_rows {
            return Err(Error::QueryRefused(format!(
                "the result has more than {} rows; add a LIMIT or raise max_rows",
                self.max_rows
            )));
        }
        for (b, v) in self.builders.iter_mut().zip(values) {
            b.push(*v);
        }
        self.len += 1;
        Ok(())
    }
}

// --- export ---

impl Frame {
    /// The columns as Arrow arrays with their fields: timestamps and dates parsed (see the
    /// module comment), mixed columns as text.
    pub fn arrow(&self) -> (Arc<Schema>, Vec<ArrayRef>) {
        let mut fields = Vec::with_capacity(self.columns.len());
        let mut arrays = Vec::with_capacity(self.columns.len());
        for (name, col) in self.names.iter().zip(&self.columns) {
            let a: ArrayRef = match col {
                Column::Null(n) => Arc::new(NullArray::new(*n)),
                Column::Int(a) => Arc::new(a.clone()),
                Column::Float(a) => Arc::new(a.clone()),
                Column::Text { array, hint } => text_to_arrow(array, *hint),
                Column::Blob(a) => Arc::new(a.clone()),
                Column::Mixed(v) => Arc::new(mixed_as_text(v)),
            };
            fields.push(Field::new(name, a.data_type().clone(), true));
            arrays.push(a);
        }
        (Arc::new(Schema::new(fields)), arrays)
    }

    /// Which columns are mixed (pandas keeps those as Python objects).
    pub fn mixed(&self) -> Vec<usize> {
        (0..self.columns.len())
            .filter(|&i| matches!(self.columns[i], Column::Mixed(_)))
            .collect()
    }

    /// An Arrow C stream of one record batch (zero-copy for every column but parsed timestamps,
    /// dates and mixed columns).
    pub fn stream(&self) -> FFI_ArrowArrayStream {
        let (schema, arrays) = self.arrow();
        let batch = RecordBatch::try_new_with_options(
            schema.clone(),
            arrays,
            &RecordBatchOptions::new().with_row_count(Some(self.len)),
        )
        .map_err(|e| arrow_schema::ArrowError::ComputeError(e.to_string()));
        let reader = RecordBatchIterator::new(vec![batch], schema);
        FFI_ArrowArrayStream::new(Box::new(reader))
    }
}

fn text_to_arrow(a: &LargeStringArray, hint: Hint) -> ArrayRef {
    if a.null_count() == a.len() {
        return match hint {
            Hint::Timestamp => {
                Arc::new(TimestampSecondArray::new_null(a.len()).with_timezone("UTC"))
            }
            Hint::Date => Arc::new(Date32Array::new_null(a.len())),
            Hint::Text => Arc::new(a.clone()),
        };
    }
    if let Some(values) = parse_all(a, parse_timestamp) {
        return Arc::new(
            TimestampSecondArray::new(values.into(), a.nulls().cloned()).with_timezone("UTC"),
        );
    }
    if let Some(days) = parse_all(a, |s| parse_date(s).map(|secs| secs / 86_400)) {
        let days: Vec<i32> = days.into_iter().map(|d| d as i32).collect();
        return Arc::new(Date32Array::new(days.into(), a.nulls().cloned()));
    }
    Arc::new(a.clone())
}

/// Every non-null value parsed, or None when one does not parse.
fn parse_all(a: &LargeStringArray, parse: impl Fn(&str) -> Option<i64>) -> Option<Vec<i64>> {
    let mut out = Vec::with_capacity(a.len());
    for i in 0..a.len() {
        out.push(if a.is_valid(i) { parse(a.value(i))? } else { 0 });
    }
    Some(out)
}

fn mixed_as_text(v: &[Value]) -> LargeStringArray {
    v.iter()
        .map(|x| match x {
            Value::Null => None,
            Value::Integer(i) => Some(i.to_string()),
            Value::Real(f) => Some(f.to_string()),
            Value::Text(t) => Some(t.clone()),
            Value::Blob(b) => Some(b.iter().map(|c| format!("{c:02X}")).collect()),
        })
        .collect()
}

/// A null mask for numpy (1 = null).
pub fn null_mask(nulls: Option<&NullBuffer>, len: usize) -> Vec<u8> {
    match nulls {
        Some(n) => (0..len).map(|i| u8::from(n.is_null(i))).collect(),
        None => vec![0; len],
    }
}

// --- the store's text forms of instants and dates ---

/// Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn digits(b: &[u8]) -> Option<i64> {
    b.iter().try_fold(0i64, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0'))
    })
}

/// `YYYY-MM-DD` as seconds since the epoch at midnight, if it is a real date.
pub fn parse_date(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, m, d) = (digits(&b[0..4])?, digits(&b[5..7])?, digits(&b[8..10])?);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days_in_month = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if !(1..=days_in_month).contains(&d) {
        return None;
    }
    Some(days_from_civil(y, m, d) * 86_400)
}

/// The store's timestamp form `YYYY-MM-DDTHH:MM:SSZ` as seconds since the epoch.
pub fn parse_timestamp(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 20 || b[10] != b'T' || b[13] != b':' || b[16] != b':' || b[19] != b'Z' {
        return None;
    }
    let day = parse_date(&s[..10])?;
    let (h, mi, se) = (
        digits(&b[11..13])?,
        digits(&b[14..16])?,
        digits(&b[17..19])?,
    );
    if h > 23 || mi > 59 || se > 59 {
        return None;
    }
    Some(day + h * 3600 + mi * 60 + se)
}
