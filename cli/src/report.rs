//! `licstore report --html FILE`: a self-contained HTML audit report of the whole store.
//!
//! The report is one HTML file an auditor can open anywhere or print: no network, no external
//! fonts, scripts or images (a Content-Security-Policy in the page forbids them), charts as inline
//! SVG drawn here. Every value from the store is HTML-escaped ([`esc`]).
//!
//! It has two halves: [`gather`] reads everything through the core's public API and the
//! read-only query channel into a [`Report`], and [`render`] turns a `Report` into HTML. Tests
//! render hand-made reports (escaping, empty stores) and gathered ones (the demo store); the
//! end-to-end test renders the file in headless Chromium.
//!
//! Sections, in order: SKU usage per customer (assigned vs available, chart and table, by friendly
//! name), what expires within the horizon (default 90 days), the volume-licensing summary with
//! shortfalls and unresolved quantities, MAK keys by remaining activations, drift against the
//! reported consumed counts, and the recent jobs with their failures.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use licstore::{KeyType, Params, ProductKey, Sku, Store, SummaryLine, SummaryQuery, Value};

/// What the title of the page gets prefixed with when a script error or a failed resource load
/// happens in the page (the end-to-end test reads it back from the rendered DOM).
pub const ERROR_MARKER: &str = "[page-error]";

/// Options of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Licenses and SKU terms ending within this many days (overdue ones included).
    pub days: u32,
    /// How many of the most recent jobs to list.
    pub jobs: u32,
}

impl Default for Options {
    fn default() -> Options {
        Options { days: 90, jobs: 20 }
    }
}

/// Temporary licenses or SKU terms of one customer and SKU ending on one day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpiringGroup {
    /// The day (YYYY-MM-DD).
    pub day: String,
    /// Whether the day is before today (overdue: `expire` has not run).
    pub overdue: bool,
    /// `license` or `sku_term`.
    pub kind: String,
    /// The customer.
    pub customer: String,
    /// The SKU's friendly name.
    pub sku: String,
    /// How many licenses (1 for a SKU term).
    pub count: u64,
    /// The first few users, for licenses.
    pub users: Vec<String>,
}

/// One job of the recent jobs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobLine {
    /// The job's id.
    pub id: i64,
    /// Its customer.
    pub customer: String,
    /// assign, remove, replace, expire, ...
    pub kind: String,
    /// Finished, FinishedWithException, Failed, ...
    pub status: String,
    /// Users done.
    pub ok: i64,
    /// Users with nothing to do.
    pub skipped: i64,
    /// Users that failed.
    pub failed: i64,
    /// Who ran it.
    pub actor: String,
    /// When.
    pub created_at: String,
}

/// The failures of one job with one error code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailureGroup {
    /// The job's id.
    pub job_id: i64,
    /// The error code's name.
    pub code: String,
    /// How many users failed with it.
    pub count: i64,
    /// The first such user.
    pub example_user: String,
    /// Its message.
    pub example_message: String,
}

/// Everything the report shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// The store's file name.
    pub store: String,
    /// The store's clock when the report was made (RFC 3339).
    pub generated_at: String,
    /// The options it was made with.
    pub options: Options,
    /// Every customer's name (customers without SKUs too).
    pub customers: Vec<String>,
    /// Every customer's subscribed SKUs.
    pub skus: Vec<Sku>,
    /// What expires within the horizon, grouped.
    pub expiring: Vec<ExpiringGroup>,
    /// The license summary of every customer as of today.
    pub summary: Vec<SummaryLine>,
    /// Every MAK key, fewest remaining activations first.
    pub maks: Vec<ProductKey>,
    /// The most recent jobs, newest first.
    pub jobs: Vec<JobLine>,
    /// The failures of those jobs, by job and code.
    pub failures: Vec<FailureGroup>,
}

/// How many users an expiring group names.
const USERS_SHOWN: usize = 3;

fn text_of(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::Integer(i) => i.to_string(),
        Value::Real(f) => f.to_string(),
        Value::Text(t) => t.clone(),
        Value::Blob(b) => b.iter().map(|x| format!("{x:02x}")).collect(),
    }
}

fn int_of(v: &Value) -> i64 {
    match v {
        Value::Integer(i) => *i,
        _ => 0,
    }
}

