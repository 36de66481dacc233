//! The real server on a loopback port, with accounts of every role, for the HTTP
//! and security tests.

use crate::{TestStore, ok};
use kikan_domain::LocalGovCode;
use kikan_security::Role;
use kikan_security::crypto::Keyring;
use kikan_server::AppState;
use kikan_store::{Store, Tenant};
use serde_json::{Value, json};
use std::sync::Arc;

pub struct App {
    pub base: String,
    pub client: reqwest::Client,
    pub store: Arc<dyn Store>,
    pub keys: Arc<Keyring>,
    /// The server's task: stopped by [`App::stop`].
    server: tokio::task::AbortHandle,
}

/// Binds the port of `base` (`http://host:port`) again once a stopped server has let
/// it go.
pub async fn bind_again(base: &str) -> tokio::net::TcpListener {
    let addr = base.trim_start_matches("http://");
    let mut tries = 0;
    loop {
        match tokio::net::TcpListener::bind(addr).await {
            Ok(l) => return l,
            Err(_) if tries < 50 => {
                tries += 1;
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            Err(e) => panic!("cannot bind {addr} again: {e}"),
        }
    }
}

/// A staff member created for a test, with what they log in with.
pub struct Staff {
    pub login: String,
    pub password: String,
    pub totp_secret: String,
}

/// A caller: a bearer token and a stated purpose.
#[derive(Clone)]
pub struct Caller {
    pub app_base: String,
    pub client: reqwest::Client,
    pub token: Option<String>,
    pub purpose: Option<String>,
    /// The registered terminal the requests name (`X-Kikan-Terminal`).
    pub terminal: Option<String>,
}

pub fn test_keys() -> Arc<Keyring> {
    Arc::new(ok(Keyring::parse(
        &format!("1:{}", Keyring::new_key()),
        &Keyring::new_key(),
    )))
}

impl App {
    pub async fn spawn(s: TestStore) -> App {
        Self::spawn_with(s, |state| state).await
    }

    /// A server whose state is adjusted first (a metrics token, say).
    /// A server whose today is a [`Calendar`] the test moves, from `first_day`.
    pub async fn spawn_on(s: TestStore, first_day: &str) -> (App, Calendar) {
        let calendar = Calendar(Arc::new(std::sync::atomic::AtomicI32::new(0)));
        calendar.set(first_day);
        let days = calendar.clone();
        let app = App::spawn_with(s, move |mut st| {
            st.clock = kikan_app::Clock::from_fn(move || days.today());
            st
        })
        .await;
        (app, calendar)
    }

    pub async fn spawn_with(s: TestStore, adjust: impl FnOnce(AppState) -> AppState) -> App {
        let listener = ok(tokio::net::TcpListener::bind("127.0.0.1:0").await);
        let port = listener.local_addr().map(|a| a.port()).unwrap_or_default();
        let keys = Arc::new(s.store().sealer().keys().clone());
        let server = tokio::spawn(kikan_server::serve(
            listener,
            adjust(AppState::new(s.store(), keys.clone())),
        ))
        .abort_handle();
        App {
            base: format!("http://127.0.0.1:{port}"),
            client: reqwest::Client::new(),
            store: s.store(),
            keys,
            server,
        }
    }

    /// Stops the server at once, whatever it was doing (its store stays: a killed
    /// process's database).
    pub fn stop(&self) {
        self.server.abort();
    }

    /// Starts the server again on the same port and store.
    pub async fn restart(&mut self, adjust: impl FnOnce(AppState) -> AppState) {
        self.server.abort();
        let listener = bind_again(&self.base).await;
        self.server = tokio::spawn(kikan_server::serve(
            listener,
            adjust(AppState::new(self.store.clone(), self.keys.clone())),
        ))
        .abort_handle();
    }

    /// Registers a municipality (as the operator's CLI does).
    pub async fn tenant(&self, code: &str, name: &str) -> LocalGovCode {
        let code = ok(LocalGovCode::parse(code));
        ok(self
            .store
            .add_tenant(&Tenant {
                code,
                name: name.into(),
                mayor: format!("{name}長　見本　一郎"),
            })
            .await);
        code
    }

    pub async fn staff(&self, tenant: LocalGovCode, login: &str, role: Role) -> Staff {
        let password = format!("pw-{login}-{:08x}", rand::random::<u32>());
        let name = format!("{login} 職員");
        let new = kikan_app::accounts::StaffIn {
            login,
            name: &name,
            role,
            password: &password,
            requested_by: None,
        };
        let created =
            ok(kikan_app::accounts::add_staff(&*self.store, &self.keys, tenant, new).await);
        Staff {
            login: login.into(),
            password,
            totp_secret: created.totp_secret.unwrap_or_default(),
        }
    }

    /// The current TOTP code of a staff member.
    pub fn code(staff: &Staff) -> String {
        let now = chrono::Utc::now().timestamp().max(0) as u64;
        kikan_security::totp::code_at(&staff.totp_secret, now).unwrap_or_default()
    }

    /// Logs in over HTTP; returns the status and the body.
    pub async fn login_raw(
        &self,
        tenant: LocalGovCode,
        login: &str,
        password: &str,
        totp: &str,
    ) -> (u16, Value) {
        self.anonymous()
            .post(
                &format!("/api/v1/tenants/{tenant}/login"),
                json!({"login": login, "password": password, "totp": totp}),
            )
            .await
    }

    /// A staff member signed in over HTTP, as a caller with a purpose.
    pub async fn signed_in(&self, tenant: LocalGovCode, staff: &Staff) -> Caller {
        let (status, v) = self
            .login_raw(tenant, &staff.login, &staff.password, &App::code(staff))
            .await;
        assert_eq!(status, 200, "login of {}: {v}", staff.login);
        self.caller(v["token"].as_str().map(String::from))
    }

    /// A new account of `role` in `tenant`, signed in (for 連携システム, an API token).
    pub async fn as_role(&self, tenant: LocalGovCode, role: Role) -> Caller {
        if role == Role::System {
            return self.system(tenant, "連携システム", &[]).await;
        }
        let login = format!("{}-{:06x}", role.code(), rand::random::<u32>() & 0xFFFFFF);
        let staff = self.staff(tenant, &login, role).await;
        self.signed_in(tenant, &staff).await
    }

    /// A 連携システム's API token (as the operator makes one), the items it may not see
    /// hidden (10.4).
    pub async fn system(
        &self,
        tenant: LocalGovCode,
        name: &str,
        hidden: &[kikan_security::Item],
    ) -> Caller {
        let new = kikan_app::accounts::NewToken {
            name,
            role: Role::System,
            days: 1,
            created_by: None,
            hidden_items: hidden.iter().copied().collect(),
            businesses: Default::default(),
        };
        let (token, _) = ok(kikan_app::accounts::add_api_token(&*self.store, tenant, new).await);
        self.caller(Some(token))
    }

    /// A business system registered and approved (庁内データ連携) with these resources,
    /// signed in through the token endpoint with a client_secret_jwt assertion.
    pub async fn business_system(
        &self,
        tenant: LocalGovCode,
        system_id: &str,
        resources: &[kikan_security::link::Resource],
        number_use: bool,
    ) -> Caller {
        let c = ok(kikan_app::link::register(
            &*self.store,
            tenant,
            kikan_app::link::NewClient {
                system_id,
                name: "業務システム",
                purpose: "庁内データ連携の試験",
                number_use,
                allow_basic: false,
                resources: resources.iter().copied().collect(),
                created_by: None,
            },
        )
        .await);
        let approved = kikan_app::link::decide(
            &*self.store,
            tenant,
            &c.client_id,
            kikan_app::link::Decision::Approve { approver: 1 },
        )
        .await;
        assert!(matches!(approved, Ok(Some(_))), "{approved:?}");
        let token = self
            .client_token(tenant, &c.client_id, &c.secret, None)
            .await;
        self.caller(Some(token))
    }

    /// An access token of a registered client, asked for with a fresh assertion.
    pub async fn client_token(
        &self,
        tenant: LocalGovCode,
        client_id: &str,
        secret: &str,
        scope: Option<&str>,
    ) -> String {
        let path = format!("/api/v1/tenants/{}/oauth/token", tenant.as_str());
        let assertion = ok(kikan_security::link::make_assertion(
            client_id,
            secret.as_bytes(),
            &format!("{}{path}", self.base),
            &kikan_security::token::new_token(),
            chrono::Utc::now().timestamp(),
        ));
        let mut form = vec![
            ("grant_type", "client_credentials"),
            (
                "client_assertion_type",
                kikan_security::link::ASSERTION_TYPE,
            ),
            ("client_assertion", assertion.as_str()),
        ];
        if let Some(s) = scope {
            form.push(("scope", s));
        }
        let resp = ok(self
            .client
            .post(format!("{}{path}", self.base))
            .form(&form)
            .send()
            .await);
        let v: Value = ok(resp.json().await);
        v["access_token"]
            .as_str()
            .unwrap_or_else(|| panic!("no token: {v}"))
            .to_string()
    }

    pub fn caller(&self, token: Option<String>) -> Caller {
        Caller {
            app_base: self.base.clone(),
            client: self.client.clone(),
            token,
            purpose: Some("住民票の写しの交付".into()),
            terminal: None,
        }
    }

    pub fn anonymous(&self) -> Caller {
        self.caller(None)
    }
}

impl Caller {
    pub fn without_purpose(mut self) -> Self {
        self.purpose = None;
        self
    }

    /// The same caller at a registered terminal.
    pub fn at_terminal(mut self, code: &str) -> Self {
        self.terminal = Some(code.into());
        self
    }

    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let mut r = self
            .client
            .request(method, format!("{}{path}", self.app_base));
        if let Some(t) = &self.token {
            r = r.bearer_auth(t);
        }
        if let Some(p) = &self.purpose {
            // Browsers can only send Latin-1 headers: the purpose is percent-encoded.
            let encoded: String = p.bytes().map(|b| format!("%{b:02X}")).collect();
            r = r.header("X-Kikan-Purpose", encoded);
        }
        if let Some(t) = &self.terminal {
            r = r.header("X-Kikan-Terminal", t);
        }
        r
    }

    /// Sends a request; the answer is checked against the published API description
    /// ([`crate::spec`]) before the test sees it.
    pub async fn send(&self, req: reqwest::RequestBuilder) -> (u16, Value) {
        let req = ok(req.build());
        let (method, path) = (req.method().to_string(), req.url().path().to_string());
        let resp = ok(self.client.execute(req).await);
        let status = resp.status().as_u16();
        let is_json = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|c| c.starts_with("application/json"));
        let body = resp.json::<Value>().await.unwrap_or(Value::Null);
        if let Err(e) = crate::spec::check(&method, &path, status, is_json.then_some(&body)) {
            panic!("the answer differs from /openapi.json: {e}");
        }
        (status, body)
    }

    /// A PDF read back (200 and `application/pdf` asserted), as its squeezed text
    /// ([`crate::pdf::text`], [`crate::pdf::squeezed`]; `name` names a kept sample).
    pub async fn pdf_text(&self, path: &str, name: &str) -> String {
        let res = self
            .request(reqwest::Method::GET, path)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{path}: {e}"));
        let status = res.status().as_u16();
        let kind = res
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let body = res.bytes().await.unwrap_or_default();
        assert_eq!(
            (status, kind.as_str()),
            (200, "application/pdf"),
            "{path}: {}",
            String::from_utf8_lossy(&body)
        );
        crate::pdf::squeezed(&crate::pdf::text(&body, name))
    }

    /// A PDF made by a POST (a certificate issued), as its squeezed text; success and a
    /// PDF body asserted.
    pub async fn post_pdf_text(&self, path: &str, body: Value, name: &str) -> String {
        let pdf = self.post_pdf(path, body).await;
        crate::pdf::squeezed(&crate::pdf::text(&pdf, name))
    }

    /// A PDF made by a POST, as bytes; success and a PDF body asserted.
    pub async fn post_pdf(&self, path: &str, body: Value) -> Vec<u8> {
        let res = self
            .request(reqwest::Method::POST, path)
            .json(&body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{path}: {e}"));
        let status = res.status().as_u16();
        let body = res.bytes().await.unwrap_or_default();
        assert!(
            body.starts_with(b"%PDF") && matches!(status, 200 | 201),
            "{path}: {status} {}",
            String::from_utf8_lossy(&body)
        );
        body.to_vec()
    }

    pub async fn put(&self, path: &str, body: Value) -> (u16, Value) {
        self.send(self.request(reqwest::Method::PUT, path).json(&body))
            .await
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.send(self.request(reqwest::Method::GET, path)).await
    }

    pub async fn delete(&self, path: &str) -> (u16, Value) {
        self.send(self.request(reqwest::Method::DELETE, path)).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.send(self.request(reqwest::Method::POST, path).json(&body))
            .await
    }
}

