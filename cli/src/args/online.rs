//! The grammar of the online-services commands (docs/online.md): the catalog, subscribed SKUs,
//! users, groups, rules, bulk assign / remove / replace with preview, jobs, expiry, offboarding,
//! phone numbers, provisioning profiles, sync from the M365 export and Graph, and history.
//!
//! SKUs are named by part number (`ENTERPRISEPACK`) or GUID wherever a command takes one; every
//! output names them by their friendly name too. Instants are RFC 3339 with an offset or a bare
//! date (midnight UTC), checked by the core.

use std::path::PathBuf;

use clap::{Args, Subcommand};

/// `licstore catalog ...`
#[derive(Debug, Subcommand)]
pub enum CatalogCommand {
    /// Show one SKU of the catalog with its service plans.
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore catalog show ENTERPRISEPACK\n  \
        licstore --db contoso.licstore catalog show 6fd2c87f-b296-42f0-b197-1e91e994b900 --format json")]
    Show {
        /// Part number or GUID.
        sku: String,
    },

    /// Find catalog SKUs by friendly name (exact, case-insensitive; aliases included).
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore catalog search \"Office 365 E3\"\n  \
        licstore --db contoso.licstore catalog search \"Microsoft 365 E5\" --format csv")]
    Search {
        /// The friendly name, as the admin center shows it.
        name: String,
    },

    /// Replace the catalog with a newer copy of Microsoft's product-names CSV.
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore catalog import \"Product names and service plan identifiers for licensing.csv\"\n\n\
        The built-in catalog is loaded on first use; importing the file Microsoft publishes \
        refreshes it. SKUs already subscribed keep working and take the new friendly names.")]
    Import {
        /// The CSV file.
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
}

/// `licstore skus ...`
#[derive(Debug, Subcommand)]
pub enum SkusCommand {
    /// Add a subscribed SKU to a customer, or update its units, status and term.
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore skus set ENTERPRISEPACK --customer Contoso --enabled 250\n  \
        licstore --db contoso.licstore skus set SPE_E5 --customer Contoso --enabled 40 --warning 5 \\\n      \
            --term-end 2027-06-30 --reported-consumed 38\n\n\
        Units not given are 0; status (Enabled, Warning, Suspended, Deleted, LockedOut) and \
        applies-to (User, Company) default to Enabled and User.")]
    Set(SkuSetArgs),

    /// List SKU usage: units, assigned, available and drift, by friendly name.
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore skus list --customer Contoso\n  \
        licstore --db contoso.licstore skus list --format csv\n\n\
        Without --customer, every customer's SKUs. available = enabled + warning - assigned; \
        drift = reported consumed - assigned (empty when nothing was reported).")]
    List {
        /// Only this customer's SKUs.
        #[arg(long, value_name = "CUSTOMER")]
        customer: Option<String>,
    },

    /// Show one of a customer's SKUs.
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore skus show ENTERPRISEPACK --customer Contoso\n  \
        licstore --db contoso.licstore skus show ENTERPRISEPACK --customer Contoso --format json")]
    Show {
        /// Part number or GUID.
        sku: String,
        /// The customer.
        #[arg(long, value_name = "CUSTOMER")]
        customer: String,
    },
}

/// `skus set`
#[derive(Debug, Args)]
pub struct SkuSetArgs {
    /// Part number or GUID (resolved against the catalog).
    pub sku: String,
    /// The customer.
    #[arg(long, value_name = "CUSTOMER")]
    pub customer: String,
    /// Units that can be assigned (Graph prepaidUnits.enabled).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub enabled: i64,
    /// Units in their grace period (still assignable).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub warning: i64,
    /// Suspended units.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub suspended: i64,
    /// Locked-out units.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub locked_out: i64,
    /// Capability status: Enabled, Warning, Suspended, Deleted or LockedOut.
    #[arg(long, value_name = "STATUS")]
    pub status: Option<String>,
    /// User or Company.
    #[arg(long, value_name = "WHO")]
    pub applies_to: Option<String>,
    /// Renewal or expiry date (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub term_end: Option<String>,
    /// The consumed count another system reports (drift is measured against it).
    #[arg(long, value_name = "N")]
    pub reported_consumed: Option<i64>,
}

