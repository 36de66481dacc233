//! kikan-server: the HTTP API (JSON; OpenAPI 3.1 at `/openapi.json`).
//!
//! **Architecture invariant:** the server is thin. It authenticates, parses requests
//! into domain values (`dto`), calls the use cases of `kikan-app` (and, for plain reads
//! and the account plumbing, the store), and renders views. Only this crate knows HTTP
//! and the API's JSON shapes.

pub mod accounts;
pub mod addresses;
pub mod auth;
pub mod business;
pub mod certificates;
pub mod certsettings;
pub mod chars;
pub mod commlog;
pub mod cs;
pub mod cs_link;
pub mod drafts;
pub mod dto;
pub mod eapp;
pub mod endorse;
pub mod error;
pub mod euc;
pub mod immigration;
pub mod inspection;
pub mod intake;
pub mod jobs;
pub mod keys;
pub mod kiosk;
pub mod letters;
pub mod link;
pub mod listen;
pub mod memos;
pub mod metrics;
pub mod oidc;
pub mod outbound;
pub mod places;
pub mod printing;
pub mod routes;
pub mod statistics;
pub mod support;
pub mod suppress;
pub mod ui;

pub use auth::{Policy, Principal};
use axum::Json;
use axum::Router;
use kikan_security::Permission;
use kikan_security::crypto::Keyring;
use kikan_security::link::Resource;
use kikan_store::Store;
use std::sync::Arc;
use std::time::Duration;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    /// The installation's keys (TOTP secrets and other encrypted fields).
    pub keys: Arc<Keyring>,
    /// OIDC sign-ins waiting for the provider's answer, by `state`.
    pub oidc: Arc<std::sync::Mutex<std::collections::HashMap<String, oidc::Pending>>>,
    /// Mark the session cookie `Secure` (behind TLS: `KIKAN_COOKIE_SECURE=1`).
    pub cookie_secure: bool,
    /// Failed sign-ins per source (see `auth::SignInLimiter`).
    pub sign_ins: Arc<auth::SignInLimiter>,
    /// The registry's calendar (Japan's today); replaceable in tests.
    pub clock: kikan_app::Clock,
    /// The certificate font file (IPAmj明朝), loaded on the first certificate.
    pub cert_font_path: std::path::PathBuf,
    pub cert_font: Arc<tokio::sync::OnceCell<Arc<kikan_cert::CertFont>>>,
    /// Counters, latency and gauges for `GET /metrics`.
    pub metrics: metrics::Metrics,
    /// Deadlines and per-source bounds of connections.
    pub connections: listen::Connections,
    /// EUC (10.1): the data sources, one built at a time, the last one kept.
    pub euc: Arc<euc::Sources>,
    /// バッチ処理 (9.1): where runs keep their files (`KIKAN_BATCH_DIR`), one directory
    /// per municipality.
    pub batch_dir: std::path::PathBuf,
    /// The notification command a failed run is handed to (`KIKAN_ALERT_COMMAND`).
    pub alert_command: Option<String>,
    /// 住基ネット (CS) 連携 (7.1.1.1): the link to the CS (`KIKAN_CS`), if any.
    pub cs: Option<Arc<cs::Link>>,
    /// 二要素認証 by IC card or biometrics (10.3): the WebAuthn relying party at the
    /// origin staff open kikan at (`KIKAN_WEBAUTHN_ORIGIN`; `http://localhost:<port>` when
    /// unset).
    pub security_keys: Option<Arc<keys::SecurityKeys>>,
    /// 通信ログ (10.2): errors talking to the database, the CS and the identity provider
    /// (`KIKAN_COMM_LOG_DIR`, by default `<data-dir>/comm-log`).
    pub comm_log: Arc<commlog::CommLog>,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, keys: Arc<Keyring>) -> Self {
        AppState {
            store,
            keys,
            oidc: Arc::default(),
            sign_ins: Arc::default(),
            cookie_secure: false,
            clock: kikan_app::Clock::japan(),
            cert_font_path: kikan_cert::CertFont::default_path(),
            cert_font: Arc::default(),
            metrics: metrics::Metrics::new(None),
            connections: listen::Connections::default(),
            euc: Arc::default(),
            batch_dir: std::env::temp_dir().join("kikan-batch"),
            alert_command: None,
            security_keys: None,
            comm_log: Arc::new(commlog::CommLog::new(
                std::env::temp_dir().join("kikan-comm-log"),
            )),
            cs: None,
        }
    }

    /// Serves `GET /metrics` to holders of this token (none: the endpoint is off).
    pub fn with_metrics_token(mut self, token: Option<&str>) -> Self {
        self.metrics = metrics::Metrics::new(token);
        self
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "kikan", description = "住民記録システム API: the resident registry of a municipality. \
Every route under /api/v1/tenants/{tenant}/ needs a session (POST …/login) or an API token as \
`Authorization: Bearer …` (a business system: an OAuth access token from POST …/oauth/token); reads of personal data need the purpose in `X-Kikan-Purpose` \
(UTF-8, percent-encoded if needed).", license(name = "Apache-2.0")),
    paths(
        routes::health, metrics::ready, metrics::metrics, routes::list_tenants, routes::record_change,
        routes::cancel_change, routes::archive_return, routes::get_person, routes::person_history, routes::ward_removals, routes::honseki_candidates, routes::get_household, routes::household_history,
        routes::search, routes::search_history, routes::residents, routes::ledger, routes::check,
        accounts::login, commlog::list, commlog::retention, commlog::set_retention, keys::sign_in_options, keys::register_options, keys::register, keys::list, keys::remove, oidc::login, oidc::callback, accounts::logout, accounts::me, accounts::list_staff, accounts::add_staff,
        accounts::access_requests, accounts::approve_staff, accounts::approve_token, accounts::set_items, accounts::set_profile, accounts::permission_table, accounts::schedule, accounts::departments, accounts::put_department,
        accounts::change_password, accounts::reset_password, accounts::reset_second_factor,
        accounts::deactivate_staff, accounts::add_token, accounts::list_tokens, accounts::revoke_token, accounts::audit_log, accounts::audit_person,
        accounts::audit_actor, accounts::audit_verify, accounts::audit_summary,
        drafts::add, drafts::list, drafts::commit, drafts::commit_many, drafts::reject, letters::draft_confirmation, letters::hardcopy, intake::changes, intake::certificates, intake::card,
        support::register, support::list, support::extend, support::end, support::confirm,
        support::correct_period, support::transfer, support::decide_request,
        suppress::add, suppress::list, suppress::release_temporarily, suppress::release,
        suppress::take_locks, suppress::give_back_locks, suppress::list_locks, suppress::force_release,
        places::put_place, places::places, places::put_terminal, places::terminals,
        addresses::towns, addresses::levels, addresses::countries, addresses::put_town, addresses::import, addresses::numbers, addresses::katagaki, addresses::put_katagaki, addresses::address_change, addresses::address_change_notices,
        memos::list, memos::write, memos::revise, memos::list_remarks, memos::write_remark, memos::revise_remark, memos::list_cautions, certificates::issuance_history, memos::write_caution, memos::revise_caution, memos::integrated,
        business::list, business::set,
        immigration::import, immigration::list, immigration::apply, immigration::reject,
        outbound::list, outbound::send, outbound::results, outbound::resend,
        cs::items, cs::send, cs::resend, cs::supplement, cs::withdraw, cs::status,
        cs::put_settings, cs::put_chars, cs::chars, cs::reconcile, cs::fetch_codes,
        cs::inbox, cs::move_in_request, cs::apply_notice, cs::receive, cs::request, cs::sending_address, cs::feed, cs::send_holds,
        link::token, link::add_client, link::list_clients, link::approve_client, link::revoke_client, link::new_secret, link::atena, link::atena_changes, link::issuance_holds, kiosk::issue,
        jobs::runs, jobs::run_now, jobs::awaiting_notice, jobs::catalogue, jobs::run_job, jobs::job_runs, jobs::output, jobs::schedules, jobs::put_schedule,
        letters::move_in_inquiry, letters::head_letter, letters::headless, letters::support_period_notice, letters::entry_letter, letters::code_notice, inspection::inspection_list, inspection::random_extract, statistics::statistics, routes::relationships,
        euc::tables, euc::query,
        certificates::preview, certificates::issue, certificates::reprint, certificates::reissue, certificates::dispose, certificates::register,
        certificates::get, certificates::verify,
        certsettings::get, certsettings::put_certifier, certsettings::add_seal, certsettings::set_phrases, certsettings::set_overflow, certsettings::set_member_order, certsettings::household_order, certsettings::set_household_order, printing::list, printing::put, endorse::endorse, chars::variants, chars::list, chars::put, eapp::trust, eapp::add_authority, eapp::add_crl, eapp::verify,
    ),
    tags(
        (name = "operations", description = "Readiness and metrics, for operators"),
        (name = "tenants", description = "Municipalities (団体)"),
        (name = "changes", description = "異動 and the ledger"),
        (name = "residents", description = "住民票, 世帯, search and extraction"),
        (name = "accounts", description = "Login, staff accounts and API tokens"),
        (name = "audit", description = "The audit log (監査)"),
        (name = "addresses", description = "住所辞書 (1.3.2–1.3.4): 町字, 住居表示・地番, 郵便番号, 方書"),
        (name = "support", description = "支援措置 (DB C) and decisions on requests concerning protected persons"),
        (name = "link", description = "庁内データ連携 (7.1.2.3, 7.2.3): business systems as OAuth 2.0 clients (client_secret_jwt; HTTP Basic as an interim), short-lived bearer tokens with scopes `業務システムID:リソース名:操作名`, and the 団体内統合宛名 records"),
        (name = "certificates", description = "住民票の写し, 記載事項証明書, 除票の写し: preview, issue, re-print, the issuance register and verification"),
    )
)]
pub struct ApiDoc;

