//! `mx-sso`: MX's SSO API v2 from the command line, over the Rust API of the `mx-sso` crate.
//! One call per command (`mx-sso user update ID --status DISABLED`), or `mx-sso batch` over a
//! CSV or JSON Lines file with a report. Every check of an id or a body is the library's; the
//! CLI only builds requests, runs them and reports.

mod args;
mod batch;
mod body;
mod exit;
mod one_call;
mod output;
mod settings;

use std::process::ExitCode;

use clap::{CommandFactory, Parser};
use mx_sso::Client;

use args::{Cli, Command};
use exit::UsageError;
use settings::Need;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(status) => ExitCode::from(status),
        Err(usage) => usage.report(),
    }
}

fn run(cli: Cli) -> Result<u8, UsageError> {
    match &cli.command {
        Command::Completions { shell } => {
            let mut command = Cli::command();
            clap_complete::generate(*shell, &mut command, "mx-sso", &mut std::io::stdout());
            Ok(exit::OK)
        }
        Command::User(command) => one_call::user(&client(&cli, Need::Credentials)?, command),
        Command::Member(command) => one_call::member(&client(&cli, Need::Credentials)?, command),
        Command::Batch(args) => {
            let need = if args.dry_run {
                Need::Nothing
            } else {
                Need::Credentials
            };
            batch::run(client(&cli, need)?, args)
        }
    }
}

fn client(cli: &Cli, need: Need) -> Result<Client, UsageError> {
    let options = settings::options(&cli.settings, need)?;
    Client::new(options).map_err(|e| UsageError(format!("settings: {e}")))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_tool_has_the_librarys_version() {
        let number = env!("CARGO_PKG_VERSION")
            .split('.')
            .map(|part| part.parse::<u32>().unwrap())
            .fold(0, |acc, part| acc * 1000 + part);
        assert_eq!(number, mx_sso::VERSION_NUMBER, "cli/Cargo.toml's version");
    }
}