/// `licstore users ...`
#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Add a user (subscriber) to a customer.
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore users add ada@contoso.com --customer Contoso \\\n      \
            --display-name \"Ada Lovelace\" --department Engineering --usage-location GB\n  \
        licstore --db contoso.licstore users add new.hire@contoso.com --customer Contoso --status Staged")]
    Add(UserAddArgs),

    /// List a customer's users.
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore users list --customer Contoso\n  \
        licstore --db contoso.licstore users list --customer Contoso --format csv > users.csv")]
    List {
        /// The customer.
        #[arg(long, value_name = "CUSTOMER")]
        customer: String,
    },

    /// Show a user and the licenses it holds.
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore users show ada@contoso.com\n  \
        licstore --db contoso.licstore users show ADA@contoso.com --format json")]
    Show {
        /// The UPN (case does not matter).
        upn: String,
    },

    /// Import users from canonical CSV (the same as `licstore import subscribers FILE`).
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore users import users.csv\n  \
        licstore --db contoso.licstore users import users.csv --skip-invalid --rejects rejected.csv\n\n\
        Columns: those `licstore export subscribers` writes (customer, user_principal_name, \
        display_name, usage_location, department, object_id, status; docs/formats.md). An \
        upsert by UPN; all-or-nothing by default. For the admin center's export use \
        `licstore sync m365-users`.")]
    Import(crate::args::ImportArgs),

    /// Change a user's display name, department, usage location, object id or status.
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore users update ada@contoso.com --department Research\n  \
        licstore --db contoso.licstore users update ada@contoso.com --clear-usage-location --status Active\n\n\
        Use `licstore offboard UPN` to offboard a user: it also removes its licenses.")]
    Update(UserUpdateArgs),
}

/// `users add`
#[derive(Debug, Args)]
pub struct UserAddArgs {
    /// The user principal name (name@domain; unique in the store, case-insensitive).
    pub upn: String,
    /// The customer.
    #[arg(long, value_name = "CUSTOMER")]
    pub customer: String,
    /// Display name.
    #[arg(long, value_name = "NAME")]
    pub display_name: Option<String>,
    /// Usage location (ISO 3166-1 alpha-2); without it the customer's default applies.
    #[arg(long, value_name = "COUNTRY")]
    pub usage_location: Option<String>,
    /// Department.
    #[arg(long, value_name = "NAME")]
    pub department: Option<String>,
    /// Entra object id (GUID).
    #[arg(long, value_name = "GUID")]
    pub object_id: Option<String>,
    /// Staged or Active (the default).
    #[arg(long, value_name = "STATUS")]
    pub status: Option<String>,
}

/// `users update`
#[derive(Debug, Args)]
pub struct UserUpdateArgs {
    /// The UPN.
    pub upn: String,
    /// New display name.
    #[arg(long, value_name = "NAME")]
    pub display_name: Option<String>,
    /// Remove the display name.
    #[arg(long, conflicts_with = "display_name")]
    pub clear_display_name: bool,
    /// New usage location.
    #[arg(long, value_name = "COUNTRY")]
    pub usage_location: Option<String>,
    /// Remove the user's own usage location (the customer's default applies).
    #[arg(long, conflicts_with = "usage_location")]
    pub clear_usage_location: bool,
    /// New department.
    #[arg(long, value_name = "NAME")]
    pub department: Option<String>,
    /// Remove the department.
    #[arg(long, conflicts_with = "department")]
    pub clear_department: bool,
    /// New object id.
    #[arg(long, value_name = "GUID")]
    pub object_id: Option<String>,
    /// New status: Staged or Active.
    #[arg(long, value_name = "STATUS")]
    pub status: Option<String>,
}

