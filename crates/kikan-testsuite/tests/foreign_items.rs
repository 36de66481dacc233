//! The foreign-resident items of 1.1.2 (j20) over HTTP, on both engines: 氏名（漢字） and
//! its reading beside the alphabet name (shown, searched, printed); 旧外登法による登録年月日
//! (不詳 allowed, none after the law's repeal); 上陸期間 and 仮滞在期間 for the categories
//! that have them; 住居地の届出の有無 and 上陸許可証による転入の旨; the 通称 with the
//! municipality that recorded it and the one that deleted it; 外国人住民となった年月日
//! carried by the 転出証明書, a 不詳日 among them. Invalid input is refused with
//! a stable code and nothing written.

use kikan_security::Role;
use kikan_testsuite::TestStore;
use kikan_testsuite::http::App;
use serde_json::{Value, json};

fn move_in(kind: &str, foreign: Value, name: &str, kana: &str) -> Value {
    json!({
        "effective_on": "2026-04-01", "notified_on": "2026-04-02",
        "change": {"type": "move_in", "kind": kind,
            "persons": [{"name": {"family": name, "given": ""}, "furigana": {"family": kana, "given": ""},
                "birth_date": "1960-02-29", "sex": "男", "relationship": "世帯主", "foreign": foreign}],
            "address": {"place": "神奈川県横浜市中区山下町", "banchi": "8番地"},
            "previous_address": {"place": "大阪府大阪市生野区桃谷", "banchi": "1番地"}}
    })
}

