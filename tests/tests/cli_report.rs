//! End-to-end tests of `licstore report --html`: the report of a demo store, rendered by headless
//! Chromium (Debian's `chromium`; `make test` installs it when missing). The screenshot must show
//! the page (many colours, the charts' bar colour) and the page must log nothing to the console
//! and trip no error (its `error` hook marks the title, read back from the rendered DOM).
//!
//! Set `LICSTORE_CHROMIUM` to use another browser binary. Without any browser the test fails with
//! a message saying how to install one; `LICSTORE_SKIP_CHROMIUM=1` skips the browser part
//! explicitly (and says so on stderr).

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::cli::Env;

/// What the report's error hook prefixes the title with (cli/src/report.rs).
const ERROR_MARKER: &str = "[page-error]";
/// The colour of the charts' filled bars (cli/src/report.rs), as RGB.
const BAR_RGB: [u8; 3] = [0x1f, 0x5f, 0xa8];

/// The browser, or None when `LICSTORE_SKIP_CHROMIUM` is set; panics when there is none.
fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("LICSTORE_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser"] {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    if std::env::var_os("LICSTORE_SKIP_CHROMIUM").is_some() {
        eprintln!(
            "NOTE: LICSTORE_SKIP_CHROMIUM is set: the HTML report is not rendered in a browser"
        );
        return None;
    }
    panic!(
        "chromium is not installed: `make test` installs it (apt-get install -y chromium); \
         set LICSTORE_CHROMIUM to another binary, or LICSTORE_SKIP_CHROMIUM=1 to skip rendering"
    );
}

/// One headless run: the page at `url`, with `action` (`--screenshot=FILE` or `--dump-dom`).
/// Returns stdout and the console lines chromium logged on stderr.
fn headless(browser: &Path, work: &Path, page: &Path, action: &str) -> (String, Vec<String>) {
    let profile = tempfile::tempdir_in(work).unwrap();
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-extensions",
            "--disable-sync",
            "--no-first-run",
            "--no-default-browser-check",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
            "--window-size=1280,2000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(action)
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{}: {e}", browser.display()));
    // Read both pipes on threads so that neither fills up while we wait.
    let mut so = child.stdout.take().unwrap();
    let mut se = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut so, &mut s).unwrap();
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut se, &mut s).unwrap();
        s
    });
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if started.elapsed() > Duration::from_secs(120) {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("chromium {action} did not finish in 120 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let stdout = out.join().unwrap();
    let stderr = err.join().unwrap();
    assert!(status.success(), "chromium {action}: {status}\n{stderr}");
    // `--enable-logging=stderr` writes every console message (console.error, uncaught errors,
    // Content-Security-Policy refusals of an external load) as `...:CONSOLE...] "message"`.
    let console = stderr
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .map(String::from)
        .collect();
    (stdout, console)
}

/// A decoded screenshot: (width, height, RGB pixels).
fn decode_png(path: &Path) -> (u32, u32, Vec<[u8; 3]>) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.bit_depth, png::BitDepth::Eight, "{info:?}");
    let step = match info.color_type {
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        other => panic!("unexpected screenshot colour type {other:?}"),
    };
    let pixels = buf[..info.buffer_size()]
        .chunks_exact(step)
        .map(|p| [p[0], p[1], p[2]])
        .collect();
    (info.width, info.height, pixels)
}

/// A demo store and its report.
fn demo_report(env: &Env) -> PathBuf {
    env.run(&["demo"]).ok();
    let html = env.path("report.html");
    let r = env.run(&["report", "--html", "report.html"]).ok();
    assert!(r.stdout.starts_with("Wrote report.html ("), "{}", r.stdout);
    html
}