/// The published description (`/openapi.json`): the handlers' annotations, plus the
/// answers every route of a kind can give, derived from the route table: 401 and 403
/// where a policy guards the route, 404 for an unknown municipality, 400 for a
/// malformed request, 413 for a body over 1 MiB, 500 when the database fails.
pub fn api_description() -> utoipa::openapi::OpenApi {
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    let mut doc = ApiDoc::openapi();
    let error = |text: &str| {
        ResponseBuilder::new()
            .description(text)
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .build(),
            )
            .build()
    };
    for (path, item) in doc.paths.paths.iter_mut() {
        for (method, op) in [
            ("get", item.get.as_mut()),
            ("post", item.post.as_mut()),
            ("put", item.put.as_mut()),
            ("delete", item.delete.as_mut()),
            ("patch", item.patch.as_mut()),
        ] {
            let Some(op) = op else { continue };
            let guarded = policy_of(method, path).is_some_and(|p| p != Policy::Public);
            let mut common = vec![(
                "500",
                "データベースなどの障害(E-STORE-001 …)。原因はログにだけ記録されます",
            )];
            if path.starts_with("/api/v1/tenants/{tenant}") {
                common.push((
                    "404",
                    "団体コードが登録されていない、または対象が見つからない",
                ));
            }
            if guarded {
                common.push((
                    "401",
                    "認証がない、期限切れ、または他の団体の認証(E-AUTH-001, E-AUTH-002)",
                ));
                common.push((
                    "403",
                    "この役割には許可されていない操作(E-AUTH-003)、または業務システムのアクセストークンのスコープ外(E-AUTH-011, E-AUTH-012)",
                ));
            }
            if guarded || op.request_body.is_some() || op.parameters.is_some() {
                common.push((
                    "400",
                    "リクエストの形式が正しくない、または利用目的(X-Kikan-Purpose)がない",
                ));
            }
            let body = op.request_body.is_some();
            for (status, text) in common {
                op.responses
                    .responses
                    .entry(status.to_string())
                    .or_insert_with(|| error(text).into());
            }
            if body {
                op.responses
                    .responses
                    .entry("413".into())
                    .or_insert_with(|| {
                        ResponseBuilder::new()
                            .description("リクエストの本文が大きすぎる(1 MiB まで)")
                            .build()
                            .into()
                    });
            }
        }
    }
    doc
}

