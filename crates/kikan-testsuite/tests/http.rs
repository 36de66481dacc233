//! Drives the running server over HTTP through a family's life, then asks how the
//! household was on the dates in between. Runs on SQLite, and on PostgreSQL when
//! KIKAN_TEST_DATABASE_URL is set.

use kikan_security::Role;
use kikan_testsuite::http::{App, Caller, person_json};
use kikan_testsuite::{TestStore, fresh_postgres, fresh_sqlite};
use serde_json::{Value, json};

/// The server, and an examiner (審査) of the municipality under test signed in.
struct TestApp {
    app: App,
    clerk: Option<Caller>,
}

impl TestApp {
    async fn spawn(s: TestStore) -> TestApp {
        TestApp {
            app: App::spawn(s).await,
            clerk: None,
        }
    }

    /// Registers the municipality and signs an examiner in.
    async fn open(&mut self, code: &str, name: &str) {
        let t = self.app.tenant(code, name).await;
        self.clerk = Some(self.app.as_role(t, Role::Examiner).await);
    }

    fn caller(&self) -> Caller {
        self.clerk.clone().unwrap_or_else(|| self.app.anonymous())
    }
    async fn get(&self, path: &str) -> (u16, Value) {
        self.caller().get(path).await
    }
    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.caller().post(path, body).await
    }
    /// Records a change and returns the result, failing the test on an error.
    async fn change(&self, body: Value) -> Value {
        let (status, v) = self.post("/api/v1/tenants/141003/changes", body).await;
        assert_eq!(status, 201, "{v}");
        v
    }
}

fn person(
    family: &str,
    given: &str,
    kana: (&str, &str),
    birth: &str,
    sex: &str,
    rel: &str,
) -> Value {
    person_json((family, given), kana, birth, sex, rel)
}

