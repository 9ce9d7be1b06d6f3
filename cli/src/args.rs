//! The command line: commands, flags and their help texts (clap derive). Parsing only; nothing
//! here checks a body or an id: the library does that when the call is made (or checked).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

const AFTER_HELP: &str = "\
Settings (flags win over --options FILE, which wins over the environment):
  MX_SSO_BASE_URL     base URL (default https://api2.moneydesktop.com)
  MX_SSO_CLIENT_GUID  client guid
  MX_SSO_API_KEY      API key (or --api-key-file FILE; never a flag value)

Exit status: 0 success; 1 a call (or some batch rows) failed; 2 usage error or bad input,
nothing sent; 130 interrupted (batch: in-flight rows finished and reported).";

/// MX's SSO API v2 from the command line: one call, or a batch job over thousands of rows.
#[derive(Debug, Parser)]
#[command(name = "mx-sso", version, after_help = AFTER_HELP, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub settings: SettingsArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Where to call and with which credentials. The API key is never a flag's value: it would sit
/// in shell history and in `ps`.
#[derive(Debug, Args)]
pub struct SettingsArgs {
    /// Base URL of MX's API [env: MX_SSO_BASE_URL]
    #[arg(long, global = true, value_name = "URL")]
    pub base_url: Option<String>,
    /// Client guid [env: MX_SSO_CLIENT_GUID]
    #[arg(long = "client", global = true, value_name = "CLIENT_GUID")]
    pub client_guid: Option<String>,
    /// File holding the API key (a trailing newline is ignored; keep it chmod 600)
    /// [else env: MX_SSO_API_KEY]
    #[arg(long, global = true, value_name = "FILE")]
    pub api_key_file: Option<PathBuf>,
    /// Client options as the C API's JSON object (timeout_ms, max_retries, proxy, ...)
    #[arg(long, global = true, value_name = "FILE")]
    pub options: Option<PathBuf>,
    /// PEM bundle trusted in addition to the system's roots (corporate TLS proxies)
    #[arg(long, global = true, value_name = "FILE")]
    pub ca_file: Option<String>,
    /// Overall deadline of one call, retries included
    #[arg(long, global = true, value_name = "MS")]
    pub timeout_ms: Option<u64>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Users: read, create, update, delete, ensure
    #[command(subcommand)]
    User(Box<UserCommand>),
    /// Members: read, create, update, delete, ensure (bodies as JSON: credentials stay out of `ps`
    /// with --json @FILE or --json -)
    #[command(subcommand)]
    Member(MemberCommand),
    /// Run one operation over every row of a CSV or JSON Lines file, with a report
    Batch(Box<BatchArgs>),
    /// Print a shell completion script (e.g. `mx-sso completions bash > /etc/bash_completion.d/mx-sso`)
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// GET /user/{ID}: print the user
    Read { id: String },
    /// POST /user: create a user (external_user_guid is required)
    Create(BodyArgs<UserFields>),
    /// PUT /user/{ID}: update a user, e.g. `--status DISABLED`
    Update {
        id: String,
        #[command(flatten)]
        body: BodyArgs<UserFields>,
    },
    /// DELETE /user/{ID}
    Delete { id: String },
    /// Read the user by external_user_guid; create it when missing: {"created": …, "user": …}
    Ensure(BodyArgs<UserFields>),
}

#[derive(Debug, Subcommand)]
pub enum MemberCommand {
    /// GET /member/{ID}: print the member
    Read { id: String },
    /// POST /member: create a member (--json with user, credentials, ...)
    Create(BodyArgs<NoFields>),
    /// PUT /member/{ID}: new credentials (--json '{"credentials": [...]}')
    Update {
        id: String,
        #[command(flatten)]
        body: BodyArgs<NoFields>,
    },
    /// DELETE /member/{ID}
    Delete { id: String },
    /// Read the member by external_member_guid; create it when missing
    Ensure(BodyArgs<NoFields>),
}

/// A request body: `--json` and/or one flag per field. Fields given as flags are added to the
/// `--json` object; a field given both ways is refused by the library's duplicate-key rule.
#[derive(Debug, Args)]
pub struct BodyArgs<F: Args> {
    /// The body as JSON; @FILE reads it from FILE and - from standard input (use these for
    /// credentials, which would otherwise show in `ps`)
    #[arg(long, value_name = "BODY")]
    pub json: Option<String>,
    #[command(flatten)]
    pub fields: F,
}

/// No field flags (member bodies carry credentials: JSON only).
#[derive(Debug, Args)]
pub struct NoFields {}

/// The user fields of MX's create and update bodies, one flag each; values are sent as given
/// (`credit_score` as a JSON integer when it is one) and checked by the library's rules.
#[derive(Debug, Default, Args)]
pub struct UserFields {
    /// external_user_guid (create, ensure)
    #[arg(long, value_name = "GUID")]
    pub external_user_guid: Option<String>,
    #[arg(long)]
    pub email: Option<String>,
    #[arg(long)]
    pub first_name: Option<String>,
    #[arg(long)]
    pub last_name: Option<String>,
    #[arg(long)]
    pub phone: Option<String>,
    /// YYYY-MM-DD
    #[arg(long, value_name = "DATE")]
    pub birthdate: Option<String>,
    /// MALE or FEMALE
    #[arg(long)]
    pub sex: Option<String>,
    /// An integer
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    pub credit_score: Option<String>,
    /// nnnnn, nnnnn-nnnn or ana nan
    #[arg(long, value_name = "ZIP")]
    pub zip_code: Option<String>,
    /// ENABLED or DISABLED (update only)
    #[arg(long)]
    pub status: Option<String>,
}

impl UserFields {
    /// The fields given, as (name, value) in MX's order.
    pub fn given(&self) -> Vec<(&'static str, &str)> {
        [
            ("external_user_guid", &self.external_user_guid),
            ("email", &self.email),
            ("first_name", &self.first_name),
            ("last_name", &self.last_name),
            ("phone", &self.phone),
            ("birthdate", &self.birthdate),
            ("sex", &self.sex),
            ("credit_score", &self.credit_score),
            ("zip_code", &self.zip_code),
            ("status", &self.status),
        ]
        .into_iter()
        .filter_map(|(name, value)| value.as_deref().map(|v| (name, v)))
        .collect()
    }
}

/// The input format of a batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A header row: `id` plus body-field columns
    Csv,
    /// One `{"id": "...", "body": {...}}` per line
    Jsonl,
}

