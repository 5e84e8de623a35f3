//! The grammar of the volume-licensing commands (docs/volume.md): licensing IDs, products,
//! entitlements, the license summary, product keys, SA benefits and reservations.
//!
//! Enumerations (program, pool, kind, key type, status) are plain text parsed by the core's
//! `FromStr` (case, spaces, `-` and `_` do not matter), so a bad value is an invalid-argument
//! error (exit 3) naming the accepted values. Dates are `YYYY-MM-DD`, checked the same way.

use std::path::PathBuf;

use clap::{Args, Subcommand};

/// `licstore licensing-ids ...`
#[derive(Debug, Subcommand)]
pub enum LicensingIdsCommand {
    /// Add a licensing ID (an agreement, enrollment or license number) for a customer.
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore licensing-ids add 54839201 --customer Contoso \\\n      \
            --program Enterprise --start 2024-07-01 --end 2027-06-30\n  \
        licstore --db contoso.licstore licensing-ids add V8812345 --customer Contoso \\\n      \
            --program OpenValue --parent-program \"Open Value\" --partner \"SoftwareOne\"\n\n\
        Programs: Enterprise, EnterpriseSubscription, Select, SelectPlus, Open, OpenValue, \
        OpenValueSubscription, Academic, Other.")]
    Add(LicensingIdAddArgs),

    /// List licensing IDs (of one customer, when given).
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore licensing-ids list\n  \
        licstore --db contoso.licstore licensing-ids list --customer Contoso --format csv")]
    List {
        /// Only this customer's licensing IDs.
        #[arg(long, value_name = "CUSTOMER")]
        customer: Option<String>,
    },

    /// Show one licensing ID.
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore licensing-ids show 54839201\n  \
        licstore --db contoso.licstore licensing-ids show 54839201 --format json")]
    Show {
        /// The licensing ID's number (case does not matter).
        number: String,
    },
}

/// `licensing-ids add`
#[derive(Debug, Args)]
pub struct LicensingIdAddArgs {
    /// The number (unique, case-insensitive).
    pub number: String,
    /// The customer it belongs to.
    #[arg(long, value_name = "CUSTOMER")]
    pub customer: String,
    /// The program: Enterprise, EnterpriseSubscription, Select, SelectPlus, Open, OpenValue,
    /// OpenValueSubscription, Academic or Other.
    #[arg(long, value_name = "PROGRAM")]
    pub program: String,
    /// The parent program as VLSC names it ("Enterprise Agreement", ...).
    #[arg(long, value_name = "TEXT")]
    pub parent_program: Option<String>,
    /// The Microsoft Business and Services Agreement number.
    #[arg(long, value_name = "NUMBER")]
    pub mbsa: Option<String>,
    /// The reseller.
    #[arg(long, value_name = "NAME")]
    pub partner: Option<String>,
    /// First day (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub start: Option<String>,
    /// Last day (YYYY-MM-DD; not before --start).
    #[arg(long, value_name = "DATE")]
    pub end: Option<String>,
}

/// `licstore products ...`
#[derive(Debug, Subcommand)]
pub enum ProductsCommand {
    /// Add a product: a family and version in a pool.
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore products add \"Office Professional Plus\" 2021 --pool Applications\n  \
        licstore --db contoso.licstore products add \"Windows Server Standard\" 2022 --pool Servers\n\n\
        Pools: Applications, Systems, Servers. Product keys whose product name is \
        \"FAMILY VERSION\" are linked to the product.")]
    Add {
        /// The product family, e.g. "Office Professional Plus".
        family: String,
        /// The version, e.g. 2021.
        #[arg(value_name = "VERSION")]
        product_version: String,
        /// The pool: Applications, Systems or Servers.
        #[arg(long, value_name = "POOL")]
        pool: String,
    },

    /// List every product, by family and version.
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore products list\n  \
        licstore --db contoso.licstore products list --format json")]
    List,
}

