//! 住所辞書 (1.3.2–1.3.4) and 方書入力補助 (4.0.7) over HTTP, on both engines: the
//! アドレス・ベース・レジストリ's 町字・住居表示・地番 files and Japan Post's KEN_ALL.CSV
//! imported from small samples in their exact layouts (good files whole, a bad line
//! refusing its file with its line and E-ADDR-010); 11-digit 住所コード; the choice
//! 都道府県 → 市区町村 → 大字 → 小字; 住所カナ入力; 郵便番号 look-up; staff edits kept
//! over a re-import; 方書 candidates by 番地; an 異動 whose address names a code.

use base64::Engine;
use kikan_security::Role;
use kikan_testsuite::TestStore;
use kikan_testsuite::http::{App, person_json};
use serde_json::{Value, json};

const TOWNS: &str = include_str!("../data/address/mt_town_sample.csv");
const RESIDENCES: &str = include_str!("../data/address/mt_rsdtdsp_rsdt_sample.csv");
const PARCELS: &str = include_str!("../data/address/mt_parcel_sample.csv");
const KEN_ALL: &[u8] = include_bytes!("../data/address/KEN_ALL_sample.CSV");

fn codes(v: &Value) -> Vec<String> {
    v["towns"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|t| t["code"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

fn assert_line_error(status: u16, v: &Value, line: usize) {
    assert_eq!(status, 422, "{v}");
    assert_eq!(v["code"], "E-ADDR-010", "{v}");
    let msg = v["message"].as_str().unwrap_or_default();
    assert!(msg.contains(&format!("{line}行目")), "line {line}: {v}");
}

async fn address_dictionary(s: TestStore) {
    let app = App::spawn(s).await;
    let t = app.tenant("132128", "日野市").await;
    let base = format!("/api/v1/tenants/{t}/address-dictionary");
    let admin = app.as_role(t, Role::Admin).await;
    let clerk = app.as_role(t, Role::Reception).await;
    let examiner = app.as_role(t, Role::Examiner).await;
    let import = format!("{base}/import");

    // 窓口 looks up but does not keep the master.
    let (status, _) = clerk
        .post(&import, json!({"kind": "towns", "csv": TOWNS}))
        .await;
    assert_eq!(status, 403);

    // A bad line refuses the whole file: its line, a stable code, nothing imported.
    let bad = TOWNS.replacen("132128,0001003,", "132128,00013,", 1);
    let (status, v) = admin
        .post(&import, json!({"kind": "towns", "csv": bad}))
        .await;
    assert_line_error(status, &v, 4);
    let bad = TOWNS.replacen("シンメイ", "shinmei", 1);
    let (status, v) = admin
        .post(&import, json!({"kind": "towns", "csv": bad}))
        .await;
    assert_line_error(status, &v, 2);
    let (status, v) = admin
        .post(
            &import,
            json!({"kind": "towns", "csv": TOWNS.replacen("machiaza_id", "id", 1)}),
        )
        .await;
    assert_line_error(status, &v, 1);
    let (_, v) = clerk.get(&format!("{base}/levels")).await;
    assert_eq!(v, json!([]), "nothing imported: {v}");

    // The good file.
    let (status, v) = admin
        .post(&import, json!({"kind": "towns", "csv": TOWNS}))
        .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["written"], 10, "{v}");

    // 11-digit codes: city (5) + 大字 (3) + 小字 (3); a 4-digit 大字 number gets a free one.
    let (_, v) = clerk.get(&format!("{base}/towns?code=13212")).await;
    let all = codes(&v);
    for c in [
        "13212001001",
        "13212001004",
        "13212002000",
        "13212003000",
        "13212003101",
    ] {
        assert!(all.contains(&c.to_string()), "{c}: {all:?}");
    }
    assert!(
        !all.contains(&"13212004000".to_string()),
        "abolished left out: {all:?}"
    );
    let arai = v["towns"]
        .as_array()
        .and_then(|a| a.iter().find(|t| t["oaza"] == "新井"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(arai["code"], "13212999001", "{arai}");
    assert_eq!(arai["text"], "東京都日野市新井一丁目");
    assert_eq!(arai["registry_id"], "1321281234001");

    // The choice 都道府県 → 市区町村 → 大字 → 小字.
    let (_, v) = clerk.get(&format!("{base}/levels")).await;
    assert_eq!(
        v,
        json!([{"code": "13", "name": "東京都", "kana": "トウキョウト"}])
    );
    let (_, v) = clerk.get(&format!("{base}/levels?parent=13")).await;
    assert_eq!(v[0]["code"], "13212");
    assert_eq!(v[0]["name"], "日野市");
    assert_eq!(v[1]["name"], "西多摩郡瑞穂町", "{v}");
    let (_, v) = clerk.get(&format!("{base}/levels?parent=13212")).await;
    let names: Vec<&str> = v
        .as_array()
        .map(|a| a.iter().filter_map(|i| i["name"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(names, ["神明", "日野", "程久保", "新井"], "{v}");
    let (_, v) = clerk
        .get(&format!("{base}/levels?parent=13212&abolished=true"))
        .await;
    assert!(
        v.to_string().contains("旧宿"),
        "an old 町名 for a 本籍: {v}"
    );
    let (_, v) = clerk.get(&format!("{base}/levels?parent=13212003")).await;
    assert_eq!(
        v,
        json!([{"code": "13212003101", "name": "山王", "kana": "サンノウ"}])
    );
    let (_, v) = clerk.get(&format!("{base}/levels?parent=13212001")).await;
    assert_eq!(v.as_array().map(Vec::len), Some(4), "{v}");
    assert_eq!(v[0]["kana"], "イッチョウメ");
    let (status, v) = clerk.get(&format!("{base}/levels?parent=132")).await;
    assert_eq!(status, 422, "{v}");

    // 住所カナ入力: the first kana of each level.
    let (_, v) = clerk.get(&format!("{base}/towns?kana=ト ヒ シ")).await;
    assert_eq!(
        codes(&v),
        ["13212001001", "13212001002", "13212001003", "13212001004"],
        "{v}"
    );
    let (_, v) = clerk.get(&format!("{base}/towns?kana=と み")).await;
    assert_eq!(codes(&v), ["13303001000"], "a 郡 may be skipped: {v}");
    let (_, v) = clerk.get(&format!("{base}/towns?kana=ト ヒ ホ サ")).await;
    assert_eq!(codes(&v), ["13212003101"], "{v}");
    let (status, v) = clerk.get(&format!("{base}/towns?kana=東京")).await;
    assert_eq!(status, 422, "{v}");
    assert_eq!(v["code"], "E-ADDR-005", "{v}");

    // KEN_ALL.CSV (Shift_JIS): a line that is not Shift_JIS, or not 15 columns, refuses it.
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let mut broken = KEN_ALL.to_vec();
    let second = broken.iter().position(|b| *b == b'\n').unwrap_or(0) + 1;
    broken.splice(second..second, [0x81, 0x20]);
    let (status, v) = admin
        .post(&import, json!({"kind": "postal", "base64": b64(&broken)}))
        .await;
    assert_line_error(status, &v, 2);
    let short: Vec<u8> = KEN_ALL
        .split(|b| *b == b'\n')
        .enumerate()
        .map(|(i, l)| {
            if i == 2 {
                b"13212,\"191  \",\"1910061\"\r".to_vec()
            } else {
                l.to_vec()
            }
        })
        .collect::<Vec<_>>()
        .join(&b'\n');
    let (status, v) = admin
        .post(&import, json!({"kind": "postal", "base64": b64(&short)}))
        .await;
    assert_line_error(status, &v, 3);
    let (_, v) = clerk
        .get(&format!("{base}/towns?postal_code=191-0016"))
        .await;
    assert_eq!(codes(&v), Vec::<String>::new(), "nothing imported: {v}");

    let (status, v) = admin
        .post(&import, json!({"kind": "postal", "base64": b64(KEN_ALL)}))
        .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["lines"], 6, "the 町域 over two lines is one: {v}");
    assert_eq!(v["ambiguous"], json!(["東京都日野市日野"]), "{v}");
    // 郵便番号 → 住所: the 町字 that carry it.
    let (_, v) = clerk
        .get(&format!("{base}/towns?postal_code=1910016"))
        .await;
    assert_eq!(codes(&v).len(), 4, "{v}");
    assert_eq!(v["towns"][0]["postal_code"], "191-0016");
    let (_, v) = clerk
        .get(&format!("{base}/towns?postal_code=191-0042"))
        .await;
    assert_eq!(codes(&v), ["13212003000", "13212003101"], "{v}");
    assert_eq!(v["postal"][0]["town"], "程久保（山王、新町）", "{v}");
    assert_eq!(
        v["postal"][0]["kana"]
            .as_str()
            .map(|k| k.starts_with("トウキョウトヒノシ")),
        Some(true),
        "{v}"
    );
    // A code that names a city only (以下に掲載がない場合): the file's line, no 町字.
    let (_, v) = clerk
        .get(&format!("{base}/towns?postal_code=191-0000"))
        .await;
    assert_eq!(codes(&v), Vec::<String>::new());
    assert_eq!(v["postal"][0]["text"], "東京都日野市", "{v}");
    // 住所 → 郵便番号 too: the 町字 carries it.
    let (_, v) = clerk.get(&format!("{base}/towns?code=13303001000")).await;
    assert_eq!(v["towns"][0]["postal_code"], "190-1221", "{v}");

    // Staff edit a 町字; a later import keeps the edit.
    let (status, v) = examiner
        .post(&format!("{base}/towns"), json!({"code": "13212002000", "pref": "東京都", "pref_kana": "トウキョウト",
            "city": "日野市", "city_kana": "ひのし", "oaza": "日野本町", "oaza_kana": "ヒノホンマチ", "postal_code": "191-0011"}))
        .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["city_kana"], "ヒノシ");
    assert_eq!(v["edited"], true);
    let (status, v) = examiner
        .post(
            &format!("{base}/towns"),
            json!({"code": "13212002000", "pref": "東京都", "pref_kana": "Tokyo",
            "city": "日野市", "city_kana": "ヒノシ"}),
        )
        .await;
    assert_eq!(status, 422, "{v}");
    let (status, v) = admin
        .post(&import, json!({"kind": "towns", "csv": TOWNS}))
        .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["kept"], 1, "{v}");
    let (_, v) = clerk.get(&format!("{base}/towns?code=13212002000")).await;
    assert_eq!(v["towns"][0]["text"], "東京都日野市日野本町", "{v}");
    assert_eq!(v["towns"][0]["registry_id"], "1321280002000", "{v}");

    // 住居表示 and 地番 (1.3.2): kept as numbers, listed in numeric order.
    let bad = RESIDENCES.replacen("132128,0001001,001,002", "132128,0009009,001,002", 1);
    let (status, v) = admin
        .post(&import, json!({"kind": "residence", "csv": bad}))
        .await;
    assert_line_error(status, &v, 3);
    let (status, v) = admin
        .post(&import, json!({"kind": "residence", "csv": RESIDENCES}))
        .await;
    assert_eq!(status, 200, "{v}");
    let (status, v) = admin
        .post(&import, json!({"kind": "parcel", "csv": PARCELS}))
        .await;
    assert_eq!(status, 200, "{v}");
    let (_, v) = clerk.get(&format!("{base}/numbers?town=13212001001")).await;
    let texts: Vec<&str> = v
        .as_array()
        .map(|a| a.iter().filter_map(|n| n["text"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        texts,
        ["1番1号", "1番2号", "1番2-3号", "2番1号", "10番1号"],
        "{v}"
    );
    let (_, v) = clerk.get(&format!("{base}/numbers?town=13212002000")).await;
    let texts: Vec<&str> = v
        .as_array()
        .map(|a| a.iter().filter_map(|n| n["text"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(texts, ["12番地", "123番地4", "1234番地"], "{v}");

    // 方書 (1.3.4) tied to a 町字 and 番地; candidates by the 番地 entered (4.0.7).
    let kat = format!("{base}/katagaki");
    let (status, v) = examiner
        .post(&kat, json!({"town": "13212001001", "banchi": "1番2号", "name": "神明ハイツ", "kana": "シンメイハイツ"}))
        .await;
    assert_eq!(status, 200, "{v}");
    let (status, old) = examiner
        .post(
            &kat,
            json!({"town": "13212001001", "banchi": "1番2号", "name": "旧神明荘"}),
        )
        .await;
    assert_eq!(status, 200, "{old}");
    let (status, _) = examiner
        .post(&kat, json!({"id": old["id"], "town": "13212001001", "banchi": "1番2号", "name": "旧神明荘", "active": false}))
        .await;
    assert_eq!(status, 200);
    examiner
        .post(
            &kat,
            json!({"town": "13212001001", "banchi": "2番1号", "name": "コーポ神明"}),
        )
        .await;
    let (status, v) = examiner
        .post(
            &kat,
            json!({"town": "13212099001", "banchi": "1番", "name": "どこか"}),
        )
        .await;
    assert_eq!(
        (status, v["code"].as_str()),
        (422, Some("E-ADDR-002")),
        "{v}"
    );
    let (status, v) = examiner
        .post(
            &kat,
            json!({"id": 999, "town": "13212001001", "banchi": "1番", "name": "どこか"}),
        )
        .await;
    assert_eq!(
        (status, v["code"].as_str()),
        (404, Some("E-ADDR-020")),
        "{v}"
    );
    let (_, v) = clerk
        .get(&format!("{kat}?town=13212001001&banchi=１－２"))
        .await;
    let names: Vec<&str> = v
        .as_array()
        .map(|a| a.iter().filter_map(|k| k["name"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(names, ["神明ハイツ"], "in use at 1番2号 only: {v}");
    let (_, v) = clerk.get(&format!("{kat}?town=13212001001")).await;
    assert_eq!(v.as_array().map(Vec::len), Some(3), "the master: {v}");

    // An 異動 whose address names its 住所コード: checked against the dictionary.
    let changes = format!("/api/v1/tenants/{t}/changes");
    let move_in = |code: &str, place: &str, previous: Value| {
        json!({"effective_on": "2026-11-01", "notified_on": "2026-11-01",
            "change": {"type": "move_in",
                "persons": [person_json(("辞書", "太郎"), ("ジショ", "タロウ"), "1980-01-01", "男", "世帯主")],
                "address": {"place": place, "banchi": "1番2号", "katagaki": "神明ハイツ101", "code": code},
                "previous_address": previous}})
    };
    let prev = json!({"place": "東京都西多摩郡瑞穂町箱根ケ崎", "banchi": "1番地"});
    let (status, v) = examiner
        .post(
            &changes,
            move_in("13212001002", "東京都日野市神明一丁目", prev.clone()),
        )
        .await;
    assert_eq!(
        (status, v["code"].as_str()),
        (422, Some("E-ADDR-004")),
        "{v}"
    );
    let (status, v) = examiner
        .post(
            &changes,
            move_in("13212001009", "東京都日野市神明九丁目", prev.clone()),
        )
        .await;
    assert_eq!(
        (status, v["code"].as_str()),
        (422, Some("E-ADDR-002")),
        "{v}"
    );
    let (status, v) = examiner
        .post(
            &changes,
            move_in("1321200100", "東京都日野市神明一丁目", prev.clone()),
        )
        .await;
    assert_eq!(
        (status, v["code"].as_str()),
        (422, Some("E-ADDR-001")),
        "{v}"
    );
    let (status, v) = examiner
        .post(
            &changes,
            move_in("13212004000", "東京都日野市旧宿", prev.clone()),
        )
        .await;
    assert_eq!(
        (status, v["code"].as_str()),
        (422, Some("E-ADDR-003")),
        "an abolished 町字 as the 住所: {v}"
    );
    let old_prev = json!({"place": "東京都日野市旧宿", "banchi": "5番地", "code": "13212004000"});
    let (status, v) = examiner
        .post(
            &changes,
            move_in("13212001001", "東京都日野市神明一丁目", old_prev),
        )
        .await;
    assert_eq!(status, 201, "an old 町名 as the 転入前住所: {v}");
    let id = v["person_ids"][0].as_i64().unwrap_or_default();
    let (_, p) = examiner
        .get(&format!("/api/v1/tenants/{t}/persons/{id}"))
        .await;
    assert_eq!(p["address"]["code"], "13212001001", "{p}");
    assert_eq!(
        p["address"]["postal_code"], "191-0016",
        "filled from the 町字: {p}"
    );
    assert_eq!(
        p["moved_in"]["previous_address"]["code"], "13212004000",
        "{p}"
    );

    // A 転出先 taken from the dictionary keeps its code (4.1.3.0.2), checked as the others.
    let move_out = |code: &str| {
        json!({"effective_on": "2026-11-20", "notified_on": "2026-11-20",
            "change": {"type": "move_out", "person_ids": [id], "planned_on": "2026-12-20",
                "destination": {"place": "東京都西多摩郡瑞穂町箱根ケ崎", "banchi": "1番地", "code": code}}})
    };
    let (status, v) = examiner.post(&changes, move_out("13212001001")).await;
    assert_eq!(
        (status, v["code"].as_str()),
        (422, Some("E-ADDR-004")),
        "{v}"
    );
    let (status, v) = examiner.post(&changes, move_out("13303001000")).await;
    assert_eq!(status, 201, "{v}");
    let (_, p) = examiner
        .get(&format!("/api/v1/tenants/{t}/persons/{id}"))
        .await;
    assert_eq!(p["status"]["destination"]["code"], "13303001000", "{p}");
    assert_eq!(p["status"]["destination"]["postal_code"], "190-1221", "{p}");

    // 住所コード as a search key (2.1.3): a 町字, a 大字 or a city by its prefix.
    for (code, hits) in [
        ("13212001001", 1),
        ("13212001", 1),
        ("13212", 1),
        ("13212002", 0),
    ] {
        let (status, v) = examiner
            .get(&format!("/api/v1/tenants/{t}/search?address_code={code}"))
            .await;
        assert_eq!(status, 200, "{v}");
        assert_eq!(v.as_array().map(Vec::len), Some(hits), "{code}: {v}");
    }
    let (status, v) = examiner
        .get(&format!("/api/v1/tenants/{t}/search?address_code=13-212"))
        .await;
    assert_eq!(
        (status, v["code"].as_str()),
        (422, Some("E-ADDR-001")),
        "{v}"
    );

    // 国名 (1.3.3): the country list, updated yearly by import; a bad line refuses it.
    let countries = include_str!("../data/address/countries_sample.csv");
    let (status, v) = admin
        .post(
            &import,
            json!({"kind": "countries", "csv": countries.replacen("704,", "70,", 1)}),
        )
        .await;
    assert_line_error(status, &v, 3);
    let (status, v) = admin
        .post(&import, json!({"kind": "countries", "csv": countries}))
        .await;
    assert_eq!((status, v["written"].as_i64()), (200, Some(20)), "{v}");
    let next_year = "code,alpha2,name,kana,abolished_on\n704,VN,ベトナム社会主義共和国,ベトナムシャカイシュギキョウワコク,\n158,TW,台湾,タイワン,2027-01-01\n";
    let (status, v) = admin
        .post(&import, json!({"kind": "countries", "csv": next_year}))
        .await;
    assert_eq!(status, 200, "{v}");
    let (_, v) = clerk.get(&format!("{base}/countries")).await;
    let names: Vec<&str> = v
        .as_array()
        .map(|a| a.iter().filter_map(|c| c["name"].as_str()).collect())
        .unwrap_or_default();
    assert!(
        names.contains(&"ベトナム社会主義共和国") && !names.contains(&"ベトナム"),
        "{v}"
    );
    assert!(
        !names.contains(&"台湾") && names.contains(&"中国"),
        "abolished left out: {v}"
    );
    let (_, v) = clerk.get(&format!("{base}/countries?abolished=true")).await;
    assert!(v.to_string().contains("台湾"), "{v}");

    // The master's changes are audited.
    let auditor = app.as_role(t, Role::Auditor).await;
    let (_, log) = auditor
        .get(&format!("/api/v1/tenants/{t}/audit?action=address.import"))
        .await;
    assert!(log.to_string().contains("住所辞書の取込み"), "{log}");
}

/// 既存住所の移行: free-text addresses on the register get the code of the 町字 that reads
/// the same (全角 digits and 丁目 numbers folded), as a 軽微な修正 in the dictionary's
/// form; the others are listed; a second run finds nothing left to do; the ledger replays.
async fn free_text_addresses_migrate(s: TestStore) {
    use kikan_domain::{Change, MoveInHousehold, MoveInKind};
    use kikan_testsuite::{Clerk, addr, japanese, ok};
    let clerk = Clerk::new(s.store(), "132128", "日野市").await;
    let store = &*clerk.store;
    ok(kikan_app::addresses::import_towns(store, clerk.tenant, TOWNS.as_bytes()).await);
    let mut households = vec![];
    for place in ["東京都日野市神明２丁目", "東京都日野市どこか町"] {
        let id = kikan_app::ids::new_household_id();
        let r = ok(clerk
            .record(
                Change::MoveIn {
                    kind: MoveInKind::Domestic,
                    household: MoveInHousehold::New { id },
                    persons: vec![japanese(
                        ("移行", "一郎"),
                        ("イコウ", "イチロウ"),
                        "1980-01-01",
                        "男",
                        "世帯主",
                    )],
                    address: addr(place, "1番1号", None),
                    previous_address: Some(addr("東京都千代田区千代田", "1番1号", None)),
                    unnotified: false,
                    last_registered: None,
                    previous_head: None,
                },
                "2026-09-01",
                "2026-09-01",
            )
            .await);
        households.push(r.households[0]);
    }
    let actor = kikan_app::Actor::command_line(clerk.tenant, Some("住所辞書への移行"));
    let now = chrono::Utc::now();
    let listed = ok(kikan_app::addresses::migrate(store, &actor, clerk.today, now, false).await);
    assert_eq!(listed.coded.len(), 1, "{listed:?}");
    assert_eq!(listed.coded[0].code.as_deref(), Some("13212001002"));
    assert_eq!(listed.unmatched.len(), 1, "{listed:?}");
    assert_eq!(listed.unmatched[0].place, "東京都日野市どこか町");
    assert!(
        clerk.household(households[0]).await.address.code.is_none(),
        "a listing writes nothing"
    );
    let done = ok(kikan_app::addresses::migrate(store, &actor, clerk.today, now, true).await);
    assert!(done.coded[0].seq.is_some(), "{done:?}");
    let h = clerk.household(households[0]).await;
    assert_eq!(h.address.place, "東京都日野市神明二丁目");
    assert_eq!(
        h.address.code.as_ref().map(|c| c.as_str()),
        Some("13212001002")
    );
    assert_eq!(h.address.banchi, "1番1号");
    let again = ok(kikan_app::addresses::migrate(store, &actor, clerk.today, now, true).await);
    assert_eq!(
        (again.coded.len(), again.already, again.unmatched.len()),
        (0, 1, 1)
    );
    ok(kikan_app::check::check(store, clerk.tenant).await);
}

kikan_testsuite::on_both!(address_dictionary, free_text_addresses_migrate);
