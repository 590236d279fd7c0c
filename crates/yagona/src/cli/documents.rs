//! `yagona documents`: the agencies' keys that sign result documents.

use super::Storage;
use clap::Subcommand;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum DocumentsCommand {
    /// Make an agency's signing key (ECDSA P-256, PKCS#8 PEM, `documents.CODE.key.pem`) and a
    /// self-signed certificate naming the agency (`documents.CODE.crt.pem`) in --keys; a key
    /// that exists is never overwritten. Prints the certificate's SHA-256.
    Keygen {
        /// The agency's code in the registry.
        #[arg(long)]
        agency: String,
        /// The node's keys folder.
        #[arg(long)]
        keys: PathBuf,
        #[command(flatten)]
        storage: Storage,
    },
}

pub async fn run(command: DocumentsCommand) -> anyhow::Result<ExitCode> {
    match command {
        DocumentsCommand::Keygen {
            agency,
            keys,
            storage,
        } => {
            let db = storage.open().await?;
            let registry = yagona_registry::RegistryStore { db: &db }.load().await?;
            let Some(found) = registry.agencies.iter().find(|a| a.code.as_str() == agency) else {
                eprintln!("no agency {agency:?} in the registry");
                return Ok(ExitCode::FAILURE);
            };
            let made = yagona_documents::keys::generate(
                &keys,
                &yagona_documents::keys::Agency {
                    code: found.code.as_str(),
                    name: crate::demo::certificate_name(found),
                    stir: found.stir.as_str(),
                },
            );
            match made {
                Ok((key, certificate)) => {
                    let signer = yagona_documents::keys::read(&keys, &agency)
                        .map_err(|e| anyhow::anyhow!("{e}"))?;
                    eprintln!("{}\n{}", key.display(), certificate.display());
                    println!("{}", signer.fingerprint());
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    eprintln!("{e}");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
    }
}