/// `licstore groups ...`
#[derive(Debug, Subcommand)]
pub enum GroupsCommand {
    /// Add an empty group to a customer.
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore groups add Sales --customer Contoso")]
    Add {
        /// The group's name (unique per customer).
        name: String,
        /// The customer.
        #[arg(long, value_name = "CUSTOMER")]
        customer: String,
    },

    /// List a group's members.
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore groups members Sales --customer Contoso\n  \
        licstore --db contoso.licstore groups members Sales --customer Contoso --format csv")]
    Members {
        /// The group.
        name: String,
        /// The customer.
        #[arg(long, value_name = "CUSTOMER")]
        customer: String,
    },

    /// Add users to a group (all of them, or none when one is unknown).
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore groups add-members Sales ada@contoso.com alan@contoso.com --customer Contoso")]
    AddMembers {
        /// The group.
        name: String,
        /// The users' UPNs.
        #[arg(required = true, value_name = "UPN")]
        upns: Vec<String>,
        /// The customer.
        #[arg(long, value_name = "CUSTOMER")]
        customer: String,
    },
}

/// `licstore rules ...`
#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Add a rule between SKUs (for every customer).
    #[command(
        subcommand,
        after_help = "Examples:\n  \
            licstore --db contoso.licstore rules add requires MCOEV --any-of ENTERPRISEPACK SPE_E5\n  \
            licstore --db contoso.licstore rules add excludes ENTERPRISEPACK SPE_E5\n  \
            licstore --db contoso.licstore rules add blocked-in MCOEV --countries CN RU"
    )]
    Add(RuleAdd),

    /// List the rules that were added, with friendly names.
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore rules list\n  \
        licstore --db contoso.licstore rules list --format json")]
    List,
}

/// `rules add ...`
#[derive(Debug, Subcommand)]
pub enum RuleAdd {
    /// An add-on needs one of these base SKUs held by the same user.
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore rules add requires MCOEV --any-of ENTERPRISEPACK SPE_E5")]
    Requires {
        /// The add-on.
        sku: String,
        /// The base SKUs, any one of which suffices.
        #[arg(long, required = true, num_args = 1.., value_name = "SKU")]
        any_of: Vec<String>,
    },
    /// Two SKUs that one user cannot hold together.
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore rules add excludes ENTERPRISEPACK SPE_E5")]
    Excludes {
        /// One SKU.
        sku: String,
        /// The other.
        other: String,
    },
    /// A SKU that cannot be assigned to users in these usage locations.
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore rules add blocked-in MCOEV --countries CN RU")]
    BlockedIn {
        /// The SKU.
        sku: String,
        /// ISO 3166-1 alpha-2 codes.
        #[arg(long, required = true, num_args = 1.., value_name = "COUNTRY")]
        countries: Vec<String>,
    },
}

/// Who a bulk command targets: users, groups or a filter (exactly one kind), of one customer.
#[derive(Debug, Args)]
pub struct TargetArgs {
    /// The customer (inferred from the first --user when omitted).
    #[arg(long, value_name = "CUSTOMER")]
    pub customer: Option<String>,
    /// These users (repeat, or give several after one --user).
    #[arg(long = "user", value_name = "UPN", num_args = 1.., conflicts_with_all = ["groups", "filter"])]
    pub users: Vec<String>,
    /// The members of these groups.
    #[arg(long = "group", value_name = "NAME", num_args = 1.., conflicts_with = "filter")]
    pub groups: Vec<String>,
    /// The customer's users matching FIELD=VALUE: department, usage-location, status (Staged,
    /// Active, Offboarded) or domain; repeat to require several.
    #[arg(long, value_name = "FIELD=VALUE")]
    pub filter: Vec<String>,
}

/// What every bulk command shares: preview, best effort, confirmation.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Show what would happen (per SKU: held by all/some/none, seats needed and available; the
    /// users that would fail) and write nothing.
    #[arg(long)]
    pub preview: bool,
    /// Apply to the users that pass and record the others, instead of refusing the whole run.
    #[arg(long)]
    pub best_effort: bool,
    /// Do not ask for confirmation on a terminal.
    #[arg(long, short = 'y')]
    pub yes: bool,
}

