//! How citizens found a service: once an application is decided, its applicant rates the
//! service 1–5, with a comment if they like (and may change their mind). The agency reads its
//! services' ratings with the comments; the figures count them by service, without names.
//!
//! Kept in a table of its own (`service_ratings`, one row per application), migrated under its
//! own name so that it never competes with the applications' numbering.

use crate::model::ApplicationError;
use crate::service::Applications;
use crate::status::Status;
use chrono::NaiveDate;
use serde::Serialize;
use yagona_core::{format_timestamp, now, parse_timestamp, Pinfl, ReferenceNumber, Timestamp};
use yagona_db::{Db, DbError, Migration};

/// The longest comment kept, in characters.
pub const MAX_RATING_COMMENT: usize = 1000;

const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    name: "citizens rate the services they used",
    sql: "CREATE TABLE service_ratings (
              application_id TEXT PRIMARY KEY REFERENCES applications (id),
              service_code TEXT NOT NULL,
              agency_code TEXT NOT NULL,
              rating BIGINT NOT NULL,
              comment TEXT,
              rated_at TEXT NOT NULL
          );
          CREATE INDEX service_ratings_by_agency ON service_ratings (agency_code, rated_at);
          CREATE INDEX service_ratings_by_time ON service_ratings (rated_at);",
}];

pub(crate) async fn migrate(db: &Db) -> Result<(), DbError> {
    db.migrate("service-ratings", MIGRATIONS).await
}

/// A rating given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rating {
    pub reference: ReferenceNumber,
    pub service_code: String,
    pub rating: i64,
    pub comment: Option<String>,
    #[serde(with = "yagona_core::rfc3339")]
    pub rated_at: Timestamp,
}

/// A service's ratings over a period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceRatings {
    pub service_code: String,
    pub agency_code: String,
    pub count: i64,
    pub average: f64,
}

/// Why a rating is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RatingProblem {
    /// Not a whole number from 1 to 5.
    Range,
    /// Longer than [`MAX_RATING_COMMENT`].
    CommentTooLong,
    /// The application is not decided yet.
    NotDecided,
}

/// Whether an application in this status may be rated: once decided.
pub fn may_rate(status: Status) -> bool {
    matches!(status, Status::Approved | Status::Rejected)
}

impl Applications {
    /// The applicant rates the service of one of their decided applications (again: the
    /// new rating replaces the old). `Ok(Err(problem))` when the rating is refused; nothing
    /// is stored then.
    pub async fn rate_service(
        &self,
        pinfl: &Pinfl,
        reference: &ReferenceNumber,
        rating: i64,
        comment: &str,
    ) -> Result<Result<Rating, RatingProblem>, ApplicationError> {
        let (app, _) = self.for_applicant(pinfl, reference).await?;
        if !may_rate(app.status) {
            return Ok(Err(RatingProblem::NotDecided));
        }
        if !(1..=5).contains(&rating) {
            return Ok(Err(RatingProblem::Range));
        }
        let comment = comment.trim();
        if comment.chars().count() > MAX_RATING_COMMENT {
            return Ok(Err(RatingProblem::CommentTooLong));
        }
        let comment = (!comment.is_empty()).then(|| comment.to_owned());
        let at = now();
        sqlx::query(
            "INSERT INTO service_ratings (application_id, service_code, agency_code, rating, comment, rated_at) VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (application_id) DO UPDATE SET rating = excluded.rating, comment = excluded.comment, rated_at = excluded.rated_at",
        )
        .bind(&app.id)
        .bind(&app.service_code)
        .bind(&app.agency_code)
        .bind(rating)
        .bind(&comment)
        .bind(format_timestamp(&at))
        .execute(&self.db.writer)
        .await?;
        Ok(Ok(Rating {
            reference: app.reference,
            service_code: app.service_code,
            rating,
            comment,
            rated_at: at,
        }))
    }

    /// The applicant's rating of one of their applications, if they gave one.
    pub async fn rating_of(
        &self,
        pinfl: &Pinfl,
        reference: &ReferenceNumber,
    ) -> Result<Option<Rating>, ApplicationError> {
        let row: Option<(String, String, i64, Option<String>, String)> = sqlx::query_as(
            "SELECT a.reference, r.service_code, r.rating, r.comment, r.rated_at FROM service_ratings r
             JOIN applications a ON a.id = r.application_id
             WHERE a.reference = $1 AND a.applicant_pinfl = $2",
        )
        .bind(reference.as_str())
        .bind(pinfl.as_str())
        .fetch_optional(&self.db.pool)
        .await?;
        Ok(row.and_then(rating_from))
    }

    /// An agency's ratings, newest first, with their comments: what its staff read.
    pub async fn agency_ratings(
        &self,
        agency: &str,
        limit: i64,
    ) -> Result<Vec<Rating>, ApplicationError> {
        let rows: Vec<(String, String, i64, Option<String>, String)> = sqlx::query_as(
            "SELECT a.reference, r.service_code, r.rating, r.comment, r.rated_at FROM service_ratings r
             JOIN applications a ON a.id = r.application_id
             WHERE r.agency_code = $1 ORDER BY r.rated_at DESC LIMIT $2",
        )
        .bind(agency)
        .bind(limit)
        .fetch_all(&self.db.pool)
        .await?;
        Ok(rows.into_iter().filter_map(rating_from).collect())
    }

    /// Each service's ratings given on days `from`..=`to` (Tashkent), for the figures: how
    /// many, and their average. `agency` narrows it to one agency's services.
    pub async fn service_ratings(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        agency: Option<&str>,
    ) -> Result<Vec<ServiceRatings>, ApplicationError> {
        // The period's bounds in UTC: Tashkent is UTC+5 all year.
        let start = from.and_hms_opt(0, 0, 0).unwrap_or_default() - chrono::Duration::hours(5);
        let end = to.and_hms_opt(0, 0, 0).unwrap_or_default() + chrono::Duration::hours(19);
        let rows: Vec<(String, String, i64, i64)> = sqlx::query_as(
            "SELECT service_code, agency_code, COUNT(*), CAST(SUM(rating) AS BIGINT) FROM service_ratings
             WHERE rated_at >= $1 AND rated_at < $2 AND ($3 = '' OR agency_code = $3)
             GROUP BY service_code, agency_code ORDER BY service_code",
        )
        .bind(format_timestamp(&start.and_utc()))
        .bind(format_timestamp(&end.and_utc()))
        .bind(agency.unwrap_or(""))
        .fetch_all(&self.db.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(service_code, agency_code, count, sum)| ServiceRatings {
                service_code,
                agency_code,
                count,
                average: if count > 0 {
                    sum as f64 / count as f64
                } else {
                    0.0
                },
            })
            .collect())
    }
}

fn rating_from(
    (reference, service_code, rating, comment, at): (String, String, i64, Option<String>, String),
) -> Option<Rating> {
    Some(Rating {
        reference: ReferenceNumber::parse(&reference).ok()?,
        service_code,
        rating,
        comment,
        rated_at: parse_timestamp(&at)?,
    })
}
