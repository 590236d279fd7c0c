//! Topics that appeals not about one service are routed by, and the knowledge base: answers to
//! common questions, per service or topic, in four languages, that operators give at first
//! contact. Both are registry data (`contact/topics.toml`, `contact/answers.toml`): read with
//! located problems, imported idempotently, exported back.

use serde::{Deserialize, Serialize};
use sqlx::Row;
use std::collections::{BTreeSet, HashSet};
use std::path::Path;
use yagona_core::{Code, I18nText, Locale};
use yagona_db::{Db, DbError};
use yagona_registry::files::{toml_file, Problem};

/// A topic: appeals about it go to its agency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Topic {
    pub code: Code,
    pub agency: Code,
    pub name: I18nText,
}

/// A knowledge-base answer about one service or one topic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    pub code: Code,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<Code>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<Code>,
    pub question: I18nText,
    pub text: I18nText,
}

impl Answer {
    pub fn text_in(&self, l: Locale) -> &str {
        self.text.get(l)
    }
}

/// The contact point's registry data.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ContactData {
    #[serde(default, rename = "topic")]
    pub topics: Vec<Topic>,
    #[serde(default, rename = "answer", skip_serializing_if = "Vec::is_empty")]
    pub answers: Vec<Answer>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TopicsFile {
    #[serde(default, rename = "topic")]
    topics: Vec<Topic>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AnswersFile {
    #[serde(default, rename = "answer")]
    answers: Vec<Answer>,
}

/// Reads `contact/` of a registry folder (absent: no topics, no answers), checking agencies and
/// services against the registry's codes. Every problem is returned, with file and location.
pub fn read_dir(
    root: &Path,
    agencies: &HashSet<String>,
    services: &HashSet<String>,
) -> Result<ContactData, Vec<Problem>> {
    let dir = root.join("contact");
    let mut problems = Vec::new();
    let mut data = ContactData::default();
    let topics_path = dir.join("topics.toml");
    let answers_path = dir.join("answers.toml");
    let rel = |p: &Path| p.strip_prefix(root).unwrap_or(p).to_path_buf();
    let mut problem = |p: &Path, at: String, message: String| {
        problems.push(Problem {
            file: rel(p),
            location: at,
            message,
        })
    };
    if topics_path.exists() {
        match toml_file::<TopicsFile>(root, &topics_path) {
            Ok(f) => data.topics = f.topics,
            Err(p) => problem(&topics_path, p.location, p.message),
        }
    }
    if answers_path.exists() {
        match toml_file::<AnswersFile>(root, &answers_path) {
            Ok(f) => data.answers = f.answers,
            Err(p) => problem(&answers_path, p.location, p.message),
        }
    }
    let mut seen = BTreeSet::new();
    for (i, t) in data.topics.iter().enumerate() {
        let at = format!("topic[{i}]");
        if !seen.insert(t.code.as_str()) {
            problem(
                &topics_path,
                format!("{at}.code"),
                format!("topic {} is given twice", t.code),
            );
        }
        if !agencies.contains(t.agency.as_str()) {
            problem(
                &topics_path,
                format!("{at}.agency"),
                format!("no agency {} in the registry", t.agency),
            );
        }
        for l in t.name.missing() {
            problem(
                &topics_path,
                format!("{at}.name.{}", l.tag()),
                "the text is empty".into(),
            );
        }
    }
    let mut seen_answers = BTreeSet::new();
    for (i, a) in data.answers.iter().enumerate() {
        let at = format!("answer[{i}]");
        if !seen_answers.insert(a.code.as_str()) {
            problem(
                &answers_path,
                format!("{at}.code"),
                format!("answer {} is given twice", a.code),
            );
        }
        match (&a.service, &a.topic) {
            (Some(s), None) if !services.contains(s.as_str()) => problem(
                &answers_path,
                format!("{at}.service"),
                format!("no service {s} in the registry"),
            ),
            (None, Some(t)) if !seen.contains(t.as_str()) => problem(
                &answers_path,
                format!("{at}.topic"),
                format!("no topic {t} in contact/topics.toml"),
            ),
            (Some(_), Some(_)) | (None, None) => problem(
                &answers_path,
                at.clone(),
                "an answer is about one service or one topic: give `service` or `topic`".into(),
            ),
            _ => {}
        }
        for (field, text) in [("question", &a.question), ("text", &a.text)] {
            for l in text.missing() {
                problem(
                    &answers_path,
                    format!("{at}.{field}.{}", l.tag()),
                    "the text is empty".into(),
                );
            }
        }
    }
    if problems.is_empty() {
        Ok(data)
    } else {
        Err(problems)
    }
}

/// Writes `contact/topics.toml` and `contact/answers.toml` under `root`, as [`read_dir`] reads them.
pub fn write_dir(data: &ContactData, root: &Path) -> std::io::Result<()> {
    let dir = root.join("contact");
    std::fs::create_dir_all(&dir)?;
    #[derive(Serialize)]
    struct T<'a> {
        topic: &'a [Topic],
    }
    #[derive(Serialize)]
    struct A<'a> {
        answer: &'a [Answer],
    }
    let to_io = |e: toml::ser::Error| std::io::Error::other(e.to_string());
    std::fs::write(
        dir.join("topics.toml"),
        toml::to_string(&T {
            topic: &data.topics,
        })
        .map_err(to_io)?,
    )?;
    std::fs::write(
        dir.join("answers.toml"),
        toml::to_string(&A {
            answer: &data.answers,
        })
        .map_err(to_io)?,
    )?;
    Ok(())
}