async fn foreign_resident_items_are_kept_shown_and_printed(s: TestStore) {
    let app = App::spawn(s).await;
    let t = app.tenant("141003", "横浜市").await;
    let base = format!("/api/v1/tenants/{t}");
    let examiner = app.as_role(t, Role::Examiner).await;
    let changes = format!("{base}/changes");
    let special = json!({"nationality": "韓国", "category": "特別永住者", "card_number": "AB12345678CD",
        "kanji_name": {"family": "金", "given": "英洙"}, "kanji_furigana": {"family": "キム", "given": "ヨンス"},
        "old_law_registered_on": "昭和60年4月頃", "residence_notified": true, "foreign_resident_since": "2012-07-09",
        "alias": {"name": {"family": "金山", "given": "英夫"}, "furigana": {"family": "かなやま", "given": "ひでお"},
            "recorded_on": "2000-04-01", "municipality_code": "271004", "municipality_name": "大阪市"}});

    // Refused, nothing written: a 旧外登法 date after its repeal, an alias recorded by a
    // municipality whose code fails its check digit, a 一時庇護許可者 with a 在留資格 or
    // without the end of its 上陸期間.
    let mut late = special.clone();
    late["old_law_registered_on"] = json!("2012-07-09");
    let mut since_later = special.clone();
    since_later["foreign_resident_since"] = json!("2026-04-02");
    let mut bad_body = special.clone();
    bad_body["alias"]["municipality_code"] = json!("271005");
    let refuge = json!({"nationality": "ミャンマー", "category": "一時庇護許可者", "period": "6月",
        "expires_on": "2026-09-30", "landing_permit": true});
    let mut refuge_status = refuge.clone();
    refuge_status["status"] = json!("留学");
    let mut refuge_open = refuge.clone();
    refuge_open["expires_on"] = Value::Null;
    // 空欄を許容しない (1.1.6): a 特別永住者証明書 number left blank.
    let mut no_card = special.clone();
    no_card["card_number"] = Value::Null;
    for (foreign, kind, want) in [
        (no_card, "転入", "E-INPUT-001"),
        (late, "転入", "E-IDO-069"),
        (since_later, "転入", "E-IDO-070"),
        (bad_body, "転入", "E-CODE-001"),
        (refuge_status, "国外からの転入", "E-IDO-034"),
        (refuge_open, "国外からの転入", "E-IDO-068"),
    ] {
        let (status, v) = examiner
            .post(
                &changes,
                move_in(kind, foreign, "KIM YOUNG SOO", "キム　ヨンス"),
            )
            .await;
        assert_eq!(
            (status, v["code"].as_str().unwrap_or_default()),
            (422, want),
            "{v}"
        );
    }
    let (_, none) = examiner
        .get(&format!("{base}/search?kana=キム&include_removed=true"))
        .await;
    assert_eq!(none, json!([]), "nothing written");

    // A 特別永住者 moving in from 大阪市 with every item.
    let (status, v) = examiner
        .post(
            &changes,
            move_in("転入", special, "KIM YOUNG SOO", "キム　ヨンス"),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    let kim = v["person_ids"][0].as_i64().unwrap_or_default();
    let (_, p) = examiner.get(&format!("{base}/persons/{kim}")).await;
    let f = &p["foreign"];
    assert_eq!(f["kanji_name"]["full"], "金　英洙", "{p}");
    assert_eq!(f["kanji_furigana"]["full"], "キム　ヨンス", "{p}");
    assert_eq!(f["old_law_registered_on"]["shown"], "昭和60年4月頃", "{p}");
    assert_eq!(f["old_law_registered_on"]["iso"], "1985-04-01", "{p}");
    assert_eq!(f["residence_notified"], true, "{p}");
    assert_eq!(f["landing_permit"], false, "{p}");
    assert_eq!(f["alias"]["full"], "金山　英夫", "{p}");
    assert_eq!(f["alias_recorded_by"], "大阪市（271004）", "{p}");
    assert_eq!(f["period_label"], "在留期間", "{p}");
    // 外国人住民となった年月日 as the 転出証明書 gave it, not the 転入日.
    assert_eq!(p["became_resident_on"]["iso"], "2012-07-09", "{p}");
    // A 不詳 外国人住民となった年月日 as the 転出証明書 wrote it (1.1.8): kept as written,
    // beside a date that sorts.
    let student = json!({"nationality": "ベトナム", "category": "中長期在留者", "status": "留学",
        "period": "2年", "expires_on": "2027-03-31", "card_number": "AB98765432CD",
        "residence_notified": true, "foreign_resident_since": "平成24年頃"});
    let (status, v) = examiner
        .post(
            &changes,
            move_in("転入", student, "NGUYEN VAN AN", "グエン　ヴァン　アン"),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    let an = v["person_ids"][0].as_i64().unwrap_or_default();
    let (_, p) = examiner.get(&format!("{base}/persons/{an}")).await;
    assert_eq!(p["became_resident_on"]["shown"], "平成24年頃", "{p}");
    assert_eq!(p["became_resident_on"]["iso"], "2012-01-01", "{p}");
    // The 氏名（漢字） is a search key.
    let (_, found) = examiner
        .get(&format!("{base}/search?former_surname=金"))
        .await;
    assert_eq!(found[0]["id"], kim, "{found}");

    // A new 通称 recorded here: the old one kept with the municipality that deleted it.
    let (status, v) = examiner
        .post(&changes, json!({
            "effective_on": "2026-05-01", "notified_on": "2026-05-01",
            "change": {"type": "alias_record", "person_id": kim, "alias": {"family": "金田", "given": "英夫"}}
        }))
        .await;
    assert_eq!(status, 201, "{v}");
    let (_, p) = examiner.get(&format!("{base}/persons/{kim}")).await;
    let f = &p["foreign"];
    assert_eq!(f["alias"]["full"], "金田　英夫", "{p}");
    assert_eq!(f["alias_recorded_by"], "横浜市（141003）", "{p}");
    // The 通称 is a search key (2.1.3); the one it replaced, with past ones.
    let alias_hits = |q: &'static str| {
        let examiner = examiner.clone();
        let url = format!("{base}/search?{q}");
        async move {
            let (status, v) = examiner.get(&url).await;
            assert_eq!(status, 200, "{v}");
            v.as_array()
                .map(|a| a.iter().map(|p| p["id"].clone()).collect::<Vec<_>>())
                .unwrap_or_default()
        }
    };
    assert_eq!(
        alias_hits("alias=%E9%87%91%E7%94%B0").await,
        vec![serde_json::json!(kim)]
    );
    assert!(alias_hits("alias=%E9%87%91%E5%B1%B1").await.is_empty());
    assert_eq!(
        alias_hits("alias=%E9%87%91%E5%B1%B1&past=true").await,
        vec![serde_json::json!(kim)]
    );
    assert_eq!(f["past_aliases"][0]["name"]["full"], "金山　英夫", "{p}");
    assert_eq!(
        f["past_aliases"][0]["recorded_by"], "大阪市（271004）",
        "{p}"
    );
    assert_eq!(
        f["past_aliases"][0]["deleted_by"], "横浜市（141003）",
        "{p}"
    );
    assert_eq!(
        f["past_aliases"][0]["deleted_on"]["iso"], "2026-05-01",
        "{p}"
    );

    // A 一時庇護許可者 from abroad: the 上陸期間, and the 上陸許可証.
    let (status, v) = examiner
        .post(
            &changes,
            move_in("国外からの転入", refuge, "AUNG SAN", "アウン　サン"),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    let aung = v["person_ids"][0].as_i64().unwrap_or_default();
    let (_, p) = examiner.get(&format!("{base}/persons/{aung}")).await;
    assert_eq!(p["foreign"]["period_label"], "上陸期間", "{p}");
    assert_eq!(p["foreign"]["landing_permit"], true, "{p}");
    // Corrected as one group: a 旧外登法 date after the repeal is refused, nothing
    // changed; then the 仮滞在許可 with its period.
    let correct = |foreign: Value| {
        json!({
            "effective_on": "2026-06-01", "notified_on": "2026-06-01",
            "change": {"type": "correction", "person_id": aung, "kind": "職権修正",
                "correction": {"item": "residence", "new": foreign}}
        })
    };
    let (status, v) = examiner
        .post(
            &changes,
            correct(json!({"category": "仮滞在許可者", "period": "6月",
            "expires_on": "2026-11-30", "old_law_registered_on": "2013-01-01"})),
        )
        .await;
    assert_eq!(
        (status, v["code"].as_str().unwrap_or_default()),
        (422, "E-IDO-069"),
        "{v}"
    );
    let (_, same) = examiner.get(&format!("{base}/persons/{aung}")).await;
    assert_eq!(same["foreign"]["category"], "一時庇護許可者", "{same}");
    let (status, v) = examiner
        .post(
            &changes,
            correct(json!({"category": "仮滞在許可者", "period": "6月",
            "expires_on": "2026-11-30", "kanji_name": {"family": "昂山", "given": ""}})),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    let (_, p) = examiner.get(&format!("{base}/persons/{aung}")).await;
    assert_eq!(p["foreign"]["period_label"], "仮滞在期間", "{p}");
    assert_eq!(p["foreign"]["kanji_name"]["full"], "昂山", "{p}");
    // An item left out stays as it was.
    assert_eq!(p["foreign"]["landing_permit"], true, "{p}");
    // An empty value clears it.
    let (status, v) = examiner
        .post(
            &changes,
            correct(json!({"category": "仮滞在許可者", "period": "6月",
            "expires_on": "2026-11-30", "kanji_name": {"family": ""}, "landing_permit": false})),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    let (_, cleared) = examiner.get(&format!("{base}/persons/{aung}")).await;
    assert_eq!(cleared["foreign"]["kanji_name"], Value::Null, "{cleared}");
    assert_eq!(cleared["foreign"]["landing_permit"], false, "{cleared}");

    // Printed: the 氏名（漢字） beside the name, the period as the category names it.
    let copy = |id: i64| {
        json!({"kind": "resident_copy", "layout": "individual", "persons": [id],
            "items": ["residence_details"],
            "requester": {"kind": "self", "person_id": id}, "purpose": "勤務先へ提出", "identity_check": "在留カード"})
    };
    let text = examiner
        .post_pdf_text(&format!("{base}/certificates"), copy(kim), "foreign-kanji")
        .await;
    assert!(text.contains("氏名（漢字）金英洙"), "{text}");
    assert!(
        text.contains("外国人住民となった年月日平成24年7月9日"),
        "{text}"
    );
    let text = examiner
        .post_pdf_text(
            &format!("{base}/certificates"),
            copy(aung),
            "foreign-period",
        )
        .await;
    assert!(text.contains("仮滞在期間6月"), "{text}");
    assert!(!text.contains("昂山"), "{text}");
    assert!(text.contains("仮滞在期間の満了日2026年11月30日"), "{text}");
}

kikan_testsuite::on_both!(foreign_resident_items_are_kept_shown_and_printed);
