//! CSV形式のデータの取込 (10.8) over HTTP, on both engines: a 転出証明書's data (UTF-8
//! and Shift_JIS) and a 住民異動届's become drafts that 審査 commits; a 交付申請書
//! becomes a certificate request that previews; a 個人番号カード's 券面事項 find the
//! resident without the number coming back. Bad files name their line and column,
//! and nothing is entered.

use base64::Engine;
use kikan_security::Role;
use kikan_testsuite::TestStore;
use kikan_testsuite::http::App;
use serde_json::json;

const MOVE_OUT: &str = "氏,名,氏フリガナ,名フリガナ,生年月日,性別,続柄,個人番号,本籍,筆頭者,転出元住所,転出元番地,転出先住所,転出先番地,転出先方書,転入年月日,届出年月日,届出人氏名\n\
取込,一郎,トリコミ,イチロウ,昭和55年2月29日,男,世帯主,123456789018,東京都千代田区千代田1番,取込　一郎,東京都千代田区霞が関一丁目,1番1号,みほん県みほん市中央一丁目,5番6号,みほんハイツ101,2026-04-01,2026-04-03,取込　一郎\n\
取込,花子,トリコミ,ハナコ,1982-07-07,女,妻,,東京都千代田区千代田1番,取込　一郎,東京都千代田区霞が関一丁目,1番1号,みほん県みほん市中央一丁目,5番6号,みほんハイツ101,2026-04-01,2026-04-03,取込　一郎\n";