/// Reads everything the report shows from the store (read-only).
pub fn gather(store: &mut Store, options: Options) -> licstore::Result<Report> {
    let now = store.now();
    let today = now.date_naive().to_string();
    let customers: Vec<String> = store.customers()?.into_iter().map(|c| c.name).collect();

    let mut skus = vec![];
    let mut summary = vec![];
    for c in &customers {
        skus.extend(store.sku_usage(c)?);
        summary.extend(store.license_summary(&SummaryQuery::customer(c.clone()))?);
    }

    let mut groups: BTreeMap<(String, String, String, String), ExpiringGroup> = BTreeMap::new();
    for e in store.expiring(options.days, None)? {
        let day: String = e.at.chars().take(10).collect();
        let g = groups
            .entry((
                day.clone(),
                e.customer.clone(),
                e.display_name.clone(),
                e.kind.clone(),
            ))
            .or_insert_with(|| ExpiringGroup {
                overdue: day < today,
                day,
                kind: e.kind.clone(),
                customer: e.customer.clone(),
                sku: e.display_name.clone(),
                count: 0,
                users: vec![],
            });
        g.count += 1;
        if let Some(u) = e.user_principal_name {
            if g.users.len() < USERS_SHOWN {
                g.users.push(u);
            }
        }
    }

    let mut maks: Vec<ProductKey> = store
        .product_keys(None)?
        .into_iter()
        .filter(|k| k.key_type == KeyType::Mak)
        .collect();
    maks.sort_by_key(|k| (k.activations_available.unwrap_or(i64::MAX), k.id));

    let jobs: Vec<JobLine> = store
        .query(
            "SELECT job_id, customer, kind, status, ok, skipped, failed, actor, created_at \
             FROM jobs ORDER BY job_id DESC LIMIT ?1",
            &Params::Positional(vec![Value::Integer(i64::from(options.jobs))]),
        )?
        .rows
        .iter()
        .map(|r| JobLine {
            id: int_of(&r[0]),
            customer: text_of(&r[1]),
            kind: text_of(&r[2]),
            status: text_of(&r[3]),
            ok: int_of(&r[4]),
            skipped: int_of(&r[5]),
            failed: int_of(&r[6]),
            actor: text_of(&r[7]),
            created_at: text_of(&r[8]),
        })
        .collect();
    let oldest = jobs.last().map_or(i64::MAX, |j| j.id);
    let failures = store
        .query(
            "SELECT i.job_id, coalesce(i.code, ''), count(*), \
                    (SELECT e.user_principal_name FROM job_items e WHERE e.job_id = i.job_id \
                        AND e.outcome = 'error' AND e.code IS i.code ORDER BY e.item LIMIT 1), \
                    (SELECT e.message FROM job_items e WHERE e.job_id = i.job_id \
                        AND e.outcome = 'error' AND e.code IS i.code ORDER BY e.item LIMIT 1) \
             FROM job_items i WHERE i.outcome = 'error' AND i.job_id >= ?1 \
             GROUP BY i.job_id, i.code ORDER BY i.job_id DESC, count(*) DESC, i.code",
            &Params::Positional(vec![Value::Integer(oldest)]),
        )?
        .rows
        .iter()
        .map(|r| FailureGroup {
            job_id: int_of(&r[0]),
            code: text_of(&r[1]),
            count: int_of(&r[2]),
            example_user: text_of(&r[3]),
            example_message: text_of(&r[4]),
        })
        .collect();

    Ok(Report {
        store: store.path().and_then(|p| p.file_name()).map_or_else(
            || "(in memory)".into(),
            |n| n.to_string_lossy().into_owned(),
        ),
        generated_at: now.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        options,
        customers,
        skus,
        expiring: groups.into_values().collect(),
        summary,
        maks,
        jobs,
        failures,
    })
}

// ---------------------------------------------------------------------------------------------
// HTML

/// Escapes text for HTML content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters other than tab and newline are not allowed in HTML text.
            c if c.is_control() && c != '\t' && c != '\n' => {
                let _ = write!(out, "\u{fffd}");
            }
            c => out.push(c),
        }
    }
    out
}

/// A slug for an element id: ASCII letters and digits, the rest as `-`, plus a number so that
/// two names that slug alike stay distinct.
fn slug(prefix: &str, n: usize, name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    format!("{prefix}-{n}-{}", s.trim_matches('-'))
}

/// A number with thousands separators (1,055).
fn num(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        format!("\u{2212}{out}")
    } else {
        out
    }
}

/// Shortens a label for a chart axis (the full text stays in the bar's tooltip).
fn short(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max - 1).collect();
        t.push('\u{2026}');
        t
    }
}

/// One bar of a chart: `used` of `total`, with a label and a tooltip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    /// The label left of the bar.
    pub label: String,
    /// The filled part.
    pub used: i64,
    /// The whole (a bar whose `used` exceeds it shows the excess in red).
    pub total: i64,
    /// Text right of the bar and in its tooltip.
    pub note: String,
}

const CHART_WIDTH: i64 = 900;
const LABEL_WIDTH: i64 = 300;
const NOTE_WIDTH: i64 = 260;
const ROW_HEIGHT: i64 = 26;
const BAR_HEIGHT: i64 = 16;
const USED_COLOR: &str = "#1f5fa8";
const FREE_COLOR: &str = "#d9e2ec";
const OVER_COLOR: &str = "#b3261e";