/// Options of new assignments.
#[derive(Debug, Args)]
pub struct AssignOptionArgs {
    /// When the licenses end (a date, or an instant with an offset): temporary licenses.
    #[arg(long, value_name = "WHEN")]
    pub expires: Option<String>,
    /// Set this usage location on users that have none of their own.
    #[arg(long, value_name = "COUNTRY")]
    pub usage_location: Option<String>,
    /// A service plan (GUID) to switch off; repeat for several.
    #[arg(long = "disable-plan", value_name = "GUID")]
    pub disabled_plans: Vec<String>,
    /// Give users who get a voice-capable SKU and have no number the next available one.
    #[arg(long)]
    pub take_number: bool,
}

/// `assign`
#[derive(Debug, Args)]
pub struct AssignArgs {
    /// The SKUs to assign (part numbers or GUIDs).
    #[arg(long = "sku", required = true, num_args = 1.., value_name = "SKU")]
    pub skus: Vec<String>,
    #[command(flatten)]
    pub targets: TargetArgs,
    #[command(flatten)]
    pub options: AssignOptionArgs,
    #[command(flatten)]
    pub run: RunArgs,
}

/// `remove`
#[derive(Debug, Args)]
pub struct RemoveArgs {
    /// The SKUs to take away.
    #[arg(long = "sku", required = true, num_args = 1.., value_name = "SKU")]
    pub skus: Vec<String>,
    #[command(flatten)]
    pub targets: TargetArgs,
    #[command(flatten)]
    pub run: RunArgs,
}

/// `replace`
#[derive(Debug, Args)]
pub struct ReplaceArgs {
    /// The SKUs that go.
    #[arg(long = "from", num_args = 1.., value_name = "SKU", required_unless_present = "from_all")]
    pub from: Vec<String>,
    /// Every SKU the users hold goes.
    #[arg(long, conflicts_with = "from")]
    pub from_all: bool,
    /// The SKUs that come.
    #[arg(long = "to", required = true, num_args = 1.., value_name = "SKU")]
    pub to: Vec<String>,
    #[command(flatten)]
    pub targets: TargetArgs,
    #[command(flatten)]
    pub options: AssignOptionArgs,
    #[command(flatten)]
    pub run: RunArgs,
}

/// `licstore jobs ...`
#[derive(Debug, Subcommand)]
pub enum JobsCommand {
    /// List jobs, newest first.
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore jobs list\n  \
        licstore --db contoso.licstore jobs list --customer Contoso --last 5 --format json")]
    List {
        /// Only this customer's jobs.
        #[arg(long, value_name = "CUSTOMER")]
        customer: Option<String>,
        /// Only the most recent N.
        #[arg(long, value_name = "N")]
        last: Option<u64>,
    },

    /// Show one job with its counts.
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore jobs show 12")]
    Show {
        /// The job's id.
        id: i64,
    },

    /// List a job's per-user results.
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore jobs items 12\n  \
        licstore --db contoso.licstore jobs items 12 --errors")]
    Items {
        /// The job's id.
        id: i64,
        /// Only the failed users.
        #[arg(long)]
        errors: bool,
    },

    /// Export a job's per-user results as CSV (or TSV / JSON Lines with --format).
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore jobs export 12 -o job-12.csv\n  \
        licstore --db contoso.licstore jobs export 12 --format jsonl")]
    Export {
        /// The job's id.
        id: i64,
        /// Write to this file instead of standard output.
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: Option<PathBuf>,
    },

    /// Run a Failed or FinishedWithException job again for its failed users only.
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore jobs rerun 12")]
    Rerun {
        /// The job's id.
        id: i64,
    },
}

/// `licstore numbers ...`
#[derive(Debug, Subcommand)]
pub enum NumbersCommand {
    /// Add phone numbers (E.164) to a customer's inventory as Available.
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore numbers add +14255550100 +14255550101 --customer Contoso")]
    Add {
        /// The numbers.
        #[arg(required = true, value_name = "NUMBER")]
        numbers: Vec<String>,
        /// The customer.
        #[arg(long, value_name = "CUSTOMER")]
        customer: String,
    },