#[derive(Debug, Args)]
pub struct BatchArgs {
    /// The input file (.csv or .jsonl; read twice: once to check every row, once to send)
    #[arg(value_name = "INPUT")]
    pub input: PathBuf,
    /// The operation for every row: user.update, user.delete, user.create, user.ensure,
    /// user.read, member.*
    #[arg(long, value_name = "OPERATION")]
    pub op: String,
    /// The report: one JSON line per input row (refused if it exists, unless --resume)
    #[arg(long, value_name = "REPORT.jsonl", required_unless_present = "dry_run")]
    pub report: Option<PathBuf>,
    /// Rows sent at once, 1 to 256 (threads sharing one connection pool)
    #[arg(long, default_value_t = 8, value_name = "N")]
    pub concurrency: usize,
    /// At most this many rows started per second, evenly spaced (no burst)
    #[arg(long, value_name = "PER_SECOND")]
    pub rate: Option<f64>,
    /// Continue an interrupted run: skip the rows the report already has
    #[arg(long)]
    pub resume: bool,
    /// Check every row and send nothing (no report)
    #[arg(long)]
    pub dry_run: bool,
    /// Send the good rows and report the bad ones, instead of refusing the file
    #[arg(long)]
    pub skip_invalid: bool,
    /// Input format (default: from the file's extension)
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Seconds between progress lines when standard error is not a terminal
    #[arg(long, default_value_t = 5.0, value_name = "SECONDS")]
    pub progress_every: f64,
    /// Fields set on every row (e.g. --status DISABLED), added to each row's body
    #[command(flatten)]
    pub fields: UserFields,
}