/// A horizontal bar chart as inline SVG: accessible (role img, a title and a description that
/// screen readers read, a tooltip per bar) and drawn to scale against the largest total.
pub fn bar_chart(id: &str, title: &str, desc: &str, bars: &[Bar], legend: [&str; 3]) -> String {
    let scale_max = bars
        .iter()
        .map(|b| b.total.max(b.used))
        .max()
        .unwrap_or(0)
        .max(1);
    let plot = CHART_WIDTH - LABEL_WIDTH - NOTE_WIDTH - 20;
    let legend_h = 24;
    let height = legend_h + ROW_HEIGHT * bars.len() as i64 + 6;
    let w = |v: i64| v.max(0) * plot / scale_max;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<figure class="chart"><svg xmlns="http://www.w3.org/2000/svg" role="img" width="{CHART_WIDTH}" height="{height}" viewBox="0 0 {CHART_WIDTH} {height}" aria-labelledby="{id}-t {id}-d"><title id="{id}-t">{}</title><desc id="{id}-d">{}</desc>"#,
        esc(title),
        esc(desc)
    );
    // Legend.
    let mut x = LABEL_WIDTH;
    for (color, name) in [USED_COLOR, FREE_COLOR, OVER_COLOR].iter().zip(legend) {
        let _ = write!(
            s,
            r#"<rect x="{x}" y="4" width="12" height="12" fill="{color}"/><text x="{}" y="14" class="legend">{}</text>"#,
            x + 16,
            esc(name)
        );
        x += 24 + 7 * name.chars().count() as i64;
    }
    for (i, b) in bars.iter().enumerate() {
        let y = legend_h + ROW_HEIGHT * i as i64;
        let by = y + (ROW_HEIGHT - BAR_HEIGHT) / 2;
        let ty = y + ROW_HEIGHT / 2 + 5;
        let tooltip = format!("{}: {}", b.label, b.note);
        let _ = write!(
            s,
            r#"<g><title>{}</title><text x="{}" y="{ty}" text-anchor="end" class="label">{}</text>"#,
            esc(&tooltip),
            LABEL_WIDTH - 8,
            esc(&short(&b.label, 44))
        );
        let total_w = w(b.total);
        let used_w = w(b.used.min(b.total));
        if total_w > 0 {
            let _ = write!(
                s,
                r#"<rect x="{LABEL_WIDTH}" y="{by}" width="{total_w}" height="{BAR_HEIGHT}" fill="{FREE_COLOR}"/>"#
            );
        }
        if used_w > 0 {
            let _ = write!(
                s,
                r#"<rect x="{LABEL_WIDTH}" y="{by}" width="{used_w}" height="{BAR_HEIGHT}" fill="{USED_COLOR}"/>"#
            );
        }
        if b.used > b.total {
            let over = w(b.used) - total_w;
            let _ = write!(
                s,
                r#"<rect x="{}" y="{by}" width="{}" height="{BAR_HEIGHT}" fill="{OVER_COLOR}"/>"#,
                LABEL_WIDTH + total_w,
                over.max(1)
            );
        }
        let _ = write!(
            s,
            r#"<text x="{}" y="{ty}" class="note">{}</text></g>"#,
            LABEL_WIDTH + plot + 8,
            esc(&b.note)
        );
    }
    s.push_str("</svg></figure>\n");
    s
}

/// A table cell: text or a number (right-aligned), optionally flagged.
enum Cell {
    Text(String),
    Num(i64),
    /// A number shown highlighted when it is not zero (a shortfall, a drift).
    Flag(i64),
    /// Text aligned like a number (a quantity with a mark).
    NumText(String),
    /// Empty (NULL).
    None,
}

