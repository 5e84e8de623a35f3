//! The command line grammar (clap derive). Every command carries an `Examples:` section in its
//! help; a test walks the whole tree and fails when one is missing.
//!
//! Global options (`--db`, `--actor`, `--format`) are `global = true`, so they may be given before
//! or after the subcommand. New capabilities add a variant to [`Command`] and a module under
//! `commands/`; nothing else changes.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

mod access;
mod online;
mod volume;
pub use access::*;
pub use online::*;
pub use volume::*;

/// An embedded, SQL-queryable store for software licenses.
#[derive(Debug, Parser)]
#[command(
    name = "licstore",
    version,
    about = "An embedded, SQL-queryable store for software licenses",
    long_about = "An embedded, SQL-queryable store for software licenses.\n\n\
        One file holds an organization's customers, subscriptions, keys and entitlements. \
        Create it with `licstore --db FILE init` (or fill it with sample data with `demo`), \
        then manage it with the commands below or query it with `licstore sql`.",
    after_help = "Examples:\n  \
        licstore --db contoso.licstore init\n  \
        licstore --db contoso.licstore customers add Contoso --usage-location US\n  \
        licstore --db contoso.licstore summary --customer Contoso\n  \
        LICSTORE_DB=contoso.licstore licstore sql \"SELECT * FROM customers\" --format csv\n\n\
        Exit codes: 0 ok, 2 usage error, 3-19 invalid input, 20-29 rule violation, \
        30-39 file or database error, 1 internal error (see docs/cli.md).",
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    /// The store file [env: LICSTORE_DB]. Only `init` and `demo` create it.
    #[arg(
        long,
        global = true,
        value_name = "FILE",
        env = "LICSTORE_DB",
        hide_env = true,
        help_heading = "Global options"
    )]
    pub db: Option<PathBuf>,

    /// Who is acting, recorded in the audit log [env: LICSTORE_ACTOR; default: your user name].
    #[arg(
        long,
        global = true,
        value_name = "NAME",
        env = "LICSTORE_ACTOR",
        hide_env = true,
        help_heading = "Global options"
    )]
    pub actor: Option<String>,

    /// Act as this principal (docs/access.md): see only its licensing IDs, with its roles
    /// [env: LICSTORE_AS].
    #[arg(
        long = "as",
        global = true,
        value_name = "EMAIL",
        env = "LICSTORE_AS",
        hide_env = true,
        help_heading = "Global options"
    )]
    pub as_principal: Option<String>,

    /// Output format: table (aligned, for people; the default), or for scripts csv, tsv, json
    /// (one array of objects) or jsonl (one object per line).
    #[arg(
        long,
        global = true,
        value_name = "FORMAT",
        hide_possible_values = true,
        help_heading = "Global options"
    )]
    pub format: Option<OutputFormat>,

    #[command(subcommand)]
    pub command: Command,
}

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Aligned columns with a header, for people.
    Table,
    /// RFC 4180 CSV with a header line.
    Csv,
    /// Tab-separated values with a header line.
    Tsv,
    /// One JSON array of objects.
    Json,
    /// JSON Lines: one object per line.
    Jsonl,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a new, empty store.
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore init\n  \
        LICSTORE_DB=contoso.licstore licstore init")]
    Init,

    /// Add, change, list, import and export customers.
    #[command(
        subcommand,
        after_help = "Examples:\n  \
            licstore --db contoso.licstore customers add Contoso --usage-location US\n  \
            licstore --db contoso.licstore customers list --format csv"
    )]
    Customers(CustomersCommand),

    /// Add and list licensing IDs (agreements, enrollments, license numbers).
    #[command(
        subcommand,
        after_help = "Examples:\n  \
            licstore --db contoso.licstore licensing-ids add 54839201 --customer Contoso --program Enterprise\n  \
            licstore --db contoso.licstore licensing-ids list --customer Contoso"
    )]
    LicensingIds(LicensingIdsCommand),

    /// Add and list products (family, version, pool).
    #[command(
        subcommand,
        after_help = "Examples:\n  \
            licstore --db contoso.licstore products add \"Office Professional Plus\" 2021 --pool Applications\n  \
            licstore --db contoso.licstore products list"
    )]
    Products(ProductsCommand),

    /// Add and list entitlements (the order lines of licensing IDs).
    #[command(
        subcommand,
        after_help = "Examples:\n  \
            licstore --db contoso.licstore entitlements add --licensing-id 54839201 \\\n      \
                --family \"Office Professional Plus\" --version 2021 --kind full --quantity 50 --order-date 2025-01-10\n  \
            licstore --db contoso.licstore entitlements list --licensing-id 54839201"
    )]
    Entitlements(EntitlementsCommand),

    /// Add, list and show principals (people who hold roles on licensing IDs).
    #[command(
        subcommand,
        after_help = "Examples:\n  \
            licstore --db contoso.licstore principals add ann@contoso.com --first-name Ann --last-name Lee\n  \
            licstore --db contoso.licstore principals list"
    )]
    Principals(PrincipalsCommand),

    /// Grant, revoke and list roles per licensing ID; set agreement contacts.
    #[command(
        subcommand,
        after_help = "Examples:\n  \
            licstore --db contoso.licstore roles grant ann@contoso.com 54839201 Administrator\n  \
            licstore --db contoso.licstore roles list --licensing-id 54839201\n  \
            licstore --db contoso.licstore roles warnings"
    )]
    Roles(RolesCommand),

    /// Request permissions, and accept or deny requests.
    #[command(
        subcommand,
        after_help = "Examples:\n  \
            licstore --db contoso.licstore --as bob@contoso.com requests add bob@contoso.com 54839201 ProductKeys\n  \
            licstore --db contoso.licstore --as ann@contoso.com requests accept 1"
    )]
    Requests(RequestsCommand),

    /// Print the license summary: licenses, SA, deployed, shortfall and surplus.
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore summary\n  \
        licstore --db contoso.licstore summary --customer Contoso --as-of 2025-12-31\n  \
        licstore --db contoso.licstore summary --licensing-id 54839201 --format csv\n\n\
        One line per product with entitlements or MAK deployments: effective licenses after \
        upgrades and step-ups (* when it includes promotional grants), those under active SA, \
        unresolved upgrade/SA licenses without a base license, deployed (MAK activations), and \
        the shortfall or surplus. The csv and json columns are those of the license_summary view.")]
    Summary(SummaryArgs),

    /// Manage product keys: add, list, reveal (audited), activate, VLSC import and export.
    #[command(
        subcommand,
        after_help = "Examples:\n  \
            licstore --db contoso.licstore keys list\n  \
            licstore --db contoso.licstore keys activate 3 PC-0142\n  \
            licstore --db contoso.licstore keys import-vlsc Keys.csv\n\n\
            Keys are shown masked (*****-*****-*****-*****-XXXXX) everywhere except \
            `keys reveal` and `keys export-vlsc --reveal`, which are recorded in the audit log."
    )]
    Keys(KeysCommand),

    /// Manage Software Assurance benefits.
    #[command(
        subcommand,
        after_help = "Examples:\n  \
            licstore --db contoso.licstore benefits list\n  \
            licstore --db contoso.licstore benefits use 1 3"
    )]
    Benefits(BenefitsCommand),

    /// Submit, cancel and list online-service reservations.
    #[command(
        subcommand,
        after_help = "Examples:\n  \
            licstore --db contoso.licstore reservations list\n  \
            licstore --db contoso.licstore reservations cancel 4"
    )]
    Reservations(ReservationsCommand),

    /// Look SKUs up in Microsoft's product catalog, or import a newer copy of it.
    #[command(
        subcommand,
        after_help = "Examples:\n  \
            licstore --db contoso.licstore catalog show ENTERPRISEPACK\n  \
            licstore --db contoso.licstore catalog search \"Office 365 E3\""
    )]
    Catalog(CatalogCommand),

    /// Manage customers' subscribed SKUs (online services) and see their usage.
    #[command(
        subcommand,
        after_help = "Examples:\n  \
            licstore --db contoso.licstore skus set ENTERPRISEPACK --customer Contoso --enabled 250\n  \
            licstore --db contoso.licstore skus list --customer Contoso"
    )]
    Skus(SkusCommand),

    /// Add, change, list and show users (subscribers of online services).
    #[command(
        subcommand,
        after_help = "Examples:\n  \
            licstore --db contoso.licstore users add ada@contoso.com --customer Contoso --usage-location GB\n  \
            licstore --db contoso.licstore users show ada@contoso.com"
    )]
    Users(UsersCommand),

    /// Add groups of users and their members.
    #[command(
        subcommand,
        after_help = "Examples:\n  \
            licstore --db contoso.licstore groups add Sales --customer Contoso\n  \
            licstore --db contoso.licstore groups add-members Sales ada@contoso.com --customer Contoso"
    )]
    Groups(GroupsCommand),

    /// Add and list rules between SKUs (requires, excludes, blocked-in).
    #[command(
        subcommand,
        after_help = "Examples:\n  \
            licstore --db contoso.licstore rules add requires MCOEV --any-of ENTERPRISEPACK SPE_E5\n  \
            licstore --db contoso.licstore rules list"
    )]
    Rules(RulesCommand),

    /// Assign SKUs to users, groups or a filter, as one job (preview with --preview).
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore assign --sku ENTERPRISEPACK --user ada@contoso.com\n  \
        licstore --db contoso.licstore assign --sku ENTERPRISEPACK POWER_BI_PRO --group Sales --customer Contoso --preview\n  \
        licstore --db contoso.licstore assign --sku POWER_BI_PRO --filter department=Finance --customer Contoso \\\n      \
            --expires 2026-12-31 --best-effort --yes\n\n\
        Atomic by default: if any user would fail, nothing is applied, the refused run is \
        recorded as a Failed job and every failing user is listed (exit 20). --best-effort \
        applies the users that pass. Assigning to more than one user asks for confirmation \
        on a terminal (--yes skips it).")]
    Assign(AssignArgs),

    /// Remove SKUs from users, groups or a filter, as one job.
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore remove --sku POWER_BI_PRO --user ada@contoso.com --yes\n  \
        licstore --db contoso.licstore remove --sku MCOEV --filter usage-location=FR --customer Contoso --preview\n\n\
        Shows the preview and asks for confirmation on a terminal (--yes skips it).")]
    Remove(RemoveArgs),

    /// Replace SKUs (remove some, add others in one step per user), as one job.
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore replace --from ENTERPRISEPACK --to SPE_E5 --group Sales --customer Contoso --preview\n  \
        licstore --db contoso.licstore replace --from-all --to O365_BUSINESS_ESSENTIALS --user ada@contoso.com --yes\n\n\
        The removal frees its seats before the addition takes them. Shows the preview and asks \
        for confirmation on a terminal (--yes skips it).")]
    Replace(ReplaceArgs),

    /// List, inspect, export and rerun bulk jobs.
    #[command(
        subcommand,
        after_help = "Examples:\n  \
            licstore --db contoso.licstore jobs list\n  \
            licstore --db contoso.licstore jobs items 12 --errors\n  \
            licstore --db contoso.licstore jobs rerun 12"
    )]
    Jobs(JobsCommand),

    /// Remove every license whose expiry has passed, as one job.
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore expire\n  \
        licstore --db contoso.licstore expire --now 2026-12-31T00:00:00Z\n\n\
        --now runs the expiry as of another instant (by default the current time).")]
    Expire {
        /// Expire as of this instant or date instead of the current time.
        #[arg(long, value_name = "WHEN")]
        now: Option<String>,
    },

    /// List temporary licenses and SKU terms ending within N days (and overdue ones).
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore expiring\n  \
        licstore --db contoso.licstore expiring --days 90 --customer Contoso --format csv")]
    Expiring {
        /// The horizon in days.
        #[arg(long, value_name = "N", default_value_t = 30)]
        days: u32,
        /// Only this customer.
        #[arg(long, value_name = "CUSTOMER")]
        customer: Option<String>,
    },

    /// Offboard a user: remove its licenses, release its numbers, mark it Offboarded.
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore offboard ada@contoso.com\n\n\
        History keeps every license the user held.")]
    Offboard {
        /// The user's UPN.
        upn: String,
    },

    /// Manage the phone number inventory.
    #[command(
        subcommand,
        after_help = "Examples:\n  \
            licstore --db contoso.licstore numbers add +14255550100 --customer Contoso\n  \
            licstore --db contoso.licstore numbers assign ada@contoso.com"
    )]
    Numbers(NumbersCommand),

    /// Manage provisioning profiles and apply them to Staged users.
    #[command(
        subcommand,
        after_help = "Examples:\n  \
            licstore --db contoso.licstore profiles set sales --customer Contoso --department Sales --sku ENTERPRISEPACK\n  \
            licstore --db contoso.licstore profiles apply --customer Contoso"
    )]
    Profiles(ProfilesCommand),

    /// Sync users (M365 export) or SKUs (Graph): show the difference, then apply.
    #[command(
        subcommand,
        after_help = "Examples:\n  \
            licstore --db contoso.licstore sync m365-users users.csv --customer Contoso\n  \
            licstore --db contoso.licstore sync graph-skus subscribedSkus.json --customer Contoso --apply"
    )]
    Sync(SyncCommand),

    /// Who held a customer's SKU at a past date or instant (from history).
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore history --customer Contoso --sku ENTERPRISEPACK --at 2026-01-31\n  \
        licstore --db contoso.licstore history --customer Contoso --sku SPE_E5 --at 2026-01-31T12:00:00Z --format csv")]
    History {
        /// The customer.
        #[arg(long, value_name = "CUSTOMER")]
        customer: String,
        /// The SKU (part number or GUID).
        #[arg(long, value_name = "SKU")]
        sku: String,
        /// A date (midnight UTC) or an instant with an offset.
        #[arg(long, value_name = "WHEN")]
        at: String,
    },

    /// Run a read-only SQL query over the public views.
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore sql \"SELECT name, default_usage_location FROM customers\"\n  \
        licstore --db contoso.licstore sql \"SELECT * FROM customers WHERE name = ?\" --param Contoso\n  \
        licstore --db contoso.licstore sql \"SELECT * FROM customers WHERE default_usage_location = :c\" \\\n      \
            --named c=US --format json\n\n\
        Only SELECT statements over the public views (customers, audit_log, ...) are allowed; \
        anything that would write is refused and the store is left untouched.")]
    Sql(SqlArgs),

    /// List the audit log: who changed what, when.
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore audit\n  \
        licstore --db contoso.licstore audit --entity customer --key Contoso\n  \
        licstore --db contoso.licstore audit --by alice@contoso.com --since 2026-01-01 --format json")]
    Audit(AuditArgs),

    /// Import any entity from its canonical CSV or TSV (all-or-nothing by default).
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore import subscribers users.csv\n  \
        licstore --db contoso.licstore import skus skus.tsv\n  \
        licstore --db contoso.licstore import assignments licenses.csv --skip-invalid --rejects rejected.csv\n  \
        licstore --db other.licstore export customers | licstore --db contoso.licstore import customers -\n\n\
        ENTITY is one of: customers, skus, subscribers, groups, group_members, assignments, \
        numbers, licensing_ids, products, entitlements, keys, activations, benefits, \
        reservations. The columns are those `licstore export ENTITY` writes (docs/formats.md); \
        an import is an upsert by the entity's natural key. By default a single bad row rejects \
        the whole file and nothing is written; every bad row is reported with its line, column \
        and value. Ctrl-C cancels the import and writes nothing (exit 10).")]
    Import(EntityImportArgs),

    /// Export an entity as canonical CSV, TSV or JSON, or any public view.
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore export subscribers -o users.csv\n  \
        licstore --db contoso.licstore export assignments --format json\n  \
        licstore --db contoso.licstore export sku_usage --format tsv -o usage.tsv\n\n\
        An entity name (see `licstore import --help`) writes the entity's canonical columns, \
        which `licstore import` reads back unchanged. Any other name is a public view \
        (docs/sql.md: sku_usage, subscriber_licenses, jobs, license_summary, ...) written with \
        all its columns. --format is csv (the default), tsv, json (one array) or jsonl.")]
    Export(EntityExportArgs),

    /// Write a self-contained HTML audit report of the whole store.
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore report --html audit.html\n  \
        licstore --db contoso.licstore report --html audit.html --days 30 --jobs 50\n  \
        licstore --db contoso.licstore report --html - > audit.html\n\n\
        One HTML file with no external resources (open it anywhere, print it, mail it): SKU \
        usage per customer (assigned vs available, charts and tables by friendly name), \
        licenses and SKU terms expiring within --days, the volume-licensing summary with \
        shortfalls and unresolved quantities, MAK keys by remaining activations, drift against \
        reported counts, and the recent jobs with their failures. The file is replaced only \
        when the report is complete.")]
    Report(ReportArgs),

    /// Fill a new store with deterministic sample data and print its summaries.
    #[command(after_help = "Examples:\n  \
        licstore --db demo.licstore demo\n\n\
        The store is created when missing; an existing store must be empty.")]
    Demo(DemoArgs),

    /// Print a shell completion script.
    #[command(after_help = "Examples:\n  \
        licstore completions bash > ~/.local/share/bash-completion/completions/licstore\n  \
        licstore completions zsh > \"${fpath[1]}/_licstore\"\n  \
        licstore completions fish > ~/.config/fish/completions/licstore.fish")]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

