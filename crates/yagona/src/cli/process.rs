//! `yagona process`: business process models — check, simulate, export history as XES.

use super::Storage;
use anyhow::Context;
use clap::Subcommand;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum ProcessCommand {
    /// List, per file, every element the engine cannot run, with its id, line and reason.
    /// Exits non-zero only when something cannot run.
    Check {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Run one instance in memory and print each element as it completes, one JSON object a line.
    /// User tasks complete with the given outputs (or none), timers fire at once, service and
    /// business-rule tasks answer with empty results.
    Simulate {
        file: PathBuf,
        /// Starting variables, a JSON object.
        #[arg(long, default_value = "{}")]
        vars: String,
        /// Outputs of a task: TASK_ID=JSON (repeatable).
        #[arg(long = "complete", value_name = "TASK_ID=JSON")]
        complete: Vec<String>,
        /// Which process of the file (default: the first executable one).
        #[arg(long)]
        process: Option<String>,
    },
    /// Write the history of process instances as an IEEE 1849-2016 XES event log for process
    /// mining: a trace per application (named by its reference number), tasks' start, assign
    /// and complete events with who did them.
    ExportXes {
        /// Only the cases started on this process.
        #[arg(long)]
        process: Option<String>,
        /// Events, gateways and sub-processes too, not only tasks.
        #[arg(long)]
        with_events: bool,
        /// Where to write the log (default: standard output).
        #[arg(long)]
        output: Option<PathBuf>,
        #[command(flatten)]
        storage: Storage,
    },
}

pub async fn run(command: ProcessCommand) -> anyhow::Result<ExitCode> {
    match command {
        ProcessCommand::Check { files } => {
            let mut failed = false;
            for file in &files {
                let shown = file.display();
                let source = match std::fs::read_to_string(file) {
                    Ok(s) => s,
                    Err(e) => {
                        println!("{shown}: cannot read: {e}");
                        failed = true;
                        continue;
                    }
                };
                match yagona_workflow::read(&source) {
                    Err(e) => {
                        println!("{shown}:{}: not a readable BPMN model: {e}", e.line());
                        failed = true;
                    }
                    Ok(defs) => {
                        let findings = yagona_workflow::check(&defs);
                        if findings.is_empty() {
                            let elements: usize =
                                defs.processes.iter().map(|p| p.scope.walk().len()).sum();
                            println!(
                                "{shown}: runnable — {} process(es), {elements} elements",
                                defs.processes.len()
                            );
                        } else {
                            failed = true;
                            for f in findings {
                                println!(
                                    "{shown}:{}: {} ({}): {}",
                                    f.line, f.id, f.element, f.reason
                                );
                            }
                        }
                    }
                }
            }
            if failed {
                return Ok(ExitCode::FAILURE);
            }
        }
        ProcessCommand::Simulate {
            file,
            vars,
            complete,
            process,
        } => {
            let source = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let defs = yagona_workflow::read(&source)
                .map_err(|e| anyhow::anyhow!("{}:{}: {e}", file.display(), e.line()))?;
            let findings = yagona_workflow::check(&defs);
            let relevant: Vec<_> = findings
                .iter()
                .filter(|f| process.as_deref().is_none_or(|p| f.id == p) || f.element != "process")
                .filter(|f| !(f.element == "process" && f.reason.starts_with("isExecutable")))
                .collect();
            if !relevant.is_empty() {
                for f in relevant {
                    eprintln!(
                        "{}:{}: {} ({}): {}",
                        file.display(),
                        f.line,
                        f.id,
                        f.element,
                        f.reason
                    );
                }
                anyhow::bail!("the model has parts the engine cannot run");
            }
            let vars: serde_json::Value =
                serde_json::from_str(&vars).context("--vars must be a JSON object")?;
            let serde_json::Value::Object(vars) = vars else {
                anyhow::bail!("--vars must be a JSON object")
            };
            let mut outputs = std::collections::HashMap::new();
            for c in &complete {
                let (task, json) = c
                    .split_once('=')
                    .ok_or_else(|| anyhow::anyhow!("--complete takes TASK_ID=JSON, got {c:?}"))?;
                match serde_json::from_str::<serde_json::Value>(json) {
                    Ok(serde_json::Value::Object(o)) => {
                        outputs.insert(task.to_owned(), o);
                    }
                    _ => anyhow::bail!("--complete {task}=…: the outputs must be a JSON object"),
                }
            }
            let outcome = yagona_workflow::simulate::simulate(
                &defs,
                process.as_deref(),
                vars,
                outputs,
                &yagona_workflow::feel::Feel,
            );
            match outcome {
                Ok(o) => {
                    for c in &o.completed {
                        println!("{}", serde_json::to_string(c)?);
                    }
                    if !o.waiting.is_empty() {
                        eprintln!("still waiting at: {}", o.waiting.join(", "));
                    }
                }
                Err(e) => anyhow::bail!("{e}"),
            }
        }
        ProcessCommand::ExportXes {
            process,
            with_events,
            output,
            storage,
        } => {
            let db = storage.open().await?;
            let options = yagona_workflow::xes::Options { with_events };
            let log = crate::mining::xes_log(&db, process.as_deref(), options).await?;
            match output {
                Some(path) => {
                    std::fs::write(&path, &log.xml)
                        .with_context(|| format!("writing {}", path.display()))?;
                    eprintln!(
                        "wrote {} cases, {} events to {}",
                        log.cases,
                        log.events,
                        path.display()
                    );
                }
                None => print!("{}", log.xml),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
