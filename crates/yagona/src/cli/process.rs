//! `yagona process`: business process models — check, simulate, export history as XES.

use super::Storage;
use anyhow::Context;
use clap::Subcommand;
use std::path::PathBuf;
use std::process::ExitCode;
use yagona_workflow::simulate;

#[derive(Subcommand)]
pub enum ProcessCommand {
    /// List, per file, every element the engine cannot run, with its id, line and reason, and
    /// warnings (possible deadlocks, loops with no wait state, unreachable elements). Exits
    /// non-zero only when something cannot run.
    Check {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Run one instance in memory on a virtual clock and print each element as it completes,
    /// one JSON object a line with `at` (virtual time since the start, ISO 8601); the last line
    /// says how the run ended: completed, waiting at …, incident at …, deadlock at …, or the
    /// step limit (the last three exit non-zero). Timers fire in due-time order; user tasks and
    /// jobs complete at once with the given outputs (or none) unless given a time.
    Simulate {
        file: PathBuf,
        /// Starting variables, a JSON object.
        #[arg(long, default_value = "{}")]
        vars: String,
        /// A task's outputs, and when it completes: TASK_ID=JSON[@DURATION], e.g.
        /// `review={"approved":true}@P3D` (repeatable; without @, at once).
        #[arg(long = "complete", value_name = "TASK_ID=JSON[@DURATION]")]
        complete: Vec<String>,
        /// A message that arrives: NAME[=JSON][@DURATION], e.g. `payment-received@P2D`
        /// (repeatable; without @, at the start).
        #[arg(long = "message", value_name = "NAME[=JSON][@DURATION]")]
        message: Vec<String>,
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
                        for f in &findings {
                            let warning = if f.blocks() { "" } else { "warning: " };
                            println!(
                                "{shown}:{}: {warning}{} ({}): {}",
                                f.line, f.id, f.element, f.reason
                            );
                        }
                        if findings.iter().any(|f| f.blocks()) {
                            failed = true;
                        } else if !defs.processes.iter().any(|p| p.executable) {
                            println!("{shown}: documentation only — no executable process");
                        } else {
                            let elements: usize =
                                defs.processes.iter().map(|p| p.scope.walk().len()).sum();
                            println!(
                                "{shown}: runnable — {} process(es), {elements} elements",
                                defs.processes.len()
                            );
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
            message,
            process,
        } => {
            let source = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let defs = yagona_workflow::read(&source)
                .map_err(|e| anyhow::anyhow!("{}:{}: {e}", file.display(), e.line()))?;
            let findings = yagona_workflow::check(&defs);
            let relevant: Vec<_> = findings
                .iter()
                .filter(|f| f.blocks())
                .filter(|f| process.as_deref().is_none_or(|p| f.id == p) || f.element != "process")
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
            let mut acts = Vec::new();
            for c in &complete {
                let (task, rest) = c.split_once('=').ok_or_else(|| {
                    anyhow::anyhow!("--complete takes TASK_ID=JSON[@DURATION], got {c:?}")
                })?;
                let (json, after) = split_at_time(rest)?;
                let outputs_of = match serde_json::from_str::<serde_json::Value>(json) {
                    Ok(serde_json::Value::Object(o)) => o,
                    _ => anyhow::bail!("--complete {task}=…: the outputs must be a JSON object"),
                };
                match after {
                    Some(after) => acts.push(simulate::Act {
                        after,
                        what: simulate::ActKind::Complete {
                            task: task.to_owned(),
                            outputs: outputs_of,
                        },
                    }),
                    None => {
                        outputs.insert(task.to_owned(), outputs_of);
                    }
                }
            }
            for m in &message {
                let (head, after) = split_at_time(m)?;
                let (name, variables) = match head.split_once('=') {
                    Some((name, json)) => match serde_json::from_str::<serde_json::Value>(json) {
                        Ok(serde_json::Value::Object(o)) => (name, o),
                        _ => {
                            anyhow::bail!("--message {name}=…: the variables must be a JSON object")
                        }
                    },
                    None => (head, serde_json::Map::new()),
                };
                acts.push(simulate::Act {
                    after: after.unwrap_or_else(chrono::Duration::zero),
                    what: simulate::ActKind::Message {
                        name: name.to_owned(),
                        variables,
                    },
                });
            }
            let (outcome, _) = simulate::run(
                &defs,
                process.as_deref(),
                vars,
                &outputs,
                &acts,
                &yagona_workflow::feel::Feel,
            );
            for step in &outcome.steps {
                println!("{}", serde_json::to_string(step)?);
            }
            println!("{}", outcome.end);
            if outcome.end.failed() {
                return Ok(ExitCode::FAILURE);
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

/// `TEXT@DURATION` → the text and the ISO 8601 duration after the start (if any).
fn split_at_time(text: &str) -> anyhow::Result<(&str, Option<chrono::Duration>)> {
    let Some((head, at)) = text.rsplit_once('@') else {
        return Ok((text, None));
    };
    let after = yagona_workflow::timer::span(at).map_err(|e| anyhow::anyhow!("@{at}: {e}"))?;
    Ok((head, Some(after)))
}
