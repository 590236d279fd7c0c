//! Several statements sent to the database in one round trip.
//!
//! Each statement is written with its own `$1, $2, …` placeholders and values, as for
//! `sqlx::query`. On PostgreSQL a batch goes to the server as one multi-statement text with the
//! values written in as SQL literals (quoted by [`literal`], never by the caller): one network
//! round trip instead of one per statement, and the server reports how many rows each statement
//! changed. On SQLite, which runs in this process, the statements run one by one as prepared
//! statements that the connection compiles once and keeps (measured faster than compiling one
//! text afresh each time). A batch whose text values hold a NUL character (which PostgreSQL does
//! not accept inside SQL text) is also sent statement by statement with bound parameters.
//!
//! Run a batch inside a transaction: a statement that fails leaves the earlier ones done until
//! the transaction rolls back.

use crate::Backend;
use futures::TryStreamExt;
use sqlx::any::AnyQueryResult;
use sqlx::Either;

/// One value for a placeholder.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// NULL for a text column.
    Null,
    /// NULL for an integer column (PostgreSQL wants the type of a bound NULL to fit).
    NullInt,
    Int(i64),
    Text(String),
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}

impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_owned())
    }
}

impl From<Option<i64>> for Value {
    fn from(v: Option<i64>) -> Self {
        v.map_or(Value::NullInt, Value::Int)
    }
}

impl From<Option<String>> for Value {
    fn from(v: Option<String>) -> Self {
        v.map_or(Value::Null, Value::Text)
    }
}

