//! 特例転出 → 特例転入 → 転入通知 → 除票 (4.1.3.0.4, 4.1.1.3, 4.1.3.1.1–4.1.3.1.2) through
//! the simulated 住基ネット over HTTP, on both engines: between two kikan servers (each
//! its own database), and between two municipalities of one server. Faults on the way:
//! the old municipality's server stopped (its task aborted) and started again on its
//! database with the 転出証明書情報 unsent, the CS unreachable, a message duplicated and
//! one delayed by the network, the simulator itself stopped and started again from its
//! state file alone, a reply lost after the CS applied the message. Nothing is lost,
//! nothing applied twice, and each side's replay check passes.

use chrono::Duration;
use kikan_security::Role;
use kikan_server::AppState;
use kikan_testsuite::TestStore;
use kikan_testsuite::http::{App, Caller, person_json};
use serde_json::{Value, json};
use std::sync::Arc;

/// The simulated 住基ネット served over HTTP from a state file; killed and started
/// again on the same port.
struct Network {
    base: String,
    file: std::path::PathBuf,
    task: tokio::task::AbortHandle,
    client: reqwest::Client,
}

impl Network {
    async fn start() -> Network {
        let file =
            std::env::temp_dir().join(format!("kikan-sim-{:016x}.json", rand::random::<u64>()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let task = Self::serve(listener, file.clone());
        Network {
            base,
            file,
            task,
            client: reqwest::Client::new(),
        }
    }

    fn serve(
        listener: tokio::net::TcpListener,
        file: std::path::PathBuf,
    ) -> tokio::task::AbortHandle {
        tokio::spawn(async move {
            let _ = kikan_server::cs_link::serve_simulator(listener, Some(file)).await;
        })
        .abort_handle()
    }

    /// Kills the simulator and starts it again from its file.
    async fn restart(&mut self) {
        self.task.abort();
        let listener = kikan_testsuite::http::bind_again(&self.base).await;
        self.task = Self::serve(listener, self.file.clone());
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        self.client
            .post(format!("{}{path}", self.base))
            .json(&body)
            .send()
            .await
            .expect("simulator")
            .json()
            .await
            .expect("simulator answer")
    }

    async fn state(&self) -> Value {
        self.client
            .get(format!("{}/state", self.base))
            .send()
            .await
            .expect("simulator")
            .json()
            .await
            .expect("simulator state")
    }

    fn linked(&self) -> impl Fn(AppState) -> AppState + use<> {
        let base = self.base.clone();
        move |mut st: AppState| {
            let link = kikan_server::cs_link::link(&base).expect("link");
            st.cs = Some(Arc::new(kikan_server::cs::Link::new(link, base.clone())));
            st
        }
    }
}

fn ids(v: &Value, key: &str) -> Vec<i64> {
    v[key]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_i64).collect())
        .unwrap_or_default()
}

const MJ: &str = "対応するUCS,実装したMoji_JohoコレクションIVS,住基ネット統一文字コード\nU+20BB7,20BB7_E0100,J+B9D9\n";

/// One side: its server, its municipality and its 審査.
struct Side {
    store: Arc<dyn kikan_store::Store>,
    code: String,
    examiner: Caller,
}

impl Side {
    fn path(&self, p: &str) -> String {
        format!("/api/v1/tenants/{}/{p}", self.code)
    }
    async fn send(&self) -> Value {
        let (status, d) = self.examiner.post(&self.path("cs/send"), json!({})).await;
        assert_eq!(status, 200, "{d}");
        d
    }
    async fn receive(&self) -> Value {
        let (status, r) = self
            .examiner
            .post(&self.path("cs/receive"), json!({}))
            .await;
        assert_eq!(status, 200, "{r}");
        r
    }
    async fn check(&self) {
        let code = kikan_domain::LocalGovCode::parse(&self.code).expect("code");
        let report = kikan_app::check::check(&*self.store, code)
            .await
            .expect("replay check");
        assert!(report.persons > 0);
    }
}