/// `licstore entitlements ...`
#[derive(Debug, Subcommand)]
pub enum EntitlementsCommand {
    /// Add an entitlement: one order line of a licensing ID.
    // `--version` is the product's version here, not licstore's.
    #[command(
        disable_version_flag = true,
        after_help = "Examples:\n  \
        licstore --db contoso.licstore entitlements add --licensing-id 54839201 \\\n      \
            --family \"Office Professional Plus\" --version 2019 --kind license_and_sa \\\n      \
            --quantity 250 --order-date 2024-07-15\n  \
        licstore --db contoso.licstore entitlements add --licensing-id 54839201 \\\n      \
            --family \"Office Professional Plus\" --version 2021 --kind upgrade \\\n      \
            --quantity 100 --order-date 2025-01-10\n  \
        licstore --db contoso.licstore entitlements add --licensing-id 54839201 \\\n      \
            --family \"Visio Professional\" --version 2021 --kind step_up \\\n      \
            --from-family \"Visio Standard\" --quantity 10 --order-date 2025-02-01 --sa-end 2027-06-30\n  \
        licstore --db contoso.licstore entitlements add --licensing-id 54839201 \\\n      \
            --family \"Visio Standard\" --version 2021 --kind grant --granted-by 3 \\\n      \
            --quantity 5 --order-date 2025-02-01\n\n\
        Kinds: full, license_and_sa, grant (shown with *), upgrade, sa, step_up. \
        --from-family only with step_up; --sa-end only with license_and_sa, sa and step_up \
        (default: the licensing ID's end date); --granted-by only with grant: the id of a \
        non-grant line of the same licensing ID."
    )]
    Add(EntitlementAddArgs),

    /// List entitlements (of one licensing ID, when given), by id.
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore entitlements list\n  \
        licstore --db contoso.licstore entitlements list --licensing-id 54839201 --format csv")]
    List {
        /// Only this licensing ID's lines.
        #[arg(long, value_name = "NUMBER")]
        licensing_id: Option<String>,
    },
}

/// `entitlements add`
#[derive(Debug, Args)]
pub struct EntitlementAddArgs {
    /// The licensing ID the line was ordered under.
    #[arg(long, value_name = "NUMBER")]
    pub licensing_id: String,
    /// The product family (an existing product with --version).
    #[arg(long, value_name = "FAMILY")]
    pub family: String,
    /// The product version.
    #[arg(long = "version", value_name = "VERSION")]
    pub product_version: String,
    /// full, license_and_sa, grant, upgrade, sa or step_up.
    #[arg(long, value_name = "KIND")]
    pub kind: String,
    /// How many licenses (> 0).
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub quantity: i64,
    /// The order date (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub order_date: String,
    /// End of Software Assurance coverage as ordered (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub sa_end: Option<String>,
    /// For step_up: the family stepped up from.
    #[arg(long, value_name = "FAMILY")]
    pub from_family: Option<String>,
    /// For grant: the id of the line that earned it.
    #[arg(long, value_name = "ID")]
    pub granted_by: Option<i64>,
}

/// `licstore summary`
#[derive(Debug, Args)]
pub struct SummaryArgs {
    /// Only this customer (default: every customer with licensing IDs).
    #[arg(long, value_name = "CUSTOMER")]
    pub customer: Option<String>,
    /// The date to compute the summary for (YYYY-MM-DD; default: today).
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// Only these licensing IDs (repeat for several).
    #[arg(long = "licensing-id", value_name = "NUMBER")]
    pub licensing_ids: Vec<String>,
}

/// A product key named on the command line.
pub const KEY_ARG_HELP: &str = "The key's id (see `keys list`) or the key itself";

