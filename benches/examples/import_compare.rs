//! The licstore side of `benches/compare_import.py` (issue 5's import comparison):
//!
//! - `gen ROWS OUT.csv [BAD]`: writes a canonical assignments CSV of ROWS good rows (50
//!   customers, 40 SKUs, about two SKUs per user) plus BAD bad rows spread evenly;
//! - `prepare STORE ROWS`: creates a store with the 50 customers, their 40 SKUs (enough units for
//!   ROWS assignments) and the SKU rules the generated rows obey;
//! - `import STORE FILE [REJECTS]`: imports FILE (all-or-nothing, or skip-invalid writing the
//!   rejected rows to REJECTS) and prints the report and the time;
//! - `export STORE OUT.csv`: exports the `subscriber_licenses` view to CSV and prints the time.
//!
//! The generator is deterministic (a fixed-seed xorshift), so every run compares the same file.
use std::io::{BufWriter, Write};
use std::time::Instant;

use licstore::{Format, ImportMode, ImportOptions, NewCustomer, NewSku, SkuRule, Store, Units};

pub const CUSTOMERS: usize = 50;

/// Base SKUs: every user holds exactly one (ENTERPRISEPACK and SPE_E3 exclude each other).
const BASES: &[(&str, &str)] = &[
    ("ENTERPRISEPACK", "6fd2c87f-b296-42f0-b197-1e91e994b900"),
    ("SPE_E3", "05e9a617-0261-4cee-bb44-138d3ef5d965"),
    ("SPE_E5", "06ebc4ee-1bb5-47dd-8120-11324bc54e06"),
    ("ENTERPRISEPREMIUM", "c7df2760-2c81-4ef7-b578-5b5392b571df"),
];

/// Add-ons and stand-alone SKUs (MCOEV requires a base; POWER_BI_PRO is blocked in CN).
const OTHERS: &[(&str, &str)] = &[
    ("MCOEV", "e43b5b99-8dfb-405f-9987-dc307f34bcbd"),
    ("POWER_BI_PRO", "f8a1db68-be16-40ed-86d5-cb42ce701560"),
    ("EMS", "efccb6f7-5641-4e0e-bd10-b4976e1bf68e"),
    ("VISIOCLIENT", "c5928f49-12ba-48f7-ada3-0d743a3601d5"),
    (
        "PROJECTPROFESSIONAL",
        "53818b1b-4a27-454b-8896-0dba576410e6",
    ),
    ("AAD_PREMIUM", "078d2b04-f1bd-4111-bbd4-b4b1b354cef4"),
    ("AAD_PREMIUM_P2", "84a661c4-e949-4bd2-a560-ed7766fcaf2b"),
    ("ATP_ENTERPRISE", "4ef96642-f096-40de-a3e9-d83fb2f90211"),
    ("FLOW_FREE", "f30db892-07e9-47e9-837c-80727f46fd3d"),
    ("POWERAPPS_VIRAL", "dcb1a3ae-b33f-4487-846a-a640262fadf4"),
    ("STREAM", "1f2f344a-700d-42c9-9427-5cea1d5d7ba6"),
    ("TEAMS_EXPLORATORY", "710779e8-3d4a-4c88-adb9-386c958d1fdf"),
    ("MCOMEETADV", "0c266dff-15dd-4b49-8397-2bb16070ed52"),
    ("MCOPSTN1", "0dab259f-bf13-4952-b7f8-7db8f131b28d"),
    ("MCOPSTN2", "d3b4fe1f-9992-4930-8acb-ca6ec609365e"),
    ("WIN_DEF_ATP", "111046dd-295b-4d6d-9724-d52ac90bd1f2"),
    ("RIGHTSMANAGEMENT", "c52ea49f-fe5d-4e95-93ba-1de91d380f89"),
    ("EXCHANGESTANDARD", "4b9405b0-7788-4568-add1-99614e613b69"),
    ("EXCHANGEENTERPRISE", "19ec0d23-8335-4cbd-94ac-6050e30712fa"),
    (
        "O365_BUSINESS_PREMIUM",
        "f245ecc8-75af-4f8e-b61f-27d8114de5f3",
    ),
    ("SPB", "cbdc14ab-d96c-4c30-b9f4-6ada7cdc1d46"),
    (
        "O365_BUSINESS_ESSENTIALS",
        "3b555118-da6a-4418-894f-7df1e2096870",
    ),
    ("DESKLESSPACK", "4b585984-651b-448a-9e53-3b10f069cf7f"),
    ("SPE_F1", "66b55226-6b4f-492c-910c-a3b7a3c9d993"),
    ("PROJECTPREMIUM", "09015f9f-377f-4538-bbb5-f75ceb09358a"),
    ("VISIOONLINE_PLAN1", "4b244418-9658-4451-a2b8-b5e2b364e9bd"),
    (
        "IDENTITY_THREAT_PROTECTION",
        "26124093-3d78-432b-b5dc-48bf992543d5",
    ),
    (
        "INFORMATION_PROTECTION_COMPLIANCE",
        "184efa21-98c3-4e5d-95ab-d07053a96e67",
    ),
    (
        "M365_E5_SUITE_COMPONENTS",
        "99cc8282-2f74-4954-83b7-c6a9a1999067",
    ),
    (
        "Microsoft_Teams_Premium",
        "36a0f3b3-adb5-49ea-bf66-762134cf063a",
    ),
    (
        "Microsoft_365_Copilot",
        "639dec6b-bb19-468b-871c-c5c441c4b0cb",
    ),
    ("MCOCAP", "295a8eb0-f78d-45c7-8b5b-1eed5ed02dff"),
    ("WINDOWS_STORE", "6470687e-a428-4b7a-bef2-8a291ad947c9"),
    ("SHAREPOINTSTANDARD", "1fc08a02-8b3d-43b9-831e-f76859e04e1a"),
    (
        "SHAREPOINTENTERPRISE",
        "a9732ec9-17d9-494c-a51c-d6b45b384dcb",
    ),
    ("OFFICESUBSCRIPTION", "c2273bd0-dff7-4215-9ef5-2c7bcfb06425"),
];

