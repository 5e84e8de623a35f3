//! The grammar of the access commands (docs/access.md): principals, their roles per licensing ID,
//! agreement contacts and permission requests. Roles and role groups are plain text parsed by the
//! core (`LicensingInfoViewer`, `licensing info viewer` and `licensing-info-viewer` are one role).

use clap::{Args, Subcommand};

/// `licstore principals ...`
#[derive(Debug, Subcommand)]
pub enum PrincipalsCommand {
    /// Add a principal (a person who may hold roles), with no role yet.
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore principals add ann@contoso.com --first-name Ann --last-name Lee\n\n\
        The e-mail must be a business address (not gmail.com, outlook.com, ...).")]
    Add {
        /// The business e-mail (unique, case-insensitive).
        email: String,
        /// First name.
        #[arg(long, value_name = "NAME")]
        first_name: String,
        /// Last name.
        #[arg(long, value_name = "NAME")]
        last_name: String,
    },

    /// List principals, active (holding a role) or not.
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore principals list\n  \
        licstore --db contoso.licstore principals list --format csv")]
    List,

    /// Show one principal and the roles it holds.
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore principals show ann@contoso.com")]
    Show {
        /// The principal's e-mail.
        email: String,
    },
}

/// `licstore roles ...`
#[derive(Debug, Subcommand)]
pub enum RolesCommand {
    /// List the roles held (of one principal and/or on one licensing ID).
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore roles list --licensing-id 54839201\n  \
        licstore --db contoso.licstore roles list --email ann@contoso.com --format json")]
    List {
        /// Only this principal's roles.
        #[arg(long, value_name = "EMAIL")]
        email: Option<String>,
        /// Only roles on this licensing ID.
        #[arg(long, value_name = "NUMBER")]
        licensing_id: Option<String>,
    },

    /// Grant roles (or a role group) on a licensing ID.
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore roles grant ann@contoso.com 54839201 Administrator\n  \
        licstore --db contoso.licstore roles grant bob@contoso.com 54839201 ProductKeys LicensingInfoViewer\n  \
        licstore --db contoso.licstore roles grant eve@contoso.com 54839201 --group OnlineServicesManager\n  \
        licstore --db contoso.licstore roles grant eve@contoso.com 54839201 ManageReservation\n\n\
        Roles: Administrator, LicensingInfoViewer, Download, ProductKeys, SoftwareAssuranceManager, \
        OnlineServicesManager, SubscriptionsManager, and the ManageReservation permission (only for \
        an OnlineServicesManager). Groups: SoftwareAssuranceManager, OnlineServicesManager, \
        SubscriptionsManager (each: its role plus LicensingInfoViewer).")]
    Grant(GrantArgs),

    /// Revoke roles on a licensing ID.
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore roles revoke bob@contoso.com 54839201 ProductKeys\n\n\
        The last Administrator of a licensing ID cannot be removed, nor roles on an ended one.")]
    Revoke {
        /// The principal's e-mail.
        email: String,
        /// The licensing ID's number.
        licensing_id: String,
        /// The roles to revoke.
        #[arg(required = true, value_name = "ROLE")]
        roles: Vec<String>,
    },

    /// Remove a licensing ID from a principal's permission set (every role on it).
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore roles remove bob@contoso.com 54839201\n  \
        licstore --db contoso.licstore --as bob@contoso.com roles remove bob@contoso.com 54839201")]
    Remove {
        /// The principal's e-mail.
        email: String,
        /// The licensing ID's number.
        licensing_id: String,
    },

    /// Set a licensing ID's primary contact or notices correspondent (an Administrator).
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore roles contact 54839201 PrimaryContact ann@contoso.com \\\n      \
            --first-name Ann --last-name Lee")]
    Contact {
        /// The licensing ID's number.
        licensing_id: String,
        /// PrimaryContact or NoticesCorrespondent.
        kind: String,
        /// The contact's business e-mail (added as a principal when new).
        email: String,
        /// First name (used when the principal is new).
        #[arg(long, value_name = "NAME")]
        first_name: String,
        /// Last name (used when the principal is new).
        #[arg(long, value_name = "NAME")]
        last_name: String,
    },

    /// List the licensing IDs that have a single Administrator.
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore roles warnings")]
    Warnings,
}

/// `roles grant`
#[derive(Debug, Args)]
pub struct GrantArgs {
    /// The principal's e-mail.
    pub email: String,
    /// The licensing ID's number.
    pub licensing_id: String,
    /// The roles to grant.
    #[arg(value_name = "ROLE")]
    pub roles: Vec<String>,
    /// A role group to grant (its roles are added to ROLE...).
    #[arg(long, value_name = "GROUP")]
    pub group: Option<String>,
}

/// `licstore requests ...`
#[derive(Debug, Subcommand)]
pub enum RequestsCommand {
    /// Ask for roles on a licensing ID (with --as, for yourself).
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore --as bob@contoso.com requests add bob@contoso.com 54839201 \\\n      \
            ProductKeys --comment \"keys for the rollout\"")]
    Add {
        /// The requester's e-mail.
        email: String,
        /// The licensing ID's number.
        licensing_id: String,
        /// The roles asked for.
        #[arg(required = true, value_name = "ROLE")]
        roles: Vec<String>,
        /// A comment for the Administrators.
        #[arg(long, value_name = "TEXT")]
        comment: Option<String>,
    },

    /// List permission requests.
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore requests list --status Pending\n  \
        licstore --db contoso.licstore requests list --licensing-id 54839201 --format csv")]
    List {
        /// Only requests with this status (Pending, Accepted, Denied).
        #[arg(long, value_name = "STATUS")]
        status: Option<String>,
        /// Only requests for this licensing ID.
        #[arg(long, value_name = "NUMBER")]
        licensing_id: Option<String>,
        /// Only requests of this principal.
        #[arg(long, value_name = "EMAIL")]
        email: Option<String>,
    },

    /// Accept a pending request: its roles are granted.
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore requests accept 3 --note \"welcome\"")]
    Accept {
        /// The request number.
        id: i64,
        /// A note for the requester.
        #[arg(long, value_name = "TEXT")]
        note: Option<String>,
    },

    /// Deny a pending request.
    #[command(after_help = "Examples:\n  \
        licstore --db contoso.licstore requests deny 4 --note \"ask your manager\"")]
    Deny {
        /// The request number.
        id: i64,
        /// A note for the requester.
        #[arg(long, value_name = "TEXT")]
        note: Option<String>,
    },
}