/// `licstore keys ...`
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Add a product key (printed masked).
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore keys add --licensing-id 54839201 \\\n      \
            --product \"Office Professional Plus 2021\" --type MAK --limit 500 -\n  \
        licstore --db contoso.licstore keys add --licensing-id 54839201 \\\n      \
            --product \"Windows Server 2022\" --type KMS W269N-WFGWX-YVC9B-4J6C9-T83GX\n\n\
        Give the key as `-` to read it from standard input (it then stays out of your shell \
        history). Types: MAK (needs --limit), KMS, VLK, Setup, OSA, Retail.")]
    Add(KeyAddArgs),

    /// List product keys (of one licensing ID, when given), masked.
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore keys list\n  \
        licstore --db contoso.licstore keys list --licensing-id 54839201 --format csv")]
    List {
        /// Only this licensing ID's keys.
        #[arg(long, value_name = "NUMBER")]
        licensing_id: Option<String>,
    },

    /// Show one product key, masked.
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore keys show 3\n  \
        licstore --db contoso.licstore keys show W269N-WFGWX-YVC9B-4J6C9-T83GX --format json")]
    Show {
        #[arg(value_name = "KEY", help = KEY_ARG_HELP)]
        key: String,
    },

    /// Print a full product key; the reveal is recorded in the audit log.
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore keys reveal 3 --reason \"reinstall of PC-0142\"\n\n\
        Every reveal writes a `product_key.reveal` row to the audit log with the actor and the \
        reason; `licstore audit --action product_key.reveal` lists them.")]
    Reveal {
        #[arg(value_name = "KEY", help = KEY_ARG_HELP)]
        key: String,
        /// Why the key is needed (recorded in the audit log).
        #[arg(long, value_name = "TEXT", default_value = "")]
        reason: String,
    },

    /// Record one activation of a key by a machine.
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore keys activate 3 PC-0142\n\n\
        Refused with exit 20 past a MAK's limit or on a used OSA key \
        (ActivationLimitReached) and past the KMS host rules (KmsHostLimitReached).")]
    Activate {
        #[arg(value_name = "KEY", help = KEY_ARG_HELP)]
        key: String,
        /// The machine (for a KMS key: the host).
        machine: String,
    },

    /// Record a proxy activation of many machines at once: all of them or none.
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore keys proxy-activate 3 PC-0142 PC-0143 PC-0144\n  \
        licstore --db contoso.licstore keys proxy-activate 3 --machines-file lab-machines.txt\n\n\
        The machines file has one machine per line (`-` reads standard input); blank lines are \
        skipped.")]
    ProxyActivate {
        #[arg(value_name = "KEY", help = KEY_ARG_HELP)]
        key: String,
        /// The machines.
        #[arg(value_name = "MACHINE", required_unless_present = "machines_file")]
        machines: Vec<String>,
        /// Read the machines from this file, one per line (`-` for standard input).
        #[arg(long, value_name = "FILE")]
        machines_file: Option<PathBuf>,
    },

    /// List the activations recorded for a key.
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore keys activations 3\n  \
        licstore --db contoso.licstore keys activations 3 --format csv")]
    Activations {
        #[arg(value_name = "KEY", help = KEY_ARG_HELP)]
        key: String,
    },

    /// Import a VLSC product-key download (all-or-nothing by default).
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore keys import-vlsc Keys.csv\n  \
        licstore --db contoso.licstore keys import-vlsc Keys.csv --skip-invalid --rejects rejected.csv\n\n\
        Columns: Licensing ID, Parent Program, Organization, Product, Product Key, Type, \
        MAK Activations-Used/Available (see docs/volume.md). Missing customers and licensing IDs \
        are created. Errors name the file, line, column and value (keys masked).")]
    ImportVlsc(VlscImportArgs),

    /// Export keys in the VLSC download format, masked unless --reveal.
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore keys export-vlsc -o keys.tsv\n  \
        licstore --db contoso.licstore keys export-vlsc --licensing-id 54839201 --format csv\n  \
        licstore --db contoso.licstore keys export-vlsc --reveal -o keys-full.tsv\n\n\
        --format is tsv (VLSC's own, the default) or csv. With --reveal every key written is \
        recorded in the audit log as a reveal; a revealed export imports back unchanged.")]
    ExportVlsc(VlscExportArgs),

    /// Request, decide and list limit increases of MAK and KMS keys.
    #[command(
        subcommand,
        after_help = "Examples:\n  \
            licstore --db contoso.licstore keys limit-request add 3 --activations 100 \\\n      \
                --justification \"Lab rebuild\"\n  \
            licstore --db contoso.licstore keys limit-request decide 1 --grant\n  \
            licstore --db contoso.licstore keys limit-request list"
    )]
    LimitRequest(LimitRequestCommand),
}