/// Topics and answers in the database.
pub struct TopicStore<'a> {
    pub db: &'a Db,
}

fn text_json(t: &I18nText) -> String {
    serde_json::to_string(t).expect("texts serialise")
}

fn json_text(s: &str) -> Result<I18nText, DbError> {
    serde_json::from_str(s).map_err(|e| DbError::Corrupt(format!("contact text: {e}")))
}

fn code(s: String) -> Result<Code, DbError> {
    Code::parse(&s).map_err(|e| DbError::Corrupt(format!("contact code {s:?}: {e}")))
}

impl TopicStore<'_> {
    /// Replaces topics and answers with `data` in one transaction; false when nothing changed.
    pub async fn import(&self, data: &ContactData) -> Result<bool, DbError> {
        if self.load().await? == *data {
            return Ok(false);
        }
        let mut tx = self.db.writer.begin().await?;
        sqlx::query("DELETE FROM contact_answers")
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM contact_topics")
            .execute(&mut *tx)
            .await?;
        for (i, t) in data.topics.iter().enumerate() {
            sqlx::query("INSERT INTO contact_topics (code, agency_code, name, position) VALUES ($1, $2, $3, $4)")
                .bind(t.code.as_str())
                .bind(t.agency.as_str())
                .bind(text_json(&t.name))
                .bind(i as i64)
                .execute(&mut *tx)
                .await?;
        }
        for (i, a) in data.answers.iter().enumerate() {
            sqlx::query("INSERT INTO contact_answers (code, service_code, topic_code, question, answer, position) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(a.code.as_str())
                .bind(a.service.as_ref().map(Code::as_str))
                .bind(a.topic.as_ref().map(Code::as_str))
                .bind(text_json(&a.question))
                .bind(text_json(&a.text))
                .bind(i as i64)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    pub async fn load(&self) -> Result<ContactData, DbError> {
        let mut data = ContactData::default();
        for r in sqlx::query("SELECT code, agency_code, name FROM contact_topics ORDER BY position")
            .fetch_all(&self.db.pool)
            .await?
        {
            data.topics.push(Topic {
                code: code(r.try_get(0)?)?,
                agency: code(r.try_get(1)?)?,
                name: json_text(&r.try_get::<String, _>(2)?)?,
            });
        }
        for r in sqlx::query("SELECT code, service_code, topic_code, question, answer FROM contact_answers ORDER BY position")
            .fetch_all(&self.db.pool)
            .await?
        {
            let service: Option<String> = r.try_get(1)?;
            let topic: Option<String> = r.try_get(2)?;
            data.answers.push(Answer {
                code: code(r.try_get(0)?)?,
                service: service.map(code).transpose()?,
                topic: topic.map(code).transpose()?,
                question: json_text(&r.try_get::<String, _>(3)?)?,
                text: json_text(&r.try_get::<String, _>(4)?)?,
            });
        }
        Ok(data)
    }
}

impl ContactData {
    pub fn topic(&self, code: &str) -> Option<&Topic> {
        self.topics.iter().find(|t| t.code.as_str() == code)
    }
    /// The answers about a service or a topic.
    pub fn answers_for(&self, service: Option<&str>, topic: Option<&str>) -> Vec<&Answer> {
        self.answers
            .iter()
            .filter(|a| {
                (service.is_some() && a.service.as_ref().map(Code::as_str) == service)
                    || (topic.is_some() && a.topic.as_ref().map(Code::as_str) == topic)
            })
            .collect()
    }
    pub fn answer(&self, code: &str) -> Option<&Answer> {
        self.answers.iter().find(|a| a.code.as_str() == code)
    }
}