/// A person of a 転入 request, as the API takes it.
pub fn person_json(
    name: (&str, &str),
    kana: (&str, &str),
    birth: &str,
    sex: &str,
    rel: &str,
) -> Value {
    json!({
        "name": {"family": name.0, "given": name.1},
        "furigana": {"family": kana.0, "given": kana.1},
        "birth_date": birth, "sex": sex, "relationship": rel,
        "honseki": {"domicile": "神奈川県横浜市中区本町一丁目1番地", "head_name": "髙橋　太郎"}
    })
}

/// Two fields of every record of an audit-log response, as pairs (action and purpose,
/// action and outcome …).
pub fn audit_pairs(log: &Value, a: &str, b: &str) -> Vec<(String, String)> {
    let field = |e: &Value, k: &str| e[k].as_str().unwrap_or_default().to_string();
    log.as_array()
        .map(|l| l.iter().map(|e| (field(e, a), field(e, b))).collect())
        .unwrap_or_default()
}

/// The ids of a household's members (a household view) by given name, in the order asked.
pub fn members_by_given(household: &Value, given: &[&str]) -> Vec<i64> {
    given
        .iter()
        .map(|g| {
            household["members"]
                .as_array()
                .and_then(|m| m.iter().find(|p| p["name"]["given"] == *g))
                .and_then(|p| p["id"].as_i64())
                .unwrap_or_default()
        })
        .collect()
}