async fn csv_becomes_drafts_requests_and_a_found_resident(s: TestStore) {
    let app = App::spawn(s).await;
    let t = app.tenant("149993", "みほん市").await;
    let base = format!("/api/v1/tenants/{t}");
    let reception = app.as_role(t, Role::Reception).await;
    let examiner = app.as_role(t, Role::Examiner).await;

    // Refused, nothing entered: an impossible date (its line and column), a column of
    // no layout, an unknown layout.
    let bad = MOVE_OUT.replace("1982-07-07", "1982-02-30");
    let (status, e) = reception
        .post(
            &format!("{base}/intake/changes"),
            json!({"kind": "転出証明書", "csv": bad}),
        )
        .await;
    assert_eq!(
        (status, e["code"].as_str()),
        (422, Some("E-INTAKE-001")),
        "{e}"
    );
    let msg = e["message"].as_str().unwrap_or_default();
    assert!(msg.contains("3行目") && msg.contains("生年月日"), "{msg}");
    let (status, e) = reception
        .post(
            &format!("{base}/intake/changes"),
            json!({"kind": "転出証明書", "csv": "氏,好きな色\n山田,青\n"}),
        )
        .await;
    assert_eq!(
        (status, e["code"].as_str()),
        (422, Some("E-INTAKE-002")),
        "{e}"
    );
    let (status, e) = reception
        .post(
            &format!("{base}/intake/changes"),
            json!({"kind": "婚姻届", "csv": MOVE_OUT}),
        )
        .await;
    assert_eq!(status, 422, "{e}");
    let (_, drafts) = examiner.get(&format!("{base}/drafts")).await;
    assert_eq!(drafts.as_array().map(Vec::len), Some(0), "{drafts}");

    // A 転出証明書's data in Shift_JIS: a draft of the 転入, committed by 審査.
    let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode(MOVE_OUT);
    let (status, d) = reception
        .post(
            &format!("{base}/intake/changes"),
            json!({"kind": "転出証明書", "base64": base64::engine::general_purpose::STANDARD.encode(&sjis)}),
        )
        .await;
    assert_eq!(status, 201, "{d}");
    assert_eq!(d["kind"], "move_in", "{d}");
    assert!(
        !d.to_string().contains("123456789018"),
        "no 個人番号 in the view: {d}"
    );
    let (status, c) = examiner
        .post(&format!("{base}/drafts/{}/commit", d["id"]), json!({}))
        .await;
    assert_eq!(status, 201, "{c}");
    let ichiro = c["person_ids"][0].as_i64().unwrap_or_default();
    let hanako = c["person_ids"][1].as_i64().unwrap_or_default();
    let (_, p) = examiner.get(&format!("{base}/persons/{ichiro}")).await;
    assert_eq!(p["has_individual_number"], true, "{p}");
    assert_eq!(p["birth_date"]["iso"], "1980-02-29", "{p}");
    let hid = p["household_id"].as_i64().unwrap_or_default();

    // A 住民異動届 of a 転居, by 宛名番号.
    let notice = format!(
        "異動の種類,宛名番号,異動年月日,届出年月日,届出人氏名,届出人の資格,新住所,新番地\n\
         転居,{ichiro},令和8年5月1日,令和8年5月2日,取込　一郎,本人,みほん県みほん市中央二丁目,3番4号\n\
         転居,{hanako},令和8年5月1日,令和8年5月2日,取込　一郎,本人,みほん県みほん市中央二丁目,3番4号\n"
    );
    let (status, d) = reception
        .post(
            &format!("{base}/intake/changes"),
            json!({"kind": "住民異動届", "csv": notice}),
        )
        .await;
    assert_eq!(status, 201, "{d}");
    let (status, c) = examiner
        .post(&format!("{base}/drafts/{}/commit", d["id"]), json!({}))
        .await;
    assert_eq!(status, 201, "{c}");
    let (_, p) = examiner.get(&format!("{base}/persons/{ichiro}")).await;
    assert!(p.to_string().contains("中央二丁目"), "{p}");
    // Rows of one 届出 that disagree are refused.
    let split = notice.replacen("令和8年5月2日", "令和8年5月3日", 1);
    let (status, e) = reception
        .post(
            &format!("{base}/intake/changes"),
            json!({"kind": "住民異動届", "csv": split}),
        )
        .await;
    assert_eq!(
        (status, e["code"].as_str()),
        (422, Some("E-INTAKE-001")),
        "{e}"
    );

    // A 交付申請書: the request previews.
    let form = format!(
        "証明書の種類,記載方式,世帯番号,記載事項,請求者の種類,請求者宛名番号,利用目的,本人確認書類,通数\n\
         住民票の写し,世帯連記式,{hid},続柄,同一世帯,{hanako},勤務先へ提出,運転免許証,1\n"
    );
    let (status, r) = reception
        .post(&format!("{base}/intake/certificates"), json!({"csv": form}))
        .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["request"]["kind"], "住民票の写し", "{r}");
    let resp = reception
        .request(
            reqwest::Method::POST,
            &format!("{base}/certificates/preview"),
        )
        .json(&r["request"])
        .send()
        .await
        .expect("preview");
    assert_eq!(resp.status().as_u16(), 200);

    // A 個人番号カード's 券面事項: found by the number, which never comes back.
    let card = "氏名,住所,生年月日,性別,個人番号\n取込　一郎,みほん県みほん市中央二丁目3番4号,昭和55年2月29日,男,123456789018\n";
    let (status, r) = reception
        .post(&format!("{base}/intake/card"), json!({"csv": card}))
        .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["found_by"], "個人番号", "{r}");
    assert_eq!(r["matches"][0]["id"], ichiro, "{r}");
    assert!(!r.to_string().contains("123456789018"), "{r}");
    // Without the number: by 氏名 and 生年月日.
    let card =
        "氏名,住所,生年月日,性別\n取込　花子,みほん県みほん市中央二丁目3番4号,1982-07-07,女\n";
    let (status, r) = reception
        .post(&format!("{base}/intake/card"), json!({"csv": card}))
        .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["matches"][0]["id"], hanako, "{r}");

    // A 住民異動届 of a 世帯分離: the row's person and her 続柄 to the new head.
    let split = format!(
        "異動の種類,宛名番号,続柄,異動年月日,届出年月日\n世帯分離,{hanako},世帯主,令和8年6月1日,令和8年6月1日\n"
    );
    let (status, d) = reception
        .post(
            &format!("{base}/intake/changes"),
            json!({"kind": "住民異動届", "csv": split}),
        )
        .await;
    assert_eq!(status, 201, "{d}");
    assert_eq!(d["kind"], "household_split", "{d}");
    let (status, c) = examiner
        .post(&format!("{base}/drafts/{}/commit", d["id"]), json!({}))
        .await;
    assert_eq!(status, 201, "{c}");
    let (_, p) = examiner.get(&format!("{base}/persons/{hanako}")).await;
    assert_ne!(p["household_id"].as_i64(), Some(hid), "{p}");
}

kikan_testsuite::on_both!(csv_becomes_drafts_requests_and_a_found_resident);