fn policy_of(method: &str, path: &str) -> Option<Policy> {
    ROUTES
        .iter()
        .find(|(m, p, _)| *m == method && *p == path)
        .map(|(_, _, p)| *p)
}

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    static DOC: std::sync::OnceLock<utoipa::openapi::OpenApi> = std::sync::OnceLock::new();
    Json(DOC.get_or_init(api_description).clone())
}

/// The route table: every route with its method and its policy, in one place. The
/// router is built from it and the authorisation middleware reads it, so a route
/// cannot exist without a policy.
macro_rules! api {
    ($($method:ident $path:literal => $handler:path, $policy:expr;)+) => {
        /// Every route: (method, path template, policy).
        pub const ROUTES: &[(&str, &str, Policy)] = &[$((stringify!($method), $path, $policy)),+];

        fn api_routes() -> Router<AppState> {
            Router::new()$(.route($path, axum::routing::$method($handler)))+
        }
    };
}

api! {
    get "/health" => routes::health, Policy::Public;
    get "/ready" => metrics::ready, Policy::Public;
    get "/metrics" => metrics::metrics, Policy::Public;
    get "/openapi.json" => openapi, Policy::Public;
    get "/api/v1/tenants" => routes::list_tenants, Policy::Public;
    post "/api/v1/tenants/{tenant}/login" => accounts::login, Policy::Public;
    post "/api/v1/tenants/{tenant}/login/key-options" => keys::sign_in_options, Policy::Public;
    post "/api/v1/tenants/{tenant}/me/security-keys/options" => keys::register_options, Policy::SignedIn;
    post "/api/v1/tenants/{tenant}/me/security-keys" => keys::register, Policy::SignedIn;
    get "/api/v1/tenants/{tenant}/me/security-keys" => keys::list, Policy::SignedIn;
    delete "/api/v1/tenants/{tenant}/me/security-keys/{id}" => keys::remove, Policy::SignedIn;
    get "/api/v1/tenants/{tenant}/oidc/login" => oidc::login, Policy::Public;
    get "/api/v1/tenants/{tenant}/oidc/callback" => oidc::callback, Policy::Public;
    post "/api/v1/tenants/{tenant}/logout" => accounts::logout, Policy::SignedIn;
    get "/api/v1/tenants/{tenant}/me" => accounts::me, Policy::SignedIn;
    post "/api/v1/tenants/{tenant}/changes" => routes::record_change, Policy::Needs(Permission::CommitChange);
    post "/api/v1/tenants/{tenant}/changes/{seq}/cancel" => routes::cancel_change, Policy::Needs(Permission::CommitChange);
    post "/api/v1/tenants/{tenant}/persons/{id}/archive-return" => routes::archive_return, Policy::Needs(Permission::CommitChange);
    post "/api/v1/tenants/{tenant}/immigration-notices" => immigration::import, Policy::Needs(Permission::CommitChange);
    get "/api/v1/tenants/{tenant}/immigration-notices" => immigration::list, Policy::Needs(Permission::CommitChange);
    post "/api/v1/tenants/{tenant}/immigration-notices/{id}/apply" => immigration::apply, Policy::Needs(Permission::CommitChange);
    post "/api/v1/tenants/{tenant}/immigration-notices/{id}/reject" => immigration::reject, Policy::Needs(Permission::CommitChange);
    get "/api/v1/tenants/{tenant}/immigration-outbox" => outbound::list, Policy::Needs(Permission::CommitChange);
    get "/api/v1/tenants/{tenant}/certificate-settings" => certsettings::get, Policy::SignedIn;
    post "/api/v1/tenants/{tenant}/certifiers" => certsettings::put_certifier, Policy::Needs(Permission::ManageCertificateSettings);
    post "/api/v1/tenants/{tenant}/seals" => certsettings::add_seal, Policy::Needs(Permission::ManageCertificateSettings);
    put "/api/v1/tenants/{tenant}/certificate-phrases" => certsettings::set_phrases, Policy::Needs(Permission::ManageCertificateSettings);
    put "/api/v1/tenants/{tenant}/certificate-overflow" => certsettings::set_overflow, Policy::Needs(Permission::ManageCertificateSettings);
    put "/api/v1/tenants/{tenant}/certificate-member-order" => certsettings::set_member_order, Policy::Needs(Permission::ManageCertificateSettings);
    get "/api/v1/tenants/{tenant}/households/{id}/member-order" => certsettings::household_order, Policy::Needs(Permission::ReadResidents);
    put "/api/v1/tenants/{tenant}/households/{id}/member-order" => certsettings::set_household_order, Policy::Needs(Permission::CommitChange);
    get "/api/v1/tenants/{tenant}/printers" => printing::list, Policy::SignedIn;
    get "/api/v1/tenants/{tenant}/jpki" => eapp::trust, Policy::SignedIn;
    get "/api/v1/tenants/{tenant}/chars/variants" => chars::variants, Policy::SignedIn;
    get "/api/v1/tenants/{tenant}/gaiji" => chars::list, Policy::SignedIn;
    post "/api/v1/tenants/{tenant}/gaiji" => chars::put, Policy::Needs(Permission::ManageCharacters);
    post "/api/v1/tenants/{tenant}/persons/{id}/card-endorsement" => endorse::endorse, Policy::Needs(Permission::IssueCertificate);
    post "/api/v1/tenants/{tenant}/jpki/authorities" => eapp::add_authority, Policy::Needs(Permission::ManageCertificateSettings);
    post "/api/v1/tenants/{tenant}/jpki/crls" => eapp::add_crl, Policy::Needs(Permission::ManageCertificateSettings);
    post "/api/v1/tenants/{tenant}/e-applications/verify" => eapp::verify, Policy::Needs(Permission::IssueCertificate);
    post "/api/v1/tenants/{tenant}/printers" => printing::put, Policy::Needs(Permission::ManageCertificateSettings);
    post "/api/v1/tenants/{tenant}/immigration-outbox/send" => outbound::send, Policy::Needs(Permission::CommitChange);
    post "/api/v1/tenants/{tenant}/immigration-outbox/results" => outbound::results, Policy::Needs(Permission::CommitChange);
    post "/api/v1/tenants/{tenant}/immigration-outbox/{id}/resend" => outbound::resend, Policy::Needs(Permission::CommitChange);
    get "/api/v1/tenants/{tenant}/cs/items" => cs::items, Policy::Needs(Permission::CommitChange);
    post "/api/v1/tenants/{tenant}/cs/send" => cs::send, Policy::Needs(Permission::CommitChange);
    post "/api/v1/tenants/{tenant}/cs/items/{id}/resend" => cs::resend, Policy::Needs(Permission::CommitChange);
    post "/api/v1/tenants/{tenant}/cs/items/{id}/supplement" => cs::supplement, Policy::Needs(Permission::CommitChange);
    post "/api/v1/tenants/{tenant}/cs/items/{id}/withdraw" => cs::withdraw, Policy::Needs(Permission::CommitChange);
    get "/api/v1/tenants/{tenant}/cs/status" => cs::status, Policy::Needs(Permission::CommitChange);
    put "/api/v1/tenants/{tenant}/cs/settings" => cs::put_settings, Policy::Needs(Permission::CommitChange);
    post "/api/v1/tenants/{tenant}/cs/chars" => cs::put_chars, Policy::Needs(Permission::CommitChange);
    get "/api/v1/tenants/{tenant}/cs/chars" => cs::chars, Policy::Needs(Permission::CommitChange);
    post "/api/v1/tenants/{tenant}/cs/reconcile" => cs::reconcile, Policy::Needs(Permission::CommitChange);
    post "/api/v1/tenants/{tenant}/cs/codes" => cs::fetch_codes, Policy::Needs(Permission::CommitChange);
    get "/api/v1/tenants/{tenant}/cs/inbox" => cs::inbox, Policy::Needs(Permission::CommitChange);
    get "/api/v1/tenants/{tenant}/cs/inbox/{key}/move-in" => cs::move_in_request, Policy::Needs(Permission::CommitChange);
    post "/api/v1/tenants/{tenant}/cs/inbox/{key}/apply" => cs::apply_notice, Policy::Needs(Permission::CommitChange);
    post "/api/v1/tenants/{tenant}/cs/receive" => cs::receive, Policy::Needs(Permission::CommitChange);
    post "/api/v1/tenants/{tenant}/cs/persons/{id}/requests" => cs::request, Policy::Needs(Permission::CommitChange);
    post "/api/v1/tenants/{tenant}/cs/holds" => cs::send_holds, Policy::Needs(Permission::CommitChange);
    put "/api/v1/tenants/{tenant}/cs/persons/{id}/sending-address" => cs::sending_address, Policy::Needs(Permission::CommitChange);
    post "/api/v1/tenants/{tenant}/drafts" => drafts::add, Policy::Needs(Permission::DraftChange);
    post "/api/v1/tenants/{tenant}/intake/changes" => intake::changes, Policy::Needs(Permission::DraftChange);
    post "/api/v1/tenants/{tenant}/intake/certificates" => intake::certificates, Policy::Needs(Permission::IssueCertificate);
    post "/api/v1/tenants/{tenant}/intake/card" => intake::card, Policy::Needs(Permission::ReadResidents);
    get "/api/v1/tenants/{tenant}/drafts" => drafts::list, Policy::Needs(Permission::DraftChange);
    get "/api/v1/tenants/{tenant}/drafts/{id}/confirmation" => letters::draft_confirmation, Policy::Needs(Permission::DraftChange);
    post "/api/v1/tenants/{tenant}/hardcopies" => letters::hardcopy, Policy::SignedIn;
    post "/api/v1/tenants/{tenant}/drafts/{id}/commit" => drafts::commit, Policy::Needs(Permission::CommitChange);
    post "/api/v1/tenants/{tenant}/drafts/commit" => drafts::commit_many, Policy::Needs(Permission::CommitChange);
    post "/api/v1/tenants/{tenant}/drafts/{id}/reject" => drafts::reject, Policy::Needs(Permission::CommitChange);
    get "/api/v1/tenants/{tenant}/persons/{id}" => routes::get_person, Policy::Needs(Permission::ReadResidents);
    get "/api/v1/tenants/{tenant}/persons/{id}/history" => routes::person_history, Policy::Needs(Permission::ReadResidents);
    get "/api/v1/tenants/{tenant}/persons/{id}/ward-removals" => routes::ward_removals, Policy::Needs(Permission::ReadResidents);
    get "/api/v1/tenants/{tenant}/persons/{id}/honseki-candidates" => routes::honseki_candidates, Policy::Needs(Permission::ReadResidents);
    get "/api/v1/tenants/{tenant}/persons/{id}/memos" => memos::list, Policy::Needs(Permission::ReadResidents);
    get "/api/v1/tenants/{tenant}/persons/{id}/business-items" => business::list, Policy::Needs(Permission::ReadResidents);
    post "/api/v1/tenants/{tenant}/persons/{id}/business-items" => business::set, Policy::Needs(Permission::SetBusinessItems);
    post "/api/v1/tenants/{tenant}/persons/{id}/memos" => memos::write, Policy::Needs(Permission::DraftChange);
    post "/api/v1/tenants/{tenant}/persons/{id}/memos/{memo_id}" => memos::revise, Policy::Needs(Permission::DraftChange);
    get "/api/v1/tenants/{tenant}/persons/{id}/remarks" => memos::list_remarks, Policy::Needs(Permission::ReadResidents);
    post "/api/v1/tenants/{tenant}/persons/{id}/remarks" => memos::write_remark, Policy::Needs(Permission::CommitChange);
    post "/api/v1/tenants/{tenant}/persons/{id}/remarks/{memo_id}" => memos::revise_remark, Policy::Needs(Permission::CommitChange);
    get "/api/v1/tenants/{tenant}/persons/{id}/cautions" => memos::list_cautions, Policy::Needs(Permission::ReadResidents);
    get "/api/v1/tenants/{tenant}/persons/{id}/issuance-history" => certificates::issuance_history, Policy::Needs(Permission::IssueCertificate);
    post "/api/v1/tenants/{tenant}/persons/{id}/cautions" => memos::write_caution, Policy::Needs(Permission::CommitChange);
    post "/api/v1/tenants/{tenant}/persons/{id}/cautions/{memo_id}" => memos::revise_caution, Policy::Needs(Permission::CommitChange);
    get "/api/v1/tenants/{tenant}/persons/{id}/integrated" => memos::integrated, Policy::Needs(Permission::ReadResidents);
    get "/api/v1/tenants/{tenant}/households/{id}" => routes::get_household, Policy::Needs(Permission::ReadResidents);
    get "/api/v1/tenants/{tenant}/households/{id}/history" => routes::household_history, Policy::Needs(Permission::ReadResidents);
    get "/api/v1/tenants/{tenant}/search" => routes::search, Policy::Needs(Permission::ReadResidents);
    get "/api/v1/tenants/{tenant}/search-history" => routes::search_history, Policy::Needs(Permission::ReadResidents);
    get "/api/v1/tenants/{tenant}/residents" => routes::residents, Policy::Scoped(Permission::Export, Resource::Residents);
    get "/api/v1/tenants/{tenant}/ledger" => routes::ledger, Policy::Needs(Permission::Export);
    get "/api/v1/tenants/{tenant}/feed/changes" => cs::feed, Policy::Scoped(Permission::Export, Resource::Changes);
    post "/api/v1/tenants/{tenant}/oauth/token" => link::token, Policy::Public;
    post "/api/v1/tenants/{tenant}/link/clients" => link::add_client, Policy::Needs(Permission::ManageAccounts);
    get "/api/v1/tenants/{tenant}/link/clients" => link::list_clients, Policy::Needs(Permission::ManageAccounts);
    post "/api/v1/tenants/{tenant}/link/clients/{id}/approve" => link::approve_client, Policy::Needs(Permission::ApproveAccess);
    post "/api/v1/tenants/{tenant}/link/clients/{id}/revoke" => link::revoke_client, Policy::Needs(Permission::ManageAccounts);
    post "/api/v1/tenants/{tenant}/link/clients/{id}/secret" => link::new_secret, Policy::Needs(Permission::ManageAccounts);
    get "/api/v1/tenants/{tenant}/atena" => link::atena, Policy::Scoped(Permission::Export, Resource::Atena);
    get "/api/v1/tenants/{tenant}/atena/changes" => link::atena_changes, Policy::Scoped(Permission::Export, Resource::Atena);
    get "/api/v1/tenants/{tenant}/issuance-holds" => link::issuance_holds, Policy::Scoped(Permission::Export, Resource::IssuanceHolds);
    post "/api/v1/tenants/{tenant}/kiosk/certificates" => kiosk::issue, Policy::Scoped(Permission::IssueCertificate, Resource::KioskCertificates);
    post "/api/v1/tenants/{tenant}/check" => routes::check, Policy::Needs(Permission::RunCheck);
    get "/api/v1/tenants/{tenant}/staff" => accounts::list_staff, Policy::Needs(Permission::ManageAccounts);
    post "/api/v1/tenants/{tenant}/staff" => accounts::add_staff, Policy::Needs(Permission::ManageAccounts);
    post "/api/v1/tenants/{tenant}/me/password" => accounts::change_password, Policy::SignedIn;
    post "/api/v1/tenants/{tenant}/staff/{login}/password" => accounts::reset_password, Policy::Needs(Permission::ManageAccounts);
    post "/api/v1/tenants/{tenant}/staff/{login}/totp-reset" => accounts::reset_second_factor, Policy::Needs(Permission::ManageAccounts);
    post "/api/v1/tenants/{tenant}/staff/{login}/items" => accounts::set_items, Policy::Needs(Permission::ManageAccounts);
    post "/api/v1/tenants/{tenant}/staff/{login}/profile" => accounts::set_profile, Policy::Needs(Permission::ManageAccounts);
    get "/api/v1/tenants/{tenant}/staff/permission-table" => accounts::permission_table, Policy::Needs(Permission::ManageAccounts);
    post "/api/v1/tenants/{tenant}/staff/{login}/schedule" => accounts::schedule, Policy::Needs(Permission::ManageAccounts);
    get "/api/v1/tenants/{tenant}/departments" => accounts::departments, Policy::Needs(Permission::ManageAccounts);
    post "/api/v1/tenants/{tenant}/departments" => accounts::put_department, Policy::Needs(Permission::ManageAccounts);
    post "/api/v1/tenants/{tenant}/staff/{login}/deactivate" => accounts::deactivate_staff, Policy::Needs(Permission::ManageAccounts);
    get "/api/v1/tenants/{tenant}/access-requests" => accounts::access_requests, Policy::Needs(Permission::ApproveAccess);
    post "/api/v1/tenants/{tenant}/staff/{login}/approve" => accounts::approve_staff, Policy::Needs(Permission::ApproveAccess);
    post "/api/v1/tenants/{tenant}/tokens/{id}/approve" => accounts::approve_token, Policy::Needs(Permission::ApproveAccess);
    post "/api/v1/tenants/{tenant}/tokens" => accounts::add_token, Policy::Needs(Permission::ManageAccounts);
    get "/api/v1/tenants/{tenant}/tokens" => accounts::list_tokens, Policy::Needs(Permission::ManageAccounts);
    post "/api/v1/tenants/{tenant}/tokens/{id}/revoke" => accounts::revoke_token, Policy::Needs(Permission::ManageAccounts);
    get "/api/v1/tenants/{tenant}/audit" => accounts::audit_log, Policy::Needs(Permission::ReadAudit);
    get "/api/v1/tenants/{tenant}/comm-log" => commlog::list, Policy::Needs(Permission::ReadAudit);
    get "/api/v1/tenants/{tenant}/log-retention" => commlog::retention, Policy::SignedIn;
    put "/api/v1/tenants/{tenant}/log-retention" => commlog::set_retention, Policy::Needs(Permission::ManageAccounts);
    get "/api/v1/tenants/{tenant}/audit/persons/{id}" => accounts::audit_person, Policy::Needs(Permission::ReadAudit);
    get "/api/v1/tenants/{tenant}/audit/staff/{actor}" => accounts::audit_actor, Policy::Needs(Permission::ReadAudit);
    get "/api/v1/tenants/{tenant}/audit/summary" => accounts::audit_summary, Policy::Needs(Permission::ReadAudit);
    get "/api/v1/tenants/{tenant}/audit/verify" => accounts::audit_verify, Policy::Needs(Permission::ReadAudit);
    post "/api/v1/tenants/{tenant}/support-measures" => support::register, Policy::Needs(Permission::ApproveException);
    get "/api/v1/tenants/{tenant}/support-measures" => support::list, Policy::Needs(Permission::ApproveException);
    post "/api/v1/tenants/{tenant}/support-measures/{id}/extend" => support::extend, Policy::Needs(Permission::ApproveException);
    post "/api/v1/tenants/{tenant}/support-measures/{id}/end" => support::end, Policy::Needs(Permission::ApproveException);
    post "/api/v1/tenants/{tenant}/support-measures/{id}/confirm" => support::confirm, Policy::Needs(Permission::ApproveException);
    post "/api/v1/tenants/{tenant}/support-measures/{id}/transfer" => support::transfer, Policy::Needs(Permission::ApproveException);
    post "/api/v1/tenants/{tenant}/support-measures/{id}/period" => support::correct_period, Policy::Needs(Permission::ApproveException);
    get "/api/v1/tenants/{tenant}/support-measures/{id}/end-notice" => letters::support_period_notice, Policy::Needs(Permission::ApproveException);
    post "/api/v1/tenants/{tenant}/places" => places::put_place, Policy::Needs(Permission::ManageAccounts);
    get "/api/v1/tenants/{tenant}/places" => places::places, Policy::SignedIn;
    get "/api/v1/tenants/{tenant}/address-dictionary/towns" => addresses::towns, Policy::SignedIn;
    post "/api/v1/tenants/{tenant}/address-dictionary/towns" => addresses::put_town, Policy::Needs(Permission::ManageAddresses);
    get "/api/v1/tenants/{tenant}/address-dictionary/levels" => addresses::levels, Policy::SignedIn;
    get "/api/v1/tenants/{tenant}/address-dictionary/countries" => addresses::countries, Policy::SignedIn;
    post "/api/v1/tenants/{tenant}/address-dictionary/import" => addresses::import, Policy::Needs(Permission::ManageAddresses);
    get "/api/v1/tenants/{tenant}/address-dictionary/numbers" => addresses::numbers, Policy::SignedIn;
    get "/api/v1/tenants/{tenant}/address-dictionary/katagaki" => addresses::katagaki, Policy::SignedIn;
    post "/api/v1/tenants/{tenant}/address-dictionary/katagaki" => addresses::put_katagaki, Policy::Needs(Permission::ManageAddresses);
    post "/api/v1/tenants/{tenant}/address-changes" => addresses::address_change, Policy::Needs(Permission::CommitChange);
    post "/api/v1/tenants/{tenant}/address-changes/notices" => addresses::address_change_notices, Policy::Needs(Permission::CommitChange);
    get "/api/v1/tenants/{tenant}/jobs/daily" => jobs::runs, Policy::Needs(Permission::RunCheck);
    post "/api/v1/tenants/{tenant}/jobs/daily" => jobs::run_now, Policy::Needs(Permission::CommitChange);
    get "/api/v1/tenants/{tenant}/jobs" => jobs::catalogue, Policy::Needs(Permission::Export);
    get "/api/v1/tenants/{tenant}/jobs/schedules" => jobs::schedules, Policy::Needs(Permission::Export);
    post "/api/v1/tenants/{tenant}/jobs/schedules" => jobs::put_schedule, Policy::Needs(Permission::Export);
    post "/api/v1/tenants/{tenant}/jobs/{job}/run" => jobs::run_job, Policy::Needs(Permission::Export);
    get "/api/v1/tenants/{tenant}/jobs/{job}/runs" => jobs::job_runs, Policy::Needs(Permission::Export);
    get "/api/v1/tenants/{tenant}/jobs/runs/{id}/output" => jobs::output, Policy::Needs(Permission::Export);
    get "/api/v1/tenants/{tenant}/move-outs/awaiting-notice" => jobs::awaiting_notice, Policy::Needs(Permission::ReadResidents);
    get "/api/v1/tenants/{tenant}/persons/{id}/move-in-inquiry" => letters::move_in_inquiry, Policy::Needs(Permission::ReadResidents);
    get "/api/v1/tenants/{tenant}/households/{id}/head-letter" => letters::head_letter, Policy::Needs(Permission::ReadResidents);
    get "/api/v1/tenants/{tenant}/households/headless" => letters::headless, Policy::Needs(Permission::ReadResidents);
    get "/api/v1/tenants/{tenant}/entries/{seq}/{letter}" => letters::entry_letter, Policy::Needs(Permission::ReadResidents);
    get "/api/v1/tenants/{tenant}/persons/{id}/code-notice" => letters::code_notice, Policy::Needs(Permission::ReadResidents);
    post "/api/v1/tenants/{tenant}/inspection-list" => inspection::inspection_list, Policy::Needs(Permission::ReadResidents);
    get "/api/v1/tenants/{tenant}/statistics" => statistics::statistics, Policy::Needs(Permission::ReadResidents);
    post "/api/v1/tenants/{tenant}/random-extract" => inspection::random_extract, Policy::Needs(Permission::ReadResidents);
    get "/api/v1/tenants/{tenant}/euc/tables" => euc::tables, Policy::Needs(Permission::Export);
    post "/api/v1/tenants/{tenant}/euc/query" => euc::query, Policy::Needs(Permission::Export);
    get "/api/v1/tenants/{tenant}/relationships" => routes::relationships, Policy::SignedIn;
    post "/api/v1/tenants/{tenant}/terminals" => places::put_terminal, Policy::Needs(Permission::ManageAccounts);
    get "/api/v1/tenants/{tenant}/terminals" => places::terminals, Policy::SignedIn;
    post "/api/v1/tenants/{tenant}/suppressions" => suppress::add, Policy::Needs(Permission::ManageSuppression);
    get "/api/v1/tenants/{tenant}/suppressions" => suppress::list, Policy::Needs(Permission::ManageSuppression);
    post "/api/v1/tenants/{tenant}/suppressions/{id}/release-temporarily" => suppress::release_temporarily, Policy::Needs(Permission::ReleaseSuppression);
    post "/api/v1/tenants/{tenant}/suppressions/{id}/release" => suppress::release, Policy::Needs(Permission::ManageSuppression);
    post "/api/v1/tenants/{tenant}/locks" => suppress::take_locks, Policy::Needs(Permission::DraftChange);
    post "/api/v1/tenants/{tenant}/locks/release" => suppress::give_back_locks, Policy::Needs(Permission::DraftChange);
    get "/api/v1/tenants/{tenant}/locks" => suppress::list_locks, Policy::Needs(Permission::ManageSuppression);
    post "/api/v1/tenants/{tenant}/locks/force-release" => suppress::force_release, Policy::Needs(Permission::ManageSuppression);
    post "/api/v1/tenants/{tenant}/requests/decide" => support::decide_request, Policy::Needs(Permission::IssueCertificate);
    post "/api/v1/tenants/{tenant}/certificates/preview" => certificates::preview, Policy::Needs(Permission::IssueCertificate);
    post "/api/v1/tenants/{tenant}/certificates" => certificates::issue, Policy::Needs(Permission::IssueCertificate);
    get "/api/v1/tenants/{tenant}/certificates" => certificates::register, Policy::Needs(Permission::IssueCertificate);
    post "/api/v1/tenants/{tenant}/certificates/verify" => certificates::verify, Policy::Needs(Permission::IssueCertificate);
    get "/api/v1/tenants/{tenant}/certificates/{serial}" => certificates::get, Policy::Needs(Permission::IssueCertificate);
    post "/api/v1/tenants/{tenant}/certificates/{serial}/reprint" => certificates::reprint, Policy::Needs(Permission::IssueCertificate);
    post "/api/v1/tenants/{tenant}/certificates/{serial}/dispose" => certificates::dispose, Policy::Needs(Permission::IssueCertificate);
    post "/api/v1/tenants/{tenant}/certificates/{serial}/reissue" => certificates::reissue, Policy::Needs(Permission::IssueCertificate);
}

