//! Certificates over HTTP, on both engines: preview, issue (a whole household, chosen
//! members, chosen items, a 除票), the issuance register, re-print, verification by
//! 照合番号, the 支援措置 refusal and approval, the rules on optional items, and a name the
//! font cannot print.

use kikan_security::Role;
use kikan_testsuite::http::{App, Caller, audit_pairs, members_by_given, person_json};
use kikan_testsuite::pdf::{squeezed, text};
use kikan_testsuite::{TestStore, fresh_postgres, fresh_sqlite};
use serde_json::{Value, json};

struct Pdf {
    status: u16,
    bytes: Vec<u8>,
    serial: Option<i64>,
    code: Option<String>,
    error: Value,
}

async fn post_pdf(c: &Caller, path: &str, body: Value) -> Pdf {
    let resp = c
        .request(reqwest::Method::POST, path)
        .json(&body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    let status = resp.status().as_u16();
    let header = |n: &str| {
        resp.headers()
            .get(n)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let serial = header("x-kikan-certificate-serial").and_then(|s| s.parse().ok());
    let code = header("x-kikan-verification-code");
    let is_pdf = header("content-type").is_some_and(|t| t == "application/pdf");
    let bytes = resp.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
    let error = if is_pdf {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap_or(Value::Null)
    };
    Pdf {
        status,
        bytes,
        serial,
        code,
        error,
    }
}

fn member(
    name: (&str, &str),
    kana: (&str, &str),
    birth: &str,
    sex: &str,
    rel: &str,
    number: &str,
) -> Value {
    let mut p = person_json(name, kana, birth, sex, rel);
    p["individual_number"] = json!(number);
    p
}

fn contains_all(text: &str, wanted: &[&str], what: &str) {
    let t = squeezed(text);
    for w in wanted {
        assert!(t.contains(&squeezed(w)), "{what}: {w:?} missing in {t}");
    }
}

fn contains_none(text: &str, unwanted: &[&str], what: &str) {
    let t = squeezed(text);
    for w in unwanted {
        assert!(!t.contains(&squeezed(w)), "{what}: {w:?} printed in {t}");
    }
}

async fn counter_day(s: TestStore) {
    let app = App::spawn(s).await;
    let t = app.tenant("149993", "みほん市").await;
    let examiner = app.as_role(t, Role::Examiner).await;
    let reception = app.as_role(t, Role::Reception).await;
    let base = format!("/api/v1/tenants/{t}");
    let certs = format!("{base}/certificates");

    // A family of three moves in; the head's name carries the registered variant 葛󠄂 (IVS).
    let (status, v) = examiner
        .post(&format!("{base}/changes"), json!({
            "effective_on": "2026-04-01", "notified_on": "2026-04-03",
            "change": {"type": "move_in",
                "persons": [member(("葛\u{E0102}西", "一郎"), ("カサイ", "イチロウ"), "1980-02-29", "男", "世帯主", "123456789018"),
                            member(("葛\u{E0102}西", "花子"), ("カサイ", "ハナコ"), "1982-07-07", "女", "妻", "234567890121"),
                            member(("葛\u{E0102}西", "健太"), ("カサイ", "ケンタ"), "2015-03-03", "男", "子", "345678901234")],
                "address": {"place": "みほん県みほん市中央二丁目", "banchi": "3番4号", "katagaki": "みほんハイツ201号室"},
                "previous_address": {"place": "東京都千代田区霞が関一丁目", "banchi": "1番1号"}}
        }))
        .await;
    assert_eq!(status, 201, "{v}");
    let hid = v["household_ids"][0].as_i64().unwrap_or_default();
    let (_, h) = examiner.get(&format!("{base}/households/{hid}")).await;
    let [ichiro, hanako, kenta] = members_by_given(&h, &["一郎", "花子", "健太"])[..] else {
        panic!("{h}")
    };

    let whole = json!({
        "kind": "resident_copy", "household_id": hid,
        "requester": {"kind": "same_household", "person_id": hanako},
        "purpose": "勤務先へ提出", "identity_check": "運転免許証", "copies": 1
    });

    // Preview: a PDF marked 見本, nothing issued.
    let p = post_pdf(&reception, &format!("{certs}/preview"), whole.clone()).await;
    assert_eq!(p.status, 200, "{}", p.error);
    assert_eq!(p.serial, None);
    let pt = text(&p.bytes, "http-preview");
    contains_all(
        &pt,
        &["住民票の写し", "見本", "葛\u{E0102}西一郎"],
        "preview",
    );

    // Issue: serial 1, the code on every page, the whole household in the household's order.
    let issued = post_pdf(&reception, &certs, whole.clone()).await;
    assert_eq!(issued.status, 201, "{}", issued.error);
    assert_eq!(issued.serial, Some(1));
    let code = issued.code.clone().unwrap_or_default();
    assert_eq!(code.len(), 16);
    let it = text(&issued.bytes, "http-household");
    contains_all(
        &it,
        &[
            "住民票の写し",
            "交付番号 第000001号",
            "みほん県みほん市中央二丁目3番4号　みほんハイツ201号室",
            "葛\u{E0102}西一郎",
            "葛\u{E0102}西花子",
            "葛\u{E0102}西健太",
            "昭和55年2月29日",
            "令和8年4月1日　令和8年4月3日届出",
            "東京都千代田区霞が関一丁目1番1号",
            "この写しは、世帯全員の住民票の原本と相違ないことを証明する。",
            "みほん市長　見本　一郎",
        ],
        "issued",
    );
    contains_none(
        &it,
        &[
            "123456789018",
            "234567890121",
            "神奈川県横浜市中区本町一丁目1番地",
            "見本（",
        ],
        "issued",
    );
    let order: Vec<usize> = ["一郎", "花子", "健太"]
        .iter()
        .filter_map(|g| squeezed(&it).find(&format!("葛\u{E0102}西{g}")))
        .collect();
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "members out of order"
    );

    // The register finds it by person, with the request as recorded; the fee is 300.
    let (status, reg) = reception.get(&format!("{certs}?person={kenta}")).await;
    assert_eq!(status, 200, "{reg}");
    assert_eq!(reg.as_array().map(Vec::len), Some(1), "{reg}");
    let e = &reg[0];
    assert_eq!(
        (
            e["serial"].as_i64(),
            e["fee"].as_u64(),
            e["requester_kind"].as_str(),
            e["pages"].as_u64()
        ),
        (Some(1), Some(300), Some("同一世帯"), Some(1)),
        "{e}"
    );
    assert_eq!(e["purpose"], "勤務先へ提出");
    assert_eq!(e["persons"].as_array().map(Vec::len), Some(3));
    assert!(
        e["items"]
            .as_array()
            .is_some_and(|i| i.contains(&json!("転入前住所")))
    );

    // Re-print: the same document again, recorded as a re-print.
    let again = post_pdf(
        &reception,
        &format!("{certs}/1/reprint"),
        json!({"reason": "用紙詰まり"}),
    )
    .await;
    assert_eq!(again.status, 200, "{}", again.error);
    assert_eq!(
        again.bytes, issued.bytes,
        "a re-print is the same certificate"
    );
    let no_reason = post_pdf(
        &reception,
        &format!("{certs}/1/reprint"),
        json!({"reason": " "}),
    )
    .await;
    assert_eq!(
        (no_reason.status, no_reason.error["code"].as_str()),
        (422, Some("E-INPUT-001"))
    );
    let missing = post_pdf(
        &reception,
        &format!("{certs}/99/reprint"),
        json!({"reason": "汚損"}),
    )
    .await;
    assert_eq!(
        (missing.status, missing.error["code"].as_str()),
        (404, Some("E-CERT-020"))
    );
    let (_, one) = reception.get(&format!("{certs}/1")).await;
    assert_eq!(one["reprints"][0]["reason"], "用紙詰まり", "{one}");

    // Verification: the code as printed (with hyphens, lower case), then with the PDF's hash.
    let printed = code
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).to_lowercase())
        .collect::<Vec<_>>()
        .join("-");
    let (_, v) = reception
        .post(&format!("{certs}/verify"), json!({"code": printed}))
        .await;
    assert_eq!(
        (v["genuine"].as_bool(), v["certificate"]["serial"].as_i64()),
        (Some(true), Some(1)),
        "{v}"
    );
    let sha = kikan_cert::sha256_hex(&issued.bytes);
    let (_, v) = reception
        .post(
            &format!("{certs}/verify"),
            json!({"code": code, "pdf_sha256": sha}),
        )
        .await;
    assert_eq!(v["pdf_matches"], true, "{v}");
    let mut altered = issued.bytes.clone();
    let n = altered.len() / 2;
    altered[n] ^= 1;
    let (_, v) = reception
        .post(
            &format!("{certs}/verify"),
            json!({"code": code, "pdf_sha256": kikan_cert::sha256_hex(&altered)}),
        )
        .await;
    assert_eq!(v["pdf_matches"], false, "{v}");
    let (_, v) = reception
        .post(
            &format!("{certs}/verify"),
            json!({"code": "ZZZZ-ZZZZ-ZZZZ-ZZZZ"}),
        )
        .await;
    assert_eq!(v["genuine"], false, "{v}");

    // Chosen member, individual sheet, with the optional items the person may have.
    let own = post_pdf(
        &reception,
        &certs,
        json!({
            "kind": "resident_copy", "layout": "individual", "persons": [ichiro],
            "items": ["honseki", "relationship", "individual_number", "juminhyo_code"],
            "requester": {"kind": "self", "person_id": ichiro},
            "purpose": "年金の手続", "identity_check": "マイナンバーカード"
        }),
    )
    .await;
    assert_eq!(own.status, 201, "{}", own.error);
    assert_eq!(own.serial, Some(2));
    let ot = text(&own.bytes, "http-individual");
    contains_all(
        &ot,
        &[
            "123456789018",
            "神奈川県横浜市中区本町一丁目1番地",
            "筆頭者",
            "世帯主",
            "この写しは、住民票の原本と相違ないことを証明する。",
        ],
        "individual",
    );
    contains_none(&ot, &["花子", "省略した事項"], "individual");

    // A third party: the numbers are refused; 本籍 with a reason is allowed.
    let third = json!({
        "kind": "resident_copy", "layout": "individual", "persons": [kenta],
        "items": ["individual_number"],
        "requester": {"kind": "third_party", "name": "債権　太郎", "reason": "貸金の回収のため"},
        "purpose": "訴訟", "identity_check": "運転免許証"
    });
    let refused = post_pdf(&reception, &certs, third.clone()).await;
    assert_eq!(
        (refused.status, refused.error["code"].as_str()),
        (422, Some("E-CERT-001")),
        "{}",
        refused.error
    );
    assert!(
        refused.error["message"]
            .as_str()
            .unwrap_or_default()
            .contains("個人番号")
    );

    // 記載事項証明書 of chosen items.
    let items = post_pdf(
        &reception,
        &certs,
        json!({
            "kind": "resident_items", "layout": "individual", "persons": [hanako],
            "items": ["address", "address_since"],
            "requester": {"kind": "self", "person_id": hanako},
            "purpose": "保育園の申込み", "identity_check": "旅券"
        }),
    )
    .await;
    assert_eq!(items.status, 201, "{}", items.error);
    let xt = text(&items.bytes, "http-items");
    contains_all(
        &xt,
        &[
            "住民票記載事項証明書",
            "葛\u{E0102}西花子",
            "中央二丁目3番4号",
            "上記の事項は、住民票に記載されていることを証明する。",
        ],
        "items",
    );
    contains_none(&xt, &["生年月日", "昭和57年"], "items");

    // 死亡: the son's record goes to 除票; his 除票の写し, asked for by his mother.
    let (status, v) = examiner
        .post(
            &format!("{base}/changes"),
            json!({
                "effective_on": "2026-10-01", "notified_on": "2026-10-01",
                "change": {"type": "death", "person_id": kenta}
            }),
        )
        .await;
    assert_eq!(status, 201, "{v}");
    let wrong = post_pdf(
        &reception,
        &certs,
        json!({
            "kind": "resident_copy", "layout": "individual", "persons": [kenta],
            "requester": {"kind": "same_household", "person_id": hanako},
            "purpose": "相続", "identity_check": "運転免許証"
        }),
    )
    .await;
    assert_eq!(
        (wrong.status, wrong.error["code"].as_str()),
        (422, Some("E-CERT-002")),
        "{}",
        wrong.error
    );
    let removed = post_pdf(
        &reception,
        &certs,
        json!({
            "kind": "removed_copy", "persons": [kenta],
            "requester": {"kind": "same_household", "person_id": hanako},
            "purpose": "相続", "identity_check": "運転免許証"
        }),
    )
    .await;
    assert_eq!(removed.status, 201, "{}", removed.error);
    let rt = text(&removed.bytes, "http-removed");
    contains_all(
        &rt,
        &[
            "除票の写し",
            "葛\u{E0102}西健太",
            "令和8年10月1日　死亡",
            "世帯主",
            "葛\u{E0102}西一郎",
            "この写しは、除票の原本と相違ないことを証明する。",
        ],
        "removed",
    );

    // A name with a sequence the font lacks (Adobe-Japan1's 葛 U+E0100) is not printed,
    // and takes no serial.
    let (status, v) = examiner
        .post(&format!("{base}/changes"), json!({
            "effective_on": "2026-04-01", "notified_on": "2026-04-01",
            "change": {"type": "move_in",
                "persons": [member(("葛\u{E0100}城", "次郎"), ("カツラギ", "ジロウ"), "1970-01-01", "男", "世帯主", "456789012346")],
                "address": {"place": "みほん県みほん市中央三丁目", "banchi": "1番"},
                "previous_address": {"place": "奈良県御所市", "banchi": "1番地"}}
        }))
        .await;
    assert_eq!(status, 201, "{v}");
    // Recorded as registered, but staff are told at entry that it cannot be printed.
    assert!(
        v["warnings"].to_string().contains("U+845B U+E0100"),
        "no warning at entry: {v}"
    );
    let jiro = v["person_ids"][0].as_i64().unwrap_or_default();
    let glyph = post_pdf(
        &reception,
        &certs,
        json!({
            "kind": "resident_copy", "persons": [jiro],
            "requester": {"kind": "self", "person_id": jiro},
            "purpose": "確認", "identity_check": "運転免許証"
        }),
    )
    .await;
    assert_eq!(
        (glyph.status, glyph.error["code"].as_str()),
        (422, Some("E-CERT-010")),
        "{}",
        glyph.error
    );
    assert!(
        glyph.error["message"]
            .as_str()
            .unwrap_or_default()
            .contains("U+845B U+E0100")
    );

    // 支援措置 on the mother: her former husband is refused, a third party needs 審査.
    let (status, m) = examiner
        .post(&format!("{base}/support-measures"), json!({
            "applicant": hanako, "together": [], "kind": "DV",
            "offenders": [{"name": "葛西　剛", "birth_date": "昭和50年1月1日", "relation": "元配偶者"}]
        }))
        .await;
    assert_eq!(status, 201, "{m}");
    let by_offender = json!({
        "kind": "resident_copy", "layout": "individual", "persons": [hanako],
        "requester": {"kind": "third_party", "name": "葛西 剛", "birth_date": "1975-01-01", "reason": "家族の確認"},
        "purpose": "確認", "identity_check": "運転免許証"
    });
    let shielded = post_pdf(&reception, &certs, by_offender.clone()).await;
    assert_eq!(
        (shielded.status, shielded.error["code"].as_str()),
        (403, Some("E-SUPPORT-001")),
        "{}",
        shielded.error
    );
    assert!(!shielded.error.to_string().contains("中央二丁目"));
    let shielded = post_pdf(&reception, &format!("{certs}/preview"), by_offender).await;
    assert_eq!(shielded.status, 403, "a preview shows the address too");
    let mut stranger = third.clone();
    stranger["persons"] = json!([hanako]);
    stranger["items"] = json!([]);
    stranger["approval_reason"] = json!("判決に基づく強制執行");
    let pending = post_pdf(&reception, &certs, stranger.clone()).await;
    assert_eq!(
        (pending.status, pending.error["code"].as_str()),
        (403, Some("E-SUPPORT-002")),
        "{}",
        pending.error
    );
    let approved = post_pdf(&examiner, &certs, stranger).await;
    assert_eq!(approved.status, 201, "{}", approved.error);
    let (_, rec) = examiner
        .get(&format!("{certs}/{}", approved.serial.unwrap_or_default()))
        .await;
    assert!(
        rec["support"]
            .as_str()
            .unwrap_or_default()
            .contains("判決に基づく強制執行"),
        "{rec}"
    );
    // Serials run on without a gap: 1, 2, 3 (items), 4 (除票), 5 (approved).
    assert_eq!(approved.serial, Some(5));

    // The audit log has each issue, the re-print, the refusal and the approval.
    let auditor = app.as_role(t, Role::Auditor).await;
    let (_, log) = auditor.get(&format!("{base}/audit/persons/{hanako}")).await;
    let actions = audit_pairs(&log, "action", "outcome");
    for (action, outcome) in [
        ("certificate.preview", "ok"),
        ("certificate.issue", "ok"),
        ("certificate.reprint", "ok"),
        ("certificate.verify", "ok"),
        ("request.refused", "denied"),
        ("support.approve", "ok"),
    ] {
        assert!(
            actions.contains(&(action.to_string(), outcome.to_string())),
            "{action} {outcome} not in {actions:?}"
        );
    }
    // Reading the register needs a purpose, like every read of personal data.
    let (status, _) = reception.clone().without_purpose().get(&certs).await;
    assert_eq!(status, 400);
    // Two copies: one 交付番号 and 照合番号 each, in a row (5.5); one PDF with both, each
    // copy its own register record (one copy's fee, its own PDF's hash).
    let mut two = whole.clone();
    two["copies"] = json!(2);
    let both = post_pdf(&reception, &certs, two).await;
    assert_eq!(both.status, 201, "{}", both.error);
    assert_eq!(both.serial, Some(6));
    let text = text(&both.bytes, "http-two-copies");
    contains_all(
        &text,
        &[
            "交付番号 第000006号",
            "交付番号 第000007号",
            "000006 1/1",
            "000007 1/1",
        ],
        "two copies",
    );
    let (_, six) = reception.get(&format!("{certs}/6")).await;
    let (_, seven) = reception.get(&format!("{certs}/7")).await;
    assert_eq!(
        (six["fee"].as_u64(), seven["fee"].as_u64()),
        (Some(300), Some(300))
    );
    assert_eq!(
        (six["copies"].as_u64(), seven["copies"].as_u64()),
        (Some(1), Some(1))
    );
    assert_ne!(six["code"], seven["code"]);
    // Each copy's 照合番号 finds its own record.
    let (_, v) = reception
        .post(&format!("{certs}/verify"), json!({"code": seven["code"]}))
        .await;
    assert_eq!(
        (v["genuine"].as_bool(), v["certificate"]["serial"].as_i64()),
        (Some(true), Some(7)),
        "{v}"
    );
    // The 監査 role may not issue.
    let denied = post_pdf(&auditor, &certs, whole).await;
    assert_eq!(denied.status, 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificates_sqlite() {
    counter_day(fresh_sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificates_postgres() {
    match fresh_postgres().await {
        Some(s) => counter_day(s).await,
        None => eprintln!("KIKAN_TEST_DATABASE_URL is not set: PostgreSQL run skipped"),
    }
}