/// `licstore customers ...`
#[derive(Debug, Subcommand)]
pub enum CustomersCommand {
    /// Add a customer.
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore customers add Contoso\n  \
        licstore --db contoso.licstore customers add \"Adatum, Inc.\" \\\n      \
            --tenant-domain adatum.onmicrosoft.com --usage-location PL")]
    Add(CustomerAddArgs),

    /// Change a customer's name, tenant domain or default usage location.
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore customers update Contoso --usage-location DE\n  \
        licstore --db contoso.licstore customers update Contoso --name \"Contoso Ltd\" --clear-tenant-domain")]
    Update(CustomerUpdateArgs),

    /// Show one customer.
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore customers show Contoso\n  \
        licstore --db contoso.licstore customers show contoso --format json")]
    Show {
        /// The customer's name (case does not matter).
        name: String,
    },

    /// List every customer.
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore customers list\n  \
        licstore --db contoso.licstore customers list --format csv > customers.csv")]
    List,

    /// Remove a customer (refused while anything refers to it).
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore customers remove Contoso")]
    Remove {
        /// The customer's name (case does not matter).
        name: String,
    },

    /// Import customers from canonical CSV (an upsert by name; all-or-nothing by default).
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore customers import customers.csv\n  \
        licstore --db contoso.licstore customers import customers.csv \\\n      \
            --skip-invalid --rejects rejected.csv\n  \
        cat customers.tsv | licstore --db contoso.licstore customers import - --tsv\n\n\
        Columns: name (required), tenant_domain, default_usage_location (see docs/formats.md). \
        By default a single bad row rejects the whole file and nothing is written; every bad \
        row is reported with its line, column and value.")]
    Import(ImportArgs),

    /// Export customers as canonical CSV, TSV or JSON Lines.
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore customers export -o customers.csv\n  \
        licstore --db contoso.licstore customers export --format jsonl\n\n\
        --format is csv (the default), tsv or jsonl. The output imports back unchanged.")]
    Export(ExportArgs),
}