const FIRST: &[&str] = &[
    "Anna", "Piotr", "Marie", "Jean", "Olivia", "Liam", "Sofia", "Lukas", "Emma", "Noah", "Maja",
    "Jakub", "Chloe", "Hugo", "Mia", "Leon", "Zoe", "Mateo", "Ines", "Oskar", "Aiko", "Ravi",
    "Lena", "Tomas", "Nora", "Felix", "Ida", "Karol", "Julia", "Adam", "Eva", "Omar",
];
const LAST: &[&str] = &[
    "Nowak",
    "Kowalski",
    "Martin",
    "Bernard",
    "Smith",
    "Jones",
    "Garcia",
    "Muller",
    "Schmidt",
    "Rossi",
    "Dubois",
    "Wisniewski",
    "Lewandowski",
    "Brown",
    "Taylor",
    "Moreau",
    "Fischer",
    "Weber",
    "Silva",
    "Santos",
    "Tanaka",
    "Sato",
    "Kumar",
    "Singh",
    "Larsen",
    "Nielsen",
    "Jansen",
    "de Vries",
    "Novak",
    "Horvat",
    "Popescu",
    "Ivanova",
];
const LOCATIONS: &[&str] = &[
    "US", "GB", "DE", "FR", "PL", "NL", "SE", "ES", "IT", "CA", "AU", "JP", "IN", "BR",
];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn customer_name(c: usize) -> String {
    format!("Customer {:02}", c + 1)
}

/// Writes `rows` good rows and `bad` bad ones (every `rows / bad`-th row is followed by one).
fn generate(rows: usize, bad: usize, out: &mut dyn Write) -> std::io::Result<()> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    writeln!(
        out,
        "customer,user_principal_name,display_name,usage_location,sku,assigned_at,expires_at"
    )?;
    let bad_every = rows.checked_div(bad).map_or(usize::MAX, |n| n.max(1));
    let mut bad_left = bad;
    let mut written = 0;
    let mut user = 0usize;
    let users_total = rows / 2 + 1;
    while written < rows {
        let c = (user * CUSTOMERS / users_total).min(CUSTOMERS - 1);
        let (f, l) = (FIRST[rng.below(FIRST.len())], LAST[rng.below(LAST.len())]);
        let upn = format!(
            "{}.{}{}@customer{:02}.example.com",
            f.to_lowercase(),
            l.to_lowercase().replace(' ', ""),
            user,
            c + 1
        );
        let display = format!("{f} {l}");
        let loc = if rng.below(10) == 0 {
            ""
        } else {
            LOCATIONS[rng.below(LOCATIONS.len())]
        };
        // One base, then 0 to 2 others (about two SKUs per user on average).
        let mut skus = vec![BASES[rng.below(BASES.len())]];
        for _ in 0..rng.below(3) {
            let s = OTHERS[rng.below(OTHERS.len())];
            if !skus.contains(&s) {
                skus.push(s);
            }
        }
        for (part, guid) in skus {
            if written == rows {
                break;
            }
            let sku = if rng.below(10) < 3 { guid } else { part };
            let day = rng.below(4 * 365);
            let date = chrono::NaiveDate::from_ymd_opt(2022, 1, 1).unwrap()
                + chrono::Duration::days(day as i64);
            let assigned = if rng.below(10) == 0 {
                date.to_string()
            } else {
                format!(
                    "{date}T{:02}:{:02}:{:02}Z",
                    rng.below(24),
                    rng.below(60),
                    rng.below(60)
                )
            };
            let expires = if rng.below(10) == 0 {
                (chrono::NaiveDate::from_ymd_opt(2026, 6, 1).unwrap()
                    + chrono::Duration::days(rng.below(365) as i64))
                .to_string()
            } else {
                String::new()
            };
            let name = customer_name(c);
            writeln!(
                out,
                "{name},{upn},{display},{loc},{sku},{assigned},{expires}"
            )?;
            written += 1;
            if bad_left > 0 && written % bad_every == 0 {
                // A bad row about a user of its own, so it disturbs no good row.
                bad_left -= 1;
                let b = bad - bad_left;
                let bad_upn = format!("bad{b}@customer{:02}.example.com", c + 1);
                match b % 3 {
                    0 => writeln!(out, "{name},{bad_upn},Bad,XX,{part},{assigned},")?,
                    1 => writeln!(out, "{name},{bad_upn},Bad,US,{part},2025-13-01,")?,
                    _ => writeln!(out, "{name},{bad_upn},Bad,US,NO_SUCH_SKU,{assigned},")?,
                }
            }
        }
        user += 1;
    }
    Ok(())
}