fn table(out: &mut String, caption: &str, columns: &[&str], rows: &[Vec<Cell>]) {
    let _ = write!(
        out,
        "<table>\n<caption>{}</caption>\n<thead><tr>",
        esc(caption)
    );
    for c in columns {
        let _ = write!(out, r#"<th scope="col">{}</th>"#, esc(c));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for r in rows {
        out.push_str("<tr>");
        for (i, c) in r.iter().enumerate() {
            // The first column names the row.
            let (open, close) = if i == 0 {
                (r#"<th scope="row""#, "</th>")
            } else {
                ("<td", "</td>")
            };
            let _ = match c {
                Cell::Text(t) => write!(out, "{open}>{}{close}", esc(t)),
                Cell::Num(n) => write!(out, r#"{open} class="num">{}{close}"#, num(*n)),
                Cell::Flag(n) if *n != 0 => {
                    write!(out, r#"{open} class="num flag">{}{close}"#, num(*n))
                }
                Cell::Flag(n) => write!(out, r#"{open} class="num">{}{close}"#, num(*n)),
                Cell::NumText(t) => write!(out, r#"{open} class="num">{}{close}"#, esc(t)),
                Cell::None => write!(out, "{open}>{close}"),
            };
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
}

fn empty(out: &mut String, what: &str) {
    let _ = writeln!(out, r#"<p class="empty">{}</p>"#, esc(what));
}

const STYLE: &str = r#"
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
       color: #1b1f24; background: #fff; margin: 0 auto; padding: 24px 32px; max-width: 1200px;
       line-height: 1.4; font-size: 14px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 32px 0 8px; padding-bottom: 4px; border-bottom: 2px solid #1f5fa8; }
h3 { font-size: 16px; margin: 20px 0 6px; }
p.meta { color: #4a5560; margin: 0 0 16px; }
p.empty { color: #4a5560; font-style: italic; }
nav ol { columns: 2; margin: 8px 0 16px; }
a { color: #1f5fa8; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 12px 0 8px; padding: 0; list-style: none; }
.cards li { border: 1px solid #c8d1db; border-radius: 6px; padding: 8px 14px; min-width: 150px; }
.cards .value { display: block; font-size: 22px; font-weight: 600; }
.cards .warn .value { color: #b3261e; }
table { border-collapse: collapse; margin: 6px 0 16px; width: 100%; }
caption { text-align: left; font-weight: 600; padding: 4px 0; color: #33404d; }
th, td { border: 1px solid #c8d1db; padding: 3px 8px; text-align: left; vertical-align: top; }
thead th { background: #eef2f6; }
tbody th { font-weight: normal; }
th.date { white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.flag, th.flag, tr.overdue td, tr.overdue th { color: #b3261e; font-weight: 600; }
figure.chart { margin: 8px 0; }
figure.chart svg { display: block; max-width: 100%; height: auto; }
svg text { font-family: inherit; font-size: 12px; fill: #1b1f24; }
svg text.note, svg text.legend { fill: #33404d; }
footer { margin-top: 32px; color: #4a5560; font-size: 12px; }
@media print {
  body { padding: 0; max-width: none; font-size: 11px; }
  nav { display: none; }
  h2 { break-after: avoid; }
  h3 { break-after: avoid; }
  figure.chart, tr { break-inside: avoid; }
  thead { display: table-header-group; }
  a { color: inherit; text-decoration: none; }
}
@page { margin: 14mm; }
"#;

/// Renders a report as one self-contained HTML document.
pub fn render(r: &Report) -> String {
    let mut out = String::with_capacity(64 * 1024);
    let title = format!("License audit report \u{2014} {}", r.store);
    let _ = write!(
        out,
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="generator" content="licstore {}">
<title>{}</title>
<script>window.addEventListener("error", function () {{ if (document.title.indexOf("{ERROR_MARKER}") !== 0) {{ document.title = "{ERROR_MARKER} " + document.title; }} }}, true);</script>
<style>{STYLE}</style>
</head>
<body>
<header>
<h1>License audit report</h1>
<p class="meta">Store <strong>{}</strong> &middot; generated {} by licstore {} &middot; {} customer(s)</p>
"#,
        licstore::VERSION,
        esc(&title),
        esc(&r.store),
        esc(&r.generated_at),
        licstore::VERSION,
        r.customers.len()
    );

    // At a glance.
    let seats: i64 = r
        .skus
        .iter()
        .map(|k| k.units.enabled + k.units.warning)
        .sum();
    let assigned: i64 = r.skus.iter().map(|k| k.assigned).sum();
    let expiring: u64 = r.expiring.iter().map(|g| g.count).sum();
    let shortfalls = r.summary.iter().filter(|l| l.shortfall() > 0).count() as i64;
    let unresolved = r
        .summary
        .iter()
        .filter(|l| l.unresolved_quantity > 0)
        .count() as i64;
    let low_maks = r
        .maks
        .iter()
        .filter(|k| match (k.activations_available, k.activation_limit) {
            (Some(a), Some(l)) => l > 0 && a * 10 < l,
            _ => false,
        })
        .count() as i64;
    let drifting = r
        .skus
        .iter()
        .filter(|k| k.drift.is_some_and(|d| d != 0))
        .count() as i64;
    let failed_jobs = r.jobs.iter().filter(|j| j.failed > 0).count() as i64;
    out.push_str(r#"<ul class="cards" aria-label="At a glance">"#);
    for (label, value, warn) in [
        (
            "Seats assigned",
            format!("{} / {}", num(assigned), num(seats)),
            false,
        ),
        (
            "Expiring or overdue",
            num(i64::try_from(expiring).unwrap_or(i64::MAX)),
            expiring > 0,
        ),
        ("Products short", num(shortfalls), shortfalls > 0),
        ("Unresolved lines", num(unresolved), unresolved > 0),
        ("MAKs under 10% left", num(low_maks), low_maks > 0),
        ("SKUs with drift", num(drifting), drifting > 0),
        (
            "Recent jobs with failures",
            num(failed_jobs),
            failed_jobs > 0,
        ),
    ] {
        let _ = write!(
            out,
            r#"<li{}><span class="value">{}</span>{}</li>"#,
            if warn { r#" class="warn""# } else { "" },
            esc(&value),
            esc(label)
        );
    }
    out.push_str("</ul>\n");
    let _ = write!(
        out,
        r##"<nav aria-label="Contents"><ol>
<li><a href="#usage">SKU usage per customer</a></li>
<li><a href="#expiring">Expiring within {} days</a></li>
<li><a href="#volume">Volume licensing summary</a></li>
<li><a href="#mak">MAK keys by remaining activations</a></li>
<li><a href="#drift">Drift against reported counts</a></li>
<li><a href="#jobs">Recent jobs and failures</a></li>
</ol></nav>
</header>
<main>
"##,
        r.options.days
    );

    usage_section(&mut out, r);
    expiring_section(&mut out, r);
    volume_section(&mut out, r);
    mak_section(&mut out, r);
    drift_section(&mut out, r);
    jobs_section(&mut out, r);

    let _ = write!(
        out,
        "</main>\n<footer>Generated by licstore {} from {} at {} (the store's clock). \
         Figures come from the store's public views; SKU names are Microsoft's friendly names \
         from the product catalog.</footer>\n</body>\n</html>\n",
        licstore::VERSION,
        esc(&r.store),
        esc(&r.generated_at)
    );
    out
}

fn usage_section(out: &mut String, r: &Report) {
    out.push_str(
        "<section id=\"usage\" aria-labelledby=\"usage-h\">\n<h2 id=\"usage-h\">SKU usage per customer</h2>\n\
         <p>Assigned licenses against the seats that can be assigned (enabled plus warning units) \
         for each subscribed SKU. <em>available = enabled + warning \u{2212} assigned</em>.</p>\n",
    );
    let mut any = false;
    for (n, customer) in r.customers.iter().enumerate() {
        let skus: Vec<&Sku> = r.skus.iter().filter(|k| &k.customer == customer).collect();
        if skus.is_empty() {
            continue;
        }
        any = true;
        let id = slug("usage", n, customer);
        let _ = writeln!(out, r#"<h3 id="{id}-h">{}</h3>"#, esc(customer));
        let bars: Vec<Bar> = skus
            .iter()
            .map(|k| {
                let seats = k.units.enabled + k.units.warning;
                Bar {
                    label: k.display_name.clone(),
                    used: k.assigned,
                    total: seats,
                    note: format!(
                        "{} of {} assigned, {} available",
                        num(k.assigned),
                        num(seats),
                        num(k.available)
                    ),
                }
            })
            .collect();
        let over = skus.iter().filter(|k| k.available < 0).count();
        out.push_str(&bar_chart(
            &id,
            &format!("SKU usage of {customer}"),
            &format!(
                "Bar chart of assigned against assignable seats for {} SKU(s) of {customer}; \
                 {over} over-assigned. The table below has the figures.",
                skus.len()
            ),
            &bars,
            ["assigned", "available", "over-assigned"],
        ));
        let rows: Vec<Vec<Cell>> = skus
            .iter()
            .map(|k| {
                vec![
                    Cell::Text(k.display_name.clone()),
                    Cell::Text(k.sku_part_number.clone()),
                    Cell::Text(k.capability_status.clone()),
                    Cell::Num(k.units.enabled),
                    Cell::Num(k.units.warning),
                    Cell::Num(k.assigned),
                    if k.available < 0 {
                        Cell::Flag(k.available)
                    } else {
                        Cell::Num(k.available)
                    },
                    k.term_end.clone().map_or(Cell::None, Cell::Text),
                ]
            })
            .collect();
        table(
            out,
            &format!("SKUs of {customer}"),
            &[
                "SKU",
                "Part number",
                "Status",
                "Enabled",
                "Warning",
                "Assigned",
                "Available",
                "Term end",
            ],
            &rows,
        );
    }
    if !any {
        empty(out, "No customer has subscribed SKUs.");
    }
    out.push_str("</section>\n");
}

fn expiring_section(out: &mut String, r: &Report) {
    let _ = write!(
        out,
        "<section id=\"expiring\" aria-labelledby=\"expiring-h\">\n<h2 id=\"expiring-h\">Expiring within {} days</h2>\n\
         <p>Temporary licenses and SKU terms that end within {} days of {}, soonest first, \
         by day, customer and SKU. Overdue ones (in red) have ended but were not removed yet: \
         <code>licstore expire</code> removes them.</p>\n",
        r.options.days,
        r.options.days,
        esc(&r.generated_at[..r.generated_at.len().min(10)])
    );
    if r.expiring.is_empty() {
        empty(out, "Nothing expires in this period.");
    } else {
        out.push_str("<table>\n<caption>Licenses and SKU terms ending</caption>\n<thead><tr>");
        for c in ["Day", "Customer", "SKU", "What", "Count", "Users"] {
            let _ = write!(out, r#"<th scope="col">{c}</th>"#);
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        for g in &r.expiring {
            let users = if g.users.is_empty() {
                String::new()
            } else if g.count as usize > g.users.len() {
                format!(
                    "{} and {} more",
                    g.users.join(", "),
                    g.count as usize - g.users.len()
                )
            } else {
                g.users.join(", ")
            };
            let _ = writeln!(
                out,
                r#"<tr{}><th scope="row" class="date">{}{}</th><td>{}</td><td>{}</td><td>{}</td><td class="num">{}</td><td>{}</td></tr>"#,
                if g.overdue { r#" class="overdue""# } else { "" },
                esc(&g.day),
                if g.overdue { " (overdue)" } else { "" },
                esc(&g.customer),
                esc(&g.sku),
                if g.kind == "sku_term" {
                    "SKU term"
                } else {
                    "temporary licenses"
                },
                num(i64::try_from(g.count).unwrap_or(i64::MAX)),
                esc(&users)
            );
        }
        out.push_str("</tbody>\n</table>\n");
    }
    out.push_str("</section>\n");
}

fn volume_section(out: &mut String, r: &Report) {
    out.push_str(
        "<section id=\"volume\" aria-labelledby=\"volume-h\">\n<h2 id=\"volume-h\">Volume licensing summary</h2>\n\
         <p>Per customer and product: effective licenses after upgrades and step-ups (* includes \
         promotional grants), those under active Software Assurance, <em>unresolved</em> upgrade, \
         step-up or SA licenses without a qualifying base license, deployed (MAK activations), \
         and the shortfall (deployed beyond effective) or surplus.</p>\n",
    );
    if r.summary.is_empty() {
        empty(out, "No customer has volume-licensing entitlements.");
        out.push_str("</section>\n");
        return;
    }
    let short: Vec<&SummaryLine> = r.summary.iter().filter(|l| l.shortfall() > 0).collect();
    if short.is_empty() {
        out.push_str("<p>No product is short of licenses.</p>\n");
    } else {
        let bars: Vec<Bar> = short
            .iter()
            .map(|l| Bar {
                label: format!("{} \u{2014} {} {}", l.customer, l.family, l.version),
                used: l.deployed_quantity,
                total: l.effective_quantity,
                note: format!(
                    "{} deployed, {} licensed, {} short",
                    num(l.deployed_quantity),
                    num(l.effective_quantity),
                    num(l.shortfall())
                ),
            })
            .collect();
        out.push_str(&bar_chart(
            "shortfall",
            "Products with a shortfall",
            &format!(
                "Bar chart of deployed against effective licenses for the {} product(s) with a \
                 shortfall; the red part is the shortfall. The table below has the figures.",
                short.len()
            ),
            &bars,
            [
                "deployed within licenses",
                "licensed, not deployed",
                "shortfall",
            ],
        ));
    }
    let rows: Vec<Vec<Cell>> = r
        .summary
        .iter()
        .map(|l| {
            vec![
                Cell::Text(l.customer.clone()),
                Cell::Text(l.family.clone()),
                Cell::Text(l.version.clone()),
                Cell::Text(l.pool.as_str().to_string()),
                // The grant mark after the number, as VLSC shows it; a figure space keeps the
                // numbers without a mark aligned with those with one.
                Cell::NumText(format!(
                    "{}{}",
                    num(l.effective_quantity),
                    if l.has_grants() { "*" } else { "\u{2007}" }
                )),
                Cell::Num(l.active_sa_quantity),
                Cell::Flag(l.unresolved_quantity),
                Cell::Num(l.deployed_quantity),
                Cell::Flag(l.shortfall()),
                Cell::Num(l.surplus()),
            ]
        })
        .collect();
    table(
        out,
        "License summary as of today",
        &[
            "Customer",
            "Family",
            "Version",
            "Pool",
            "Effective",
            "Active SA",
            "Unresolved",
            "Deployed",
            "Shortfall",
            "Surplus",
        ],
        &rows,
    );
    out.push_str("</section>\n");
}

fn mak_section(out: &mut String, r: &Report) {
    out.push_str(
        "<section id=\"mak\" aria-labelledby=\"mak-h\">\n<h2 id=\"mak-h\">MAK keys by remaining activations</h2>\n\
         <p>Multiple Activation Keys, fewest activations left first (keys masked). Used counts \
         the VLSC baseline plus the activations recorded in the store.</p>\n",
    );
    if r.maks.is_empty() {
        empty(out, "The store has no MAK keys.");
        out.push_str("</section>\n");
        return;
    }
    let label = |k: &ProductKey| format!("{} \u{2026}{}", k.product, k.last5);
    let bars: Vec<Bar> = r
        .maks
        .iter()
        .map(|k| {
            let limit = k.activation_limit.unwrap_or(0);
            Bar {
                label: label(k),
                used: k.activations_used,
                total: limit,
                note: format!(
                    "{} of {} used, {} left",
                    num(k.activations_used),
                    num(limit),
                    num(k.activations_available.unwrap_or(0))
                ),
            }
        })
        .collect();
    out.push_str(&bar_chart(
        "mak-chart",
        "MAK activations used",
        &format!(
            "Bar chart of used against allowed activations for {} MAK key(s), fewest left first. \
             The table below has the figures.",
            r.maks.len()
        ),
        &bars,
        ["used", "left", "over the limit"],
    ));
    let rows: Vec<Vec<Cell>> = r
        .maks
        .iter()
        .map(|k| {
            let left = k.activations_available.unwrap_or(0);
            let low = k.activation_limit.is_some_and(|l| left * 10 < l);
            vec![
                Cell::Text(k.masked.clone()),
                Cell::Text(k.product.clone()),
                Cell::Text(k.licensing_id.clone()),
                k.activation_limit.map_or(Cell::None, Cell::Num),
                Cell::Num(k.activations_used),
                if low {
                    Cell::Flag(left)
                } else {
                    Cell::Num(left)
                },
            ]
        })
        .collect();
    table(
        out,
        "MAK keys (red: under 10% of the limit left)",
        &["Key", "Product", "Licensing ID", "Limit", "Used", "Left"],
        &rows,
    );
    out.push_str("</section>\n");
}

fn drift_section(out: &mut String, r: &Report) {
    out.push_str(
        "<section id=\"drift\" aria-labelledby=\"drift-h\">\n<h2 id=\"drift-h\">Drift against reported counts</h2>\n\
         <p>SKUs whose consumed count reported by Microsoft (Graph <code>consumedUnits</code>, \
         or set with <code>skus set --reported-consumed</code>) differs from the licenses \
         assigned in the store. <em>drift = reported \u{2212} assigned</em>: positive when the \
         tenant has licenses the store does not know of.</p>\n",
    );
    let drifting: Vec<&Sku> = r
        .skus
        .iter()
        .filter(|k| k.drift.is_some_and(|d| d != 0))
        .collect();
    let unreported = r
        .skus
        .iter()
        .filter(|k| k.reported_consumed.is_none())
        .count();
    if drifting.is_empty() {
        empty(out, "Every reported count matches the assignments.");
    } else {
        let rows: Vec<Vec<Cell>> = drifting
            .iter()
            .map(|k| {
                vec![
                    Cell::Text(k.customer.clone()),
                    Cell::Text(k.display_name.clone()),
                    Cell::Text(k.sku_part_number.clone()),
                    Cell::Num(k.assigned),
                    k.reported_consumed.map_or(Cell::None, Cell::Num),
                    Cell::Flag(k.drift.unwrap_or(0)),
                ]
            })
            .collect();
        table(
            out,
            &format!("{} SKU(s) with drift", drifting.len()),
            &[
                "Customer",
                "SKU",
                "Part number",
                "Assigned",
                "Reported",
                "Drift",
            ],
            &rows,
        );
    }
    if unreported > 0 {
        let _ = writeln!(
            out,
            "<p>{unreported} SKU(s) have no reported count and are not compared.</p>"
        );
    }
    out.push_str("</section>\n");
}

fn jobs_section(out: &mut String, r: &Report) {
    let _ = write!(
        out,
        "<section id=\"jobs\" aria-labelledby=\"jobs-h\">\n<h2 id=\"jobs-h\">Recent jobs and failures</h2>\n\
         <p>The most recent bulk jobs (up to {}), newest first, and what failed in them by error code \
         (<code>licstore jobs items ID --errors</code> lists every user; \
         <code>licstore jobs rerun ID</code> retries them).</p>\n",
        r.options.jobs
    );
    if r.jobs.is_empty() {
        empty(out, "No jobs have run.");
        out.push_str("</section>\n");
        return;
    }
    let rows: Vec<Vec<Cell>> = r
        .jobs
        .iter()
        .map(|j| {
            vec![
                Cell::Num(j.id),
                Cell::Text(j.customer.clone()),
                Cell::Text(j.kind.clone()),
                Cell::Text(j.status.clone()),
                Cell::Num(j.ok),
                Cell::Num(j.skipped),
                Cell::Flag(j.failed),
                Cell::Text(j.actor.clone()),
                Cell::Text(j.created_at.clone()),
            ]
        })
        .collect();
    table(
        out,
        "Recent jobs",
        &[
            "Job", "Customer", "Kind", "Status", "OK", "Skipped", "Failed", "Actor", "Created",
        ],
        &rows,
    );
    if r.failures.is_empty() {
        empty(out, "No failures in these jobs.");
    } else {
        let rows: Vec<Vec<Cell>> = r
            .failures
            .iter()
            .map(|f| {
                vec![
                    Cell::Num(f.job_id),
                    Cell::Text(f.code.clone()),
                    Cell::Flag(f.count),
                    Cell::Text(f.example_user.clone()),
                    Cell::Text(f.example_message.clone()),
                ]
            })
            .collect();
        table(
            out,
            "Failures by job and error code",
            &["Job", "Code", "Users", "First user", "Message"],
            &rows,
        );
    }
    out.push_str("</section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use licstore::{Clock, Units};

    fn sku(customer: &str, name: &str, enabled: i64, assigned: i64, reported: Option<i64>) -> Sku {
        Sku {
            customer: customer.into(),
            sku_id: "6fd2c87f-b296-42f0-b197-1e91e994b900".into(),
            sku_part_number: "ENTERPRISEPACK".into(),
            display_name: name.into(),
            units: Units {
                enabled,
                ..Units::default()
            },
            capability_status: "Enabled".into(),
            applies_to: "User".into(),
            term_end: None,
            assigned,
            available: enabled - assigned,
            reported_consumed: reported,
            drift: reported.map(|r| r - assigned),
        }
    }

    fn empty_report() -> Report {
        Report {
            store: "x.licstore".into(),
            generated_at: "2026-11-22T10:00:00Z".into(),
            options: Options::default(),
            customers: vec![],
            skus: vec![],
            expiring: vec![],
            summary: vec![],
            maks: vec![],
            jobs: vec![],
            failures: vec![],
        }
    }

    #[test]
    fn escapes_every_text_from_the_store() {
        let evil = r#"<script>alert("x")</script> & 'Sons'"#;
        let mut r = empty_report();
        r.store = evil.into();
        r.customers = vec![evil.into()];
        r.skus = vec![sku(evil, evil, 10, 12, Some(13))];
        r.jobs = vec![JobLine {
            id: 1,
            customer: evil.into(),
            kind: "assign".into(),
            status: "Failed".into(),
            ok: 0,
            skipped: 0,
            failed: 1,
            actor: evil.into(),
            created_at: "2026-11-22T10:00:00Z".into(),
        }];
        r.failures = vec![FailureGroup {
            job_id: 1,
            code: "CountViolation".into(),
            count: 1,
            example_user: evil.into(),
            example_message: evil.into(),
        }];
        let html = render(&r);
        assert!(!html.contains("<script>alert"), "{html}");
        assert!(
            html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;Sons&#39;")
        );
        // The page's only script is the error hook in the head.
        assert_eq!(html.matches("<script").count(), 1);
        // Over-assigned: the red part of the bar and the flagged cell.
        assert!(html.contains(OVER_COLOR));
        assert!(html.contains(r#"class="num flag">−2<"#), "{html}");
    }

    #[test]
    fn an_empty_store_says_so_in_every_section() {
        let html = render(&empty_report());
        for s in [
            "No customer has subscribed SKUs.",
            "Nothing expires in this period.",
            "No customer has volume-licensing entitlements.",
            "The store has no MAK keys.",
            "Every reported count matches the assignments.",
            "No jobs have run.",
        ] {
            assert!(html.contains(s), "{s}");
        }
        assert!(!html.contains("<svg"));
    }

    #[test]
    fn nothing_in_the_page_loads_from_elsewhere() -> licstore::Result<()> {
        let mut store = Store::open_in_memory()?;
        store.set_clock(Clock::Fixed("2026-11-22T10:00:00Z".parse().unwrap()));
        licstore::demo::build(&mut store, 42)?;
        let html = render(&gather(&mut store, Options::default())?);
        for bad in [
            "src=",
            "url(",
            "@import",
            "<link",
            "<img",
            "<iframe",
            "http-equiv=\"refresh",
        ] {
            assert!(!html.contains(bad), "{bad}");
        }
        // The only absolute URL is the SVG namespace (an identifier, never fetched).
        let urls: Vec<&str> = html
            .match_indices("http")
            .map(|(i, _)| &html[i..i + 26])
            .collect();
        assert!(
            urls.iter().all(
                |u| u.starts_with("http://www.w3.org/2000/svg") || u.starts_with("http-equiv=")
            ),
            "{urls:?}"
        );
        Ok(())
    }

    #[test]
    fn the_demo_store_fills_every_section() -> licstore::Result<()> {
        let mut store = Store::open_in_memory()?;
        store.set_clock(Clock::Fixed("2026-11-22T10:00:00Z".parse().unwrap()));
        licstore::demo::build(&mut store, 42)?;
        let r = gather(&mut store, Options::default())?;
        assert_eq!(r.customers.len(), licstore::demo::CUSTOMERS.len());
        assert_eq!(
            r.skus.len(),
            store.sku_usage("Contoso")?.len() * r.customers.len()
        );
        assert!(!r.expiring.is_empty());
        let expiring: u64 = r.expiring.iter().map(|g| g.count).sum();
        assert_eq!(expiring, store.expiring(90, None)?.len() as u64);
        // Fewest left first.
        let left: Vec<i64> = r
            .maks
            .iter()
            .map(|k| k.activations_available.unwrap())
            .collect();
        assert!(left.windows(2).all(|w| w[0] <= w[1]), "{left:?}");
        assert!(r.summary.iter().any(|l| l.shortfall() > 0));
        // Failures add up to the jobs' failed counts.
        for j in &r.jobs {
            let n: i64 = r
                .failures
                .iter()
                .filter(|f| f.job_id == j.id)
                .map(|f| f.count)
                .sum();
            assert_eq!(n, j.failed, "job {}", j.id);
        }
        let html = render(&r);
        for id in ["usage", "expiring", "volume", "mak", "drift", "jobs"] {
            assert!(html.contains(&format!("<section id=\"{id}\"")), "{id}");
        }
        // One chart per customer with SKUs, one for the shortfalls, one for the MAKs.
        assert_eq!(html.matches("<svg").count(), r.customers.len() + 2);
        assert_eq!(html.matches("role=\"img\"").count(), r.customers.len() + 2);
        assert!(html.contains("Office 365 E3"));
        Ok(())
    }

    #[test]
    fn numbers_have_separators() {
        assert_eq!(num(0), "0");
        assert_eq!(num(999), "999");
        assert_eq!(num(1055), "1,055");
        assert_eq!(num(-1234567), "\u{2212}1,234,567");
    }
}