/// The policy of a matched route (None: the route is not in the table).
pub fn policy(method: &axum::http::Method, path: &str) -> Option<Policy> {
    let m = method.as_str().to_ascii_lowercase();
    // HEAD is answered by GET routes.
    let m = if m == "head" { "get".to_string() } else { m };
    policy_of(&m, path)
}

/// The methods a path template has in the route table (empty: not a route).
pub fn methods(path: &str) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = ROUTES
        .iter()
        .filter(|(_, rp, _)| *rp == path)
        .map(|(m, _, _)| *m)
        .collect();
    if out.contains(&"get") {
        out.push("head");
    }
    out
}

/// Security headers on every response: no caching of personal data, no framing,
/// no sniffing, no referrer, a strict content policy.
async fn security_headers(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::http::HeaderValue;
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    for (name, value) in [
        ("cache-control", "no-store"),
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "no-referrer"),
        (
            "content-security-policy",
            "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        ),
        ("cross-origin-opener-policy", "same-origin"),
    ] {
        h.insert(name, HeaderValue::from_static(value));
    }
    res
}

/// `Server-Timing: app;dur=…` on every response: the time the server spent, in ms, which
/// the browser reports per request (the UI's page-time measurement reads it).
async fn server_timing(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let started = std::time::Instant::now();
    let mut res = next.run(req).await;
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    if let Ok(v) = axum::http::HeaderValue::from_str(&format!("app;dur={ms:.2}")) {
        res.headers_mut().insert("server-timing", v);
    }
    res
}

