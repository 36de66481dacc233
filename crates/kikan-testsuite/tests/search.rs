//! 検索 (2.1.2 検索文字入力, 2.1.3 基本検索) over HTTP, on both engines: あいまい検索 as the
//! section lists it (清音・濁音・半濁音, small kana, 長音, オ段+ウ, the dash forms), 完全・
//! 前方・部分一致, the 名 alone, 生年月日 as a 和暦 or 西暦 year or month, 通称, 性別, 続柄,
//! 方書, 世帯番号, 宛名番号, 消除事由, empty items, and past names and addresses. Unknown
//! codes are refused with a stable code.

use kikan_security::Role;
use kikan_testsuite::TestStore;
use kikan_testsuite::http::{App, Caller, person_json};
use serde_json::{Value, json};

/// The 宛名番号 found by a search with these conditions, in the order answered.
async fn ids(caller: &Caller, base: &str, query: &[(&str, &str)]) -> Vec<i64> {
    let req = caller
        .request(reqwest::Method::GET, &format!("{base}/search"))
        .query(query);
    let (status, v) = caller.send(req).await;
    assert_eq!(status, 200, "{query:?}: {v}");
    v.as_array()
        .map(|a| a.iter().filter_map(|p| p["id"].as_i64()).collect())
        .unwrap_or_default()
}

async fn refused(caller: &Caller, base: &str, query: &[(&str, &str)]) -> Value {
    let req = caller
        .request(reqwest::Method::GET, &format!("{base}/search"))
        .query(query);
    let (status, v) = caller.send(req).await;
    assert_eq!(status, 422, "{query:?}: {v}");
    v
}

fn household(
    persons: Vec<Value>,
    place: &str,
    banchi: &str,
    katagaki: Option<&str>,
    on: &str,
) -> Value {
    json!({
        "effective_on": on, "notified_on": on,
        "change": {"type": "move_in", "persons": persons,
            "address": {"place": place, "banchi": banchi, "katagaki": katagaki},
            "previous_address": {"place": "東京都千代田区千代田", "banchi": "1番1号"}}
    })
}

const NONE: Vec<i64> = Vec::new();

