//! kikan's CS boundary over HTTP (docs/integration.md): the client kikan uses when
//! `KIKAN_CS` names an address, and the simulator's server (`kikan cs-simulator`) that
//! answers it. A real deployment puts its CS adapter behind the same three calls.
//!
//! - `POST {base}/messages` — a [`CsMessage`]; the answer a [`CsAnswer`].
//! - `GET {base}/identities/{municipality}` — the CS's 本人確認情報 of the municipality.
//! - `POST {base}/free-codes/{municipality}?count=n` — 住民票コード空きコード.
//! - `GET {base}/inbox/{municipality}` — messages for the municipality not yet
//!   acknowledged; `POST {base}/inbox/{municipality}/ack` — `[delivery, …]` kept.
//!
//! Anything but a 200 with a readable body is "unreachable": the item stays to be sent.

use async_trait::async_trait;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use kikan_app::cs::sim::{Fault, SimState, Simulator};
use kikan_app::cs::{CsLink, LinkError, Received};
use kikan_domain::cs::{CsAnswer, CsMessage, WireIdentity};
use serde::Deserialize;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// The HTTP client of the boundary.
pub struct HttpLink {
    base: String,
    client: reqwest::Client,
}

impl HttpLink {
    pub fn new(base: &str) -> Result<Self, LinkError> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| LinkError(e.to_string()))?;
        Ok(HttpLink {
            base: base.trim_end_matches('/').to_string(),
            client,
        })
    }

    async fn read<T: serde::de::DeserializeOwned>(
        r: Result<reqwest::Response, reqwest::Error>,
    ) -> Result<T, LinkError> {
        let r = r.map_err(|e| LinkError(e.to_string()))?;
        if !r.status().is_success() {
            return Err(LinkError(format!("CSの応答: {}", r.status())));
        }
        r.json().await.map_err(|e| LinkError(e.to_string()))
    }
}

#[async_trait]
impl CsLink for HttpLink {
    async fn deliver(&self, m: &CsMessage) -> Result<CsAnswer, LinkError> {
        let url = format!("{}/messages", self.base);
        Self::read(self.client.post(url).json(m).send().await).await
    }

    async fn identities(&self, municipality: &str) -> Result<Vec<WireIdentity>, LinkError> {
        let url = format!("{}/identities/{municipality}", self.base);
        Self::read(self.client.get(url).send().await).await
    }

    async fn free_codes(&self, municipality: &str, n: u32) -> Result<Vec<String>, LinkError> {
        let url = format!("{}/free-codes/{municipality}?count={n}", self.base);
        Self::read(self.client.post(url).send().await).await
    }

    async fn receive(&self, municipality: &str) -> Result<Vec<Received>, LinkError> {
        let url = format!("{}/inbox/{municipality}", self.base);
        Self::read(self.client.get(url).send().await).await
    }

    async fn ack(&self, municipality: &str, deliveries: &[u64]) -> Result<(), LinkError> {
        let url = format!("{}/inbox/{municipality}/ack", self.base);
        let _: usize = Self::read(self.client.post(url).json(deliveries).send().await).await?;
        Ok(())
    }
}

/// The simulator's server state: the simulator and the file it is kept in.
#[derive(Clone)]
struct Sim {
    sim: Arc<Simulator>,
    file: Option<PathBuf>,
}

impl Sim {
    /// Keeps the state in its file (written aside, then renamed), so a simulator
    /// killed and started again holds what it took.
    fn save(&self) -> Result<(), (StatusCode, String)> {
        let Some(path) = &self.file else {
            return Ok(());
        };
        let err = |e: String| (StatusCode::INTERNAL_SERVER_ERROR, e);
        let json = serde_json::to_vec(&self.sim.snapshot()).map_err(|e| err(e.to_string()))?;
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, json).map_err(|e| err(e.to_string()))?;
        std::fs::rename(&tmp, path).map_err(|e| err(e.to_string()))
    }
}

type Answer<T> = Result<axum::Json<T>, (StatusCode, String)>;

fn unreachable(e: LinkError) -> (StatusCode, String) {
    (StatusCode::SERVICE_UNAVAILABLE, e.0)
}

async fn messages(State(s): State<Sim>, axum::Json(m): axum::Json<CsMessage>) -> Answer<CsAnswer> {
    let answer = s.sim.deliver(&m).await;
    s.save()?;
    answer.map(axum::Json).map_err(unreachable)
}

async fn identities(State(s): State<Sim>, Path(m): Path<String>) -> Answer<Vec<WireIdentity>> {
    s.sim
        .identities(&m)
        .await
        .map(axum::Json)
        .map_err(unreachable)
}

#[derive(Deserialize)]
struct Count {
    count: u32,
}

async fn free_codes(
    State(s): State<Sim>,
    Path(m): Path<String>,
    Query(c): Query<Count>,
) -> Answer<Vec<String>> {
    let codes = s.sim.free_codes(&m, c.count).await.map_err(unreachable)?;
    s.save()?;
    Ok(axum::Json(codes))
}

async fn faults(State(s): State<Sim>, axum::Json(f): axum::Json<Vec<Fault>>) -> Answer<usize> {
    let n = f.len();
    for f in f {
        s.sim.inject(f);
    }
    s.save()?;
    Ok(axum::Json(n))
}

async fn inbox(State(s): State<Sim>, Path(m): Path<String>) -> Answer<Vec<Received>> {
    s.sim.receive(&m).await.map(axum::Json).map_err(unreachable)
}

