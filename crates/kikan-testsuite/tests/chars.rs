//! 検索文字選択のサポート (2.1.3) over HTTP: for a character, the 異体字 kikan folds with it
//! and the variation sequences the certificate font (IPAmj明朝) holds for each; more than
//! one character is refused.

use kikan_security::Role;
use kikan_testsuite::TestStore;
use kikan_testsuite::http::App;

async fn a_character_offers_its_variants(s: TestStore) {
    let app = App::spawn(s).await;
    let t = app.tenant("141003", "横浜市").await;
    let base = format!("/api/v1/tenants/{t}");
    let reception = app.as_role(t, Role::Reception).await;
    let (status, v) = reception
        .get(&format!("{base}/chars/variants?char={}", urlencode("辺")))
        .await;
    assert_eq!(status, 200, "{v}");
    let list = v["candidates"].as_array().cloned().unwrap_or_default();
    let of = |kind: &str| -> Vec<String> {
        list.iter()
            .filter(|c| c["kind"] == kind)
            .map(|c| c["text"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    assert!(of("異体字").contains(&"邊".to_string()), "{v}");
    assert!(of("異体字").contains(&"邉".to_string()), "{v}");
    let ivs = of("IVS");
    assert!(ivs.contains(&"辺\u{E0101}".to_string()), "{v}");
    // Each sequence is a base form and one selector, and the 邉 has its own.
    assert!(ivs.iter().all(|s| s.chars().count() == 2), "{v}");
    assert!(ivs.iter().any(|s| s.starts_with('邉')), "{v}");
    let codes: Vec<&str> = list.iter().filter_map(|c| c["codes"].as_str()).collect();
    assert!(codes.contains(&"U+8FBA U+E0101"), "{v}");
    // A selector typed with the character is ignored; two characters are not one.
    let (status, again) = reception
        .get(&format!(
            "{base}/chars/variants?char={}",
            urlencode("辺\u{E0101}")
        ))
        .await;
    assert_eq!((status, &again["candidates"]), (200, &v["candidates"]));
    let (status, v) = reception
        .get(&format!("{base}/chars/variants?char={}", urlencode("渡辺")))
        .await;
    assert_eq!(
        (status, v["code"].as_str()),
        (400, Some("E-HTTP-400")),
        "{v}"
    );
}

fn urlencode(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}

kikan_testsuite::on_both!(a_character_offers_its_variants);