/// `customers add`
#[derive(Debug, Args)]
pub struct CustomerAddArgs {
    /// The customer's name (unique, case-insensitive).
    pub name: String,
    /// The Microsoft 365 tenant domain, e.g. contoso.onmicrosoft.com.
    #[arg(long, value_name = "DOMAIN")]
    pub tenant_domain: Option<String>,
    /// Default usage location of its users: an ISO 3166-1 alpha-2 country code such as US.
    #[arg(long, value_name = "COUNTRY")]
    pub usage_location: Option<String>,
}

/// `customers update`
#[derive(Debug, Args)]
pub struct CustomerUpdateArgs {
    /// The customer's current name (case does not matter).
    pub name: String,
    /// A new name.
    #[arg(long = "name", value_name = "NEW_NAME")]
    pub new_name: Option<String>,
    /// A new tenant domain.
    #[arg(long, value_name = "DOMAIN")]
    pub tenant_domain: Option<String>,
    /// Remove the tenant domain.
    #[arg(long, conflicts_with = "tenant_domain")]
    pub clear_tenant_domain: bool,
    /// A new default usage location (ISO 3166-1 alpha-2).
    #[arg(long, value_name = "COUNTRY")]
    pub usage_location: Option<String>,
    /// Remove the default usage location.
    #[arg(long, conflicts_with = "usage_location")]
    pub clear_usage_location: bool,
}