/// `keys add`
#[derive(Debug, Args)]
pub struct KeyAddArgs {
    /// The key (five groups of five characters), or `-` to read it from standard input.
    #[arg(value_name = "KEY")]
    pub key: String,
    /// The licensing ID it was issued under.
    #[arg(long, value_name = "NUMBER")]
    pub licensing_id: String,
    /// The product name as VLSC shows it ("Office Professional Plus 2021").
    #[arg(long, value_name = "NAME")]
    pub product: String,
    /// MAK, KMS, VLK, Setup, OSA or Retail.
    #[arg(long = "type", value_name = "TYPE")]
    pub key_type: String,
    /// MAK: how many activations the key allows.
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub limit: Option<i64>,
    /// MAK: activations used before the store recorded any.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 0,
        allow_negative_numbers = true
    )]
    pub baseline: i64,
}

/// `keys import-vlsc`
#[derive(Debug, Args)]
pub struct VlscImportArgs {
    /// The file to read, or `-` for standard input.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Import the valid rows and report the rejected ones instead of rejecting the whole file.
    #[arg(long)]
    pub skip_invalid: bool,
    /// Write the rejected rows (keys masked), with their line, column and reason, to this CSV
    /// file.
    #[arg(long, value_name = "FILE")]
    pub rejects: Option<PathBuf>,
}

/// `keys export-vlsc`
#[derive(Debug, Args)]
pub struct VlscExportArgs {
    /// Write to this file instead of standard output (replaced only when the export succeeds).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Only this licensing ID's keys.
    #[arg(long, value_name = "NUMBER")]
    pub licensing_id: Option<String>,
    /// Write full keys (each one recorded in the audit log).
    #[arg(long)]
    pub reveal: bool,
}

/// `keys limit-request ...`
#[derive(Debug, Subcommand)]
pub enum LimitRequestCommand {
    /// Request more activations for a MAK (or more hosts for a KMS key).
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore keys limit-request add 3 --activations 100 \\\n      \
            --justification \"Lab rebuild of 100 machines\"")]
    Add {
        #[arg(value_name = "KEY", help = KEY_ARG_HELP)]
        key: String,
        /// How many more activations (MAK) or hosts (KMS).
        #[arg(long, value_name = "N", allow_negative_numbers = true)]
        activations: i64,
        /// The business justification VLSC support asks for.
        #[arg(long, value_name = "TEXT")]
        justification: String,
    },

    /// Grant (raising the key's limit) or deny a pending request.
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore keys limit-request decide 1 --grant\n  \
        licstore --db contoso.licstore keys limit-request decide 2 --deny")]
    Decide {
        /// The request's id.
        request: i64,
        /// Grant it.
        #[arg(long, conflicts_with = "deny", required_unless_present = "deny")]
        grant: bool,
        /// Deny it.
        #[arg(long)]
        deny: bool,
    },

    /// List limit-increase requests (of one key, when given).
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore keys limit-request list\n  \
        licstore --db contoso.licstore keys limit-request list --key 3 --format json")]
    List {
        /// Only this key's requests (its id or the key itself).
        #[arg(long, value_name = "KEY")]
        key: Option<String>,
    },
}