/// Refuses a request with a NUL character in its path, query or JSON body: no field
/// of the registry holds one (and PostgreSQL's text cannot), so it is bad input, 400.
async fn reject_nul(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let refused = || {
        error::ApiError::bad_request("NUL文字(U+0000)は使えません。入力を確認してください")
            .into_response()
    };
    let uri = req.uri().to_string();
    if uri.contains("%00") || uri.contains('\0') {
        return refused();
    }
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, 1024 * 1024).await {
        Ok(b) => b,
        // `stable_codes` (outside this layer) gives the answer its code and message.
        Err(_) => return axum::http::StatusCode::PAYLOAD_TOO_LARGE.into_response(),
    };
    if bytes.contains(&0) || bytes.windows(6).any(|w| w.eq_ignore_ascii_case(b"\\u0000")) {
        return refused();
    }
    next.run(axum::extract::Request::from_parts(
        parts,
        axum::body::Body::from(bytes),
    ))
    .await
}

/// Every error answer has a stable code: an answer the handlers did not make (no
/// route, a body over the limit, a timeout) gets the API's error body too; headers
/// over the limit are refused here, before anything else reads them.
async fn stable_codes(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    if headers_too_large(&req) {
        return error::ApiError::new(
            axum::http::StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "E-HTTP-431",
            "リクエストのヘッダーが大きすぎます(32 KiB まで)",
        )
        .into_response();
    }
    let res = next.run(req).await;
    let status = res.status();
    if !status.is_client_error() && !status.is_server_error()
        || res.extensions().get::<metrics::ErrorCode>().is_some()
        || res
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .is_some_and(|c| c.as_bytes().starts_with(b"application/json"))
    {
        return res;
    }
    let message = match status.as_u16() {
        404 => "URLが見つかりません",
        405 => "このURLではこのメソッドは使えません",
        408 => "処理が時間内に終わりませんでした。時間をおいて再度お試しください",
        413 => "リクエストの本文が大きすぎます(1 MiB まで)",
        _ => "リクエストを処理できませんでした",
    };
    let allow = res.headers().get(axum::http::header::ALLOW).cloned();
    let mut out = error::ApiError::new(status, &format!("E-HTTP-{}", status.as_u16()), message)
        .into_response();
    if let Some(a) = allow {
        out.headers_mut().insert(axum::http::header::ALLOW, a);
    }
    out
}