/// Registers 横浜市's 中区 and 西区 (their 区役所, 指定都市) through `admin`.
pub async fn yokohama_wards(admin: &Caller, base: &str) {
    for body in [
        json!({"code": "NAKA", "name": "中区役所", "kind": "区役所", "ward": "中区", "ward_code": "141038"}),
        json!({"code": "NISHI", "name": "西区役所", "kind": "区役所", "ward": "西区", "ward_code": "141011"}),
    ] {
        let (status, v) = admin.post(&format!("{base}/places"), body).await;
        assert_eq!(status, 200, "{v}");
    }
}

/// 西川　明, alone in a household in 横浜市西区 (moved in on 2026-04-01): its 世帯番号 and
/// his 宛名番号.
pub async fn west_ward_resident(examiner: &Caller, base: &str) -> (i64, i64) {
    let (status, v) = examiner
        .post(&format!("{base}/changes"), json!({
            "effective_on": "2026-04-01", "notified_on": "2026-04-01",
            "change": {"type": "move_in",
                "persons": [person_json(("西川", "明"), ("ニシカワ", "アキラ"), "1970-01-01", "男", "世帯主")],
                "address": {"place": "神奈川県横浜市西区みなとみらい", "banchi": "1番"},
                "previous_address": {"place": "東京都港区芝", "banchi": "1番"}}
        }))
        .await;
    assert_eq!(status, 201, "{v}");
    (
        v["household_ids"][0].as_i64().unwrap_or_default(),
        v["person_ids"][0].as_i64().unwrap_or_default(),
    )
}

