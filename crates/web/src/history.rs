//! An application's history as its applicant and its officers read it: one line per thing that
//! happened — what, who did it, when — newest first, with what the applicant was told (and
//! whether it arrived) among the rest, every time in Tashkent and written the way the page's
//! language writes dates. The platform's own bookkeeping (a notice queued) is not a line of its
//! own: the notice's line says what was sent.

use crate::notices_pages::{channel_key, mask};
use crate::view::step_label;
use serde_json::{json, Value};
use yagona_applications::ApplicationEvent;
use yagona_core::{format_timestamp, Locale, Timestamp};
use yagona_i18n::I18n;

/// Actions done at a process step, whose line names the step.
const AT_A_STEP: [&str; 5] = ["take", "release", "approve", "reject", "return"];

/// The lines, newest first.
pub fn lines(
    i18n: &I18n,
    l: Locale,
    events: &[ApplicationEvent],
    notices: &[yagona_notices::Notice],
) -> Vec<Value> {
    let mut lines: Vec<(Timestamp, u8, Value)> = Vec::new();
    for e in events {
        if e.action == "notify" {
            continue;
        }
        let action = i18n.t(l, &action_message(&e.action), None);
        let what = match e.step.as_ref().and_then(|s| step_label(l, s)) {
            Some(step) if AT_A_STEP.contains(&e.action.as_str()) => format!("{action} · {step}"),
            _ => action,
        };
        let who = match e.actor_kind.as_str() {
            "system" => None,
            kind => Some(format!(
                "{} ({})",
                e.actor_name,
                i18n.t(l, &format!("actor-{kind}"), None).to_lowercase()
            )),
        };
        lines.push((
            e.at,
            0,
            json!({
                "what": what,
                "who": who,
                "when": i18n.date_time(l, &e.at),
                "at": format_timestamp(&e.at),
                "comment": e.comment,
            }),
        ));
    }
    for n in notices {
        let at = n.delivered_at.or(n.sent_at).unwrap_or(n.created_at);
        let mut args = yagona_i18n::Args::new();
        args.set(
            "event",
            i18n.t(l, &format!("notices-event-{}", n.event), None),
        );
        args.set("channel", i18n.t(l, channel_key(n.channel), None));
        args.set("to", mask(&n.address));
        args.set(
            "status",
            i18n.t(l, &format!("notices-status-{}", n.status.as_str()), None),
        );
        lines.push((
            at,
            1,
            json!({
                "what": i18n.t(l, "history-notice", Some(&args)),
                "who": Value::Null,
                "when": i18n.date_time(l, &at),
                "at": format_timestamp(&at),
                "notice": true,
            }),
        ));
    }
    // Newest first; at the same moment, the notice after what it tells of.
    lines.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)));
    lines.into_iter().map(|(_, _, v)| v).collect()
}

/// The message naming a history action: `action-…`, or `document-action-…` for what was done
/// to a result document (`document-revoke`).
fn action_message(action: &str) -> String {
    match action.strip_prefix("document-") {
        Some(rest) => format!("document-action-{rest}"),
        None => format!("action-{action}"),
    }
}
