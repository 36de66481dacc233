//! The merge of a search widened by registered 外字 orders its hits by the column the
//! search walked, read from each hit alone (`PersonIndex::walked_of`): it must give what
//! the stored index holds for that column, for every column a search can walk.

use kikan_app::ids::new_household_id;
use kikan_domain::*;
use kikan_store::PersonIndex;
use kikan_testsuite::*;

#[tokio::test]
async fn the_walked_column_is_read_as_the_index_keeps_it() {
    let s = fresh_sqlite().await;
    let clerk = Clerk::new(s.store(), "141003", "横浜市").await;
    let mut head = japanese(
        ("髙橋", "一郎"),
        ("タカハシ", "イチロウ"),
        "1980-01-01",
        "男",
        "世帯主",
    );
    head.former_surname = Some((
        ok(PersonName::parse("𠮷田", "")),
        Some(ok(Furigana::parse("ヨシダ", ""))),
    ));
    let mut friend = foreigner(
        "NGUYEN VAN AN",
        "グエン　ヴァン　アン",
        "1995-05-05",
        "男",
        "同居人",
        "留学",
    );
    if let Some(f) = friend.foreign.as_mut() {
        f.alias = Some(Alias {
            name: ok(PersonName::parse("中村", "安")),
            furigana: Some(ok(Furigana::parse("ナカムラ", "アン"))),
            recorded_on: d("2026-01-01"),
            recorded_by: None,
        });
    }
    let ids = [head.id, friend.id];
    ok(clerk
        .record(
            Change::MoveIn {
                kind: MoveInKind::Domestic,
                household: MoveInHousehold::New {
                    id: new_household_id(),
                },
                persons: vec![head, friend],
                address: addr(
                    "神奈川県横浜市中区本町一丁目",
                    "1番地",
                    Some("本町ハイツ101"),
                ),
                previous_address: Some(addr("東京都千代田区千代田", "1番1号", None)),
                unnotified: false,
                last_registered: None,
                previous_head: None,
            },
            "2026-04-01",
            "2026-04-01",
        )
        .await);
    for id in ids {
        let p = clerk.person(id).await;
        let ix = PersonIndex::of(&p);
        let kept: [(&str, String); 10] = [
            ("kana_key", ix.kana_key.clone()),
            ("name_key", ix.name_key.clone()),
            ("given_key", ix.given_key.clone()),
            ("former_key", ix.former_key.clone().unwrap_or_default()),
            ("alias_key", ix.alias_key.clone().unwrap_or_default()),
            ("given_kana", ix.given_kana.clone()),
            ("given_fuzzy", ix.given_fuzzy.clone()),
            ("kana_fuzzy", ix.kana_fuzzy.clone()),
            ("alias_kana", ix.alias_kana.clone().unwrap_or_default()),
            ("address_line", ix.address_line.clone()),
        ];
        for (column, value) in kept {
            assert_eq!(PersonIndex::walked_of(&p, column), value, "{id} {column}");
        }
    }
    // Both optional columns were exercised with a value.
    let head = PersonIndex::of(&clerk.person(ids[0]).await);
    let friend = PersonIndex::of(&clerk.person(ids[1]).await);
    assert!(head.former_key.is_some_and(|k| !k.is_empty()));
    assert!(friend.alias_key.is_some() && friend.alias_kana.is_some());
}
