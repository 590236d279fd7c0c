//! `yagona exchange`: the interagency exchange's keys, certificates, tokens and message log.

use super::Storage;
use anyhow::Context;
use clap::Subcommand;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum ExchangeCommand {
    /// Make a subsystem's key pair: the private key into a file in --keys (PKCS#8 PEM, readable
    /// by its owner only), the public key into the database. Prints the public key, for the
    /// subsystem's `keys` in the exchange files when other nodes must know it.
    /// With --node CODE instead: this node's own key (its TLS identity), for `nodes.toml`.
    Keygen {
        /// The subsystem, INSTANCE/CLASS/MEMBER/SUBSYSTEM (e.g. UZ/GOV/201122919/civil-registry).
        #[arg(required_unless_present = "node", conflicts_with = "node")]
        subsystem: Option<String>,
        /// Make the key of the node with this code instead (nothing goes into the database).
        #[arg(long)]
        node: Option<String>,
        /// Folder for private keys.
        #[arg(long)]
        keys: PathBuf,
        #[command(flatten)]
        storage: Storage,
    },
    /// Print a self-signed TLS certificate around a subsystem's key, for its information system
    /// to call a node's exchange listener with mutual TLS (`curl --cert CERT --key KEYFILE`).
    /// The pin of the key (for `curl --pinnedpubkey`) goes to standard error.
    Cert {
        /// The subsystem, INSTANCE/CLASS/MEMBER/SUBSYSTEM.
        subsystem: String,
        /// Folder of private keys.
        #[arg(long)]
        keys: PathBuf,
    },
    /// Withdraw a subsystem's key (as keygen printed it): from then on no token, certificate or
    /// fresh signature made with it is taken, while what it signed before still verifies. (A key
    /// listed in the exchange files is withdrawn by taking it out of them.)
    Revoke {
        /// The subsystem, INSTANCE/CLASS/MEMBER/SUBSYSTEM.
        subsystem: String,
        /// The public key (base64).
        key: String,
        #[command(flatten)]
        storage: Storage,
    },
    /// Print a client token for a subsystem's information system, signed with its key: send it
    /// in the `X-Yagona-Client-Token` header of every call.
    Token {
        /// The subsystem, INSTANCE/CLASS/MEMBER/SUBSYSTEM.
        subsystem: String,
        /// Folder of private keys.
        #[arg(long)]
        keys: PathBuf,
        /// How long the token is valid, in seconds (at most a day).
        #[arg(long, default_value_t = 3600)]
        ttl: i64,
    },
    /// Move the message log's entries older than a day into a file that verifies offline (with
    /// the signers' public keys), and remove them from the database.
    Archive {
        /// Entries logged before this day (Tashkent time, YYYY-MM-DD) are archived.
        #[arg(long)]
        before: chrono::NaiveDate,
        /// The archive file to write.
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        storage: Storage,
    },
    /// Check archive files offline, in order: each entry's hash, signature and place in the
    /// chain, and that each file continues the one before. Exits non-zero when one is broken.
    VerifyArchive {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Checkpoints kept outside the database (the checkpoint file, or what `yagona exchange
        /// checkpoints` printed on another node): archived entries must agree with them.
        #[arg(long)]
        checkpoints: Vec<PathBuf>,
    },
    /// Check the whole message log: every entry's hash, signature, seal and place in the chain,
    /// and the log against its checkpoints. Names what was edited, removed or renumbered and
    /// exits non-zero.
    VerifyLog {
        /// Checkpoints kept outside the database (the checkpoint file, or what `yagona exchange
        /// checkpoints --of NODE` printed on another node): the log must agree with them.
        #[arg(long)]
        checkpoints: Vec<PathBuf>,
        #[command(flatten)]
        storage: Storage,
    },
    /// Sign a checkpoint of the message log's head now (a running node signs one every minute)
    /// with this node's key (`node.CODE.pem`, or `node.local.pem`, in --keys), and append it to
    /// --file when given.
    Checkpoint {
        /// Folder of private keys.
        #[arg(long)]
        keys: PathBuf,
        /// This node's code (none: the node's local log key).
        #[arg(long)]
        node: Option<String>,
        /// The append-only checkpoint file.
        #[arg(long)]
        file: Option<PathBuf>,
        #[command(flatten)]
        storage: Storage,
    },
    /// Print the checkpoints the database keeps, one JSON line each (the checkpoint file's
    /// format): of this node's log, or — with --of — of another node's, as this node witnessed
    /// them. For `verify-log --checkpoints` on that node.
    Checkpoints {
        /// The other node's code.
        #[arg(long)]
        of: Option<String>,
        #[command(flatten)]
        storage: Storage,
    },
}