/// `licstore benefits ...`
#[derive(Debug, Subcommand)]
pub enum BenefitsCommand {
    /// Add a Software Assurance benefit to a licensing ID.
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore benefits add --licensing-id 54839201 \\\n      \
            --benefit \"Training Vouchers\" --eligible 15\n  \
        licstore --db contoso.licstore benefits add --licensing-id 54839201 \\\n      \
            --benefit \"Planning Services\" --eligible 5 --status Activated")]
    Add {
        /// The licensing ID.
        #[arg(long, value_name = "NUMBER")]
        licensing_id: String,
        /// The benefit ("Training Vouchers", "Planning Services", ...).
        #[arg(long, value_name = "NAME")]
        benefit: String,
        /// Units the licensing ID is eligible for.
        #[arg(long, value_name = "N", allow_negative_numbers = true)]
        eligible: i64,
        /// RequiresActivation (the default), Activated, HoldAwaitingReactivation or Expired.
        #[arg(long, value_name = "STATUS", default_value = "RequiresActivation")]
        status: String,
    },

    /// List SA benefits (of one licensing ID, when given).
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore benefits list\n  \
        licstore --db contoso.licstore benefits list --licensing-id 54839201 --format csv")]
    List {
        /// Only this licensing ID's benefits.
        #[arg(long, value_name = "NUMBER")]
        licensing_id: Option<String>,
    },

    /// Move a benefit to another status.
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore benefits set-status 1 Activated\n  \
        licstore --db contoso.licstore benefits set-status 1 HoldAwaitingReactivation\n\n\
        Allowed: RequiresActivation -> Activated | Expired; Activated -> \
        HoldAwaitingReactivation | Expired; HoldAwaitingReactivation -> Activated | Expired; \
        Expired -> nothing.")]
    SetStatus {
        /// The benefit's id.
        id: i64,
        /// The new status.
        status: String,
    },

    /// Use some units of an Activated benefit.
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore benefits use 1 3\n\n\
        Using more than remains is refused (BenefitExhausted, exit 20).")]
    Use {
        /// The benefit's id.
        id: i64,
        /// How many units (> 0).
        #[arg(allow_negative_numbers = true)]
        quantity: i64,
    },
}

/// `licstore reservations ...`
#[derive(Debug, Subcommand)]
pub enum ReservationsCommand {
    /// Submit an online-service reservation under an Enterprise licensing ID.
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore reservations submit --licensing-id 54839201 \\\n      \
            --service \"Microsoft 365 E3\" --sku AAA-22341 --quantity 50 --usage-date 2026-07-01\n\n\
        Cancellable for 72 hours, then committed. Refusals (ReservationNotAllowed, exit 20): \
        a licensing ID that is not Enterprise or EnterpriseSubscription, an enrollment that has \
        not started, has ended or ends within a month, a usage date in the past, more than 6 \
        months ahead or after the enrollment ends.")]
    Submit {
        /// The Enterprise licensing ID.
        #[arg(long, value_name = "NUMBER")]
        licensing_id: String,
        /// The online service.
        #[arg(long, value_name = "NAME")]
        service: String,
        /// The SKU (part number or GUID).
        #[arg(long, value_name = "SKU")]
        sku: String,
        /// How many (> 0).
        #[arg(long, value_name = "N", allow_negative_numbers = true)]
        quantity: i64,
        /// The date from which it is used (YYYY-MM-DD).
        #[arg(long, value_name = "DATE")]
        usage_date: String,
    },

    /// Cancel a reservation within 72 hours of its submission.
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore reservations cancel 4")]
    Cancel {
        /// The reservation's id.
        id: i64,
    },

    /// The reservation history, newest first, by service, licensing ID or reservation.
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore reservations list\n  \
        licstore --db contoso.licstore reservations list --service \"Microsoft 365 E3\"\n  \
        licstore --db contoso.licstore reservations list --licensing-id 54839201 --format csv\n  \
        licstore --db contoso.licstore reservations list --reservation 4")]
    List {
        /// Only this online service's reservations.
        #[arg(long, value_name = "NAME", group = "history")]
        service: Option<String>,
        /// Only this licensing ID's reservations.
        #[arg(long, value_name = "NUMBER", group = "history")]
        licensing_id: Option<String>,
        /// Only this reservation.
        #[arg(long, value_name = "ID", group = "history")]
        reservation: Option<i64>,
    },
}