/// The whole exchange between `a` (moved from) and `b` (moved to). `restart_a` kills
/// and restarts a's server (None on one server, where it would stop b too).
async fn exchange(mut a: Side, b: Side, net: &mut Network, restart_a: Option<&mut App>) {
    let today = kikan_app::clock::japan_today();
    let day = today.to_string();
    // The old municipality has the conversion table; the new one does not yet.
    let (status, v) = a
        .examiner
        .post(&a.path("cs/chars"), json!({"name": "mj.csv", "csv": MJ}))
        .await;
    assert_eq!(status, 200, "{v}");
    let mut hanako = person_json(
        ("𠮷田", "花子"),
        ("ヨシダ", "ハナコ"),
        "1980-04-01",
        "女",
        "世帯主",
    );
    hanako["individual_number"] = json!("123456789018");
    let mut taro = person_json(
        ("𠮷田", "太郎"),
        ("ヨシダ", "タロウ"),
        "2010-05-05",
        "男",
        "子",
    );
    taro["individual_number"] = json!("234567890121");
    let (status, v) = a
        .examiner
        .post(
            &a.path("changes"),
            json!({"effective_on": (today - Duration::days(400)).to_string(), "notified_on": (today - Duration::days(400)).to_string(),
                "change": {"type": "move_in", "kind": "転入", "persons": [hanako, taro],
                    "address": {"place": "東京都千代田区神田一丁目", "banchi": "1番地"},
                    "previous_address": {"place": "東京都港区芝一丁目", "banchi": "1番地"}}}),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    let moved = ids(&v, "person_ids");
    let d = a.send().await;
    // 本人確認情報, 戸籍附票記載事項通知 and 送付先情報 of each.
    assert_eq!(ids(&d, "accepted").len(), 6, "{d}");

    // 特例転出 of both to b: no 転出証明書 printed, the 転出証明書情報 to the CS.
    let (status, v) = a
        .examiner
        .post(
            &a.path("changes"),
            json!({"notified_on": day, "cs": {"special_move_out_to": b.code},
                "change": {"type": "move_out", "person_ids": moved, "planned_on": day,
                    "destination": {"place": "神奈川県横浜市中区山下町", "banchi": "8番地"}}}),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    // A 転出証明書 printed on request says it was a 特例転出.
    let text = a
        .examiner
        .post_pdf_text(
            &a.path("certificates"),
            json!({"kind": "move_out", "persons": moved,
                "requester": {"kind": "same_household", "person_id": moved[0]}, "identity_check": "個人番号カード"}),
            "special-move-out-certificate",
        )
        .await;
    assert!(text.contains("特例による転出処理済"), "{text}");
    // Killed before sending: the items are in its database all the same.
    if let Some(app) = restart_a {
        app.stop();
        app.restart(net.linked()).await;
        // A new connection to the new server (the staff member signs in again).
        let code = kikan_domain::LocalGovCode::parse(&a.code).expect("code");
        a.examiner = app.as_role(code, Role::Examiner).await;
    }
    let (_, items) = a.examiner.get(&a.path("cs/items?state=pending")).await;
    let kinds: Vec<&str> = items
        .as_array()
        .map(|l| l.iter().filter_map(|i| i["kind"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(kinds, ["転出証明書情報", "転出証明書情報"], "{items}");
    // The CS unreachable once; then the network duplicates the first and holds the
    // second back.
    net.post("/faults", json!([{"fault": "unreachable"}])).await;
    let d = a.send().await;
    assert!(d["failure"].is_string(), "{d}");
    net.post(
        "/route-faults",
        json!([{"fault": "duplicate"}, {"fault": "delay"}]),
    )
    .await;
    let d = a.send().await;
    assert_eq!(ids(&d, "accepted").len(), 2, "{d}");
    // The simulator killed and started again: what it holds survives.
    net.restart().await;

    // b takes in the first (delivered twice, kept once); the second comes later.
    let r = b.receive().await;
    assert_eq!(r["kept"].as_u64(), Some(1), "{r}");
    let r = b.receive().await;
    assert_eq!(r["kept"].as_u64(), Some(0), "acknowledged: not again {r}");
    net.post("/release", json!({})).await;
    let r = b.receive().await;
    assert_eq!(r["kept"].as_u64(), Some(1), "{r}");
    let (status, inbox) = b.examiner.get(&b.path("cs/inbox?state=new")).await;
    assert_eq!(status, 200, "{inbox}");
    assert_eq!(inbox.as_array().map(Vec::len), Some(2), "{inbox}");
    let csv = b
        .examiner
        .request(
            reqwest::Method::GET,
            &b.path("cs/inbox?state=new&format=csv"),
        )
        .send()
        .await
        .expect("csv")
        .text()
        .await
        .unwrap_or_default();
    assert!(csv.starts_with("\u{feff}受信番号,電文,送信元"), "{csv}");
    assert_eq!(csv.lines().count(), 3, "the 一覧表: {csv}");
    let key = inbox[0]["key"].as_str().unwrap_or_default().to_string();
    assert_eq!(inbox[0]["kind"], "転出証明書情報");

    // 特例転入: the request filled in from it, the household together. b's table lacks
    // 𠮷: it shows as its code, and staff correct it before recording.
    let (status, mut req) = b
        .examiner
        .get(&b.path(&format!("cs/inbox/{key}/move-in")))
        .await;
    assert_eq!(status, 200, "{req}");
    assert!(
        !req.to_string().contains("123456789018"),
        "no 個人番号 shown: {req}"
    );
    let persons = req["change"]["persons"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(persons.len(), 2, "{req}");
    assert_eq!(persons[0]["name"]["family"], "[J+B9D9]田", "{req}");
    assert_eq!(
        req["change"]["previous_address"]["place"],
        "東京都千代田区神田一丁目1番地"
    );
    for p in req["change"]["persons"]
        .as_array_mut()
        .into_iter()
        .flatten()
    {
        p["name"]["family"] = json!("𠮷田");
    }
    req["effective_on"] = json!(day);
    req["change"]["address"] = json!({"place": "神奈川県横浜市中区山下町", "banchi": "8番地"});
    let (status, v) = b.examiner.post(&b.path("changes"), req.clone()).await;
    assert_eq!(status, 201, "{v}");
    let arrived = ids(&v, "person_ids");
    let (_, p) = b
        .examiner
        .get(&b.path(&format!("persons/{}", arrived[0])))
        .await;
    assert_eq!(
        p["has_individual_number"], true,
        "the 個人番号 from the 転出証明書情報"
    );
    assert_eq!(p["juminhyo_code"].as_str().map(str::len), Some(11));
    // The same 転出証明書情報 cannot make a second 転入.
    let (status, e) = b.examiner.post(&b.path("changes"), req).await;
    assert_eq!((status, e["code"].as_str()), (422, Some("E-CS-009")), "{e}");

    // b's items wait for 𠮷 until b loads the table too.
    let d = b.send().await;
    assert_eq!(ids(&d, "held").len(), 2, "{d}");
    let (status, v) = b
        .examiner
        .post(&b.path("cs/chars"), json!({"name": "mj.csv", "csv": MJ}))
        .await;
    assert_eq!(status, 200, "{v}");
    // b sends its 転入通知 back; the answer to the first is lost after the CS took it.
    net.post("/faults", json!([{"fault": "reply_lost"}])).await;
    let d = b.send().await;
    assert!(d["failure"].is_string(), "{d}");
    let d = b.send().await;
    assert!(ids(&d, "accepted").len() >= 2, "{d}");
    let (_, done) = b.examiner.get(&b.path("cs/inbox?state=done")).await;
    assert_eq!(
        done.as_array().map(Vec::len),
        Some(2),
        "both 転出証明書情報 used: {done}"
    );

    // a takes the 転入通知 in and completes its 除票 by itself.
    let r = a.receive().await;
    assert_eq!(r["applied"].as_array().map(Vec::len), Some(2), "{r}");
    for id in &moved {
        let (_, p) = a.examiner.get(&a.path(&format!("persons/{id}"))).await;
        assert_eq!(p["status"]["state"], "消除", "{p}");
        // The 転入通知's date and the 転出年月日（確定） beside what the 転出届 planned.
        assert!(p["status"]["moved_out"]["notified_on"].is_object(), "{p}");
        assert!(p["status"]["moved_out"]["moved_on"].is_object(), "{p}");
    }
    // Nothing again: received twice over, applied once.
    let r = a.receive().await;
    assert_eq!(r["kept"].as_u64(), Some(0), "{r}");
    let (_, history) = a
        .examiner
        .get(&a.path(&format!("persons/{}/history", moved[0])))
        .await;
    let confirmed = history["entries"]
        .as_array()
        .map(|h| h.iter().filter(|e| e["reason"] == "転出確定").count())
        .unwrap_or_default();
    assert_eq!(confirmed, 1, "the 転入通知 applied once: {history}");
    // a's 除票 reach its CS records too.
    let d = a.send().await;
    assert_eq!(d["failure"], Value::Null, "{d}");
    let st = net.state().await;
    assert!(
        st["duplicates"].as_u64().unwrap_or_default() >= 1,
        "a message taken once though sent twice"
    );

    a.check().await;
    b.check().await;
}

async fn special_move_between_two_servers(s: TestStore) {
    let mut net = Network::start().await;
    let other = s.sibling().await;
    let mut app_a = App::spawn_with(s, net.linked()).await;
    let app_b = App::spawn_with(other, net.linked()).await;
    let ta = app_a.tenant("131016", "千代田区").await;
    let tb = app_b.tenant("141003", "横浜市").await;
    let ea = app_a.as_role(ta, Role::Examiner).await;
    let eb = app_b.as_role(tb, Role::Examiner).await;
    exchange(
        Side {
            store: app_a.store.clone(),
            code: ta.to_string(),
            examiner: ea,
        },
        Side {
            store: app_b.store.clone(),
            code: tb.to_string(),
            examiner: eb,
        },
        &mut net,
        Some(&mut app_a),
    )
    .await;
}

async fn special_move_between_two_municipalities_of_one_server(s: TestStore) {
    let mut net = Network::start().await;
    let app = App::spawn_with(s, net.linked()).await;
    let ta = app.tenant("131016", "千代田区").await;
    let tb = app.tenant("141003", "横浜市").await;
    let ea = app.as_role(ta, Role::Examiner).await;
    let eb = app.as_role(tb, Role::Examiner).await;
    exchange(
        Side {
            store: app.store.clone(),
            code: ta.to_string(),
            examiner: ea,
        },
        Side {
            store: app.store.clone(),
            code: tb.to_string(),
            examiner: eb,
        },
        &mut net,
        None,
    )
    .await;
}

/// A 特例転出 there and back: the second 特例転入 finds the 除票 the first move left and
/// takes it up again (4.1.1.2: the same 宛名番号, the 除票's 氏名, the rest from the
/// 転出証明書情報).
async fn special_move_back_takes_up_the_removed_record(s: TestStore) {
    let net = Network::start().await;
    let app = App::spawn_with(s, net.linked()).await;
    let ta = app.tenant("131016", "千代田区").await;
    let tb = app.tenant("141003", "横浜市").await;
    let a = Side {
        store: app.store.clone(),
        code: ta.to_string(),
        examiner: app.as_role(ta, Role::Examiner).await,
    };
    let b = Side {
        store: app.store.clone(),
        code: tb.to_string(),
        examiner: app.as_role(tb, Role::Examiner).await,
    };
    let day = kikan_app::clock::japan_today().to_string();
    let mut hanako = person_json(
        ("見本", "花子"),
        ("ミホン", "ハナコ"),
        "1980-04-01",
        "女",
        "世帯主",
    );
    hanako["individual_number"] = json!("123456789018");
    let (status, v) = a
        .examiner
        .post(
            &a.path("changes"),
            json!({"effective_on": day, "notified_on": day,
            "change": {"type": "move_in", "kind": "転入", "persons": [hanako],
                "address": {"place": "東京都千代田区神田一丁目", "banchi": "1番地"},
                "previous_address": {"place": "東京都港区芝一丁目", "banchi": "1番地"}}}),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    let first = ids(&v, "person_ids")[0];
    // Out of a and into b, then back: each a 特例転出 and a 特例転入.
    let mut moved = vec![first];
    for (from, to, address) in [
        (&a, &b, ("神奈川県横浜市中区山下町", "8番地")),
        (&b, &a, ("東京都千代田区神田二丁目", "2番地")),
    ] {
        let (status, v) = from
            .examiner
            .post(
                &from.path("changes"),
                json!({"notified_on": day, "cs": {"special_move_out_to": to.code},
                "change": {"type": "move_out", "person_ids": moved, "planned_on": day,
                    "destination": {"place": address.0, "banchi": address.1}}}),
            )
            .await;
        assert_eq!(status, 201, "{v}");
        from.send().await;
        to.receive().await;
        let (_, inbox) = to.examiner.get(&to.path("cs/inbox?state=new")).await;
        let key = inbox[0]["key"].as_str().unwrap_or_default().to_string();
        let (status, mut req) = to
            .examiner
            .get(&to.path(&format!("cs/inbox/{key}/move-in")))
            .await;
        assert_eq!(status, 200, "{req}");
        req["effective_on"] = json!(day);
        req["change"]["address"] = json!({"place": address.0, "banchi": address.1});
        if to.code == a.code {
            // Back where she was: her 除票 is taken up again.
            assert_eq!(
                req["change"]["persons"][0]["returning_person_id"].as_i64(),
                Some(first),
                "{req}"
            );
            assert_eq!(
                req["change"]["persons"][0]["name"],
                json!({"family": "見本", "given": "花子"})
            );
        } else {
            assert!(
                req["change"]["persons"][0]["returning_person_id"].is_null(),
                "{req}"
            );
        }
        let (status, v) = to.examiner.post(&to.path("changes"), req).await;
        assert_eq!(status, 201, "{v}");
        moved = ids(&v, "person_ids");
        to.send().await;
        from.receive().await;
    }
    assert_eq!(moved, vec![first], "the same 宛名番号 again");
    let (_, p) = a.examiner.get(&a.path(&format!("persons/{first}"))).await;
    assert_eq!(p["status"]["state"], "住民", "{p}");
    assert_eq!(p["has_individual_number"], true);
    a.check().await;
    b.check().await;
}

kikan_testsuite::on_both!(
    special_move_between_two_servers,
    special_move_between_two_municipalities_of_one_server,
    special_move_back_takes_up_the_removed_record
);