/// `customers import`
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The file to read, or `-` for standard input.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Read tab-separated values (the default for files ending in .tsv).
    #[arg(long)]
    pub tsv: bool,
    /// Import the valid rows and report the rejected ones instead of rejecting the whole file.
    #[arg(long)]
    pub skip_invalid: bool,
    /// Write the rejected rows, with their line, column and reason, to this CSV file (fix it and
    /// import it again).
    #[arg(long, value_name = "FILE")]
    pub rejects: Option<PathBuf>,
}

/// `customers export`
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Write to this file instead of standard output (replaced only when the export succeeds).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// `sql`
#[derive(Debug, Args)]
pub struct SqlArgs {
    /// One SELECT statement over the public views.
    #[arg(value_name = "QUERY")]
    pub query: String,
    /// A value for the next positional parameter (`?`, `?1`); repeat for each. Canonical
    /// integers and decimals (42, -7, 3.5) are bound as numbers, everything else as text.
    #[arg(long = "param", value_name = "VALUE", conflicts_with = "named")]
    pub params: Vec<String>,
    /// A value for a named parameter (`:name`, `@name`, `$name`), as NAME=VALUE; repeat for each.
    #[arg(long = "named", value_name = "NAME=VALUE")]
    pub named: Vec<String>,
    /// Stop the query after this many seconds.
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<f64>,
}

