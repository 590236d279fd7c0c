//! `yagona payments`: the fees Yagona takes through Payme and Click.

use super::Storage;
use anyhow::Context;
use chrono::NaiveDate;
use clap::Subcommand;
use std::path::PathBuf;
use std::process::ExitCode;
use yagona_payments::reconcile::{reconcile, Difference, ReconcileError};
use yagona_payments::{PaymentStore, Provider};

#[derive(Subcommand)]
pub enum PaymentsCommand {
    /// Compare a provider's statement of one day (Tashkent time) with Yagona's records and print
    /// every difference, one a line. Changes nothing. Exit status: 0 when they agree, 1 when
    /// they differ, 2 when the statement cannot be read (its line on stderr), 3 on any other
    /// failure.
    Reconcile {
        /// The payment system whose statement it is.
        #[arg(long, value_parser = parse_provider)]
        provider: Provider,
        /// The statement's day, YYYY-MM-DD.
        #[arg(long)]
        date: NaiveDate,
        /// The statement as the provider's cabinet exports it (CSV).
        #[arg(long)]
        statement: PathBuf,
        #[command(flatten)]
        storage: Storage,
    },
}

fn parse_provider(s: &str) -> Result<Provider, String> {
    Provider::parse(&s.trim().to_ascii_lowercase())
        .ok_or_else(|| format!("{s:?} is not a payment system: payme or click"))
}

/// Exit status: the statement cannot be read.
const BAD_STATEMENT: u8 = 2;
/// Exit status: anything else failed (the database, say).
const FAILED: u8 = 3;

pub async fn run(command: PaymentsCommand) -> anyhow::Result<ExitCode> {
    match command {
        PaymentsCommand::Reconcile {
            provider,
            date,
            statement,
            storage,
        } => {
            let text = match std::fs::read(&statement) {
                Ok(bytes) => match String::from_utf8(bytes) {
                    Ok(text) => text,
                    Err(_) => {
                        eprintln!("{}: not a CSV text file in UTF-8", statement.display());
                        return Ok(ExitCode::from(BAD_STATEMENT));
                    }
                },
                Err(e) => {
                    eprintln!("{}: {e}", statement.display());
                    return Ok(ExitCode::from(BAD_STATEMENT));
                }
            };
            // A spreadsheet's export may begin with a byte order mark; it is not a column.
            let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
            match reconciled(&storage, provider, date, text).await {
                Ok(code) => Ok(code),
                Err(e) => {
                    eprintln!("error: {e:#}");
                    Ok(ExitCode::from(FAILED))
                }
            }
        }
    }
}

async fn reconciled(
    storage: &Storage,
    provider: Provider,
    date: NaiveDate,
    text: &str,
) -> anyhow::Result<ExitCode> {
    let db = storage.open().await?;
    let result = match reconcile(&PaymentStore::new(&db), provider, date, text).await {
        Ok(r) => r,
        Err(ReconcileError::Statement(e)) => {
            eprintln!("line {}: {}", e.line, e.message);
            return Ok(ExitCode::from(BAD_STATEMENT));
        }
        Err(ReconcileError::Payment(e)) => {
            return Err(e).context("reading Yagona's payment records");
        }
    };
    println!(
        "{} {}: {} matched, {} differences",
        result.provider,
        result.day,
        result.matched,
        result.differences.len()
    );
    for d in &result.differences {
        println!("{}", line(d));
    }
    Ok(if result.differences.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// A difference on one line: its kind first, then `name=value` pairs, amounts in soʻm with
/// two decimals as the statements write them.
fn line(d: &Difference) -> String {
    match d {
        Difference::MissingInYagona {
            provider_id,
            invoice,
            amount,
            provider,
        } => format!(
            "missing-in-yagona provider_id={provider_id} invoice={invoice} amount={} provider={provider}",
            amount.som_text()
        ),
        Difference::MissingAtProvider {
            provider_id,
            invoice,
            amount,
            yagona,
        } => format!(
            "missing-at-provider provider_id={provider_id} invoice={invoice} amount={} yagona={yagona}",
            amount.som_text()
        ),
        Difference::AmountMismatch {
            provider_id,
            invoice,
            yagona,
            provider,
        } => format!(
            "amount-mismatch provider_id={provider_id} invoice={invoice} yagona={} provider={}",
            yagona.som_text(),
            provider.som_text()
        ),
        Difference::StandingMismatch {
            provider_id,
            invoice,
            yagona,
            provider,
        } => format!(
            "standing-mismatch provider_id={provider_id} invoice={invoice} yagona={yagona} provider={provider}"
        ),
        Difference::InvoiceMismatch {
            provider_id,
            yagona,
            provider,
        } => format!("invoice-mismatch provider_id={provider_id} yagona={yagona} provider={provider}"),
    }
}