impl From<Option<&str>> for Value {
    fn from(v: Option<&str>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

/// Statements to run in one round trip, in order.
#[derive(Debug, Default)]
pub struct Batch {
    statements: Vec<(String, Vec<Value>)>,
}

impl Batch {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a statement whose placeholders `$1…$n` take `values` in order.
    pub fn push(&mut self, sql: impl Into<String>, values: Vec<Value>) {
        self.statements.push((sql.into(), values));
    }

    pub fn is_empty(&self) -> bool {
        self.statements.is_empty()
    }

    pub fn len(&self) -> usize {
        self.statements.len()
    }

    /// Runs the statements in order; returns how many rows each one changed.
    pub async fn run(
        self,
        backend: Backend,
        conn: &mut sqlx::AnyConnection,
    ) -> Result<Vec<u64>, sqlx::Error> {
        if self.statements.is_empty() {
            return Ok(Vec::new());
        }
        let inline = self.statements.iter().all(|(_, values)| {
            values
                .iter()
                .all(|v| !matches!(v, Value::Text(t) if t.contains('\0')))
        });
        // SQLite: its statements run in this process, where compiling a statement costs more
        // than the hop to the connection's thread; prepared statements (compiled once per
        // connection) one by one are faster than one text compiled afresh each time.
        if !inline || backend == Backend::Sqlite {
            return self.run_one_by_one(conn).await;
        }
        let mut text = String::new();
        for (sql, values) in &self.statements {
            text.push_str(&inline_values(sql, values, backend)?);
            text.push_str(";\n");
        }
        let results: Vec<AnyQueryResult> = sqlx::raw_sql(&text)
            .fetch_many(&mut *conn)
            .try_filter_map(|item| async move {
                Ok(match item {
                    Either::Left(result) => Some(result),
                    Either::Right(_) => None,
                })
            })
            .try_collect()
            .await?;
        if results.len() != self.statements.len() {
            return Err(sqlx::Error::Protocol(format!(
                "a batch of {} statements reported {} results",
                self.statements.len(),
                results.len()
            )));
        }
        Ok(results.iter().map(|r| r.rows_affected()).collect())
    }

    /// The same statements, one round trip each, with bound parameters.
    async fn run_one_by_one(self, conn: &mut sqlx::AnyConnection) -> Result<Vec<u64>, sqlx::Error> {
        let mut out = Vec::with_capacity(self.statements.len());
        for (sql, values) in &self.statements {
            // As when values are written in, a placeholder without a value is an error (SQLite
            // would quietly bind NULL).
            let highest = highest_placeholder(sql);
            if highest > values.len() {
                return Err(sqlx::Error::Protocol(format!(
                    "placeholder ${highest} has no value ({} given)",
                    values.len()
                )));
            }
            let mut q = sqlx::query(sql);
            for v in values {
                q = match v {
                    Value::Null => q.bind(None::<String>),
                    Value::NullInt => q.bind(None::<i64>),
                    Value::Int(i) => q.bind(*i),
                    Value::Text(t) => q.bind(t.as_str()),
                };
            }
            out.push(q.execute(&mut *conn).await?.rows_affected());
        }
        Ok(out)
    }
}

/// The highest placeholder number in `sql` (`$0`, never valid, counts as more than any).
fn highest_placeholder(sql: &str) -> usize {
    let bytes = sql.as_bytes();
    let mut highest = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'$' {
            let digits = bytes[i + 1..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count();
            if digits > 0 {
                let n: usize = sql[i + 1..i + 1 + digits].parse().unwrap_or(usize::MAX);
                highest = highest.max(if n == 0 { usize::MAX } else { n });
            }
            i += 1 + digits;
        } else {
            i += 1;
        }
    }
    highest
}

/// `sql` with each placeholder `$n` replaced by the literal of `values[n-1]`.
fn inline_values(sql: &str, values: &[Value], backend: Backend) -> Result<String, sqlx::Error> {
    let mut out = String::with_capacity(sql.len() + values.len() * 16);
    let mut rest = sql;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let digits = rest[at + 1..]
            .bytes()
            .take_while(u8::is_ascii_digit)
            .count();
        if digits == 0 {
            out.push('$');
            rest = &rest[at + 1..];
            continue;
        }
        let n: usize = rest[at + 1..at + 1 + digits].parse().unwrap_or(0);
        let value = n
            .checked_sub(1)
            .and_then(|i| values.get(i))
            .ok_or_else(|| {
                sqlx::Error::Protocol(format!(
                    "placeholder ${n} has no value ({} given)",
                    values.len()
                ))
            })?;
        out.push_str(&literal(value, backend));
        rest = &rest[at + 1 + digits..];
    }
    out.push_str(rest);
    Ok(out)
}

/// A value as an SQL literal. Text is quoted so that nothing in it can end the literal: on
/// SQLite `'…'` with quotes doubled; on PostgreSQL an escape string `E'…'` with quotes and
/// backslashes doubled, which reads the same whatever `standard_conforming_strings` says.
pub fn literal(value: &Value, backend: Backend) -> String {
    match value {
        Value::Null | Value::NullInt => "NULL".to_owned(),
        Value::Int(i) => i.to_string(),
        Value::Text(t) => match backend {
            Backend::Sqlite => format!("'{}'", t.replace('\'', "''")),
            Backend::Postgres => format!("E'{}'", t.replace('\\', "\\\\").replace('\'', "''")),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_replaced_by_quoted_literals() {
        let values = vec![
            Value::from("it's"),
            Value::Int(12),
            Value::Null,
            Value::from(r"a\'b"),
        ];
        let sql = "UPDATE t SET a = $1, b = $2, c = $3, d = $4 WHERE e = $1 AND f = '$'";
        assert_eq!(
            inline_values(sql, &values, Backend::Sqlite).unwrap(),
            r"UPDATE t SET a = 'it''s', b = 12, c = NULL, d = 'a\''b' WHERE e = 'it''s' AND f = '$'"
        );
        assert_eq!(
            inline_values(sql, &values, Backend::Postgres).unwrap(),
            r"UPDATE t SET a = E'it''s', b = 12, c = NULL, d = E'a\\''b' WHERE e = E'it''s' AND f = '$'"
        );
        assert!(inline_values("SELECT $3", &values[..2], Backend::Sqlite).is_err());
        assert!(inline_values("SELECT $0", &values, Backend::Sqlite).is_err());
    }

    #[test]
    fn the_highest_placeholder_is_found() {
        assert_eq!(highest_placeholder("SELECT $2, $12, '$', $3"), 12);
        assert_eq!(highest_placeholder("SELECT 1"), 0);
        assert_eq!(highest_placeholder("SELECT $0"), usize::MAX);
    }

    #[test]
    fn two_digit_placeholders_are_read_whole() {
        let values: Vec<Value> = (1..=12).map(Value::Int).collect();
        assert_eq!(
            inline_values("$1 $12 $2", &values, Backend::Sqlite).unwrap(),
            "1 12 2"
        );
    }
}