/// `audit`
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Only changes of this kind of entity (customer, ...).
    #[arg(long, value_name = "ENTITY")]
    pub entity: Option<String>,
    /// Only changes of the entity with this key (a customer's name, ...).
    #[arg(long, value_name = "KEY")]
    pub key: Option<String>,
    /// Only changes made by this actor.
    #[arg(long = "by", value_name = "ACTOR")]
    pub by: Option<String>,
    /// Only this action (customer.add, customer.update, ...).
    #[arg(long, value_name = "ACTION")]
    pub action: Option<String>,
    /// Only changes at or after this date or instant (2026-01-31 or 2026-01-31T08:00:00Z).
    #[arg(long, value_name = "WHEN")]
    pub since: Option<String>,
    /// Only changes before this date or instant.
    #[arg(long, value_name = "WHEN")]
    pub until: Option<String>,
    /// Only the most recent N entries.
    #[arg(long, value_name = "N")]
    pub last: Option<u64>,
}

/// `import ENTITY FILE`
#[derive(Debug, Args)]
pub struct EntityImportArgs {
    /// What the file holds: customers, skus, subscribers, groups, group_members, assignments,
    /// numbers, licensing_ids, products, entitlements, keys, activations, benefits or
    /// reservations.
    #[arg(value_name = "ENTITY")]
    pub entity: String,
    #[command(flatten)]
    pub file: ImportArgs,
}