fn prepare(path: &str, rows: usize) -> licstore::Result<()> {
    let mut s = Store::open(path)?;
    s.set_actor("bench")?;
    for c in 0..CUSTOMERS {
        s.add_customer(&NewCustomer {
            default_usage_location: Some("US".into()),
            ..NewCustomer::named(customer_name(c))
        })?;
        for (part, _) in BASES.iter().chain(OTHERS) {
            s.set_sku(&NewSku {
                customer: customer_name(c),
                sku: (*part).into(),
                units: Units {
                    enabled: rows as i64,
                    ..Units::default()
                },
                ..NewSku::default()
            })?;
        }
    }
    s.add_sku_rule(&SkuRule::Requires {
        sku: "MCOEV".into(),
        any_of: BASES.iter().map(|b| b.0.to_string()).collect(),
    })?;
    s.add_sku_rule(&SkuRule::Excludes {
        sku: "ENTERPRISEPACK".into(),
        other: "SPE_E3".into(),
    })?;
    s.add_sku_rule(&SkuRule::BlockedIn {
        sku: "POWER_BI_PRO".into(),
        countries: vec!["CN".into()],
    })?;
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| -> Result<&str, String> {
        args.get(i)
            .map(String::as_str)
            .ok_or_else(|| "usage: import_compare gen|prepare|import|export ...".to_string())
    };
    match arg(0)? {
        "gen" => {
            let rows: usize = arg(1)?.parse()?;
            let bad: usize = args.get(3).map_or(Ok(0), |b| b.parse())?;
            let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(arg(2)?)?);
            generate(rows, bad, &mut out)?;
            out.flush()?;
        }
        "prepare" => prepare(arg(1)?, arg(2)?.parse()?)?,
        "import" => {
            let (db, file) = (arg(1)?, arg(2)?);
            let mut s = Store::open_existing(db)?;
            s.set_actor("bench")?;
            let input = std::fs::File::open(file)?;
            let size = input.metadata()?.len();
            let mut rejects = args
                .get(3)
                .map(std::fs::File::create)
                .transpose()?
                .map(BufWriter::new);
            let mut opts = ImportOptions::new(file);
            opts.total_bytes = Some(size);
            if let Some(r) = rejects.as_mut() {
                opts.mode = ImportMode::SkipInvalid;
                opts.rejects = Some(r);
            }
            let t = Instant::now();
            let report = s.import_entity(licstore::Entity::Assignments, input, opts);
            let secs = t.elapsed().as_secs_f64();
            match report {
                Ok(r) => println!(
                    "import: {secs:.3} s; rows {} inserted {} updated {} unchanged {} rejected {}",
                    r.rows, r.inserted, r.updated, r.unchanged, r.rejected
                ),
                Err(e) => {
                    let n = e.csv_errors().map_or(0, |c| c.rejected);
                    println!("import refused after {secs:.3} s: {n} rejected rows; first: {e}");
                }
            }
        }
        "export" => {
            let mut s = Store::open_existing(arg(1)?)?;
            let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(arg(2)?)?);
            let t = Instant::now();
            let n = s.export_view("subscriber_licenses", Format::Csv, &mut out)?;
            out.flush()?;
            println!("export: {:.3} s; {n} rows", t.elapsed().as_secs_f64());
        }
        other => return Err(format!("unknown command {other:?}").into()),
    }
    Ok(())
}