async fn searches(s: TestStore) {
    let app = App::spawn(s.clone()).await;
    let t = app.tenant("141003", "横浜市").await;
    let base = format!("/api/v1/tenants/{t}");
    let examiner = app.as_role(t, Role::Examiner).await;
    let changes = format!("{base}/changes");
    let mut id_of = std::collections::HashMap::new();
    for (persons, place, banchi, katagaki) in [
        (
            vec![
                person_json(
                    ("佐藤", "太郎"),
                    ("サトウ", "タロウ"),
                    "1975-03-04",
                    "男",
                    "世帯主",
                ),
                person_json(
                    ("佐藤", "花子"),
                    ("サトウ", "ハナコ"),
                    "1977-08-09",
                    "女",
                    "妻",
                ),
                person_json(
                    ("佐藤", "一郎"),
                    ("サトウ", "イチロウ"),
                    "2019-05-01",
                    "男",
                    "子",
                ),
            ],
            "神奈川県横浜市中区本町一丁目",
            "1番地",
            Some("本町ハイツ101号"),
        ),
        (
            vec![
                person_json(
                    ("日向", "翔"),
                    ("ヒューガ", "ショウ"),
                    "1990-01-20",
                    "男",
                    "世帯主",
                ),
                person_json(
                    ("日向", "ぢゅん"),
                    ("ヒューガ", "ヂュン"),
                    "2019-04-30",
                    "女",
                    "子",
                ),
            ],
            "神奈川県横浜市中区山下町",
            "2番地",
            None,
        ),
        (
            vec![person_json(
                ("渡邊", "太郎"),
                ("ワタナベ", "タロウ"),
                "1960-12-31",
                "男",
                "世帯主",
            )],
            "神奈川県横浜市中区山下町",
            "3番地",
            None,
        ),
    ] {
        let (status, v) = examiner
            .post(
                &changes,
                household(persons, place, banchi, katagaki, "2026-04-01"),
            )
            .await;
        assert_eq!(status, 201, "{v}");
        let (_, hits) = examiner
            .get(&format!(
                "{base}/search?address={}",
                banchi.replace("番地", "%E7%95%AA%E5%9C%B0")
            ))
            .await;
        for p in hits.as_array().cloned().unwrap_or_default() {
            id_of.insert(
                p["name"]["full"].as_str().unwrap_or_default().to_string(),
                p["id"].as_i64().unwrap_or_default(),
            );
        }
    }
    let id = |name: &str| id_of.get(name).copied().unwrap_or(-1);
    let (taro, hanako, ichiro) = (id("佐藤　太郎"), id("佐藤　花子"), id("佐藤　一郎"));
    let (sho, jun, watanabe) = (id("日向　翔"), id("日向　ぢゅん"), id("渡邊　太郎"));
    assert!(
        [taro, hanako, ichiro, sho, jun, watanabe]
            .iter()
            .all(|i| *i > 0),
        "{id_of:?}"
    );
    let clerk = app.as_role(t, Role::Reception).await;
    let find = |q: &'static [(&'static str, &'static str)]| ids(&clerk, &base, q);

    // 2.1.2 あいまい検索: the section's pairs find each other only when asked.
    assert_eq!(find(&[("kana", "サトオ")]).await, NONE);
    assert_eq!(
        find(&[("kana", "サトオ"), ("fuzzy", "true")]).await.len(),
        3
    );
    assert_eq!(
        find(&[("kana", "ひゅうが"), ("fuzzy", "true")]).await.len(),
        0,
        "ウ after ュ (ウ段) stays ウ, while the 長音 is left out"
    );
    assert_eq!(
        find(&[("kana", "ﾋｭｶﾞ"), ("fuzzy", "true")]).await,
        vec![sho, jun]
    );
    assert_eq!(
        find(&[("kana", "ヒュ－ガ")]).await,
        vec![sho, jun],
        "dash forms are one 長音"
    );
    assert_eq!(
        find(&[("kana", "ハタナヘ"), ("fuzzy", "true")]).await,
        vec![watanabe],
        "ワ = ハ, ベ = ヘ"
    );
    assert_eq!(
        find(&[
            ("kana", "ヒューガ ジユン"),
            ("fuzzy", "true"),
            ("match", "exact")
        ])
        .await,
        vec![jun],
        "ヂ = ジ, ュ = ユ, the blank between 氏 and 名 aside"
    );
    // 完全一致・部分一致, and the 名 alone (reading or as written).
    assert_eq!(find(&[("kana", "サトウ"), ("match", "exact")]).await, NONE);
    assert_eq!(
        find(&[("kana", "サトウタロウ"), ("match", "exact")]).await,
        vec![taro]
    );
    assert_eq!(
        find(&[("kana", "タロウ"), ("match", "partial")]).await,
        vec![taro, watanabe]
    );
    assert_eq!(find(&[("given", "たろう")]).await, vec![taro, watanabe]);
    assert_eq!(find(&[("given", "太郎")]).await, vec![taro, watanabe]);
    assert_eq!(
        find(&[("given", "イチロオ"), ("fuzzy", "true")]).await,
        vec![ichiro]
    );
    assert_eq!(find(&[("name", "渡辺")]).await, vec![watanabe], "邊 = 辺");

    // 2.1.3: 生年月日 as a 和暦 or 西暦 year or month (平成31年 ends on 30 April).
    assert_eq!(find(&[("birth_date", "昭和50年")]).await, vec![taro]);
    assert_eq!(find(&[("birth_date", "1975-03")]).await, vec![taro]);
    assert_eq!(find(&[("birth_date", "平成31年")]).await, vec![jun]);
    assert_eq!(find(&[("birth_date", "令和元年")]).await, vec![ichiro]);
    assert_eq!(
        find(&[("birth_from", "S50"), ("birth_to", "1977")]).await,
        vec![taro, hanako]
    );
    // 性別, 続柄, 世帯番号, 宛名番号, 方書, and items left empty.
    assert_eq!(find(&[("sex", "女"), ("kana", "サ")]).await, vec![hanako]);
    assert_eq!(find(&[("relationship", "子")]).await, vec![ichiro, jun]);
    let (_, p) = clerk.get(&format!("{base}/persons/{sho}")).await;
    let hh = p["household_id"].as_i64().unwrap_or_default().to_string();
    let req = clerk
        .request(reqwest::Method::GET, &format!("{base}/search"))
        .query(&[("household_id", hh.as_str())]);
    let (_, v) = clerk.send(req).await;
    assert_eq!(v.as_array().map(Vec::len), Some(2), "{v}");
    let by_id = taro.to_string();
    let req = clerk
        .request(reqwest::Method::GET, &format!("{base}/search"))
        .query(&[("person_id", by_id.as_str())]);
    let (_, v) = clerk.send(req).await;
    assert_eq!(v[0]["id"], taro, "{v}");
    assert_eq!(
        find(&[("katagaki", "本町ハイツ")]).await,
        vec![ichiro, taro, hanako],
        "in the order of the reading"
    );
    assert_eq!(
        find(&[("empty", "katagaki"), ("relationship", "世帯主")]).await,
        vec![sho, watanabe]
    );
    assert_eq!(
        find(&[("empty", "individual_number"), ("kana", "ワ")]).await,
        vec![watanabe]
    );
    // Every 転入 here was given a 住民票コード.
    assert_eq!(
        find(&[("empty", "juminhyo_code,individual_number")]).await,
        NONE
    );

    // Past names and addresses (2.1.3): a 氏 changed by 職権修正 and a 転居.
    let (status, v) = examiner
        .post(
            &changes,
            json!({
                "effective_on": "2026-05-01", "notified_on": "2026-05-01",
                "change": {"type": "correction", "person_id": watanabe,
                    "correction": {"item": "name", "new": {"family": "渡部", "given": "太郎"}}}
            }),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    let (status, v) = examiner
        .post(
            &changes,
            json!({
                "effective_on": "2026-05-02", "notified_on": "2026-05-02",
                "change": {"type": "relocation", "person_ids": [watanabe],
                    "address": {"place": "神奈川県横浜市中区元町", "banchi": "5番地"}}
            }),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    assert_eq!(find(&[("name", "渡辺")]).await, NONE);
    assert_eq!(
        find(&[("name", "渡辺"), ("past", "true")]).await,
        vec![watanabe]
    );
    assert_eq!(find(&[("name", "渡部")]).await, vec![watanabe]);
    assert_eq!(find(&[("address", "山下町3番地")]).await, NONE);
    assert_eq!(
        find(&[("address", "山下町3番地"), ("past", "true")]).await,
        vec![watanabe]
    );

    // 消除事由: a search of the 除票.
    let (status, v) = examiner
        .post(
            &changes,
            json!({
                "effective_on": "2026-06-01", "notified_on": "2026-06-02",
                "change": {"type": "death", "person_id": sho}
            }),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    assert_eq!(find(&[("removal_reason", "死亡")]).await, vec![sho]);
    assert_eq!(find(&[("removal_reason", "転出")]).await, NONE);

    // Unknown codes: a stable code, and the field named.
    let v = refused(&clerk, &base, &[("sex", "X")]).await;
    assert_eq!(v["code"], "E-CODE-005", "{v}");
    let v = refused(&clerk, &base, &[("empty", "honseki,zzz")]).await;
    assert_eq!(v["code"], "E-CODE-005", "{v}");
    let v = refused(&clerk, &base, &[("birth_date", "令和元年4月")]).await;
    assert!(
        v["code"].as_str().is_some_and(|c| c.starts_with("E-DATE")),
        "{v}"
    );
    let v = refused(&clerk, &base, &[("fuzzy", "true")]).await;
    assert_eq!(v["code"], "E-INPUT-001", "{v}");

    // A database from before these keys: the store fills them (and the past keys, from
    // the stored versions) when it is opened, and the same searches answer the same.
    let pg = !matches!(s, TestStore::Sqlite(_));
    let statements = [
        "ALTER TABLE persons NO FORCE ROW LEVEL SECURITY",
        "ALTER TABLE person_past NO FORCE ROW LEVEL SECURITY",
        "UPDATE persons SET kana_fuzzy = NULL, given_kana = NULL, given_fuzzy = NULL, given_key = NULL,
            alias_key = NULL, alias_kana = NULL, sex = NULL, relationship = NULL, removal_reason = NULL",
        "DELETE FROM person_past",
        "ALTER TABLE persons FORCE ROW LEVEL SECURITY",
        "ALTER TABLE person_past FORCE ROW LEVEL SECURITY",
    ];
    for sql in statements {
        if pg || !sql.starts_with("ALTER") {
            let done = s.exec(sql).await;
            assert!(done.is_ok(), "{sql}: {done:?}");
        }
    }
    assert_eq!(find(&[("kana", "ハタナヘ"), ("fuzzy", "true")]).await, NONE);
    let filled = s.store().fill_search_keys().await;
    assert_eq!(filled.ok(), Some(6));
    assert_eq!(s.store().fill_search_keys().await.ok(), Some(0), "once");
    assert_eq!(
        find(&[("kana", "ハタナヘ"), ("fuzzy", "true")]).await,
        vec![watanabe]
    );
    assert_eq!(
        find(&[("address", "山下町3番地"), ("past", "true")]).await,
        vec![watanabe]
    );
    assert_eq!(find(&[("removal_reason", "死亡")]).await, vec![sho]);

    // The audit record names the conditions.
    let auditor = app.as_role(t, Role::Auditor).await;
    let (_, log) = auditor
        .get(&format!("{base}/audit?action=resident.search"))
        .await;
    assert!(log.to_string().contains("かな=ハタナヘ あいまい"), "{log}");
}

#[tokio::test]
async fn search_sqlite() {
    searches(kikan_testsuite::fresh_sqlite().await).await;
}

#[tokio::test]
async fn search_postgres() {
    let Some(s) = kikan_testsuite::fresh_postgres().await else {
        return;
    };
    searches(s).await;
}
