//! RFC 9457 problem documents: how every JSON interface of the platform says what went wrong.
//!
//! One type for all of them (the JSON API, the job workers' API, the GovStack APIs, the
//! exchange's pub/sub rooms); each edge turns it into its own response.

use serde::{Deserialize, Serialize};

/// Where the platform's problem types live: `type` is this followed by the problem's kind.
pub const PROBLEM_BASE: &str = "https://yagona.uz/problems/";

/// The media type of a problem document.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An RFC 9457 problem document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Problem {
    /// A stable identifier of the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    /// What went wrong, the same for every problem of the kind.
    pub title: String,
    /// The HTTP status the problem is answered with.
    pub status: u16,
    /// What went wrong this time, for the person reading it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The input that is wrong, field by field (invalid data only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldProblem>>,
}

/// One wrong field of the input: its name (or JSON pointer) and the rule it breaks, with the
/// form's own message for it where the form has one (in the caller's language).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FieldProblem {
    pub field: String,
    pub rule: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl Problem {
    /// A problem of the platform's own kind (`type` = [`PROBLEM_BASE`] + `kind`).
    pub fn new(status: u16, kind: &str, title: &str, detail: Option<String>) -> Problem {
        Problem {
            kind: format!("{PROBLEM_BASE}{kind}"),
            title: title.to_owned(),
            status,
            detail,
            errors: None,
        }
    }

    /// A problem that needs no type of its own (`about:blank`): its title is the status's.
    pub fn plain(status: u16, title: &str, detail: &str) -> Problem {
        Problem {
            kind: "about:blank".into(),
            title: title.to_owned(),
            status,
            detail: Some(detail.to_owned()),
            errors: None,
        }
    }

    /// 422: the data does not satisfy its form or schema; `errors` names each wrong field.
    pub fn invalid(detail: impl Into<String>, errors: Vec<FieldProblem>) -> Problem {
        Problem {
            errors: Some(errors),
            ..Problem::new(
                422,
                "invalid-data",
                "The data is not valid",
                Some(detail.into()),
            )
        }
    }

    /// 404: nothing with this identifier is visible to the caller (whether or not it exists).
    pub fn not_found(what: &str) -> Problem {
        Problem::new(
            404,
            "not-found",
            "Not found",
            Some(format!("no {what} with this identifier is visible to you")),
        )
    }

    /// 500: the platform failed; the detail stays in the node's log.
    pub fn internal() -> Problem {
        Problem::new(500, "internal", "Internal error", None)
    }

    /// The document as JSON bytes.
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("plain data serialises")
    }
}

impl FieldProblem {
    pub fn new(field: impl Into<String>, rule: impl Into<String>) -> FieldProblem {
        FieldProblem {
            field: field.into(),
            rule: rule.into(),
            message: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_problem_reads_as_rfc_9457_says() {
        let p = Problem::invalid(
            "the application is not complete",
            vec![FieldProblem::new("child_name", "required")],
        );
        let v: serde_json::Value = serde_json::from_slice(&p.to_json()).unwrap();
        assert_eq!(v["type"], "https://yagona.uz/problems/invalid-data");
        assert_eq!(v["status"], 422);
        assert_eq!(v["errors"][0]["field"], "child_name");
        let plain: serde_json::Value = serde_json::from_slice(
            &Problem::plain(404, "Not Found", "no event is waiting").to_json(),
        )
        .unwrap();
        assert_eq!(plain["type"], "about:blank");
        assert!(plain.get("errors").is_none());
    }
}