/// `export ENTITY|VIEW`
#[derive(Debug, Args)]
pub struct EntityExportArgs {
    /// An entity (its canonical columns) or a public view (all its columns).
    #[arg(value_name = "ENTITY|VIEW")]
    pub what: String,
    /// Write to this file instead of standard output (replaced only when the export succeeds).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// `report`
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Write the HTML report to this file (`-` for standard output).
    #[arg(long, value_name = "FILE", required = true)]
    pub html: PathBuf,
    /// Show licenses and SKU terms ending within this many days (and overdue ones).
    #[arg(long, value_name = "N", default_value_t = 90)]
    pub days: u32,
    /// Show this many of the most recent jobs.
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub jobs: u32,
}

/// `demo`
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// The seed of the sample data: the same seed gives the same store.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_grammar_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn every_command_has_examples() {
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            let has = cmd
                .get_after_help()
                .is_some_and(|h| h.to_string().contains("Examples:\n  licstore"));
            if !has {
                missing.push(path.to_string());
            }
            for sub in cmd.get_subcommands() {
                if sub.get_name() != "help" {
                    walk(sub, &format!("{path} {}", sub.get_name()), missing);
                }
            }
        }
        let mut missing = vec![];
        walk(&Cli::command(), "licstore", &mut missing);
        assert!(missing.is_empty(), "commands without examples: {missing:?}");
    }
}