    /// List the number inventory.
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore numbers list --customer Contoso\n  \
        licstore --db contoso.licstore numbers list --format csv")]
    List {
        /// Only this customer's numbers.
        #[arg(long, value_name = "CUSTOMER")]
        customer: Option<String>,
    },

    /// Give a user a number: the one named, or the customer's next available one.
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore numbers assign ada@contoso.com\n  \
        licstore --db contoso.licstore numbers assign ada@contoso.com +14255550101")]
    Assign {
        /// The user.
        upn: String,
        /// The number (Available or Reserved); the next available one when omitted.
        number: Option<String>,
    },

    /// Set a number's status: Available (releases it from its user) or Reserved.
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore numbers set-status +14255550101 Reserved")]
    SetStatus {
        /// The number.
        number: String,
        /// Available or Reserved.
        status: String,
    },
}

/// `licstore profiles ...`
#[derive(Debug, Subcommand)]
pub enum ProfilesCommand {
    /// Add or replace a provisioning profile: the Staged users matching it get these SKUs.
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore profiles set sales --customer Contoso --department Sales \\\n      \
            --sku ENTERPRISEPACK POWER_BI_PRO")]
    Set {
        /// The profile's name.
        name: String,
        /// The customer.
        #[arg(long, value_name = "CUSTOMER")]
        customer: String,
        /// The SKUs.
        #[arg(long = "sku", required = true, num_args = 1.., value_name = "SKU")]
        skus: Vec<String>,
        /// Only users of this department.
        #[arg(long, value_name = "NAME")]
        department: Option<String>,
        /// Only users with this usage location.
        #[arg(long, value_name = "COUNTRY")]
        usage_location: Option<String>,
        /// Only users of this UPN domain.
        #[arg(long, value_name = "DOMAIN")]
        domain: Option<String>,
    },

    /// List a customer's profiles.
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore profiles list --customer Contoso")]
    List {
        /// The customer.
        #[arg(long, value_name = "CUSTOMER")]
        customer: String,
    },

    /// Provision the customer's Staged users from the profiles (one best-effort job each).
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore profiles apply --customer Contoso\n\n\
        Users that matched a profile and failed in none become Active.")]
    Apply {
        /// The customer.
        #[arg(long, value_name = "CUSTOMER")]
        customer: String,
    },
}

/// `licstore sync ...`
#[derive(Debug, Subcommand)]
pub enum SyncCommand {
    /// Sync users and licenses from a Microsoft 365 admin center "Export users" CSV.
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore sync m365-users users.csv --customer Contoso\n  \
        licstore --db contoso.licstore sync m365-users users.csv --customer Contoso --apply\n\n\
        Without --apply: the difference (new, changed, gone users, and rejected rows with their \
        line), nothing written. With --apply: new users are added as Staged, changed ones \
        updated and every listed user's licenses set to the file's, as one job. Gone users are \
        reported, never offboarded.")]
    M365Users(SyncArgs),

    /// Sync SKU units and reported consumption from Graph `GET /subscribedSkus` JSON.
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore sync graph-skus subscribedSkus.json --customer Contoso\n  \
        licstore --db contoso.licstore sync graph-skus subscribedSkus.json --customer Contoso --apply\n\n\
        Without --apply: the difference (new, changed, gone SKUs); with --apply: one job.")]
    GraphSkus(SyncArgs),
}

/// `sync m365-users|graph-skus`
#[derive(Debug, Args)]
pub struct SyncArgs {
    /// The file, or `-` for standard input.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// The customer.
    #[arg(long, value_name = "CUSTOMER")]
    pub customer: String,
    /// Apply the difference (as one job) instead of only showing it.
    #[arg(long)]
    pub apply: bool,
    /// Also list the unchanged entries in the difference.
    #[arg(long)]
    pub all: bool,
}