async fn ack(
    State(s): State<Sim>,
    Path(m): Path<String>,
    axum::Json(d): axum::Json<Vec<u64>>,
) -> Answer<usize> {
    s.sim.ack(&m, &d).await.map_err(unreachable)?;
    s.save()?;
    Ok(axum::Json(d.len()))
}

async fn release(State(s): State<Sim>) -> Answer<usize> {
    let n = s.sim.snapshot().delayed.len();
    s.sim.release();
    s.save()?;
    Ok(axum::Json(n))
}

async fn route_faults(
    State(s): State<Sim>,
    axum::Json(f): axum::Json<Vec<Fault>>,
) -> Answer<usize> {
    let n = f.len();
    for f in f {
        s.sim.inject_route(f);
    }
    s.save()?;
    Ok(axum::Json(n))
}

#[derive(Deserialize)]
struct CardIn {
    code: String,
    #[serde(flatten)]
    card: kikan_domain::cs::CardReport,
}

async fn card_status(
    State(s): State<Sim>,
    Path(m): Path<String>,
    axum::Json(c): axum::Json<CardIn>,
) -> Answer<bool> {
    let ok = s.sim.report_card(&m, &c.code, c.card);
    s.save()?;
    Ok(axum::Json(ok))
}

#[derive(Deserialize)]
struct CodeIn {
    code: String,
}

async fn update_targets(
    State(s): State<Sim>,
    Path(m): Path<String>,
    axum::Json(c): axum::Json<CodeIn>,
) -> Answer<bool> {
    let ok = s.sim.ask_sending(&m, &c.code);
    s.save()?;
    Ok(axum::Json(ok))
}

/// 広域交付 (7.1.1.1): a counter of `from` asks `to` for the 住民票 of `code`.
#[derive(Deserialize)]
struct WideIn {
    from: String,
    to: String,
    code: String,
    #[serde(default)]
    ask: kikan_domain::cs::WideAsk,
}

/// The request's number, or the CS's refusal (a 交付抑止, no such record) as 409.
async fn wide_area(
    State(s): State<Sim>,
    axum::Json(w): axum::Json<WideIn>,
) -> Result<axum::Json<i64>, (StatusCode, String)> {
    let today = chrono::Utc::now().date_naive();
    let n = s
        .sim
        .ask_wide(&w.from, &w.to, &w.code, w.ask, today)
        .map_err(|why| (StatusCode::CONFLICT, why))?;
    s.save()?;
    Ok(axum::Json(n))
}

/// 住基ネット共同利用: municipalities sharing one CS server, its inbox the group's.
#[derive(Debug, Deserialize)]
struct GroupIn {
    group: String,
    members: Vec<String>,
}

async fn groups(State(s): State<Sim>, axum::Json(g): axum::Json<GroupIn>) -> Answer<usize> {
    let members: Vec<&str> = g.members.iter().map(String::as_str).collect();
    s.sim.share(&g.group, &members);
    s.save()?;
    Ok(axum::Json(members.len()))
}

async fn state(State(s): State<Sim>) -> Answer<SimState> {
    Ok(axum::Json(s.sim.snapshot()))
}

/// The simulator's routes (the boundary's three, plus `POST /faults` to queue faults
/// and `GET /state` to read what it holds), its state kept in `file` when given.
pub fn simulator(file: Option<PathBuf>) -> Result<Router, String> {
    let sim = match &file {
        Some(f) if f.exists() => {
            let text = std::fs::read_to_string(f).map_err(|e| e.to_string())?;
            let st: SimState = serde_json::from_str(&text).map_err(|e| e.to_string())?;
            Simulator::from_state(st)
        }
        _ => Simulator::new(),
    };
    Ok(Router::new()
        .route("/messages", post(messages))
        .route("/identities/{municipality}", get(identities))
        .route("/free-codes/{municipality}", post(free_codes))
        .route("/faults", post(faults))
        .route("/route-faults", post(route_faults))
        .route("/release", post(release))
        .route("/card-status/{municipality}", post(card_status))
        .route("/update-targets/{municipality}", post(update_targets))
        .route("/inbox/{municipality}", get(inbox))
        .route("/inbox/{municipality}/ack", post(ack))
        .route("/state", get(state))
        .route("/groups", post(groups))
        .route("/wide-area", post(wide_area))
        .with_state(Sim {
            sim: Arc::new(sim),
            file,
        }))
}

/// The link `KIKAN_CS` names: `sim` (the simulator inside the server) or the address of
/// an HTTP boundary.
pub fn link(spec: &str) -> Result<Arc<dyn CsLink>, String> {
    if spec == "sim" {
        return Ok(Arc::new(Simulator::new()));
    }
    if !(spec.starts_with("http://") || spec.starts_with("https://")) {
        return Err(format!(
            "KIKAN_CS は sim か CS連携の URL(http://…)で指定してください: {spec}"
        ));
    }
    Ok(Arc::new(HttpLink::new(spec).map_err(|e| e.to_string())?))
}

/// Serves the simulator on `listener` until the process ends.
pub async fn serve_simulator(
    listener: tokio::net::TcpListener,
    file: Option<PathBuf>,
) -> Result<(), String> {
    let router = simulator(file)?;
    axum::serve(listener, router)
        .await
        .map_err(|e| e.to_string())
}
