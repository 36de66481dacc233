//! 統計 (6.1): the 住民基本台帳関係年報 and the 定期報告's figures as JSON or CSV. They
//! are counts, not anybody's record, so no purpose is asked; the read is audited with
//! its dates all the same.

use crate::AppState;
use crate::auth::Principal;
use crate::dto::date_in;
use crate::error::ApiError;
use crate::routes::audit;
use axum::Extension;
use axum::Json;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use kikan_domain::DomainError;
use kikan_domain::statistics::{Movement, Population};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

type R<T> = Result<T, ApiError>;

#[derive(Debug, Deserialize, IntoParams)]
pub struct StatisticsParams {
    /// 基準日 of the population and households (和暦 or 西暦); 1 January of this year
    /// when left out (the 年報's date).
    pub on: Option<String>,
    /// The period of the 異動 (by 異動日, inclusive); the calendar year before the 基準日
    /// when left out.
    pub from: Option<String>,
    pub to: Option<String>,
    /// json (the default), csv or xlsx.
    pub format: Option<String>,
}

/// The figures: the population on the 基準日 and the 異動 of the period.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatisticsView {
    #[schema(value_type = Object)]
    pub population: Population,
    #[schema(value_type = Object)]
    pub movement: Movement,
}

fn date(field: &'static str, s: &Option<String>) -> R<Option<NaiveDate>> {
    match s.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(t) => date_in(t, field).map(Some),
    }
}

#[utoipa::path(get, path = "/api/v1/tenants/{tenant}/statistics", tag = "residents",
    params(("tenant" = String, Path), StatisticsParams),
    responses((status = 200, description = "統計 (6.1): population and households on the 基準日 (男女, 日本人住民・外国人住民, 年齢階級, 町字, 国籍, 在留資格; a 転出予定者 whose date has not come counts) and the 異動 of the period by cause (転入, 出生, 転出, 死亡, その他) with the 定期報告's 住居地の届出 and the monthly counts by 異動事由; JSON, or CSV (UTF-8 with BOM) with format=csv, or the XLSX workbook (one sheet 集計表, the CSV's rows) with format=xlsx", body = StatisticsView),
        (status = 422, body = crate::error::ErrorBody)))]
pub async fn statistics(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Query(q): Query<StatisticsParams>,
) -> R<Response> {
    let (on, from, to) = kikan_app::statistics::dates(
        state.clock.today(),
        date("on", &q.on)?,
        date("from", &q.from)?,
        date("to", &q.to)?,
    )
    .map_err(|e| ApiError::from(e).at("from"))?;
    let format = match q.format.as_deref().unwrap_or("json") {
        f @ ("json" | "csv" | "xlsx") => f,
        other => {
            return Err(ApiError::from(DomainError::UnknownCode {
                kind: "出力形式",
                value: other.to_string(),
            })
            .at("format"));
        }
    };
    let population = kikan_app::statistics::population(&*state.store, p.tenant, on).await?;
    let movement = kikan_app::statistics::movement(&*state.store, p.tenant, from, to).await?;
    audit(
        &state,
        &p,
        "statistics.read",
        vec![],
        format!("統計 基準日={on} 期間={from}〜{to}"),
    )
    .await?;
    Ok(match format {
        "csv" => crate::routes::csv_response(
            kikan_app::statistics::csv(&population, &movement),
            "statistics.csv",
        ),
        "xlsx" => crate::routes::file_response(
            kikan_app::statistics::xlsx(&population, &movement)?,
            crate::routes::XLSX,
            "statistics.xlsx",
        ),
        _ => Json(StatisticsView {
            population,
            movement,
        })
        .into_response(),
    })
}