#[test]
fn the_report_renders_in_headless_chromium_without_errors() {
    let env = Env::new();
    let html = demo_report(&env);
    let Some(browser) = chromium() else {
        return;
    };
    let work = env.dir.path().to_path_buf();

    // A page that does go wrong, to show that the checks below would see it: a console message,
    // an uncaught error (the hook marks the title) and a refused external load.
    let bad = env.path("bad.html");
    std::fs::write(
        &bad,
        format!(
            "<!DOCTYPE html><html><head><meta http-equiv=\"Content-Security-Policy\" \
             content=\"default-src 'none'; script-src 'unsafe-inline'\"><title>t</title>\
             <script>window.addEventListener(\"error\", function () {{ document.title = \
             \"{ERROR_MARKER} \" + document.title; }}, true);</script></head><body>\
             <script>throw new Error(\"boom\");</script></body></html>"
        ),
    )
    .unwrap();

    let shot = env.path("report.png");
    let (b1, w1, s1) = (browser.clone(), work.clone(), shot.clone());
    let h1 = html.clone();
    let screenshot = std::thread::spawn(move || {
        headless(&b1, &w1, &h1, &format!("--screenshot={}", s1.display()))
    });
    let (b2, w2, h2) = (browser.clone(), work.clone(), html.clone());
    let dom = std::thread::spawn(move || headless(&b2, &w2, &h2, "--dump-dom"));
    // Printed, as an auditor would: the print styles lay it out on pages.
    let pdf = env.path("report.pdf");
    let (b3, w3, h3, p3) = (browser.clone(), work.clone(), html.clone(), pdf.clone());
    let print = std::thread::spawn(move || {
        headless(&b3, &w3, &h3, &format!("--print-to-pdf={}", p3.display()))
    });
    let (bad_dom, bad_console) = headless(&browser, &work, &bad, "--dump-dom");
    let (_, shot_console) = screenshot.join().unwrap();
    let (dom, dom_console) = dom.join().unwrap();
    let (_, print_console) = print.join().unwrap();

    // The control page: both detectors fire.
    assert!(
        bad_dom.contains(&format!("<title>{ERROR_MARKER} t</title>")),
        "the error hook did not mark the control page: {bad_dom}"
    );
    assert!(
        bad_console.iter().any(|l| l.contains("boom")),
        "chromium logged no console line for the control page's error: {bad_console:?}"
    );

    // The report: no console message, no error, every section rendered.
    assert_eq!(
        shot_console,
        Vec::<String>::new(),
        "console during the screenshot"
    );
    assert_eq!(
        dom_console,
        Vec::<String>::new(),
        "console during --dump-dom"
    );
    assert_eq!(
        print_console,
        Vec::<String>::new(),
        "console while printing"
    );
    let pdf = std::fs::read(&pdf).unwrap();
    assert!(pdf.starts_with(b"%PDF-"), "not a PDF");
    let pages = pdf
        .windows(12)
        .filter(|w| w.starts_with(b"/Type /Page") && w[11] != b's')
        .count();
    assert!(pages >= 3, "the printed report has {pages} page(s)");
    let title = dom
        .split_once("<title>")
        .and_then(|(_, t)| t.split_once("</title>"))
        .map(|(t, _)| t)
        .unwrap_or_else(|| panic!("no title in the rendered page: {dom}"));
    assert!(
        title.starts_with("License audit report"),
        "the page tripped its error hook: {title}"
    );
    for id in ["usage", "expiring", "volume", "mak", "drift", "jobs"] {
        assert!(dom.contains(&format!("<section id=\"{id}\"")), "{id}");
    }
    let charts = dom.matches("<svg").count();
    assert_eq!(charts, licstore::demo::CUSTOMERS.len() + 2, "charts");

    // The screenshot is the page, not a blank or an error page: the window's size, many
    // colours, a good share of ink, and the charts' bar colour.
    let (w, h, pixels) = decode_png(&shot);
    assert_eq!((w, h), (1280, 2000));
    let distinct: HashSet<[u8; 3]> = pixels.iter().copied().collect();
    assert!(distinct.len() > 50, "{} distinct colours", distinct.len());
    let ink = pixels.iter().filter(|p| **p != [255, 255, 255]).count();
    assert!(
        ink * 100 > pixels.len() * 3,
        "only {ink} of {} pixels are not white",
        pixels.len()
    );
    let bars = pixels.iter().filter(|p| **p == BAR_RGB).count();
    assert!(
        bars > 2_000,
        "{bars} pixels of the bar colour: no charts drawn"
    );
}

#[test]
fn the_report_is_self_contained_and_escapes_what_the_store_holds() {
    let env = Env::init();
    let evil = "<b>Smith</b> & \"Sons\" <script>alert(1)</script>";
    env.run(&["customers", "add", evil, "--usage-location", "US"])
        .ok();
    env.run(&[
        "skus",
        "set",
        "ENTERPRISEPACK",
        "--customer",
        evil,
        "--enabled",
        "5",
    ])
    .ok();
    let r = env.run(&["report", "--html", "-"]).ok();
    let html = r.stdout;
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.trim_end().ends_with("</html>"));
    assert!(!html.contains("<b>Smith"), "unescaped customer name");
    assert!(html.contains(
        "&lt;b&gt;Smith&lt;/b&gt; &amp; &quot;Sons&quot; &lt;script&gt;alert(1)&lt;/script&gt;"
    ));
    assert_eq!(html.matches("<script").count(), 1, "only the error hook");
    assert!(html.contains("Office 365 E3"), "friendly SKU name");
    for external in ["src=", "<link", "url(", "@import", "https://"] {
        assert!(!html.contains(external), "{external}");
    }
    assert!(html.contains("default-src 'none'"), "a CSP forbids loads");
}

#[test]
fn report_bad_input() {
    let env = Env::new();
    // No store: not created.
    env.run(&["report", "--html", "r.html"]).fails(4);
    assert!(!env.db.exists());
    assert!(!env.path("r.html").exists());
    let env = Env::init();
    // --html is required; it may not name the store.
    env.run(&["report"]).fails(2);
    let db = env.db.display().to_string();
    let before = env.bytes();
    env.run(&["report", "--html", &db]).fails(2);
    assert_eq!(env.bytes(), before);
    // A directory that does not exist: an I/O error, nothing left behind.
    env.run(&["report", "--html", "no/such/dir/r.html"])
        .fails(30);
    // Scripts get one row saying what was written.
    let r = env
        .run(&["report", "--html", "r.html", "--format", "json"])
        .ok();
    let rows = r.json();
    assert_eq!(rows[0]["file"], "r.html");
    assert_eq!(
        rows[0]["bytes"].as_u64().unwrap(),
        std::fs::metadata(env.path("r.html")).unwrap().len()
    );
    assert_eq!(rows[0]["customers"], 0);
}