/// A mother and son (山本 花子 and 健太) who moved in to 横浜市中区山下町 on 2026-04-01,
/// recorded by `examiner`: (household, mother, son).
pub async fn mother_and_son(examiner: &Caller, base: &str) -> (i64, i64, i64) {
    let (status, v) = examiner
        .post(&format!("{base}/changes"), json!({
            "effective_on": "2026-04-01", "notified_on": "2026-04-01",
            "change": {"type": "move_in",
                "persons": [person_json(("山本", "花子"), ("ヤマモト", "ハナコ"), "1985-02-02", "女", "世帯主"),
                            person_json(("山本", "健太"), ("ヤマモト", "ケンタ"), "2015-03-03", "男", "子")],
                "address": {"place": "神奈川県横浜市中区山下町", "banchi": "7番地"},
                "previous_address": {"place": "東京都千代田区千代田", "banchi": "1番1号"}}
        }))
        .await;
    assert_eq!(status, 201, "{v}");
    let hid = v["household_ids"][0].as_i64().unwrap_or_default();
    let (_, h) = examiner.get(&format!("{base}/households/{hid}")).await;
    let [mother, son] = members_by_given(&h, &["花子", "健太"])[..] else {
        panic!("{h}")
    };
    (hid, mother, son)
}

/// The counter's calendar, moved by a test (the server's today, [`App::spawn_on`]).
#[derive(Clone)]
pub struct Calendar(Arc<std::sync::atomic::AtomicI32>);