fn read_checkpoints(
    files: &[PathBuf],
) -> anyhow::Result<Vec<yagona_exchange::checkpoint::Checkpoint>> {
    let mut all = Vec::new();
    for f in files {
        all.extend(yagona_exchange::checkpoint::read_file(f).map_err(anyhow::Error::msg)?);
    }
    Ok(all)
}

pub async fn run(command: ExchangeCommand) -> anyhow::Result<ExitCode> {
    match command {
        ExchangeCommand::Keygen {
            node: Some(node),
            keys,
            ..
        } => {
            yagona_exchange::id::check_part(&node)
                .map_err(|why| anyhow::anyhow!("node code {node:?}: {why}"))?;
            let path = yagona_exchange::keys::node_key_file(&keys, &node);
            let public = yagona_exchange::keys::generate_at(&path)
                .with_context(|| format!("writing {}", path.display()))?;
            println!("{}", yagona_exchange::evidence::public_key_text(&public));
            eprintln!(
                "private key of node {node} written to {} (keep it on that node only); put the public key in exchange/nodes.toml",
                path.display()
            );
        }
        ExchangeCommand::Cert { subsystem, keys } => {
            let id = yagona_exchange::ClientId::from_header(&subsystem)
                .map_err(|e| anyhow::anyhow!("{}", e.message))?;
            let file = yagona_exchange::keys::key_file(&keys, &id);
            let key = yagona_exchange::keys::read_private(&file).map_err(|e| anyhow::anyhow!(e))?;
            print!(
                "{}",
                yagona_exchange::tls::certificate_pem(&key, &id.to_string())
                    .map_err(|e| anyhow::anyhow!(e))?
            );
            eprintln!(
                "certificate of {id}'s key; its private key is {}; key pin: {}",
                file.display(),
                yagona_exchange::tls::key_pin(&key.verifying_key())
            );
        }
        ExchangeCommand::Keygen {
            subsystem: Some(subsystem),
            keys,
            storage,
            ..
        } => {
            let id = yagona_exchange::ClientId::from_header(&subsystem)
                .map_err(|e| anyhow::anyhow!("{}", e.message))?;
            anyhow::ensure!(
                id.subsystem.is_some(),
                "{subsystem}: keys belong to subsystems (INSTANCE/CLASS/MEMBER/SUBSYSTEM)"
            );
            let db = storage.open().await?;
            let (path, public) =
                yagona_exchange::keys::generate_to_file(&keys, &id).with_context(|| {
                    format!(
                        "writing {}",
                        yagona_exchange::keys::key_file(&keys, &id).display()
                    )
                })?;
            yagona_exchange::keys::register(&db, &id, &public).await?;
            println!("{}", yagona_exchange::evidence::public_key_text(&public));
            eprintln!(
                "private key of {id} written to {} (keep it on this node only); public key recorded",
                path.display()
            );
        }
        ExchangeCommand::Revoke {
            subsystem,
            key,
            storage,
        } => {
            let id = yagona_exchange::ClientId::from_header(&subsystem)
                .map_err(|e| anyhow::anyhow!("{}", e.message))?;
            let public =
                yagona_exchange::evidence::public_key_from_text(&key).ok_or_else(|| {
                    anyhow::anyhow!("{key:?} is not an Ed25519 public key (base64 of 32 bytes)")
                })?;
            let db = storage.open().await?;
            if yagona_exchange::keys::revoke(&db, &id, &public).await? {
                println!("revoked: {id} no longer authenticates with this key");
            } else {
                println!("{id} has no such key in force");
                return Ok(ExitCode::FAILURE);
            }
        }
        ExchangeCommand::Keygen { .. } => {
            anyhow::bail!("name a subsystem, or a node with --node")
        }
        ExchangeCommand::Token {
            subsystem,
            keys,
            ttl,
        } => {
            let id = yagona_exchange::ClientId::from_header(&subsystem)
                .map_err(|e| anyhow::anyhow!("{}", e.message))?;
            let key =
                yagona_exchange::keys::read_private(&yagona_exchange::keys::key_file(&keys, &id))
                    .map_err(|e| anyhow::anyhow!(e))?;
            println!(
                "{}",
                yagona_exchange::token::issue(&key, &id, chrono::Utc::now().timestamp(), ttl)
            );
        }
        ExchangeCommand::Archive {
            before,
            out,
            storage,
        } => {
            let db = storage.open().await?;
            let cut = yagona_core::format_timestamp(&yagona_core::tashkent_day_start(before));
            match yagona_exchange::archive::archive_before(&db, &cut, &out).await? {
                Some(a) => println!(
                    "archived entries {}–{} to {}; the database keeps the rest",
                    a.first,
                    a.last,
                    out.display()
                ),
                None => println!("no entries logged before {before}"),
            }
        }
        ExchangeCommand::VerifyArchive { files, checkpoints } => {
            let paths: Vec<&std::path::Path> = files.iter().map(|p| p.as_path()).collect();
            let witnessed = read_checkpoints(&checkpoints)?;
            match yagona_exchange::archive::verify_files_against(&paths, &witnessed)? {
                yagona_exchange::archive::FileVerdict::Intact { entries, .. } => {
                    println!("archives intact: {entries} entries, each signed and in place");
                }
                yagona_exchange::archive::FileVerdict::Broken { file, broken } => {
                    println!("{file}: broken at entry {}: {}", broken.seq, broken.reason);
                    return Ok(ExitCode::FAILURE);
                }
            }
        }
        ExchangeCommand::VerifyLog {
            checkpoints,
            storage,
        } => {
            let witnessed = read_checkpoints(&checkpoints)?;
            let db = storage.open().await?;
            let verdict =
                yagona_exchange::log::verify_with_registered_keys(&db, &witnessed).await?;
            if verdict.intact() {
                println!(
                    "message log intact: {} entries, each signed and in place; agrees with {} checkpoints",
                    verdict.entries, verdict.checkpoints
                );
                if verdict.unsealed > 0 {
                    println!(
                        "{} entries were written before sealing began (checked by hash and signature only)",
                        verdict.unsealed
                    );
                }
            } else {
                let first = &verdict.findings[0];
                println!(
                    "message log broken at entry {}: {}",
                    first.seq, first.reason
                );
                for f in &verdict.findings[1..] {
                    println!("also: {}", f.reason);
                }
                return Ok(ExitCode::FAILURE);
            }
        }
        ExchangeCommand::Checkpoint {
            keys,
            node,
            file,
            storage,
        } => {
            let name = node.unwrap_or_else(|| "local".into());
            let path = yagona_exchange::keys::node_key_file(&keys, &name);
            let key = yagona_exchange::keys::read_private(&path).map_err(anyhow::Error::msg)?;
            let db = storage.open().await?;
            yagona_exchange::log::register_sealer(&db, &name, &key.verifying_key()).await?;
            let sealer = yagona_exchange::evidence::Sealer { name, key };
            match yagona_exchange::checkpoint::take(&db, &sealer, file.as_deref()).await? {
                Some(c) => println!("{}", serde_json::to_string(&c)?),
                None => eprintln!("the log has not moved since the last checkpoint"),
            }
        }
        ExchangeCommand::Checkpoints { of, storage } => {
            let db = storage.open().await?;
            let log = of
                .as_deref()
                .unwrap_or(yagona_exchange::checkpoint::OWN_LOG);
            for c in yagona_exchange::checkpoint::stored(&db, log).await? {
                println!("{}", serde_json::to_string(&c)?);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