/// The most bytes of header lines a request may carry (names and values).
pub const MAX_HEADER_BYTES: usize = 32 * 1024;

/// Whether a request's header lines (names and values) pass [`MAX_HEADER_BYTES`]: it is
/// then answered 431 with a code and the security headers, like every other refusal.
/// (hyper itself answers a bare 431, before kikan sees the request, only past its
/// buffer, [`listen::MAX_HEAD_BYTES`], or past 100 header lines.)
fn headers_too_large(req: &axum::extract::Request) -> bool {
    let size: usize = req
        .headers()
        .iter()
        .map(|(k, v)| k.as_str().len() + v.len() + 4)
        .sum();
    size > MAX_HEADER_BYTES
}

/// The whole application.
pub fn router(state: AppState) -> Router {
    api_routes()
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::authorize,
        ))
        .route_layer(axum::middleware::from_fn(reject_nul))
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .merge(ui::routes())
        .layer(RequestBodyLimitLayer::new(1024 * 1024))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(60),
        ))
        .layer(axum::middleware::from_fn(stable_codes))
        .layer(axum::middleware::from_fn(security_headers))
        .layer(axum::middleware::from_fn(server_timing))
        // Spans carry the method and the path, never the query string: search criteria
        // (names, birth dates) are personal data.
        .layer(TraceLayer::new_for_http().make_span_with(
            |req: &axum::http::Request<axum::body::Body>| {
                tracing::info_span!("request", method = %req.method(), path = %req.uri().path())
            },
        ))
        .with_state(state)
}

/// Serves the application on `listener` until ctrl-c.
pub async fn serve(listener: tokio::net::TcpListener, mut state: AppState) -> std::io::Result<()> {
    if state.security_keys.is_none() {
        // Keys are bound to a host name, never an IP address: on this machine, localhost.
        let port = listener.local_addr()?.port();
        state.security_keys = keys::SecurityKeys::for_origin(&format!("http://localhost:{port}"))
            .ok()
            .map(Arc::new);
    }
    metrics::spawn_upkeep(state.metrics.clone());
    let limits = state.connections;
    listen::serve(listener, router(state), limits, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
}