impl Calendar {
    /// Moves to `day` (YYYY-MM-DD).
    pub fn set(&self, day: &str) {
        use chrono::Datelike;
        let d = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d")
            .unwrap_or_else(|e| panic!("{day}: {e}"));
        self.0
            .store(d.num_days_from_ce(), std::sync::atomic::Ordering::SeqCst);
    }
    pub fn today(&self) -> chrono::NaiveDate {
        chrono::NaiveDate::from_num_days_from_ce_opt(
            self.0.load(std::sync::atomic::Ordering::SeqCst),
        )
        .unwrap_or_default()
    }
}

/// A simulated IPP printer (10.7) with these trays, served on a free port: its state (the
/// jobs it took) and its `ipp://` address.
pub async fn simulated_printer(trays: &[&str]) -> (kikan_server::printing::SimHandle, String) {
    let sim: kikan_server::printing::SimHandle =
        Arc::new(std::sync::Mutex::new(kikan_server::printing::SimPrinter {
            trays: trays.iter().map(|t| t.to_string()).collect(),
            ..Default::default()
        }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let handle = sim.clone();
    tokio::spawn(async move {
        let _ = kikan_server::printing::serve_simulator(listener, handle).await;
    });
    (sim, format!("ipp://{addr}/ipp/print"))
}

/// NGUYEN VAN AN, a 中長期在留者 (留学, 在留カード AB12345678CD, to 2027-03-31) who moved in
/// from abroad to 横浜市中区山下町8番地 on 2026-04-01, recorded by `examiner`: his 宛名番号
/// and the entry's seq.
pub async fn foreign_student(examiner: &Caller, base: &str) -> (i64, i64) {
    let (status, v) = examiner
        .post(&format!("{base}/changes"), json!({
            "effective_on": "2026-04-01", "notified_on": "2026-04-01",
            "change": {"type": "move_in", "kind": "国外からの転入",
                "persons": [{"name": {"family": "NGUYEN VAN AN", "given": ""}, "furigana": {"family": "グエン　ヴァン　アン", "given": ""},
                    "birth_date": "1995-05-05", "sex": "男", "relationship": "世帯主",
                    "foreign": {"nationality": "ベトナム", "category": "中長期在留者", "status": "留学", "period": "2年",
                        "expires_on": "2027-03-31", "card_number": "AB12345678CD"}}],
                "address": {"place": "神奈川県横浜市中区山下町", "banchi": "8番地"}}
        }))
        .await;
    assert_eq!(status, 201, "{v}");
    (
        v["person_ids"][0].as_i64().unwrap_or_default(),
        v["entry"]["seq"].as_i64().unwrap_or_default(),
    )
}

/// A 支援措置 (DV, the offender 佐藤　剛, 元配偶者) for `person` alone, registered by
/// `examiner`: the measure as answered.
pub async fn protect(examiner: &Caller, base: &str, person: i64) -> Value {
    let (status, m) = examiner
        .post(&format!("{base}/support-measures"), json!({
            "applicant": person, "together": [], "kind": "DV",
            "offenders": [{"name": "佐藤　剛", "birth_date": "昭和50年1月1日", "relation": "元配偶者"}]
        }))
        .await;
    assert_eq!(status, 201, "{m}");
    m
}
