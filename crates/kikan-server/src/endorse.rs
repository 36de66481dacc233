//! 券面記載 (7.1.1.3): a 異動's 追記 for a person's card, drawn for the card printer (a
//! PDF, or sent to a registered printer as any document kikan prints).

use crate::AppState;
use crate::auth::Principal;
use crate::certificates::{blocking, font, pdf_named};
use crate::error::{ApiError, ApiJson as Json, ApiPath as Path, ErrorBody};
use crate::printing::{self, OutputIn};
use crate::routes::audit;
use axum::Extension;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use kikan_cert::endorse::{CardLayout, LayoutError, render_endorsement};
use kikan_domain::PersonId;
use kikan_domain::certifier::{SealKind, seal_of};
use kikan_domain::endorsement::{EndorsedCard, endorsement};
use serde::Deserialize;
use utoipa::ToSchema;

type R<T> = Result<T, ApiError>;

fn six() -> u32 {
    6
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct EndorseIn {
    /// The 異動 (its ledger number).
    pub seq: i64,
    /// 個人番号カード, 住基カード, 在留カード or 特別永住者証明書.
    pub card: String,
    /// The 追記欄's lines (6 unless said).
    #[serde(default = "six")]
    pub total_lines: u32,
    /// 残行数: the lines still free on the card.
    pub lines_left: u32,
    /// 印字行数: the lines to use (at most `lines_left`); without it, as few as fit.
    pub lines: Option<u32>,
    /// 文字の大きさ (points, 4–8); without it, the largest that fits.
    pub size: Option<f32>,
    /// The card printer (a registered printer and tray); without it, the PDF.
    #[serde(default)]
    pub output: Option<OutputIn>,
}

fn layout_error(e: LayoutError) -> ApiError {
    let field = match e {
        LayoutError::Lines { .. } => "lines_left",
        LayoutError::DoesNotFit { .. } => "lines",
    };
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "E-CARD-002",
        e.to_string(),
    )
    .at(field)
}

#[utoipa::path(post, path = "/api/v1/tenants/{tenant}/persons/{id}/card-endorsement", tag = "persons",
    request_body = EndorseIn, params(("tenant" = String, Path), ("id" = i64, Path)),
    responses((status = 200, description = "The 追記 (異動事由, 異動後の項目, 届出日, 職印) as a card-sized PDF for the card printer (X-Kikan-Lines-Used, X-Kikan-Font-Size); with `output`, printed on that printer and the print answered as JSON", content((printing::PdfDocument = "application/pdf"), (printing::Printed = "application/json"))),
        (status = 403, description = "E-SUPPORT-002: a protected person's 追記 is made by 審査", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, description = "E-CARD-001: this 異動 writes nothing on this person's card; E-CARD-002: the lines or size asked for do not fit; E-CODE-005: no such card", body = ErrorBody),
        (status = 502, description = "E-PRINT-004", body = ErrorBody), (status = 503, description = "E-PRINT-003", body = ErrorBody)))]
pub async fn endorse(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(path): Path<(String, i64)>,
    Json(input): Json<EndorseIn>,
) -> R<Response> {
    p.purpose()?;
    let person = PersonId(path.1);
    let card = EndorsedCard::parse(&input.card).map_err(|e| ApiError::from(e).at("card"))?;
    let entry = state
        .store
        .entry(p.tenant, input.seq)
        .await?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "E-CARD-003",
                format!("台帳番号 {} の異動はありません", input.seq),
            )
            .at("seq")
        })?;
    let who = state
        .store
        .persons(p.tenant, &[person])
        .await?
        .pop()
        .ok_or_else(|| {
            ApiError::from(kikan_domain::DomainError::PersonNotFound(
                person.to_string(),
            ))
        })?;
    let e = endorsement(&entry, &who, card).map_err(|e| ApiError::from(e).at("seq"))?;
    // A protected person's address is 審査's to see (支援措置): so is the 追記 that prints it.
    let shield = crate::support::Protection::of(&state, &p, &[person]).await?;
    if shield.withholds() {
        let mut event = p.event(
            "card.endorse",
            vec![person.0],
            format!("{}の追記を拒否(支援措置)", card.label()),
        );
        event.outcome = kikan_security::Outcome::Denied;
        state.store.append_audit(p.tenant, &[event]).await?;
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "E-SUPPORT-002",
            "支援措置の対象者の券面記載は審査担当が作成します",
        ));
    }
    let seals = kikan_cert::settings::seals(&*state.store, p.tenant).await?;
    let seal = seal_of(&seals, SealKind::Card).map(|s| s.png.clone());
    let layout = CardLayout {
        total_lines: input.total_lines,
        lines_left: input.lines_left,
        lines: input.lines,
        size: input.size,
    };
    let target = printing::Target::chosen(&state, &p, input.output.as_ref()).await?;
    let f = font(&state).await?;
    let endorsement_text = e.clone();
    let drawn = blocking(move || {
        Ok(render_endorsement(
            &f,
            &endorsement_text,
            layout,
            seal.as_deref(),
        )?)
    })
    .await?
    .map_err(layout_error)?;
    let detail = format!(
        "{}の追記({}: {} {} {}、{}行・{}ポイント)",
        card.label(),
        e.reason,
        e.notified_on,
        e.item,
        e.value,
        drawn.lines_used,
        drawn.size
    );
    let Some(target) = target else {
        audit(&state, &p, "card.endorse", vec![person.0], detail).await?;
        let mut res = pdf_named(drawn.rendered, "card-endorsement.pdf")?;
        let h = res.headers_mut();
        h.insert("x-kikan-lines-used", HeaderValue::from(drawn.lines_used));
        if let Ok(v) = HeaderValue::from_str(&drawn.size.to_string()) {
            h.insert("x-kikan-font-size", v);
        }
        return Ok(res);
    };
    let (printed, ()) = printing::print(&state, &p, &target, vec![person.0], || async {
        audit(&state, &p, "card.endorse", vec![person.0], detail.clone()).await?;
        Ok(printing::Drawn {
            pdf: drawn.rendered.pdf,
            pages: 1,
            what: format!("{}の追記({})", card.label(), e.reason),
            extra: (),
        })
    })
    .await?;
    Ok((StatusCode::OK, axum::Json(printed)).into_response())
}