fn member_names(household: &Value) -> Vec<String> {
    let mut names: Vec<String> = household["members"]
        .as_array()
        .map(|m| {
            m.iter()
                .map(|p| p["name"]["given"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

async fn family_life(mut app: TestApp) {
    app.open("141003", "横浜市").await;

    // 転入 of a family of four.
    let v = app
        .change(json!({
            "effective_on": "令和8年4月1日", "notified_on": "2026-04-03",
            "notifier": {"name": "髙橋　太郎", "capacity": "本人"},
            "change": {"type": "move_in",
                "persons": [
                    person("髙橋", "太郎", ("タカハシ", "タロウ"), "昭和55年4月1日", "男", "世帯主"),
                    person("髙橋", "花子", ("たかはし", "はなこ"), "1982-06-15", "女", "妻"),
                    person("髙橋", "一郎", ("ﾀｶﾊｼ", "ｲﾁﾛｳ"), "H22.1.20", "男", "子"),
                    person("髙橋", "ウメ", ("タカハシ", "ウメ"), "1950-03-03", "女", "母")
                ],
                "address": {"postal_code": "231-0005", "place": "神奈川県横浜市中区本町一丁目", "banchi": "1番地2", "katagaki": "本町ハイツ101号室"},
                "previous_address": {"place": "東京都千代田区千代田", "banchi": "1番1号"}}
        }))
        .await;
    let hid = v["household_ids"][0].as_i64().unwrap_or_default();
    let (_, h) = app
        .get(&format!("/api/v1/tenants/141003/households/{hid}"))
        .await;
    let id_of = |given: &str| -> i64 {
        h["members"]
            .as_array()
            .and_then(|m| m.iter().find(|p| p["name"]["given"] == given))
            .and_then(|p| p["id"].as_i64())
            .unwrap_or_else(|| panic!("{given} not in {h}"))
    };
    let (taro, hanako, ichiro, ume) = (id_of("太郎"), id_of("花子"), id_of("一郎"), id_of("ウメ"));
    assert_eq!(h["head_id"], taro);
    assert_eq!(h["members"][0]["relationship"], "世帯主");
    // 宛名番号・世帯番号 (1.1.13): the municipality's next serials, each with its
    // modulus-11 check digit.
    let mut serials: Vec<i64> = [taro, hanako, ichiro, ume].iter().map(|n| n / 10).collect();
    serials.sort();
    assert_eq!(
        serials,
        vec![1, 2, 3, 4],
        "the first four 宛名番号 of a new municipality"
    );
    for n in [taro, hanako, ichiro, ume, hid] {
        assert!(kikan_domain::codes::is_serial_number(n), "{n}");
    }
    assert_eq!(hid, 19, "the first 世帯番号: serial 1, check digit 9");
    // 続柄 (1.1.11): a form the standard does not use is refused with the one to use;
    // a chain of more than four terms too. Nothing is recorded.
    for (rel, hint) in [("孫", "子の子"), ("子の子の子の子の子", "縁故者")] {
        let (status, err) = app
            .post(
                "/api/v1/tenants/141003/changes",
                json!({"effective_on": "2026-04-02", "notified_on": "2026-04-03",
                    "change": {"type": "move_in", "household_id": hid,
                        "persons": [person("髙橋", "空", ("タカハシ", "ソラ"), "2020-01-01", "女", rel)],
                        "address": {"postal_code": "231-0005", "place": "神奈川県横浜市中区本町一丁目", "banchi": "1番地2", "katagaki": "本町ハイツ101号室"},
                        "previous_address": {"place": "東京都千代田区千代田", "banchi": "1番1号"}}}),
            )
            .await;
        assert_eq!(
            (status, err["code"].as_str()),
            (422, Some("E-CODE-007")),
            "{err}"
        );
        assert!(
            err["message"].as_str().unwrap_or_default().contains(hint),
            "{err}"
        );
    }
    let (_, same) = app
        .get(&format!("/api/v1/tenants/141003/households/{hid}"))
        .await;
    assert_eq!(same["members"].as_array().map(Vec::len), Some(4));
    // 生年月日 as the standard allows it (1.1.8): a 不詳日 and a day not on the calendar are
    // kept as written beside a sortable date; a bare 年月 is refused at its field.
    let (status, err) = app
        .post(
            "/api/v1/tenants/141003/changes",
            json!({"effective_on": "2026-04-02", "notified_on": "2026-04-03",
                "change": {"type": "move_in",
                    "persons": [person("髙橋", "ツル", ("タカハシ", "ツル"), "昭和20年3月", "女", "世帯主")],
                    "address": {"place": "神奈川県横浜市中区本町一丁目", "banchi": "9番地"},
                    "previous_address": {"place": "東京都千代田区千代田", "banchi": "1番1号"}}}),
        )
        .await;
    assert_eq!(
        (status, err["code"].as_str(), err["field"].as_str()),
        (
            422,
            Some("E-DATE-001"),
            Some("change.persons[0].birth_date")
        ),
        "{err}"
    );
    let v = app
        .change(
            json!({"effective_on": "2026-04-02", "notified_on": "2026-04-03",
            "change": {"type": "move_in",
                "persons": [
                    person("髙橋", "ツル", ("タカハシ", "ツル"), "昭和20年頃", "女", "世帯主"),
                    person("髙橋", "ハル", ("タカハシ", "ハル"), "平成3年2月29日", "女", "子")
                ],
                "address": {"place": "神奈川県横浜市中区本町一丁目", "banchi": "9番地"},
                "previous_address": {"place": "東京都千代田区千代田", "banchi": "1番1号"}}}),
        )
        .await;
    let tsuru_hid = v["household_ids"][0].as_i64().unwrap_or_default();
    let (_, th) = app
        .get(&format!("/api/v1/tenants/141003/households/{tsuru_hid}"))
        .await;
    let shown: Vec<(String, String)> = th["members"]
        .as_array()
        .map(|m| {
            m.iter()
                .map(|p| {
                    (
                        p["birth_date"]["shown"]
                            .as_str()
                            .unwrap_or_default()
                            .to_string(),
                        p["birth_date"]["iso"]
                            .as_str()
                            .unwrap_or_default()
                            .to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        shown,
        vec![
            ("昭和20年頃".to_string(), "1945-01-01".to_string()),
            ("平成3年2月29日".to_string(), "1991-02-28".to_string())
        ]
    );

    // 転居 of the whole household.
    let version = h["version"].as_u64().unwrap_or_default();
    app.change(json!({
        "effective_on": "2026-05-10", "notified_on": "2026-05-12",
        "expect": [{"household_id": hid, "version": version}],
        "change": {"type": "relocation", "person_ids": [taro, hanako, ichiro, ume],
            "address": {"place": "神奈川県横浜市中区山下町", "banchi": "3番地"}}
    }))
    .await;
    // A second clerk still holding the old version is refused.
    let (status, err) = app
        .post(
            "/api/v1/tenants/141003/changes",
            json!({"effective_on": "2026-05-11", "notified_on": "2026-05-12",
                "expect": [{"household_id": hid, "version": version}],
                "change": {"type": "relocation", "person_ids": [taro, hanako, ichiro, ume],
                    "address": {"place": "神奈川県横浜市西区", "banchi": "1番"}}}),
        )
        .await;
    assert_eq!(
        (status, err["code"].as_str()),
        (409, Some("E-CONFLICT-001")),
        "{err}"
    );
    assert!(
        err["message"]
            .as_str()
            .unwrap_or_default()
            .contains("他の職員")
    );

    // 軽微な修正 of the household's address (the 番地 was written wrong); a view as of a
    // date before it names the item corrected later.
    let v = app
        .change(json!({
            "effective_on": "2026-05-20", "notified_on": "2026-05-20",
            "change": {"type": "correction", "person_id": hanako, "kind": "軽微な修正",
                "correction": {"item": "address", "new": {"place": "神奈川県横浜市中区山下町", "banchi": "3番地1"}}}
        }))
        .await;
    assert_eq!(v["entry"]["reason"], "軽微な修正");
    let (_, taro_now) = app
        .get(&format!("/api/v1/tenants/141003/persons/{taro}"))
        .await;
    assert_eq!(
        taro_now["address"]["banchi"], "3番地1",
        "the whole household"
    );
    let (_, then) = app
        .get(&format!(
            "/api/v1/tenants/141003/persons/{taro}?as_of=2026-05-15"
        ))
        .await;
    assert_eq!(then["address"]["banchi"], "3番地");
    assert_eq!(then["corrected_later"][0]["item"], "住所", "{then}");
    assert_eq!(then["corrected_later"][0]["reason"], "軽微な修正");
    // 軽微な修正 is for names and addresses only.
    let (status, err) = app
        .post(
            "/api/v1/tenants/141003/changes",
            json!({"effective_on": "2026-05-21", "notified_on": "2026-05-21",
                "change": {"type": "correction", "person_id": taro, "kind": "軽微な修正",
                    "correction": {"item": "birth_date", "new": "1980-04-02"}}}),
        )
        .await;
    assert_eq!(
        (status, err["code"].as_str()),
        (422, Some("E-IDO-045")),
        "{err}"
    );
    // 記載の根拠 (4.2.0.2): 届出, 職権 or 申出; anything else is refused at its field.
    let (status, err) = app
        .post(
            "/api/v1/tenants/141003/changes",
            json!({"effective_on": "2026-05-21", "notified_on": "2026-05-21", "basis": "命令",
                "change": {"type": "correction", "person_id": taro,
                    "correction": {"item": "birth_date", "new": "1980-04-02"}}}),
        )
        .await;
    assert_eq!(
        (status, err["code"].as_str(), err["field"].as_str()),
        (422, Some("E-CODE-005"), Some("basis")),
        "{err}"
    );

    // 世帯分離 of the son, by 職権 on his 申出 (4.2.0.5).
    let v = app
        .change(json!({"basis": "申出",
            "effective_on": "2026-06-01", "notified_on": "2026-06-01",
            "change": {"type": "household_split", "person_ids": [ichiro],
                "relationships": [{"person_id": ichiro, "relationship": "世帯主"}]}
        }))
        .await;
    assert_eq!(v["entry"]["basis"], "申出による職権");
    // 出生.
    app.change(json!({
        "effective_on": "2026-07-01", "notified_on": "2026-07-05",
        "change": {"type": "birth", "household_id": hid,
            "person": person("髙橋", "みらい", ("タカハシ", "ミライ"), "2026-07-01", "女", "子")}
    }))
    .await;
    // 死亡 of the grandmother; a late notification is flagged, not refused.
    let v = app
        .change(json!({
            "effective_on": "令和8年8月上旬", "notified_on": "2026-08-20",
            "change": {"type": "death", "person_id": ume}
        }))
        .await;
    assert_eq!(
        v["entry"]["late"], false,
        "death notices are 職権, not 届出"
    );
    // The 続柄 staff pick from (1.1.11): every term and pair, 子の子 but never 孫.
    let (_, offered) = app.get("/api/v1/tenants/141003/relationships").await;
    let offered: Vec<&str> = offered
        .as_array()
        .map(|a| a.iter().filter_map(|x| x.as_str()).collect())
        .unwrap_or_default();
    assert_eq!(offered.len(), 135);
    assert!(offered.contains(&"子の子") && !offered.contains(&"孫"));
    // Its 異動日 is 不詳 (1.1.8): kept as written beside the internal date.
    assert_eq!(v["entry"]["effective_on"]["shown"], "令和8年8月上旬");
    assert_eq!(v["entry"]["effective_on"]["iso"], "2026-08-01");
    let (_, p) = app
        .get(&format!("/api/v1/tenants/141003/persons/{ume}"))
        .await;
    assert_eq!(p["status"]["removed_on"]["shown"], "令和8年8月上旬");
    // 転出 (planned), then the 転入通知 confirms it.
    let (_, h) = app
        .get(&format!("/api/v1/tenants/141003/households/{hid}"))
        .await;
    let movers: Vec<i64> = h["members"]
        .as_array()
        .map(|m| m.iter().filter_map(|p| p["id"].as_i64()).collect())
        .unwrap_or_default();
    assert_eq!(movers.len(), 3);
    app.change(json!({
        "notified_on": "2026-09-20",
        "change": {"type": "move_out", "person_ids": movers, "planned_on": "2026-09-30",
            "destination": {"place": "大阪府大阪市北区梅田", "banchi": "3丁目1番"}}
    }))
    .await;
    let (_, p) = app
        .get(&format!("/api/v1/tenants/141003/persons/{taro}"))
        .await;
    assert_eq!(
        (p["register"].as_str(), p["status"]["state"].as_str()),
        (Some("A"), Some("転出予定"))
    );
    app.change(json!({
        "effective_on": "2026-09-30", "notified_on": "2026-10-02",
        "change": {"type": "move_out_confirmed", "person_ids": movers, "notice_from": "271004",
            "destination": {"place": "大阪府大阪市北区梅田", "banchi": "3丁目1番"}}
    }))
    .await;
    let (_, p) = app
        .get(&format!("/api/v1/tenants/141003/persons/{taro}"))
        .await;
    assert_eq!(
        (p["register"].as_str(), p["status"]["reason"].as_str()),
        (Some("B"), Some("転出"))
    );

    // The household as it was on the dates in between.
    let at = |d: &'static str| {
        let app = &app;
        async move {
            let (status, h) = app
                .get(&format!(
                    "/api/v1/tenants/141003/households/{hid}?as_of={d}"
                ))
                .await;
            assert_eq!(status, 200, "{d}: {h}");
            h
        }
    };
    let (status, _) = app
        .get(&format!(
            "/api/v1/tenants/141003/households/{hid}?as_of=2026-03-31"
        ))
        .await;
    assert_eq!(status, 404, "no household before the move-in");
    let h = at("2026-04-15").await;
    assert_eq!(member_names(&h), ["ウメ", "一郎", "太郎", "花子"]);
    assert_eq!(h["address"]["place"], "神奈川県横浜市中区本町一丁目");
    let h = at("令和8年5月15日").await;
    assert_eq!(h["address"]["place"], "神奈川県横浜市中区山下町");
    assert_eq!(member_names(&h).len(), 4);
    assert_eq!(
        member_names(&at("2026-06-15").await),
        ["ウメ", "太郎", "花子"]
    );
    assert_eq!(
        member_names(&at("2026-07-15").await),
        ["みらい", "ウメ", "太郎", "花子"]
    );
    assert_eq!(
        member_names(&at("2026-08-15").await),
        ["みらい", "太郎", "花子"]
    );
    assert_eq!(
        member_names(&at("2026-09-25").await),
        ["みらい", "太郎", "花子"]
    );
    let h = at("2026-10-01").await;
    assert!(member_names(&h).is_empty());
    assert_eq!(h["dissolved_on"]["iso"], "2026-09-30");
    // The son's household, and his record as of before the split.
    let (_, p) = app
        .get(&format!(
            "/api/v1/tenants/141003/persons/{ichiro}?as_of=2026-05-31"
        ))
        .await;
    assert_eq!(p["household_id"], hid);
    assert_eq!(p["relationship"], "子");
    let (_, p) = app
        .get(&format!("/api/v1/tenants/141003/persons/{ichiro}"))
        .await;
    assert_ne!(p["household_id"], hid);
    assert_eq!(p["relationship"], "世帯主");

    // The full history of the head, and the register as of a date.
    let (_, hist) = app
        .get(&format!("/api/v1/tenants/141003/persons/{taro}/history"))
        .await;
    let reasons: Vec<&str> = hist["entries"]
        .as_array()
        .map(|e| e.iter().filter_map(|x| x["reason"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(reasons, ["転入", "転居", "軽微な修正", "転出", "転出確定"]);
    assert_eq!(
        hist["versions"][0]["record"]["address"]["place"],
        "神奈川県横浜市中区本町一丁目"
    );
    assert_eq!(hist["versions"][0]["valid_to"]["iso"], "2026-05-10");
    let (_, hist) = app
        .get(&format!("/api/v1/tenants/141003/households/{hid}/history"))
        .await;
    let reasons: Vec<&str> = hist
        .as_array()
        .map(|e| e.iter().filter_map(|x| x["reason"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        reasons,
        [
            "転入",
            "転居",
            "軽微な修正",
            "世帯分離",
            "出生",
            "死亡",
            "転出確定"
        ]
    );
    let (_, residents) = app
        .get("/api/v1/tenants/141003/residents?as_of=2026-07-15")
        .await;
    assert_eq!(residents.as_array().map(Vec::len), Some(7));
    // Search, with removed records only when asked.
    let (_, hits) = app
        .get("/api/v1/tenants/141003/search?name=%E9%AB%98%E6%A9%8B")
        .await;
    assert_eq!(
        hits.as_array().map(Vec::len),
        Some(3),
        "of the family only the son is still registered (and ツル and ハル)"
    );
    let (_, hits) = app.get("/api/v1/tenants/141003/search?kana=%E3%81%9F%E3%81%8B%E3%81%AF%E3%81%97&include_removed=true").await;
    assert_eq!(hits.as_array().map(Vec::len), Some(7));
    // 異動の取消し (4.6): the last entry (the 転出確定) undone on the son's 申出; the
    // number of a cancellation, or one not in the ledger, cannot be.
    let (_, ledger) = app.get("/api/v1/tenants/141003/ledger?after=0").await;
    let last = ledger
        .as_array()
        .and_then(|l| l.last())
        .and_then(|e| e["seq"].as_i64())
        .unwrap_or_default();
    let (status, v) = app
        .post(
            &format!("/api/v1/tenants/141003/changes/{last}/cancel"),
            json!({"basis": "申出", "notified_on": "2026-10-01", "effective_on": "2026-10-01"}),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    assert_eq!(v["entry"]["reason"], "異動の取消し（増）");
    assert_eq!(v["entry"]["basis"], "申出による職権");
    let cancellation = v["entry"]["seq"].as_i64().unwrap_or_default();
    for seq in [cancellation, 99_999] {
        let (status, err) = app
            .post(
                &format!("/api/v1/tenants/141003/changes/{seq}/cancel"),
                json!({}),
            )
            .await;
        assert_eq!(
            (status, err["code"].as_str()),
            (422, Some("E-IDO-055")),
            "{err}"
        );
    }
    // The ledger replays to the same projections.
    let (status, v) = app.post("/api/v1/tenants/141003/check", json!({})).await;
    assert_eq!((status, v["ok"].as_bool()), (200, Some(true)), "{v}");
}

async fn errors_have_codes_and_japanese_messages(mut app: TestApp) {
    let (status, v) = app.get("/api/v1/tenants/141004/search?kana=a").await;
    assert_eq!(
        (status, v["code"].as_str()),
        (422, Some("E-CODE-001")),
        "{v}"
    );
    assert!(
        v["message"]
            .as_str()
            .unwrap_or_default()
            .contains("地方公共団体コード")
    );
    let (status, v) = app.get("/api/v1/tenants/131016/search?kana=a").await;
    assert_eq!(
        (status, v["code"].as_str()),
        (404, Some("E-TENANT-001")),
        "{v}"
    );
    app.open("131016", "千代田区").await;
    let (status, v) = app
        .post("/api/v1/tenants/131016/changes", json!({"nonsense": true}))
        .await;
    assert_eq!(
        (status, v["code"].as_str()),
        (400, Some("E-HTTP-400")),
        "{v}"
    );
    let bad_date = json!({"effective_on": "令和8年13月1日", "notified_on": "2026-03-01",
        "change": {"type": "death", "person_id": 1}});
    let (status, v) = app.post("/api/v1/tenants/131016/changes", bad_date).await;
    assert_eq!(
        (status, v["code"].as_str(), v["field"].as_str()),
        (422, Some("E-DATE-001"), Some("effective_on")),
        "{v}"
    );
    // 2月30日 is allowed for a 死亡 (1.1.8), not for a 世帯主変更.
    let not_a_day = json!({"effective_on": "令和8年2月30日", "notified_on": "2026-03-01",
        "change": {"type": "head_change", "household_id": 1, "relationships": []}});
    let (status, v) = app.post("/api/v1/tenants/131016/changes", not_a_day).await;
    assert_eq!(
        (status, v["code"].as_str(), v["field"].as_str()),
        (422, Some("E-DATE-005"), Some("effective_on")),
        "{v}"
    );
    let unknown_rel = json!({"effective_on": "2026-03-01", "notified_on": "2026-03-01",
        "change": {"type": "move_in", "persons": [person("山田", "一", ("ヤマダ", "ハジメ"), "1970-01-01", "男", "いとこの友達")],
            "address": {"place": "東京都千代田区", "banchi": "1"}, "previous_address": {"place": "x"}}});
    let (status, v) = app
        .post("/api/v1/tenants/131016/changes", unknown_rel)
        .await;
    assert_eq!(
        (status, v["code"].as_str(), v["field"].as_str()),
        (
            422,
            Some("E-CODE-005"),
            Some("change.persons[0].relationship")
        ),
        "{v}"
    );
    let (status, v) = app.get("/api/v1/tenants/131016/persons/42").await;
    assert_eq!((status, v["code"].as_str()), (404, Some("E-HTTP-404")));
    // Without credentials nothing is recorded.
    let (status, v) = app
        .app
        .anonymous()
        .post(
            "/api/v1/tenants/131016/changes",
            json!({"effective_on": "2026-03-01", "notified_on": "2026-03-01", "change": {"type": "death", "person_id": 1}}),
        )
        .await;
    assert_eq!(
        (status, v["code"].as_str()),
        (401, Some("E-AUTH-001")),
        "{v}"
    );
    let (_, ledger) = app.get("/api/v1/tenants/131016/ledger").await;
    assert_eq!(ledger.as_array().map(Vec::len), Some(0));
    // The OpenAPI document.
    let (status, spec) = app.get("/openapi.json").await;
    assert_eq!(status, 200);
    assert!(
        spec["openapi"]
            .as_str()
            .unwrap_or_default()
            .starts_with("3.1")
    );
    assert!(spec["paths"]["/api/v1/tenants/{tenant}/changes"]["post"].is_object());
    assert!(spec["components"]["schemas"]["ChangeIn"].is_object());
}

/// 異動の取消し for one of the persons of an entry (4.6.0.1), over HTTP.
async fn partial_cancellation(mut app: TestApp) {
    app.open("141003", "横浜市").await;
    let v = app
        .change(json!({
            "effective_on": "2026-04-01", "notified_on": "2026-04-01",
            "change": {"type": "move_in",
                "persons": [person("北村", "一", ("キタムラ", "ハジメ"), "1970-01-01", "男", "世帯主"),
                            person("北村", "二葉", ("キタムラ", "フタバ"), "2000-02-02", "女", "子")],
                "address": {"place": "神奈川県横浜市中区本町一丁目", "banchi": "1番地"},
                "previous_address": {"place": "東京都千代田区千代田", "banchi": "1番1号"}}
        }))
        .await;
    let seq = v["entry"]["seq"].as_i64().unwrap_or_default();
    let ids: Vec<i64> = v["person_ids"]
        .as_array()
        .map(|a| a.iter().filter_map(|x| x.as_i64()).collect())
        .unwrap_or_default();
    assert_eq!(ids.len(), 2, "{v}");
    let (_, p) = app
        .get(&format!("/api/v1/tenants/141003/persons/{}", ids[1]))
        .await;
    assert_eq!(p["register"], "A");
    let path = format!("/api/v1/tenants/141003/changes/{seq}/cancel");
    let (status, e) = app.post(&path, json!({"person_ids": [42]})).await;
    assert_eq!(
        (status, e["code"].as_str(), e["field"].as_str()),
        (422, Some("E-IDO-063"), Some("person_ids")),
        "{e}"
    );
    let (status, r) = app.post(&path, json!({"person_ids": [ids[1]]})).await;
    assert_eq!(status, 201, "{r}");
    assert_eq!(r["entry"]["reason"], "異動の取消し（減）");
    let (_, gone) = app
        .get(&format!("/api/v1/tenants/141003/persons/{}", ids[1]))
        .await;
    assert_eq!(gone["register"], "B", "{gone}");
    let (_, stays) = app
        .get(&format!("/api/v1/tenants/141003/persons/{}", ids[0]))
        .await;
    assert_eq!(stays["register"], "A", "{stays}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partial_cancellation_over_http() {
    partial_cancellation(TestApp::spawn(fresh_sqlite().await).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn family_life_over_http_sqlite() {
    family_life(TestApp::spawn(fresh_sqlite().await).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn family_life_over_http_postgres() {
    match fresh_postgres().await {
        Some(s) => family_life(TestApp::spawn(s).await).await,
        None => eprintln!("KIKAN_TEST_DATABASE_URL is not set: PostgreSQL run skipped"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_over_http() {
    errors_have_codes_and_japanese_messages(TestApp::spawn(fresh_sqlite().await).await).await;
}

/// 戸籍の表示の引用 (4.2.0.3): a 出生 takes the child's 本籍・筆頭者 from a member of the
/// household; a member of another household, or a 本籍 given as well, is refused.
async fn a_birth_quotes_a_members_honseki(s: TestStore) {
    let app = App::spawn(s).await;
    let t = app.tenant("141003", "横浜市").await;
    let base = format!("/api/v1/tenants/{t}");
    let examiner = app.as_role(t, Role::Examiner).await;
    let (hid, mother, _) = kikan_testsuite::http::mother_and_son(&examiner, &base).await;
    // A person of another household.
    let (status, v) = examiner
        .post(&format!("{base}/changes"), json!({"effective_on": "2026-04-01", "notified_on": "2026-04-01",
            "change": {"type": "move_in", "persons": [person_json(("別", "世帯"), ("ベツ", "セタイ"), "1970-01-01", "男", "世帯主")],
                "address": {"place": "神奈川県横浜市中区本町一丁目", "banchi": "2番地"},
                "previous_address": {"place": "東京都千代田区千代田", "banchi": "1番1号"}}}))
        .await;
    assert_eq!(status, 201, "{v}");
    let stranger = v["person_ids"][0].as_i64().unwrap_or_default();
    let mut child = person_json(
        ("山本", "陽菜"),
        ("ヤマモト", "ヒナ"),
        "2026-05-10",
        "女",
        "子",
    );
    if let Some(o) = child.as_object_mut() {
        o.remove("honseki");
    }
    let birth = |quote: i64, child: &Value| {
        json!({"effective_on": "2026-05-10", "notified_on": "2026-05-12",
            "change": {"type": "birth", "household_id": hid, "person": child, "quote_honseki_of": quote}})
    };
    let mut given = child.clone();
    given["honseki"] = json!({"domicile": "東京都港区芝一丁目1番地", "head_name": "山本　一郎"});
    for (quote, body) in [(stranger, &child), (mother, &given)] {
        let (status, e) = examiner
            .post(&format!("{base}/changes"), birth(quote, body))
            .await;
        assert_eq!(
            (status, e["code"].as_str(), e["field"].as_str()),
            (422, Some("E-INPUT-003"), Some("change.quote_honseki_of")),
            "{e}"
        );
    }
    let (status, v) = examiner
        .post(&format!("{base}/changes"), birth(mother, &child))
        .await;
    assert_eq!(status, 201, "{v}");
    let baby = v["person_ids"][0].as_i64().unwrap_or_default();
    let (_, m) = examiner.get(&format!("{base}/persons/{mother}")).await;
    let (_, b) = examiner.get(&format!("{base}/persons/{baby}")).await;
    assert_eq!(b["honseki"], m["honseki"], "{b}");
    assert_eq!(b["honseki_head"], m["honseki_head"], "{b}");
    assert!(b["honseki"].is_string(), "{b}");
}

kikan_testsuite::on_both!(a_birth_quotes_a_members_honseki);
