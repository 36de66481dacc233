//! Stories: each drives the registry through a use case on any engine.

use crate::*;
use kikan_app::check::{CheckOptions, CheckReport, check, check_with};
use kikan_app::ids::new_household_id;
use kikan_store::SearchQuery;

/// The 髙橋 family of four, moved in on 2026-04-01.
pub struct Family {
    pub household: HouseholdId,
    pub head: PersonId,
    pub wife: PersonId,
    pub son: PersonId,
    pub daughter: PersonId,
}

pub fn home() -> Address {
    addr(
        "神奈川県横浜市中区本町一丁目",
        "1番地2",
        Some("本町ハイツ101号室"),
    )
}

pub async fn move_in_family(c: &Clerk) -> Family {
    let head = japanese(
        ("髙橋", "太郎"),
        ("タカハシ", "タロウ"),
        "1980-04-01",
        "男",
        "世帯主",
    );
    let wife = japanese(
        ("髙橋", "花子"),
        ("たかはし", "はなこ"),
        "1982-06-15",
        "女",
        "妻",
    );
    let son = japanese(("髙橋", "一郎"), ("ﾀｶﾊｼ", "ｲﾁﾛｳ"), "2010-01-20", "男", "子");
    let daughter = japanese(
        ("髙橋", "さくら"),
        ("タカハシ", "サクラ"),
        "2014-09-09",
        "女",
        "子",
    );
    let f = Family {
        household: new_household_id(),
        head: head.id,
        wife: wife.id,
        son: son.id,
        daughter: daughter.id,
    };
    let r = c
        .record(
            Change::MoveIn {
                kind: MoveInKind::Domestic,
                household: MoveInHousehold::New { id: f.household },
                persons: vec![head, wife, son, daughter],
                address: home(),
                previous_address: Some(addr("東京都千代田区千代田", "1番1号", None)),
                unnotified: false,
                last_registered: None,
                previous_head: None,
            },
            "2026-04-01",
            "2026-04-05",
        )
        .await;
    assert!(!ok(r).entry.late);
    f
}

pub async fn tenants_are_checked_and_kept_apart(s: TestStore) {
    let store = s.store();
    let yokohama = Clerk::new(store.clone(), "141003", "横浜市").await;
    let again = store
        .add_tenant(&kikan_store::Tenant {
            code: yokohama.tenant,
            name: "横浜市".into(),
            mayor: "x".into(),
        })
        .await;
    assert_eq!(again.map_err(|e| e.code()), Err("E-TENANT-002"));
    let f = move_in_family(&yokohama).await;
    // Another municipality sees nothing of Yokohama's residents.
    let chiyoda = Clerk::new(store.clone(), "131016", "千代田区").await;
    assert!(ok(store.persons(chiyoda.tenant, &[f.head]).await).is_empty());
    let q = SearchQuery {
        name: Some("高橋".into()),
        limit: 10,
        ..Default::default()
    };
    assert!(ok(store.search(chiyoda.tenant, &q.keys()).await).is_empty());
    assert_eq!(ok(store.search(yokohama.tenant, &q.keys()).await).len(), 4);
    // A change for Yokohama's household under Chiyoda's code finds no household.
    let r = chiyoda
        .record(
            Change::Death {
                person: f.son,
                succession: None,
            },
            "2026-05-01",
            "2026-05-01",
        )
        .await;
    assert_eq!(code(&r), "E-IDO-001");
    // An unregistered municipality cannot record anything.
    let ghost = Clerk {
        store: store.clone(),
        tenant: ok(LocalGovCode::from_five("27100")),
        today: d("2026-10-01"),
    };
    let r = ghost
        .record(
            Change::Death {
                person: f.son,
                succession: None,
            },
            "2026-05-01",
            "2026-05-01",
        )
        .await;
    assert_eq!(code(&r), "E-TENANT-001");
}

pub async fn move_in_and_search(s: TestStore) {
    let c = Clerk::new(s.store(), "141003", "横浜市").await;
    let f = move_in_family(&c).await;
    let h = c.household(f.household).await;
    assert_eq!(h.head, Some(f.head));
    assert_eq!(h.members.len(), 4);
    let p = c.person(f.son).await;
    assert_eq!(p.furigana.full(), "タカハシ　イチロウ");
    assert_eq!(p.address_since, d("2026-04-01"));
    assert_eq!(
        p.moved_in.as_ref().map(|m| m.notified_on),
        Some(d("2026-04-05"))
    );
    let search = |q: SearchQuery| {
        let store = c.store.clone();
        let t = c.tenant;
        async move {
            ok(store
                .search(t, &SearchQuery { limit: 50, ..q }.keys())
                .await)
        }
    };
    // Kana prefix in any form.
    for kana in ["たかはし", "タカハシ", "ﾀｶﾊｼ", "タカハシ　ハ"] {
        let hits = search(SearchQuery {
            kana: Some(kana.into()),
            ..Default::default()
        })
        .await;
        assert!(!hits.is_empty(), "{kana}");
        assert!(hits.iter().all(|p| {
            p.furigana
                .key()
                .starts_with(&kikan_domain::names::kana_key(kana))
        }));
    }
    assert_eq!(
        search(SearchQuery {
            kana: Some("たかはし".into()),
            ..Default::default()
        })
        .await
        .len(),
        4
    );
    // Variant kanji find each other.
    assert_eq!(
        search(SearchQuery {
            name: Some("高橋".into()),
            ..Default::default()
        })
        .await
        .len(),
        4
    );
    assert_eq!(
        search(SearchQuery {
            name: Some("髙橋　花".into()),
            ..Default::default()
        })
        .await
        .len(),
        1
    );
    assert!(
        search(SearchQuery {
            name: Some("高島".into()),
            ..Default::default()
        })
        .await
        .is_empty()
    );
    // Birth date, address, 住民票コード.
    let by_birth = search(SearchQuery {
        birth_date: Some(d("1982-06-15")),
        ..Default::default()
    })
    .await;
    assert_eq!(
        by_birth.iter().map(|p| p.id).collect::<Vec<_>>(),
        vec![f.wife]
    );
    assert_eq!(
        search(SearchQuery {
            address: Some("本町一丁目1番地2".into()),
            ..Default::default()
        })
        .await
        .len(),
        4
    );
    let code = c.person(f.head).await.juminhyo_code.map(|c| c.to_string());
    let by_code = search(SearchQuery {
        juminhyo_code: code,
        ..Default::default()
    })
    .await;
    assert_eq!(
        by_code.iter().map(|p| p.id).collect::<Vec<_>>(),
        vec![f.head]
    );
    // Variant forms the other way round: a 﨑 name found by 崎.
    let p = japanese(
        ("山﨑", "次郎"),
        ("ヤマサキ", "ジロウ"),
        "1990-01-01",
        "男",
        "同居人",
    );
    ok(c.record(
        Change::MoveIn {
            kind: MoveInKind::Domestic,
            household: MoveInHousehold::Existing { id: f.household },
            persons: vec![p],
            address: home(),
            previous_address: Some(addr("大阪府大阪市北区梅田", "1丁目1番", None)),
            unnotified: false,
            last_registered: None,
            previous_head: None,
        },
        "2026-04-10",
        "2026-04-10",
    )
    .await);
    assert_eq!(
        search(SearchQuery {
            name: Some("山崎".into()),
            ..Default::default()
        })
        .await
        .len(),
        1
    );
}

pub async fn move_in_refuses_impossible_requests(s: TestStore) {
    let c = Clerk::new(s.store(), "141003", "横浜市").await;
    let prev = Some(addr("東京都千代田区千代田", "1番1号", None));
    let mi = |persons: Vec<PersonData>, prev: Option<Address>| Change::MoveIn {
        kind: MoveInKind::Domestic,
        household: MoveInHousehold::New {
            id: new_household_id(),
        },
        persons,
        address: home(),
        previous_address: prev,
        unnotified: false,
        last_registered: None,
        previous_head: None,
    };
    let a = || {
        japanese(
            ("山田", "一"),
            ("ヤマダ", "ハジメ"),
            "1970-01-01",
            "男",
            "世帯主",
        )
    };
    let b = || japanese(("山田", "二"), ("ヤマダ", "ツギ"), "1972-01-01", "女", "妻");
    // A household without a head, with two heads.
    assert_eq!(
        code(
            &c.record(mi(vec![b()], prev.clone()), "2026-04-01", "2026-04-01")
                .await
        ),
        "E-IDO-010"
    );
    assert_eq!(
        code(
            &c.record(mi(vec![a(), a()], prev.clone()), "2026-04-01", "2026-04-01")
                .await
        ),
        "E-IDO-011"
    );
    // A future date, an effective date after the notification.
    assert_eq!(
        code(
            &c.record(mi(vec![a()], prev.clone()), "2026-10-02", "2026-10-02")
                .await
        ),
        "E-DATE-003"
    );
    assert_eq!(
        code(
            &c.record(mi(vec![a()], prev.clone()), "2026-04-02", "2026-04-01")
                .await
        ),
        "E-DATE-004"
    );
    // Born after moving in; 転入 without the former address.
    let unborn = japanese(("山田", "三"), ("ヤマダ", "サン"), "2026-05-01", "男", "子");
    assert_eq!(
        code(
            &c.record(
                mi(vec![a(), unborn], prev.clone()),
                "2026-04-01",
                "2026-04-01"
            )
            .await
        ),
        "E-IDO-022"
    );
    assert_eq!(
        code(
            &c.record(mi(vec![a()], None), "2026-04-01", "2026-04-01")
                .await
        ),
        "E-IDO-042"
    );
    // Foreign items on a Japanese, 本籍 on a foreigner, a status the category forbids.
    let mut j = a();
    j.foreign = foreigner(
        "NGUYEN VAN A",
        "グエン",
        "1990-01-01",
        "男",
        "世帯主",
        "留学",
    )
    .foreign;
    assert_eq!(
        code(
            &c.record(mi(vec![j], prev.clone()), "2026-04-01", "2026-04-01")
                .await
        ),
        "E-IDO-033"
    );
    let tourist = foreigner(
        "NGUYEN VAN A",
        "グエン",
        "1990-01-01",
        "男",
        "世帯主",
        "短期滞在",
    );
    assert_eq!(
        code(
            &c.record(mi(vec![tourist], prev.clone()), "2026-04-01", "2026-04-01")
                .await
        ),
        "E-IDO-034"
    );
    // Joining a household at another address, or as a second head.
    let f = move_in_family(&c).await;
    let elsewhere = Change::MoveIn {
        kind: MoveInKind::Domestic,
        household: MoveInHousehold::Existing { id: f.household },
        persons: vec![b()],
        address: addr("神奈川県横浜市西区みなとみらい", "2丁目", None),
        previous_address: prev.clone(),
        unnotified: false,
        last_registered: None,
        previous_head: None,
    };
    assert_eq!(
        code(&c.record(elsewhere, "2026-04-01", "2026-04-01").await),
        "E-IDO-019"
    );
    let second_head = Change::MoveIn {
        kind: MoveInKind::Domestic,
        household: MoveInHousehold::Existing { id: f.household },
        persons: vec![a()],
        address: home(),
        previous_address: prev.clone(),
        unnotified: false,
        last_registered: None,
        previous_head: None,
    };
    assert_eq!(
        code(&c.record(second_head, "2026-04-01", "2026-04-01").await),
        "E-IDO-013"
    );
    // Nothing of the refused requests was recorded.
    assert_eq!(ok(c.store.ledger(c.tenant, 0, 100).await).len(), 1);
    ok(check(&*c.store, c.tenant).await);
}

pub async fn late_notifications_are_flagged(s: TestStore) {
    let c = Clerk::new(s.store(), "141003", "横浜市").await;
    let p = japanese(
        ("佐藤", "健"),
        ("サトウ", "ケン"),
        "1985-03-03",
        "男",
        "世帯主",
    );
    let change = Change::MoveIn {
        kind: MoveInKind::FromAbroad,
        household: MoveInHousehold::New {
            id: new_household_id(),
        },
        persons: vec![p],
        address: home(),
        previous_address: Some(addr("アメリカ合衆国", "", None)),
        unnotified: false,
        last_registered: None,
        previous_head: None,
    };
    let r = ok(c.record(change, "2026-04-01", "2026-04-16").await);
    assert!(r.entry.late, "15 days after is late");
    let f = move_in_family(&c).await;
    let r = ok(c
        .record(
            Change::Relocation {
                ward_move: None,
                persons: vec![f.head, f.wife, f.son, f.daughter],
                address: addr("神奈川県横浜市中区山下町", "3番地", None),
                target: RelocationTarget::WholeHousehold,
            },
            "2026-05-01",
            "2026-05-15",
        )
        .await);
    assert!(!r.entry.late, "14 days after is in time");
}

pub async fn relocation(s: TestStore) {
    let c = Clerk::new(s.store(), "141003", "横浜市").await;
    let f = move_in_family(&c).await;
    let all = vec![f.head, f.wife, f.son, f.daughter];
    let new_home = addr(
        "神奈川県横浜市中区山下町",
        "3番地",
        Some("山下レジデンス501"),
    );
    // Part of a household cannot just move without saying where it goes.
    let partial = Change::Relocation {
        ward_move: None,
        persons: vec![f.son],
        address: new_home.clone(),
        target: RelocationTarget::WholeHousehold,
    };
    assert_eq!(
        code(&c.record(partial, "2026-05-01", "2026-05-01").await),
        "E-IDO-021"
    );
    // 区間異動 (1.1.13): the movers take a new 世帯番号, and it crosses wards.
    for (from, target, want) in [
        ("西区", RelocationTarget::WholeHousehold, "E-WARD-002"),
        (
            "中区",
            RelocationTarget::NewHousehold {
                id: new_household_id(),
                relationships: vec![MemberRelationship {
                    person: f.son,
                    relationship: Relationship::Head,
                }],
            },
            "E-WARD-003",
        ),
    ] {
        let across = Change::Relocation {
            persons: if want == "E-WARD-002" {
                all.clone()
            } else {
                vec![f.son]
            },
            address: new_home.clone(),
            target,
            ward_move: Some(kikan_domain::WardMove {
                from: from.into(),
                to: "中区".into(),
            }),
        };
        assert_eq!(
            code(&c.record(across, "2026-05-01", "2026-05-01").await),
            want
        );
    }
    ok(c.record(
        Change::Relocation {
            ward_move: None,
            persons: all.clone(),
            address: new_home.clone(),
            target: RelocationTarget::WholeHousehold,
        },
        "2026-05-01",
        "2026-05-03",
    )
    .await);
    let p = c.person(f.wife).await;
    assert_eq!(p.address, new_home);
    assert_eq!(p.previous_address_in_city, Some(home()));
    assert_eq!(p.address_since, d("2026-05-01"));
    assert_eq!(c.household(f.household).await.address, new_home);
    // The son moves alone into a new household of his own.
    let son_home = addr("神奈川県横浜市南区", "5番地", None);
    let hid = new_household_id();
    ok(c.record(
        Change::Relocation {
            ward_move: None,
            persons: vec![f.son],
            address: son_home.clone(),
            target: RelocationTarget::NewHousehold {
                id: hid,
                relationships: vec![rel(f.son, "世帯主")],
            },
        },
        "2026-06-01",
        "2026-06-01",
    )
    .await);
    assert_eq!(c.household(hid).await.head, Some(f.son));
    assert_eq!(c.household(f.household).await.members.len(), 3);
    // The daughter joins her brother; the address must be his.
    let wrong = Change::Relocation {
        ward_move: None,
        persons: vec![f.daughter],
        address: new_home.clone(),
        target: RelocationTarget::JoinHousehold {
            id: hid,
            relationships: vec![rel(f.daughter, "妹")],
        },
    };
    assert_eq!(
        code(&c.record(wrong, "2026-06-02", "2026-06-02").await),
        "E-IDO-019"
    );
    ok(c.record(
        Change::Relocation {
            ward_move: None,
            persons: vec![f.daughter],
            address: son_home,
            target: RelocationTarget::JoinHousehold {
                id: hid,
                relationships: vec![rel(f.daughter, "妹")],
            },
        },
        "2026-06-02",
        "2026-06-02",
    )
    .await);
    assert_eq!(
        c.person(f.daughter).await.relationship,
        Relationship::YoungerSister
    );
    // A change dated before the person's latest one is refused.
    let back = Change::Relocation {
        ward_move: None,
        persons: vec![f.daughter],
        address: new_home,
        target: RelocationTarget::WholeHousehold,
    };
    assert_eq!(
        code(&c.record(back, "2026-05-15", "2026-06-03").await),
        "E-IDO-023"
    );
    ok(check(&*c.store, c.tenant).await);
}

pub async fn move_out_planned_then_confirmed(s: TestStore) {
    let c = Clerk::new(s.store(), "141003", "横浜市").await;
    let f = move_in_family(&c).await;
    let all = vec![f.head, f.wife, f.son, f.daughter];
    let dest = addr("大阪府大阪市北区梅田", "3丁目1番", None);
    // Notified on 09-20 for a move on 09-30 (a planned date after today is fine).
    let mut c2 = Clerk {
        store: c.store.clone(),
        tenant: c.tenant,
        today: d("2026-09-20"),
    };
    let r = ok(c2
        .record(
            Change::MoveOut {
                persons: all.clone(),
                destination: dest.clone(),
                planned_on: d("2026-09-30"),
                abroad: false,
                succession: None,
                destination_head: None,
            },
            "2026-09-30",
            "2026-09-20",
        )
        .await);
    assert_eq!(r.entry.effective_on, d("2026-09-20"));
    let p = c.person(f.head).await;
    assert!(matches!(p.status, PersonStatus::MovingOut { .. }));
    // Still on register A and found by search; no further 転居 while moving out.
    let q = SearchQuery {
        name: Some("高橋".into()),
        limit: 10,
        ..Default::default()
    };
    assert_eq!(ok(c.store.search(c.tenant, &q.keys()).await).len(), 4);
    c2.today = d("2026-09-25");
    let r = c2
        .record(
            Change::Relocation {
                ward_move: None,
                persons: all.clone(),
                address: home(),
                target: RelocationTarget::WholeHousehold,
            },
            "2026-09-25",
            "2026-09-25",
        )
        .await;
    assert_eq!(code(&r), "E-IDO-006");
    // The 転入通知 from 大阪市 arrives: the move-out is final on the move date.
    let r = ok(c
        .record(
            Change::MoveOutConfirmed {
                persons: all.clone(),
                destination: dest.clone(),
                notice_from: Some(ok(LocalGovCode::from_five("27100"))),
                succession: None,
                moved_on: None,
            },
            "2026-09-30",
            "2026-10-01",
        )
        .await);
    assert_eq!(r.entry.reason(), ChangeReason::MoveOutConfirmed);
    let p = c.person(f.head).await;
    assert!(matches!(
        p.status,
        PersonStatus::Removed {
            reason: RemovalReason::MovedOut,
            ..
        }
    ));
    assert!(c.household(f.household).await.dissolved_on.is_some());
    assert!(ok(c.store.search(c.tenant, &q.keys()).await).is_empty());
    let with_removed = SearchQuery {
        include_removed: true,
        ..q
    };
    assert_eq!(
        ok(c.store.search(c.tenant, &with_removed.keys()).await).len(),
        4
    );
    // A removed person cannot move or be confirmed again.
    let r = c
        .record(
            Change::MoveOutConfirmed {
                persons: vec![f.son],
                destination: dest.clone(),
                notice_from: None,
                succession: None,
                moved_on: None,
            },
            "2026-10-01",
            "2026-10-01",
        )
        .await;
    assert_eq!(code(&r), "E-IDO-005");
    let g = move_in_family(&c).await;
    let r = c
        .record(
            Change::MoveOutConfirmed {
                persons: vec![g.son],
                destination: dest,
                notice_from: None,
                succession: None,
                moved_on: None,
            },
            "2026-10-01",
            "2026-10-01",
        )
        .await;
    assert_eq!(code(&r), "E-IDO-007");
    ok(check(&*c.store, c.tenant).await);
}

pub async fn emigration_removes_at_the_date(s: TestStore) {
    let c = Clerk::new(s.store(), "141003", "横浜市").await;
    let f = move_in_family(&c).await;
    // The head leaves for abroad alone, naming the new head.
    let abroad = addr("アメリカ合衆国ニューヨーク州", "", None);
    let succession = Succession {
        relationships: vec![
            rel(f.wife, "世帯主"),
            rel(f.son, "子"),
            rel(f.daughter, "子"),
        ],
    };
    let r = ok(c
        .record(
            Change::MoveOut {
                persons: vec![f.head],
                destination: abroad,
                planned_on: d("2026-07-01"),
                abroad: true,
                succession: Some(succession),
                destination_head: None,
            },
            "2026-07-01",
            "2026-07-05",
        )
        .await);
    assert_eq!(r.entry.reason(), ChangeReason::Emigration);
    assert!(matches!(
        c.person(f.head).await.status,
        PersonStatus::Removed {
            reason: RemovalReason::Emigrated,
            ..
        }
    ));
    let h = c.household(f.household).await;
    assert_eq!(h.head, Some(f.wife));
    assert_eq!(c.person(f.wife).await.relationship, Relationship::Head);
    ok(check(&*c.store, c.tenant).await);
}

pub async fn household_split_merge_head_and_composition(s: TestStore) {
    let c = Clerk::new(s.store(), "141003", "横浜市").await;
    let f = move_in_family(&c).await;
    let hid = new_household_id();
    // The head leaving his household is in households_without_a_head.
    // A new household needs exactly one head.
    let r = c
        .record(
            Change::HouseholdSplit {
                persons: vec![f.son],
                new_household: hid,
                relationships: vec![rel(f.son, "子")],
            },
            "2026-05-01",
            "2026-05-01",
        )
        .await;
    assert_eq!(code(&r), "E-IDO-010");
    ok(c.record(
        Change::HouseholdSplit {
            persons: vec![f.son],
            new_household: hid,
            relationships: vec![rel(f.son, "世帯主")],
        },
        "2026-05-01",
        "2026-05-01",
    )
    .await);
    assert_eq!(c.household(hid).await.members, vec![f.son]);
    assert_eq!(c.person(f.son).await.household_id, hid);
    // 世帯構成変更: the daughter goes to her brother's household.
    ok(c.record(
        Change::CompositionChange {
            persons: vec![f.daughter],
            into: hid,
            relationships: vec![rel(f.daughter, "妹")],
        },
        "2026-05-10",
        "2026-05-10",
    )
    .await);
    assert_eq!(c.household(hid).await.members, vec![f.son, f.daughter]);
    // 世帯合併 back into the parents' household; relationships must cover everyone.
    let r = c
        .record(
            Change::HouseholdMerge {
                absorbed: hid,
                into: f.household,
                relationships: vec![rel(f.son, "子")],
            },
            "2026-06-01",
            "2026-06-01",
        )
        .await;
    assert_eq!(code(&r), "E-IDO-014");
    ok(c.record(
        Change::HouseholdMerge {
            absorbed: hid,
            into: f.household,
            relationships: vec![rel(f.son, "子"), rel(f.daughter, "子")],
        },
        "2026-06-01",
        "2026-06-01",
    )
    .await);
    assert!(c.household(hid).await.dissolved_on.is_some());
    assert_eq!(c.household(f.household).await.members.len(), 4);
    // 世帯主変更: the wife becomes head; every relationship is restated.
    let r = c
        .record(
            Change::HeadChange {
                household: f.household,
                relationships: vec![
                    rel(f.wife, "世帯主"),
                    rel(f.head, "世帯主"),
                    rel(f.son, "子"),
                    rel(f.daughter, "子"),
                ],
            },
            "2026-07-01",
            "2026-07-01",
        )
        .await;
    assert_eq!(code(&r), "E-IDO-011");
    let r = c
        .record(
            Change::HeadChange {
                household: f.household,
                relationships: vec![
                    rel(f.wife, "世帯主"),
                    rel(f.son, "子"),
                    rel(f.daughter, "子"),
                ],
            },
            "2026-07-01",
            "2026-07-01",
        )
        .await;
    assert_eq!(code(&r), "E-IDO-014");
    ok(c.record(
        Change::HeadChange {
            household: f.household,
            relationships: vec![
                rel(f.wife, "世帯主"),
                rel(f.head, "夫"),
                rel(f.son, "子"),
                rel(f.daughter, "子"),
            ],
        },
        "2026-07-01",
        "2026-07-01",
    )
    .await);
    assert_eq!(c.household(f.household).await.head, Some(f.wife));
    assert_eq!(c.person(f.head).await.relationship, Relationship::Husband);
    // Merging households at different addresses is a 転居, not a 合併.
    let other = japanese(
        ("鈴木", "一"),
        ("スズキ", "ハジメ"),
        "1950-01-01",
        "男",
        "世帯主",
    );
    let oh = new_household_id();
    ok(c.record(
        Change::MoveIn {
            kind: MoveInKind::Domestic,
            household: MoveInHousehold::New { id: oh },
            persons: vec![other],
            address: addr("神奈川県横浜市港北区", "1番", None),
            previous_address: Some(home()),
            unnotified: false,
            last_registered: None,
            previous_head: None,
        },
        "2026-07-01",
        "2026-07-01",
    )
    .await);
    let r = c
        .record(
            Change::HouseholdMerge {
                absorbed: oh,
                into: f.household,
                relationships: vec![],
            },
            "2026-07-02",
            "2026-07-02",
        )
        .await;
    assert_eq!(code(&r), "E-IDO-019");
    ok(check(&*c.store, c.tenant).await);
}

pub async fn birth_and_death(s: TestStore) {
    let c = Clerk::new(s.store(), "141003", "横浜市").await;
    let f = move_in_family(&c).await;
    let baby = japanese(
        ("髙橋", "みらい"),
        ("タカハシ", "ミライ"),
        "2026-08-01",
        "女",
        "子",
    );
    let baby_id = baby.id;
    let mut as_head = baby.clone();
    as_head.relationship = Relationship::Head;
    as_head.id = kikan_app::ids::new_person_id();
    let r = c
        .record(
            Change::Birth {
                person: Box::new(as_head),
                household: f.household,
            },
            "2026-08-01",
            "2026-08-05",
        )
        .await;
    assert_eq!(code(&r), "E-IDO-013");
    let r = c
        .record(
            Change::Birth {
                person: Box::new(baby.clone()),
                household: f.household,
            },
            "2026-08-02",
            "2026-08-05",
        )
        .await;
    assert_eq!(code(&r), "E-IDO-024");
    ok(c.record(
        Change::Birth {
            person: Box::new(baby),
            household: f.household,
        },
        "2026-08-01",
        "2026-08-05",
    )
    .await);
    let p = c.person(baby_id).await;
    assert_eq!(p.address, home());
    assert_eq!(p.became_resident_on, d("2026-08-01"));
    assert_eq!(c.household(f.household).await.members.len(), 5);
    // Death before birth; the head's death without a successor.
    let r = c
        .record(
            Change::Death {
                person: baby_id,
                succession: None,
            },
            "2026-07-01",
            "2026-08-06",
        )
        .await;
    assert_eq!(code(&r), "E-IDO-023");
    let succession = Succession {
        relationships: vec![
            rel(f.wife, "世帯主"),
            rel(f.son, "子"),
            rel(f.daughter, "子"),
            rel(baby_id, "子"),
        ],
    };
    ok(c.record(
        Change::Death {
            person: f.head,
            succession: Some(succession),
        },
        "2026-09-01",
        "2026-09-02",
    )
    .await);
    assert!(matches!(
        c.person(f.head).await.status,
        PersonStatus::Removed {
            reason: RemovalReason::Died,
            ..
        }
    ));
    assert_eq!(c.household(f.household).await.head, Some(f.wife));
    // The dead do not die twice.
    let r = c
        .record(
            Change::Death {
                person: f.head,
                succession: None,
            },
            "2026-09-03",
            "2026-09-03",
        )
        .await;
    assert_eq!(code(&r), "E-IDO-005");
    ok(check(&*c.store, c.tenant).await);
}

pub async fn ex_officio_record_removal_and_correction(s: TestStore) {
    let c = Clerk::new(s.store(), "141003", "横浜市").await;
    let f = move_in_family(&c).await;
    let found = japanese(
        ("田中", "実"),
        ("タナカ", "ミノル"),
        "1960-02-02",
        "男",
        "世帯主",
    );
    let found_id = found.id;
    ok(c.record(
        Change::MoveIn {
            kind: MoveInKind::ExOfficio,
            household: MoveInHousehold::New {
                id: new_household_id(),
            },
            persons: vec![found],
            address: addr("神奈川県横浜市中区本町二丁目", "2番地", None),
            previous_address: None,
            unnotified: false,
            last_registered: None,
            previous_head: None,
        },
        "2026-05-01",
        "2026-05-01",
    )
    .await);
    let p = c.person(found_id).await;
    assert!(p.moved_in.is_none());
    ok(c.record(
        Change::ExOfficioRemoval {
            person: found_id,
            succession: None,
        },
        "2026-06-01",
        "2026-06-01",
    )
    .await);
    assert!(matches!(
        c.person(found_id).await.status,
        PersonStatus::Removed {
            reason: RemovalReason::ExOfficio,
            ..
        }
    ));
    // A 職権消除 awaits a 転入通知 (4.1.3.1.4: it is on the 未着者一覧) ...
    let awaiting = ok(kikan_app::daily::awaiting_notice(&*c.store, c.tenant).await);
    assert_eq!(
        awaiting.iter().map(|p| p.id).collect::<Vec<_>>(),
        vec![found_id]
    );
    // ... and takes one when it comes (4.1.3.1.1): the 除票 keeps its removal date and
    // gains the destination, the notice's date and the 転出年月日（確定）.
    let osaka = addr("大阪府大阪市北区梅田一丁目", "2番3号", None);
    ok(c.record(
        Change::MoveOutConfirmed {
            persons: vec![found_id],
            destination: osaka.clone(),
            notice_from: Some(ok(LocalGovCode::from_five("27127"))),
            succession: None,
            moved_on: Some(d("2026-05-20")),
        },
        "2026-06-15",
        "2026-06-15",
    )
    .await);
    match c.person(found_id).await.status {
        PersonStatus::Removed {
            on,
            destination,
            notice: Some(n),
            ..
        } => {
            assert_eq!(on, d("2026-06-01"), "the removal date stays");
            assert_eq!(destination, Some(osaka.clone()));
            assert_eq!(
                (n.notified_on, n.moved_on),
                (d("2026-06-15"), d("2026-05-20"))
            );
        }
        other => panic!("no notice: {other:?}"),
    }
    assert!(ok(kikan_app::daily::awaiting_notice(&*c.store, c.tenant).await).is_empty());
    // A second notice for the same 除票 is refused, nothing changed.
    let again = c
        .record(
            Change::MoveOutConfirmed {
                persons: vec![found_id],
                destination: osaka,
                notice_from: None,
                succession: None,
                moved_on: Some(d("2026-05-20")),
            },
            "2026-06-16",
            "2026-06-16",
        )
        .await;
    assert_eq!(code(&again), "E-IDO-005");
    // 職権修正 of a name: the old value stays in the history.
    let old = c.person(f.son).await.name;
    let new = ok(PersonName::parse("髙橋", "一朗"));
    let stale = Correction::Name {
        old: new.clone(),
        new: old.clone(),
    };
    assert_eq!(
        code(
            &c.record(
                Change::Correction {
                    person: f.son,
                    kind: Default::default(),
                    correction: stale
                },
                "2026-06-01",
                "2026-06-01"
            )
            .await
        ),
        "E-IDO-040"
    );
    let same = Correction::Name {
        old: old.clone(),
        new: old.clone(),
    };
    assert_eq!(
        code(
            &c.record(
                Change::Correction {
                    person: f.son,
                    kind: Default::default(),
                    correction: same
                },
                "2026-06-01",
                "2026-06-01"
            )
            .await
        ),
        "E-IDO-041"
    );
    ok(c.record(
        Change::Correction {
            person: f.son,
            kind: Default::default(),
            correction: Correction::Name {
                old: old.clone(),
                new: new.clone(),
            },
        },
        "2026-06-01",
        "2026-06-01",
    )
    .await);
    assert_eq!(c.person(f.son).await.name, new);
    let versions = ok(c.store.person_versions(c.tenant, f.son).await);
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0].person.name, old);
    assert_eq!(versions[0].valid_to, Some(d("2026-06-01")));
    assert_eq!(versions[1].person.name, new);
    let history = ok(c.store.entries_for(c.tenant, Some(f.son), None).await);
    assert_eq!(
        history.iter().map(|e| e.reason()).collect::<Vec<_>>(),
        vec![ChangeReason::MoveIn, ChangeReason::ExOfficioCorrection]
    );
    assert!(
        matches!(&history[1].change, Change::Correction { correction: Correction::Name { old: o, .. }, .. } if *o == old)
    );
    // The head's 続柄 is changed only by 世帯主変更.
    let r = c
        .record(
            Change::Correction {
                person: f.head,
                kind: Default::default(),
                correction: Correction::Relationship {
                    old: Relationship::Head,
                    new: Relationship::Husband,
                },
            },
            "2026-06-02",
            "2026-06-02",
        )
        .await;
    assert_eq!(code(&r), "E-IDO-015");
    ok(check(&*c.store, c.tenant).await);
}

/// A Vietnamese couple (AN, head, and BINH, his wife) moved in from abroad on
/// 2026-04-01 with the 在留資格 given: (AN, BINH).
pub async fn foreign_couple(c: &Clerk, statuses: (&str, &str)) -> (PersonId, PersonId) {
    let a = foreigner(
        "NGUYEN VAN AN",
        "グエン　ヴァン　アン",
        "1995-05-05",
        "男",
        "世帯主",
        statuses.0,
    );
    let b = foreigner(
        "TRAN THI BINH",
        "チャン　ティ　ビン",
        "1997-07-07",
        "女",
        "妻",
        statuses.1,
    );
    let (aid, bid) = (a.id, b.id);
    ok(c.record(
        Change::MoveIn {
            kind: MoveInKind::FromAbroad,
            household: MoveInHousehold::New {
                id: new_household_id(),
            },
            persons: vec![a, b],
            address: home(),
            previous_address: None,
            unnotified: false,
            last_registered: None,
            previous_head: None,
        },
        "2026-04-01",
        "2026-04-03",
    )
    .await);
    (aid, bid)
}

pub async fn foreign_residents(s: TestStore) {
    let c = Clerk::new(s.store(), "141003", "横浜市").await;
    let (aid, bid) = foreign_couple(&c, ("技術・人文知識・国際業務", "家族滞在")).await;
    // 在留資格 changes on a 30条50 notice.
    let r = c
        .record(
            Change::ResidenceStatusChange {
                person: aid,
                status: Some(ResidenceStatus::Engineer),
                period: Some("5年".into()),
                expires_on: None,
                card_number: Some("AB12345678CD".into()),
            },
            "2026-05-01",
            "2026-05-02",
        )
        .await;
    assert_eq!(code(&r), "E-IDO-035");
    ok(c.record(
        Change::ResidenceStatusChange {
            person: aid,
            status: Some(ResidenceStatus::PermanentResident),
            period: None,
            expires_on: None,
            card_number: Some("XY87654321ZW".into()),
        },
        "2026-05-01",
        "2026-05-02",
    )
    .await);
    let f = c
        .person(aid)
        .await
        .foreign
        .unwrap_or_else(|| panic!("foreign details"));
    assert_eq!(f.status, Some(ResidenceStatus::PermanentResident));
    // 通称: recorded, replaced, deleted, with history.
    let alias = ok(PersonName::parse("中村", "安"));
    ok(c.record(
        Change::AliasRecord {
            person: aid,
            alias: alias.clone(),
            furigana: Some(ok(Furigana::parse("なかむら", "やすし"))),
            municipality: None,
        },
        "2026-05-10",
        "2026-05-10",
    )
    .await);
    assert_eq!(
        c.person(aid)
            .await
            .foreign
            .and_then(|f| f.alias)
            .map(|a| a.name),
        Some(alias)
    );
    ok(c.record(
        Change::AliasDeletion {
            person: aid,
            municipality: None,
        },
        "2026-06-10",
        "2026-06-10",
    )
    .await);
    let f = c
        .person(aid)
        .await
        .foreign
        .unwrap_or_else(|| panic!("foreign details"));
    assert!(f.alias.is_none());
    assert_eq!(f.past_aliases.len(), 1);
    // 通称を記載・削除した市区町村 (1.1.2): this one, named by its code.
    let here = Some(kikan_domain::LocalBody {
        code: "141003".into(),
        name: "横浜市".into(),
    });
    assert_eq!(f.past_aliases[0].alias.recorded_by, here);
    assert_eq!(f.past_aliases[0].deleted_by, here);
    assert_eq!(
        code(
            &c.record(
                Change::AliasDeletion {
                    person: aid,
                    municipality: None,
                },
                "2026-06-11",
                "2026-06-11"
            )
            .await
        ),
        "E-IDO-036"
    );
    // Japanese residents have no 通称 or 在留資格.
    let fam = move_in_family(&c).await;
    let r = c
        .record(
            Change::AliasRecord {
                person: fam.son,
                alias: ok(PersonName::parse("山田", "一")),
                furigana: None,
                municipality: None,
            },
            "2026-06-11",
            "2026-06-11",
        )
        .await;
    assert_eq!(code(&r), "E-IDO-031");
    // Removal on a 30条50 notice (出国).
    ok(c.record(
        Change::ForeignRemoval {
            person: bid,
            reason: ForeignRemovalReason::Departure,
            succession: None,
        },
        "2026-07-01",
        "2026-07-03",
    )
    .await);
    assert!(matches!(
        c.person(bid).await.status,
        PersonStatus::Removed {
            reason: RemovalReason::ForeignNotice,
            ..
        }
    ));
    let r = c
        .record(
            Change::ForeignRemoval {
                person: fam.son,
                reason: ForeignRemovalReason::Departure,
                succession: None,
            },
            "2026-07-01",
            "2026-07-03",
        )
        .await;
    assert_eq!(code(&r), "E-IDO-031");
    ok(check(&*c.store, c.tenant).await);
}

pub async fn as_of_queries(s: TestStore) {
    let c = Clerk::new(s.store(), "141003", "横浜市").await;
    let f = move_in_family(&c).await;
    let hid = new_household_id();
    ok(c.record(
        Change::HouseholdSplit {
            persons: vec![f.son],
            new_household: hid,
            relationships: vec![rel(f.son, "世帯主")],
        },
        "2026-06-01",
        "2026-06-03",
    )
    .await);
    ok(c.record(
        Change::Death {
            person: f.daughter,
            succession: None,
        },
        "2026-08-01",
        "2026-08-02",
    )
    .await);
    let members = |on: &str| {
        let (store, t, on) = (c.store.clone(), c.tenant, d(on));
        let household = f.household;
        async move {
            ok(store.household_as_of(t, household, on).await).map(|(_, m)| {
                let mut ids: Vec<PersonId> = m.iter().map(|p| p.id).collect();
                ids.sort();
                ids
            })
        }
    };
    let sorted = |mut v: Vec<PersonId>| {
        v.sort();
        v
    };
    assert_eq!(members("2026-03-31").await, None);
    assert_eq!(
        members("2026-04-01").await,
        Some(sorted(vec![f.head, f.wife, f.son, f.daughter]))
    );
    assert_eq!(
        members("2026-05-31").await,
        Some(sorted(vec![f.head, f.wife, f.son, f.daughter]))
    );
    assert_eq!(
        members("2026-06-01").await,
        Some(sorted(vec![f.head, f.wife, f.daughter]))
    );
    assert_eq!(
        members("2026-09-01").await,
        Some(sorted(vec![f.head, f.wife]))
    );
    let son_then = ok(c.store.person_as_of(c.tenant, f.son, d("2026-05-01")).await);
    assert_eq!(son_then.map(|p| p.household_id), Some(f.household));
    let residents = |on: &str| {
        let (store, t, on) = (c.store.clone(), c.tenant, d(on));
        async move { ok(store.residents_as_of(t, on, None, 100).await).len() }
    };
    assert_eq!(residents("2026-01-01").await, 0);
    assert_eq!(residents("2026-07-31").await, 4);
    assert_eq!(residents("2026-08-01").await, 3);
    // 基準日抽出 writes the same residents, one stored snapshot per line, in id order.
    let mut out = Vec::new();
    let done = ok(kikan_app::extract::residents_as_of(
        &*c.store,
        c.tenant,
        d("2026-07-31"),
        kikan_app::japan_today(),
        &mut out,
    )
    .await);
    // The 個人番号 stays sealed in the extraction; the keys open it.
    let text = String::from_utf8_lossy(&out).to_string();
    assert_eq!(text.matches("enc1:").count(), 4, "{text}");
    let t = c.tenant.to_string();
    let lines: Vec<kikan_domain::Person> = text
        .lines()
        .map(|l| {
            let plain = ok(c.store.sealer().unseal(&t, l));
            ok(serde_json::from_str(&plain))
        })
        .collect();
    assert_eq!(done.residents, 4);
    assert_eq!(done.bytes, out.len() as u64);
    assert_eq!(
        lines,
        ok(c.store
            .residents_as_of(c.tenant, d("2026-07-31"), None, 100)
            .await)
    );
}

pub async fn concurrent_clerks_conflict(s: TestStore) {
    let c = Clerk::new(s.store(), "141003", "横浜市").await;
    let f = move_in_family(&c).await;
    // Both clerks open the household at the same version.
    let seen = c.household(f.household).await.version;
    let first = c
        .record_expect(
            Change::HouseholdSplit {
                persons: vec![f.son],
                new_household: new_household_id(),
                relationships: vec![rel(f.son, "世帯主")],
            },
            "2026-05-01",
            "2026-05-01",
            &[(f.household, seen)],
        )
        .await;
    ok(first);
    let second = c
        .record_expect(
            Change::HeadChange {
                household: f.household,
                relationships: vec![
                    rel(f.wife, "世帯主"),
                    rel(f.head, "夫"),
                    rel(f.son, "子"),
                    rel(f.daughter, "子"),
                ],
            },
            "2026-05-01",
            "2026-05-01",
            &[(f.household, seen)],
        )
        .await;
    assert_eq!(code(&second), "E-CONFLICT-001");
    // Truly at once, without a version seen: every change either lands whole or fails
    // with a conflict; none is lost.
    let g = move_in_family(&c).await;
    let clerk = Arc::new(c);
    let mut tasks = Vec::new();
    for i in 0..8u32 {
        let clerk = clerk.clone();
        let household = g.household;
        tasks.push(tokio::spawn(async move {
            let baby = japanese(
                ("髙橋", "双"),
                ("タカハシ", "フタ"),
                "2026-09-01",
                if i % 2 == 0 { "男" } else { "女" },
                "子",
            );
            clerk
                .record(
                    Change::Birth {
                        person: Box::new(baby),
                        household,
                    },
                    "2026-09-01",
                    "2026-09-02",
                )
                .await
        }));
    }
    let mut landed = 0;
    for t in tasks {
        match t.await {
            Ok(Ok(_)) => landed += 1,
            Ok(Err(e)) => assert!(
                matches!(e.code(), "E-CONFLICT-001" | "E-CONFLICT-002"),
                "{e}"
            ),
            Err(e) => panic!("{e}"),
        }
    }
    assert!(landed >= 1);
    let h = clerk.household(g.household).await;
    assert_eq!(h.members.len(), 4 + landed);
    // Many families at once (the engines commit them in groups): every one lands, and
    // the tenant's ledger stays numbered 1, 2, 3 … without a gap or a repeat.
    let families: Vec<_> = (0..24)
        .map(|_| {
            let clerk = clerk.clone();
            tokio::spawn(async move { move_in_family(&clerk).await })
        })
        .collect();
    for f in families {
        ok(f.await);
    }
    let ledger = ok(clerk.store.ledger(clerk.tenant, 0, 10_000).await);
    let seqs: Vec<i64> = ledger.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=seqs.len() as i64).collect::<Vec<_>>());
    assert!(seqs.len() >= 24 + 2 + landed);
    ok(check(&*clerk.store, clerk.tenant).await);
}

pub async fn check_catches_a_tampered_projection(s: TestStore) {
    let c = Clerk::new(s.store(), "141003", "横浜市").await;
    let f = move_in_family(&c).await;
    ok(c.record(
        Change::Death {
            person: f.daughter,
            succession: None,
        },
        "2026-08-01",
        "2026-08-02",
    )
    .await);
    let report = ok(check(&*c.store, c.tenant).await);
    assert_eq!(
        (report.entries, report.persons, report.households),
        (2, 4, 1)
    );
    // Someone edits the search column of one person directly in the database.
    let n = ok(s
        .exec(&format!(
            "UPDATE persons SET address_line = '改ざん' WHERE person_id = {}",
            f.wife
        ))
        .await);
    assert_eq!(n, 1);
    let err = match check(&*c.store, c.tenant).await {
        Ok(_) => panic!("check passed on a tampered projection"),
        Err(e) => e.to_string(),
    };
    assert!(err.contains(&f.wife.to_string()), "{err}");
    // The ledger itself refuses edits.
    assert!(s.exec("UPDATE ledger SET operator = 'x'").await.is_err());
    assert!(s.exec("DELETE FROM ledger").await.is_err());
}

/// Issue 13 finding 8: a ledger entry edited behind kikan's back — its operator, 届出日
/// or 届出人, in the entry or in its index columns — or given another entry's seal is
/// refused by the check, naming the entry; an entry from before seals existed passes
/// only below `sealed_from`.
pub async fn check_catches_an_edited_ledger_entry(s: TestStore) {
    let c = Clerk::new(s.store(), "141003", "横浜市").await;
    let f = move_in_family(&c).await;
    ok(c.record(
        Change::Death {
            person: f.daughter,
            succession: None,
        },
        "2026-08-01",
        "2026-08-02",
    )
    .await);
    assert_eq!(ok(check(&*c.store, c.tenant).await).unsealed, 0);
    let sqlite = matches!(s, TestStore::Sqlite(_));
    // Whoever edits the database directly first lifts the append-only guard.
    ok(s.exec(if sqlite {
        "DROP TRIGGER ledger_no_update"
    } else {
        "ALTER TABLE ledger DISABLE TRIGGER ledger_append_only"
    })
    .await);
    ok(s.exec(
        "CREATE TABLE ledger_copy AS SELECT tenant_id, seq, operator, entry, mac FROM ledger",
    )
    .await);
    let set = |path: &str, value: &str| {
        if sqlite {
            format!(
                "UPDATE ledger SET entry = json_set(entry, '$.{path}', json('{value}')) WHERE seq = 2"
            )
        } else {
            format!(
                "UPDATE ledger SET entry = jsonb_set(entry, '{{{path}}}', '{value}'::jsonb) WHERE seq = 2"
            )
        }
    };
    let edits = [
        ("the operator column", "UPDATE ledger SET operator = '別人' WHERE seq = 2".to_string()),
        ("the operator", set("operator", r#""別人""#)),
        ("the 届出日", set("notified_on", r#""2026-08-01""#)),
        ("the 届出人", set("notifier", r#"{"name": "別人", "capacity": "代理人"}"#)),
        (
            "the operator, in the entry and its column alike",
            set("operator", r#""別人""#).replace("SET ", "SET operator = '別人', "),
        ),
        ("the seal, taken from entry 1", "UPDATE ledger SET mac = (SELECT c.mac FROM ledger_copy c WHERE c.seq = 1) WHERE seq = 2".to_string()),
        ("the seal, removed", "UPDATE ledger SET mac = NULL WHERE seq = 2".to_string()),
    ];
    let restore = "UPDATE ledger SET operator = (SELECT c.operator FROM ledger_copy c WHERE c.seq = ledger.seq),
        entry = (SELECT c.entry FROM ledger_copy c WHERE c.seq = ledger.seq),
        mac = (SELECT c.mac FROM ledger_copy c WHERE c.seq = ledger.seq)";
    for (what, sql) in edits {
        assert_eq!(ok(s.exec(&sql).await), 1, "{what}");
        let err = match check(&*c.store, c.tenant).await {
            Ok(_) => panic!("check passed with {what} edited"),
            Err(e) => e.to_string(),
        };
        assert!(err.contains("異動 2 "), "{what}: {err}");
        ok(s.exec(restore).await);
        ok(check(&*c.store, c.tenant).await);
    }
    // An entry older than seals: unsealed below sealed_from only.
    ok(s.exec("UPDATE ledger SET mac = NULL WHERE seq = 1").await);
    assert!(check(&*c.store, c.tenant).await.is_err());
    let heads = |n: i64| format!("UPDATE ledger_heads SET sealed_from = {n}");
    if !sqlite {
        ok(
            s.exec("ALTER TABLE ledger_heads NO FORCE ROW LEVEL SECURITY")
                .await,
        );
    }
    assert_eq!(ok(s.exec(&heads(2)).await), 1);
    let report = ok(check(&*c.store, c.tenant).await);
    assert_eq!((report.entries, report.unsealed), (2, 1));
}

pub async fn check_catches_a_removed_record_brought_back(s: TestStore) {
    let c = Clerk::new(s.store(), "141003", "横浜市").await;
    let f = move_in_family(&c).await;
    ok(c.record(
        Change::Death {
            person: f.daughter,
            succession: None,
        },
        "2026-08-01",
        "2026-08-02",
    )
    .await);
    ok(s.exec(&format!(
        "UPDATE persons SET register = 'A' WHERE person_id = {}",
        f.daughter
    ))
    .await);
    let err = check(&*c.store, c.tenant)
        .await
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains(&f.daughter.to_string()), "{err}");
}

/// Two families whose changes interleave in the ledger: the wife of `a` and the
/// household of `b` each have versions before and after the other family's.
async fn interleaved_families(c: &Clerk) -> (Family, Family) {
    let a = move_in_family(c).await;
    let b = move_in_family(c).await;
    let whole = |f: &Family, line: &str| Change::Relocation {
        ward_move: None,
        persons: vec![f.head, f.wife, f.son, f.daughter],
        address: addr("神奈川県横浜市中区山下町", line, None),
        target: RelocationTarget::WholeHousehold,
    };
    ok(c.record(whole(&a, "3番地"), "2026-05-01", "2026-05-02")
        .await);
    ok(c.record(whole(&b, "4番地"), "2026-05-03", "2026-05-04")
        .await);
    ok(c.record(whole(&a, "5番地"), "2026-06-01", "2026-06-02")
        .await);
    ok(c.record(
        Change::Death {
            person: b.daughter,
            succession: None,
        },
        "2026-07-01",
        "2026-07-02",
    )
    .await);
    (a, b)
}

/// The replay check streams: with room for a single record it reads records back from
/// their stored versions and reaches the same result; an edited or a missing version
/// fails it either way, naming the record.
pub async fn check_streams_through_little_memory(s: TestStore) {
    let tight = CheckOptions { live: 1 };
    let c = Clerk::new(s.store(), "141003", "横浜市").await;
    let (a, _) = interleaved_families(&c).await;
    let full = ok(check(&*c.store, c.tenant).await);
    assert_eq!(
        (full.entries, full.persons, full.households, full.reloads),
        (6, 8, 2, 0)
    );
    let small = ok(check_with(&*c.store, c.tenant, tight).await);
    assert!(small.reloads > 0, "{small:?}");
    assert_eq!(
        CheckReport {
            reloads: 0,
            ..small
        },
        full
    );
    // A version's start date edited in the database.
    let n = ok(s
        .exec(&format!(
            "UPDATE person_versions SET valid_from = '2000-01-01' WHERE person_id = {0} \
             AND seq = (SELECT MIN(seq) FROM person_versions WHERE person_id = {0})",
            a.wife
        ))
        .await);
    assert_eq!(n, 1);
    for options in [CheckOptions::default(), tight] {
        let err = match check_with(&*c.store, c.tenant, options).await {
            Ok(r) => panic!("check passed on an edited version: {r:?}"),
            Err(e) => e.to_string(),
        };
        assert!(err.contains(&a.wife.to_string()), "{err}");
    }
    // A household version deleted from the middle of its history.
    let c = Clerk::new(s.store(), "131016", "千代田区").await;
    let (_, b) = interleaved_families(&c).await;
    let n = ok(s
        .exec(&format!(
            "DELETE FROM household_versions WHERE household_id = {0} AND seq = \
             (SELECT MIN(seq) FROM household_versions WHERE household_id = {0} AND seq > \
              (SELECT MIN(seq) FROM household_versions WHERE household_id = {0}))",
            b.household
        ))
        .await);
    assert_eq!(n, 1);
    for options in [CheckOptions::default(), tight] {
        let err = match check_with(&*c.store, c.tenant, options).await {
            Ok(r) => panic!("check passed without a version: {r:?}"),
            Err(e) => e.to_string(),
        };
        assert!(err.contains(&b.household.to_string()), "{err}");
    }
}

pub async fn every_key_leads_with_the_tenant(s: TestStore) {
    let keys = s.key_leads().await;
    assert!(keys.len() >= 6, "{keys:?}");
    for (table, first) in &keys {
        assert_eq!(
            first, "tenant_id",
            "the key of {table} must begin with tenant_id"
        );
    }
}

/// The 個人番号 is sealed in every stored document (snapshots, versions, ledger, a
/// correction's old and new values), found by its blind index, and read back intact.
pub async fn individual_numbers_are_sealed_at_rest(s: TestStore) {
    let c = Clerk::new(s.store(), "141003", "横浜市").await;
    let f = move_in_family(&c).await;
    let head = c.person(f.head).await;
    let number = head
        .individual_number
        .clone()
        .unwrap_or_else(|| panic!("the family has numbers"));
    let replacement = ok(IndividualNumber::from_body("12345678901"));
    ok(c.record(
        Change::Correction {
            person: f.head,
            kind: Default::default(),
            correction: Correction::IndividualNumber {
                old: Some(number.clone()),
                new: Some(replacement.clone()),
            },
        },
        "2026-05-01",
        "2026-05-01",
    )
    .await);
    let docs = s.stored_documents().await;
    assert!(docs.len() >= 10, "{}", docs.len());
    for plain in [number.as_str(), replacement.as_str()] {
        assert!(
            docs.iter().all(|d| !d.contains(plain)),
            "a 個人番号 is stored in the clear"
        );
    }
    assert!(docs.iter().any(|d| d.contains("enc1:")));
    // Read back intact, through the store.
    assert_eq!(
        c.person(f.head).await.individual_number,
        Some(replacement.clone())
    );
    let history = ok(c.store.person_versions(c.tenant, f.head).await);
    assert_eq!(history[0].person.individual_number, Some(number.clone()));
    let entries = ok(c.store.ledger(c.tenant, 0, 100).await);
    assert!(entries.iter().any(|e| matches!(&e.change,
        Change::Correction { correction: Correction::IndividualNumber { old, .. }, .. } if old.as_ref() == Some(&number))));
    // Found by the number (its blind index), and only by the current one.
    let by = |n: &str| {
        let (store, t, n) = (c.store.clone(), c.tenant, n.to_string());
        async move {
            ok(store
                .search(
                    t,
                    &SearchQuery {
                        individual_number: Some(n),
                        limit: 10,
                        ..Default::default()
                    }
                    .keys(),
                )
                .await)
            .iter()
            .map(|p| p.id)
            .collect::<Vec<_>>()
        }
    };
    assert_eq!(by(replacement.as_str()).await, vec![f.head]);
    assert_eq!(by(number.as_str()).await, Vec::<PersonId>::new());
    // The replay check reads the sealed ledger and agrees.
    ok(kikan_app::check::check(&*c.store, c.tenant).await);
}

/// 世帯主 (1.1.10, j100; 4.0.4, j490): a household may be without a head. The head
/// leaving with two or more staying leaves it headless, with an alert, and its members
/// can still be processed until a 世帯主変更; one member staying becomes head by 職権;
/// a 転出届 of the head keeps the succession given with it for the day of removal.
pub async fn households_without_a_head(s: TestStore) {
    let c = Clerk::new(s.store(), "141003", "横浜市").await;
    let f = move_in_family(&c).await;
    // The head moves out of his household alone (転居 to a new household): the three
    // who stay have no head, and staff are told.
    let flat = addr("神奈川県横浜市中区山下町", "5番地", None);
    let his = new_household_id();
    let r = ok(c
        .record(
            Change::Relocation {
                ward_move: None,
                persons: vec![f.head],
                address: flat.clone(),
                target: RelocationTarget::NewHousehold {
                    id: his,
                    relationships: vec![rel(f.head, "世帯主")],
                },
            },
            "2026-05-01",
            "2026-05-01",
        )
        .await);
    assert!(
        r.alerts.iter().any(|a| a.contains("世帯主が不在")),
        "{:?}",
        r.alerts
    );
    let h = c.household(f.household).await;
    assert_eq!(h.head, None);
    assert_eq!(h.members.len(), 3);
    assert_eq!(c.household(his).await.head, Some(f.head));
    // The members of a headless household are processed as any others: a birth, a
    // 世帯分離 of the son.
    let mut baby = japanese(
        ("髙橋", "ひかり"),
        ("タカハシ", "ヒカリ"),
        "2026-05-10",
        "女",
        "子",
    );
    baby.id = kikan_app::ids::new_person_id();
    let baby_id = baby.id;
    ok(c.record(
        Change::Birth {
            person: Box::new(baby),
            household: f.household,
        },
        "2026-05-10",
        "2026-05-12",
    )
    .await);
    let sons = new_household_id();
    ok(c.record(
        Change::HouseholdSplit {
            persons: vec![f.son],
            new_household: sons,
            relationships: vec![rel(f.son, "世帯主")],
        },
        "2026-05-20",
        "2026-05-20",
    )
    .await);
    // A 世帯主変更 names the head; two heads, or none, are refused.
    let two = c
        .record(
            Change::HeadChange {
                household: f.household,
                relationships: vec![
                    rel(f.wife, "世帯主"),
                    rel(f.daughter, "世帯主"),
                    rel(baby_id, "子"),
                ],
            },
            "2026-06-01",
            "2026-06-01",
        )
        .await;
    assert_eq!(code(&two), "E-IDO-011");
    let none = c
        .record(
            Change::HeadChange {
                household: f.household,
                relationships: vec![rel(f.wife, "妻"), rel(f.daughter, "子"), rel(baby_id, "子")],
            },
            "2026-06-01",
            "2026-06-01",
        )
        .await;
    assert_eq!(code(&none), "E-IDO-010");
    assert_eq!(c.household(f.household).await.head, None, "nothing changed");
    ok(c.record(
        Change::HeadChange {
            household: f.household,
            relationships: vec![
                rel(f.wife, "世帯主"),
                rel(f.daughter, "子"),
                rel(baby_id, "子"),
            ],
        },
        "2026-06-01",
        "2026-06-01",
    )
    .await);
    assert_eq!(c.household(f.household).await.head, Some(f.wife));

    // The son's household: he dies with one member (his partner) staying, who becomes
    // 世帯主 by 職権.
    let mut partner = japanese(
        ("佐藤", "みどり"),
        ("サトウ", "ミドリ"),
        "2009-03-03",
        "女",
        "同居人",
    );
    partner.id = kikan_app::ids::new_person_id();
    let partner_id = partner.id;
    ok(c.record(
        Change::MoveIn {
            kind: MoveInKind::Domestic,
            household: MoveInHousehold::Existing { id: sons },
            persons: vec![partner],
            address: home(),
            previous_address: Some(addr("東京都港区芝公園", "4番2号", None)),
            unnotified: false,
            last_registered: None,
            previous_head: None,
        },
        "2026-06-10",
        "2026-06-10",
    )
    .await);
    let r = ok(c
        .record(
            Change::Death {
                person: f.son,
                succession: None,
            },
            "2026-07-01",
            "2026-07-02",
        )
        .await);
    assert!(
        r.alerts.iter().any(|a| a.contains("職権で世帯主")),
        "{:?}",
        r.alerts
    );
    assert_eq!(c.household(sons).await.head, Some(partner_id));
    assert_eq!(c.person(partner_id).await.relationship, Relationship::Head);

    // A 転出届 of the head naming the successor: the succession waits for the removal
    // and is applied by a 転出確定 that names none.
    let wrong = c
        .record(
            Change::MoveOut {
                persons: vec![f.wife],
                destination: addr("大阪府大阪市北区", "1番", None),
                planned_on: d("2026-08-31"),
                abroad: false,
                succession: Some(Succession {
                    relationships: vec![rel(f.daughter, "子"), rel(baby_id, "妹")],
                }),
                destination_head: None,
            },
            "2026-08-20",
            "2026-08-20",
        )
        .await;
    assert_eq!(code(&wrong), "E-IDO-010", "a succession must name a head");
    ok(c.record(
        Change::MoveOut {
            persons: vec![f.wife],
            destination: addr("大阪府大阪市北区", "1番", None),
            planned_on: d("2026-08-31"),
            abroad: false,
            succession: Some(Succession {
                relationships: vec![rel(f.daughter, "世帯主"), rel(baby_id, "妹")],
            }),
            destination_head: None,
        },
        "2026-08-20",
        "2026-08-20",
    )
    .await);
    assert_eq!(
        c.household(f.household).await.head,
        Some(f.wife),
        "the head stays until removed"
    );
    ok(c.record(
        Change::MoveOutConfirmed {
            persons: vec![f.wife],
            destination: addr("大阪府大阪市北区", "1番", None),
            notice_from: None,
            succession: None,
            moved_on: None,
        },
        "2026-08-31",
        "2026-09-05",
    )
    .await);
    assert_eq!(c.household(f.household).await.head, Some(f.daughter));
    assert_eq!(
        c.person(baby_id).await.relationship,
        Relationship::YoungerSister
    );

    // The 転出届 of a head without a successor while two stay: alerted at intake, and
    // the household is headless from the removal.
    let g = move_in_family(&c).await;
    let r = ok(c
        .record(
            Change::MoveOut {
                persons: vec![g.head],
                destination: addr("大阪府大阪市北区", "2番", None),
                planned_on: d("2026-09-30"),
                abroad: false,
                succession: None,
                destination_head: None,
            },
            "2026-09-20",
            "2026-09-20",
        )
        .await);
    assert!(
        r.alerts
            .iter()
            .any(|a| a.contains("世帯主が不在になります")),
        "{:?}",
        r.alerts
    );
    ok(c.record(
        Change::MoveOutConfirmed {
            persons: vec![g.head],
            destination: addr("大阪府大阪市北区", "2番", None),
            notice_from: None,
            succession: None,
            moved_on: None,
        },
        "2026-09-30",
        "2026-09-30",
    )
    .await);
    assert_eq!(c.household(g.household).await.head, None);
    // One who moves in may head a household that has none; not two, and not where
    // there is a head.
    let newcomer = |given: &str, rel: &str| {
        let mut p = japanese(("田中", given), ("タナカ", "イチ"), "1990-01-01", "男", rel);
        p.id = kikan_app::ids::new_person_id();
        p
    };
    let both = c
        .record(
            Change::MoveIn {
                kind: MoveInKind::Domestic,
                household: MoveInHousehold::Existing { id: g.household },
                persons: vec![newcomer("一", "世帯主"), newcomer("二", "世帯主")],
                address: home(),
                previous_address: Some(addr("東京都港区芝公園", "4番2号", None)),
                unnotified: false,
                last_registered: None,
                previous_head: None,
            },
            "2026-10-01",
            "2026-10-01",
        )
        .await;
    assert_eq!(code(&both), "E-IDO-011");
    let headed = c
        .record(
            Change::MoveIn {
                kind: MoveInKind::Domestic,
                household: MoveInHousehold::Existing { id: f.household },
                persons: vec![newcomer("三", "世帯主")],
                address: home(),
                previous_address: Some(addr("東京都港区芝公園", "4番2号", None)),
                unnotified: false,
                last_registered: None,
                previous_head: None,
            },
            "2026-10-01",
            "2026-10-01",
        )
        .await;
    assert_eq!(code(&headed), "E-IDO-013");
    let one = newcomer("四", "世帯主");
    let one_id = one.id;
    ok(c.record(
        Change::MoveIn {
            kind: MoveInKind::Domestic,
            household: MoveInHousehold::Existing { id: g.household },
            persons: vec![one],
            address: home(),
            previous_address: Some(addr("東京都港区芝公園", "4番2号", None)),
            unnotified: false,
            last_registered: None,
            previous_head: None,
        },
        "2026-10-01",
        "2026-10-01",
    )
    .await);
    assert_eq!(c.household(g.household).await.head, Some(one_id));
    // Replay gives the same registry.
    ok(check(&*c.store, c.tenant).await);
}

/// 続柄 (1.1.11, j110): forms kept before the standard was followed (孫, 祖父) are read
/// back as stored, listed, and the one with a single standard form is corrected by a
/// 職権修正 (孫 → 子の子), audited; the other stays listed for staff. Replay agrees.
pub async fn relationships_as_the_standard_writes_them(s: TestStore) {
    use kikan_domain::relationship::LegacyRelationship;
    let c = Clerk::new(s.store(), "141003", "横浜市").await;
    let head = japanese(
        ("山田", "一"),
        ("ヤマダ", "ハジメ"),
        "1950-01-01",
        "男",
        "世帯主",
    );
    let mut grandchild = japanese(("山田", "空"), ("ヤマダ", "ソラ"), "2012-02-02", "女", "子");
    grandchild.relationship = Relationship::Legacy(LegacyRelationship::Grandchild);
    let mut grandfather = japanese(
        ("山田", "巌"),
        ("ヤマダ", "イワオ"),
        "1930-03-03",
        "男",
        "父",
    );
    grandfather.relationship = Relationship::Legacy(LegacyRelationship::Grandfather);
    let great = japanese(
        ("山田", "陸"),
        ("ヤマダ", "リク"),
        "2020-04-04",
        "男",
        "子の子の子",
    );
    let (gc, gf, gr) = (grandchild.id, grandfather.id, great.id);
    ok(c.record(
        Change::MoveIn {
            kind: MoveInKind::Domestic,
            household: MoveInHousehold::New {
                id: new_household_id(),
            },
            persons: vec![head, grandchild, grandfather, great],
            address: home(),
            previous_address: Some(addr("東京都千代田区千代田", "1番1号", None)),
            unnotified: false,
            last_registered: None,
            previous_head: None,
        },
        "2026-04-01",
        "2026-04-01",
    )
    .await);
    assert_eq!(c.person(gr).await.relationship.label(), "子の子の子");
    assert_eq!(
        c.person(gc).await.relationship.label(),
        "孫",
        "read back as stored"
    );
    let listed = ok(kikan_app::relationships::legacy(&*c.store, c.tenant, c.today).await);
    let mut found: Vec<(PersonId, String, Vec<&str>)> = listed
        .iter()
        .map(|r| (r.person, r.stored.clone(), r.forms.clone()))
        .collect();
    found.sort();
    let mut want = vec![
        (gc, "孫".to_string(), vec!["子の子"]),
        (gf, "祖父".to_string(), vec!["父の父", "母の父"]),
    ];
    want.sort();
    assert_eq!(found, want);
    let actor = kikan_app::Actor::command_line(c.tenant, Some("続柄の表記の移行"));
    let done =
        ok(kikan_app::relationships::migrate(&*c.store, &actor, c.today, chrono::Utc::now()).await);
    assert_eq!(
        done.corrected.iter().map(|r| r.person).collect::<Vec<_>>(),
        vec![gc]
    );
    assert_eq!(
        done.left.iter().map(|r| r.person).collect::<Vec<_>>(),
        vec![gf]
    );
    assert_eq!(c.person(gc).await.relationship.label(), "子の子");
    assert_eq!(c.person(gf).await.relationship.label(), "祖父");
    // The correction is in the ledger with the old form, and audited.
    let history = ok(c.store.entries_for(c.tenant, Some(gc), None).await);
    assert!(history.iter().any(|e| matches!(
        &e.change,
        Change::Correction {
            correction: Correction::Relationship { old, new },
            ..
        } if old.label() == "孫" && new.label() == "子の子"
    )));
    let again = ok(kikan_app::relationships::legacy(&*c.store, c.tenant, c.today).await);
    assert_eq!(again.len(), 1);
    ok(check(&*c.store, c.tenant).await);
}

/// 修正 of any item (4.2.3.1–4.2.3.3, j840–j860): the household's address (方書 and
/// 郵便番号 with it) for every member at once, 転入前住所, 住民となった年月日, 住所を定めた
/// 年月日, 届出日 and a foreign resident's 30条45 items, as 職権修正, 軽微な修正 (names and
/// addresses only) or 誤記修正; stale or empty corrections refused, nothing changed; a
/// view as of a date names the items corrected after it. Replay agrees.
pub async fn corrections_of_every_item(s: TestStore) {
    use kikan_domain::ledger::{Residence, corrected_after};
    let c = Clerk::new(s.store(), "141003", "横浜市").await;
    let f = move_in_family(&c).await;
    let fix = |person: PersonId, correction: Correction, kind: CorrectionKind| Change::Correction {
        person,
        correction,
        kind,
    };
    // The 方書 was mistyped: 軽微な修正 of the address, for the whole household.
    let old = home();
    let new = addr(
        "神奈川県横浜市中区本町一丁目",
        "1番地2",
        Some("本町ハイツ102号室"),
    );
    let r = ok(c
        .record(
            fix(
                f.son,
                Correction::Address {
                    old: old.clone(),
                    new: new.clone(),
                },
                CorrectionKind::Minor,
            ),
            "2026-06-01",
            "2026-06-01",
        )
        .await);
    assert_eq!(r.entry.reason(), ChangeReason::MinorCorrection);
    for m in [f.head, f.wife, f.son, f.daughter] {
        assert_eq!(c.person(m).await.address, new);
    }
    assert_eq!(c.household(f.household).await.address, new);
    // Refused, nothing changed: the old value no longer holds; no change at all; a
    // 軽微な修正 of a date.
    let stale = c
        .record(
            fix(
                f.head,
                Correction::Address {
                    old: old.clone(),
                    new: new.clone(),
                },
                CorrectionKind::ExOfficio,
            ),
            "2026-06-02",
            "2026-06-02",
        )
        .await;
    assert_eq!(code(&stale), "E-IDO-040");
    let same = c
        .record(
            fix(
                f.head,
                Correction::Address {
                    old: new.clone(),
                    new: new.clone(),
                },
                CorrectionKind::ExOfficio,
            ),
            "2026-06-02",
            "2026-06-02",
        )
        .await;
    assert_eq!(code(&same), "E-IDO-041");
    let minor_date = c
        .record(
            fix(
                f.head,
                Correction::AddressSince {
                    old: d("2026-04-01"),
                    new: d("2026-03-31"),
                    old_text: None,
                    new_text: None,
                },
                CorrectionKind::Minor,
            ),
            "2026-06-02",
            "2026-06-02",
        )
        .await;
    assert_eq!(code(&minor_date), "E-IDO-045");
    // 誤記修正 of the dates and the 転入 items.
    let before_birth = c
        .record(
            fix(
                f.daughter,
                Correction::BecameResidentOn {
                    old: d("2026-04-01"),
                    new: d("2014-09-08"),
                    old_text: None,
                    new_text: None,
                },
                CorrectionKind::Clerical,
            ),
            "2026-06-02",
            "2026-06-02",
        )
        .await;
    assert_eq!(code(&before_birth), "E-IDO-047");
    let head = c.person(f.head).await;
    assert_eq!(head.address, new, "nothing changed by the refusals");
    for (correction, item) in [
        (
            Correction::BecameResidentOn {
                old: d("2026-04-01"),
                new: d("2026-03-30"),
                old_text: None,
                new_text: None,
            },
            "住民となった年月日",
        ),
        (
            Correction::AddressSince {
                old: d("2026-04-01"),
                new: d("2026-03-30"),
                old_text: None,
                new_text: None,
            },
            "住所を定めた年月日",
        ),
        (
            Correction::NotifiedOn {
                old: d("2026-04-05"),
                new: d("2026-04-04"),
            },
            "届出の年月日",
        ),
        (
            Correction::PreviousAddress {
                old: Some(addr("東京都千代田区千代田", "1番1号", None)),
                new: Some(addr("東京都千代田区千代田", "1番2号", None)),
            },
            "転入前住所",
        ),
    ] {
        assert_eq!(correction.item_label(), item);
        let r = ok(c
            .record(
                fix(f.head, correction, CorrectionKind::Clerical),
                "2026-06-03",
                "2026-06-03",
            )
            .await);
        assert_eq!(r.entry.reason(), ChangeReason::ClericalCorrection);
    }
    let head = c.person(f.head).await;
    assert_eq!(head.became_resident_on, d("2026-03-30"));
    assert_eq!(head.address_since, d("2026-03-30"));
    let moved_in = head.moved_in.unwrap_or_else(|| panic!("moved in"));
    assert_eq!(moved_in.notified_on, d("2026-04-04"));
    assert_eq!(
        moved_in.previous_address,
        Some(addr("東京都千代田区千代田", "1番2号", None))
    );
    // A view as of May names what was corrected since; one as of July nothing.
    let entries = ok(c.store.entries_for(c.tenant, Some(f.head), None).await);
    let may: Vec<&str> = corrected_after(&entries, f.head, d("2026-05-01"))
        .iter()
        .map(|x| x.item)
        .collect();
    assert_eq!(
        may,
        vec![
            "住所",
            "住民となった年月日",
            "住所を定めた年月日",
            "届出の年月日",
            "転入前住所"
        ]
    );
    assert!(corrected_after(&entries, f.head, d("2026-07-01")).is_empty());
    let as_of_may = ok(c
        .store
        .person_as_of(c.tenant, f.head, d("2026-05-01"))
        .await)
    .unwrap_or_else(|| panic!("on the register in May"));
    assert_eq!(
        as_of_may.address, old,
        "as of May, the address before the correction"
    );

    // A foreign resident's 30条45 items, corrected together and checked together.
    let mut v = foreigner(
        "NGUYEN VAN AN",
        "グエン ヴァン アン",
        "1995-05-05",
        "男",
        "世帯主",
        "技能",
    );
    v.id = kikan_app::ids::new_person_id();
    let vid = v.id;
    ok(c.record(
        Change::MoveIn {
            kind: MoveInKind::FromAbroad,
            household: MoveInHousehold::New {
                id: new_household_id(),
            },
            persons: vec![v],
            address: addr("神奈川県横浜市中区山下町", "9番地", None),
            previous_address: None,
            unnotified: false,
            last_registered: None,
            previous_head: None,
        },
        "2026-04-10",
        "2026-04-10",
    )
    .await);
    let before = Residence::of(
        c.person(vid)
            .await
            .foreign
            .as_ref()
            .unwrap_or_else(|| panic!("foreign")),
    );
    let mut wrong = before.clone();
    wrong.status = None;
    let refused = c
        .record(
            fix(
                vid,
                Correction::Residence {
                    old: before.clone(),
                    new: wrong,
                },
                CorrectionKind::Clerical,
            ),
            "2026-06-04",
            "2026-06-04",
        )
        .await;
    assert_eq!(
        code(&refused),
        "E-INPUT-001",
        "a 中長期在留者 needs a 在留資格"
    );
    let mut right = before.clone();
    right.expires_on = Some(d("2028-04-30"));
    right.card_number = Some("AB12345679CD".into());
    ok(c.record(
        fix(
            vid,
            Correction::Residence {
                old: before,
                new: right,
            },
            CorrectionKind::Clerical,
        ),
        "2026-06-04",
        "2026-06-04",
    )
    .await);
    let f2 = c
        .person(vid)
        .await
        .foreign
        .unwrap_or_else(|| panic!("foreign"));
    assert_eq!(f2.expires_on, Some(d("2028-04-30")));
    assert_eq!(f2.card_number.as_deref(), Some("AB12345679CD"));
    // 4.2.3.1: the 世帯主の氏名 printed for the members follows a correction of the
    // head's name.
    let taro = ok(PersonName::parse("髙橋", "太朗"));
    ok(c.record(
        fix(
            f.head,
            Correction::Name {
                old: c.person(f.head).await.name,
                new: taro.clone(),
            },
            CorrectionKind::Clerical,
        ),
        "2026-06-05",
        "2026-06-05",
    )
    .await);
    use kikan_domain::certificate::{
        CertificateKind, CertificateRequest, Layout, RequesterInfo, RequesterKind,
    };
    let tenant = ok(c.store.tenant(c.tenant).await).unwrap_or_else(|| panic!("tenant"));
    let request = CertificateRequest {
        requester: RequesterInfo {
            kind: Some(RequesterKind::Himself),
            person_id: Some(f.wife),
            ..RequesterInfo::default()
        },
        purpose: "勤務先提出".into(),
        identity_check: "運転免許証".into(),
        ..CertificateRequest::new(
            CertificateKind::ResidentCopy,
            Layout::Individual,
            vec![f.wife],
        )
    };
    let prepared =
        ok(kikan_cert::issue::prepare(&*c.store, &tenant, request, None, c.today, None).await);
    let head: Vec<&str> = prepared
        .content
        .entries
        .iter()
        .flat_map(|e| e.fields.iter())
        .filter(|f| f.label == "世帯主")
        .map(|f| f.value.as_str())
        .collect();
    assert_eq!(head, vec![taro.full()]);
    ok(check(&*c.store, c.tenant).await);
}

/// A 転入通知 as the counter enters it: settled (removal on the earlier of the 転入日
/// and the 転出予定日; a 除票 already removed is completed), then recorded.
async fn notice(c: &Clerk, persons: Vec<PersonId>, moved_on: &str, notified: &str) -> Recorded {
    let mut change = Change::MoveOutConfirmed {
        persons,
        destination: addr("大阪府大阪市北区梅田一丁目", "2番3号", None),
        notice_from: None,
        succession: None,
        moved_on: None,
    };
    let mut effective = d(moved_on);
    ok(kikan_app::record::settle_move_in_notice(
        &*c.store,
        c.tenant,
        &mut change,
        &mut effective,
        d(notified),
    )
    .await);
    ok(c.record(change, &effective.to_string(), notified).await)
}

/// 転出 takes effect by itself (1.1.5, j50; 4.1.3.1.1, j680; 4.1.3.1.4, j710): a person
/// whose 転出予定日 has come leaves the register on that date by the daily work, without
/// waiting for the 転入通知, which then completes the 除票 beside the plan; a notice
/// before the daily work removes on the earlier of the 転入日 and the planned date.
/// Runs are recorded, and running again applies nothing twice.
pub async fn move_out_takes_effect_by_itself(s: TestStore) {
    use kikan_app::daily;
    let c = Clerk::new(s.store(), "141003", "横浜市").await;
    let f = move_in_family(&c).await;
    let move_out = |p: PersonId, planned: &str| Change::MoveOut {
        persons: vec![p],
        destination: addr("大阪府大阪市北区", "1番", None),
        planned_on: d(planned),
        abroad: false,
        succession: None,
        destination_head: None,
    };
    ok(
        c.record(move_out(f.son, "2026-09-10"), "2026-09-01", "2026-09-01")
            .await,
    );
    // Before the planned date nothing happens; the run is recorded.
    let run = ok(daily::run(&*c.store, c.tenant, d("2026-09-09"), "test").await);
    assert!(run.ok && run.detail.contains("0 世帯"), "{}", run.detail);
    assert!(matches!(
        c.person(f.son).await.status,
        PersonStatus::MovingOut { .. }
    ));
    // After it, the son has left on that date.
    let run = ok(daily::run(&*c.store, c.tenant, d("2026-09-15"), "test").await);
    assert!(run.detail.contains("1 世帯 1 人"), "{}", run.detail);
    match c.person(f.son).await.status {
        PersonStatus::Removed {
            on,
            reason,
            moved_out: Some(m),
            ..
        } => {
            assert_eq!(on, d("2026-09-10"));
            assert_eq!(reason, RemovalReason::MovedOut);
            assert_eq!(m.planned_on, d("2026-09-10"));
            assert!(m.notice.is_none());
        }
        other => panic!("{other:?}"),
    }
    assert!(!c.household(f.household).await.members.contains(&f.son));
    let on = |date: &str| {
        let store = c.store.clone();
        let tenant = c.tenant;
        let date = d(date);
        async move { ok(store.person_as_of(tenant, f.son, date).await).map(|p| p.is_removed()) }
    };
    assert_eq!(on("2026-09-09").await, Some(false));
    assert_eq!(on("2026-09-10").await, Some(true));
    let entries = ok(c.store.ledger(c.tenant, 0, 1000).await).len();
    // Again: nothing applied twice.
    let again = ok(daily::run(&*c.store, c.tenant, d("2026-09-16"), "test").await);
    assert!(again.detail.contains("0 世帯"), "{}", again.detail);
    assert_eq!(ok(c.store.ledger(c.tenant, 0, 1000).await).len(), entries);
    // 転入通知未着: listed until the notice comes.
    let waiting = ok(daily::awaiting_notice(&*c.store, c.tenant).await);
    assert_eq!(
        waiting.iter().map(|p| p.id).collect::<Vec<_>>(),
        vec![f.son]
    );
    // The notice (転入日 before the planned date, come after it) completes the 除票 and
    // moves the removal back to the 転入日 (1.1.5: the earlier of the two); the plan stays
    // beside the confirmation, and views as of a day in between agree.
    let r = notice(&c, vec![f.son], "2026-09-08", "2026-09-20").await;
    assert_eq!(r.entry.effective_on, d("2026-09-08"));
    match c.person(f.son).await.status {
        PersonStatus::Removed {
            on,
            destination,
            moved_out: Some(m),
            ..
        } => {
            assert_eq!(on, d("2026-09-08"));
            assert_eq!(m.planned_destination, addr("大阪府大阪市北区", "1番", None));
            let n = m.notice.unwrap_or_else(|| panic!("completed"));
            assert_eq!(
                (n.notified_on, n.moved_on),
                (d("2026-09-20"), d("2026-09-08"))
            );
            assert_eq!(destination, Some(n.destination));
        }
        other => panic!("{other:?}"),
    }
    assert!(ok(daily::awaiting_notice(&*c.store, c.tenant).await).is_empty());
    assert_eq!(on("2026-09-07").await, Some(false));
    assert_eq!(on("2026-09-08").await, Some(true));
    assert_eq!(on("2026-09-09").await, Some(true));
    let (h, members) = ok(c
        .store
        .household_as_of(c.tenant, f.household, d("2026-09-09"))
        .await)
    .unwrap_or_else(|| panic!("household"));
    assert!(!h.members.contains(&f.son), "{h:?}");
    assert!(members.iter().all(|m| m.id != f.son));
    let before = ok(c
        .store
        .household_as_of(c.tenant, f.household, d("2026-09-07"))
        .await)
    .unwrap_or_else(|| panic!("household"));
    assert!(before.0.members.contains(&f.son));
    // A notice twice is refused, nothing changed.
    let twice = c
        .record(
            Change::MoveOutConfirmed {
                persons: vec![f.son],
                destination: addr("大阪府大阪市北区", "9番", None),
                notice_from: None,
                succession: None,
                moved_on: None,
            },
            "2026-09-21",
            "2026-09-21",
        )
        .await;
    assert_eq!(code(&twice), "E-IDO-005");
    // A notice before the daily work: removal on the 転入日 when it is earlier …
    ok(c.record(
        move_out(f.daughter, "2026-09-25"),
        "2026-09-18",
        "2026-09-18",
    )
    .await);
    let r = notice(&c, vec![f.daughter], "2026-09-20", "2026-09-22").await;
    assert_eq!(r.entry.effective_on, d("2026-09-20"));
    // … and on the planned date when the 転入日 is later.
    ok(
        c.record(move_out(f.wife, "2026-09-26"), "2026-09-19", "2026-09-19")
            .await,
    );
    let r = notice(&c, vec![f.wife], "2026-09-29", "2026-09-30").await;
    assert_eq!(r.entry.effective_on, d("2026-09-26"));
    match c.person(f.wife).await.status {
        PersonStatus::Removed {
            on,
            moved_out: Some(m),
            ..
        } => {
            assert_eq!(on, d("2026-09-26"));
            assert_eq!(m.notice.map(|n| n.moved_on), Some(d("2026-09-29")));
        }
        other => panic!("{other:?}"),
    }
    // Recorded as is, a notice dated after the planned date of one still on the
    // register is refused: the daily work removes first.
    ok(
        c.record(move_out(f.head, "2026-09-27"), "2026-09-20", "2026-09-20")
            .await,
    );
    let late = c
        .record(
            Change::MoveOutConfirmed {
                persons: vec![f.head],
                destination: addr("大阪府大阪市北区", "9番", None),
                notice_from: None,
                succession: None,
                moved_on: None,
            },
            "2026-09-28",
            "2026-09-28",
        )
        .await;
    assert_eq!(code(&late), "E-IDO-048");
    let runs = ok(c.store.job_runs(c.tenant, daily::JOB, 10).await);
    assert_eq!(runs.len(), 3);
    assert!(runs.iter().all(|r| r.ok));
    ok(check(&*c.store, c.tenant).await);
    // A version whose end was not moved back with the removal is caught by the replay.
    let end = |to: &str, was: &str| {
        format!(
            "UPDATE person_versions SET valid_to = '{to}' WHERE person_id = {} AND valid_to = '{was}' AND valid_from < '2026-09-08'",
            f.son.0
        )
    };
    assert_eq!(s.exec(&end("2026-09-10", "2026-09-08")).await, Ok(1));
    assert!(check(&*c.store, c.tenant).await.is_err());
    assert_eq!(s.exec(&end("2026-09-08", "2026-09-10")).await, Ok(1));
    ok(check(&*c.store, c.tenant).await);
}

/// 職権 and 申出 (4.2.0.1–4.2.0.5; 4.1.3.0.1): a 届出's change made by 職権 or on a 申出
/// is recorded as such, without a 届出期間; a 転出届 more than 14 days after the move is
/// recorded by 職権; a late 届出 stays flagged. The marks survive the ledger's seal.
pub async fn ex_officio_changes_are_marked(s: TestStore) {
    use kikan_domain::Basis;
    let c = Clerk::new(s.store(), "141003", "横浜市").await;
    let f = move_in_family(&c).await;
    let entry = |change: Change, effective: &str, notified: &str| {
        ok(LedgerEntry::at_intake(
            change,
            d(effective),
            d(notified),
            chrono::Utc::now(),
            "審査 試験".into(),
            None,
            c.today,
        ))
    };
    // A 転居 found by 実態調査, made by 職権 20 days after the move: no 届出期間.
    let relocation = entry(
        Change::Relocation {
            ward_move: None,
            persons: vec![f.head, f.wife, f.son, f.daughter],
            address: addr("神奈川県横浜市中区山下町", "3番地", None),
            target: RelocationTarget::WholeHousehold,
        },
        "2026-05-01",
        "2026-05-21",
    );
    assert!(relocation.late, "as a 届出 it would be late");
    let by_office = relocation.with_basis(Basis::ExOfficio);
    assert!(!by_office.late);
    assert_eq!(by_office.basis_label(), "職権");
    let r = ok(record::record(&*c.store, c.tenant, by_office, &[]).await);
    assert_eq!(r.entry.reason(), ChangeReason::Relocation);
    // 世帯分離 on the son's 申出.
    let split = entry(
        Change::HouseholdSplit {
            persons: vec![f.son],
            new_household: new_household_id(),
            relationships: vec![rel(f.son, "世帯主")],
        },
        "2026-06-01",
        "2026-06-03",
    )
    .with_basis(Basis::Request);
    assert_eq!(split.basis_label(), "申出による職権");
    ok(record::record(&*c.store, c.tenant, split, &[]).await);
    // A 転出届 20 days after the move is recorded by 職権 (4.1.3.0.1).
    let move_out = entry(
        Change::MoveOut {
            persons: vec![f.daughter],
            destination: addr("大阪府大阪市北区", "1番", None),
            planned_on: d("2026-07-01"),
            abroad: false,
            succession: None,
            destination_head: None,
        },
        "2026-07-01",
        "2026-07-21",
    );
    assert_eq!((move_out.basis, move_out.late), (Basis::ExOfficio, false));
    ok(record::record(&*c.store, c.tenant, move_out, &[]).await);
    // A 転出届 within the period stays a 届出.
    let in_time = entry(
        Change::MoveOut {
            persons: vec![f.wife],
            destination: addr("大阪府大阪市北区", "1番", None),
            planned_on: d("2026-07-10"),
            abroad: false,
            succession: None,
            destination_head: None,
        },
        "2026-07-10",
        "2026-07-05",
    );
    assert_eq!(in_time.basis, Basis::Notification);
    // A death is 職権 by nature.
    let death = entry(
        Change::Death {
            person: f.head,
            succession: None,
        },
        "2026-08-01",
        "2026-08-02",
    );
    assert_eq!(
        (death.basis, death.basis_label()),
        (Basis::Notification, "職権")
    );
    // Read back through the seal, the marks are there.
    let ledger = ok(c.store.ledger(c.tenant, 0, 100).await);
    let bases: Vec<Basis> = ledger.iter().map(|e| e.basis).collect();
    assert_eq!(
        bases,
        vec![
            Basis::Notification,
            Basis::ExOfficio,
            Basis::Request,
            Basis::ExOfficio
        ]
    );
    ok(check(&*c.store, c.tenant).await);
}

/// 再転入者 and double records at a 転入 (4.1.1.2, j600), and a 転居 to the same dwelling
/// (4.1.2.1, j630; 11.1): a newcomer whose 個人番号 or 住民票コード is a 除票's is refused
/// until entered as that 再転入者, who takes up the 除票's 宛名番号 and history; one who
/// matches a resident's number is refused; a match of 氏名・性別・生年月日 is alerted.
pub async fn returning_residents_and_duplicates(s: TestStore) {
    let c = Clerk::new(s.store(), "141003", "横浜市").await;
    let f = move_in_family(&c).await;
    ok(c.record(
        Change::MoveOut {
            persons: vec![f.son],
            destination: addr("大阪府大阪市北区", "1番", None),
            planned_on: d("2026-05-10"),
            abroad: false,
            succession: None,
            destination_head: None,
        },
        "2026-05-01",
        "2026-05-01",
    )
    .await);
    ok(c.record(
        Change::MoveOutConfirmed {
            persons: vec![f.son],
            destination: addr("大阪府大阪市北区", "1番", None),
            notice_from: None,
            succession: None,
            moved_on: None,
        },
        "2026-05-10",
        "2026-05-12",
    )
    .await);
    let son = c.person(f.son).await;
    let versions = ok(c.store.person_versions(c.tenant, f.son).await).len();
    let flat = addr("神奈川県横浜市中区山下町", "7番地", None);
    let move_in = |p: PersonData| Change::MoveIn {
        kind: MoveInKind::Domestic,
        household: MoveInHousehold::New {
            id: new_household_id(),
        },
        persons: vec![p],
        address: flat.clone(),
        previous_address: Some(addr("大阪府大阪市北区", "1番", None)),
        unnotified: false,
        last_registered: None,
        previous_head: None,
    };
    let newcomer = || {
        let mut p = japanese(
            ("髙橋", "一郎"),
            ("タカハシ", "イチロウ"),
            "2010-01-20",
            "男",
            "世帯主",
        );
        p.id = kikan_app::ids::new_person_id();
        p
    };
    let entries = ok(c.store.ledger(c.tenant, 0, 100).await).len();
    // The 除票's 個人番号, or its 住民票コード: to be entered as the 再転入者.
    let mut same_number = newcomer();
    same_number.individual_number = son.individual_number.clone();
    let r = c
        .record(move_in(same_number), "2026-08-01", "2026-08-01")
        .await;
    assert_eq!(code(&r), "E-IDO-051");
    assert!(format!("{:?}", r.err()).contains(&f.son.to_string()));
    let mut same_code = newcomer();
    same_code.juminhyo_code = son.juminhyo_code.clone();
    let r = c
        .record(move_in(same_code), "2026-08-01", "2026-08-01")
        .await;
    assert_eq!(code(&r), "E-IDO-051");
    // A current resident's 個人番号: refused.
    let mut residents = newcomer();
    residents.individual_number = c.person(f.wife).await.individual_number;
    let r = c
        .record(move_in(residents), "2026-08-01", "2026-08-01")
        .await;
    assert_eq!(code(&r), "E-IDO-053");
    assert_eq!(
        ok(c.store.ledger(c.tenant, 0, 100).await).len(),
        entries,
        "nothing recorded"
    );
    // The 再転入者: the 除票's 宛名番号, its history continuing.
    let mut back = newcomer();
    back.id = f.son;
    back.returning = true;
    back.individual_number = son.individual_number.clone();
    back.juminhyo_code = son.juminhyo_code.clone();
    ok(c.record(move_in(back), "2026-08-01", "2026-08-01").await);
    let again = c.person(f.son).await;
    assert!(matches!(again.status, PersonStatus::Active));
    assert_eq!(again.address, flat);
    assert_eq!(
        ok(c.store.person_versions(c.tenant, f.son).await).len(),
        versions + 1
    );
    // Only a 除票 can be taken up again.
    let mut not_removed = newcomer();
    not_removed.id = f.wife;
    not_removed.returning = true;
    let r = c
        .record(move_in(not_removed), "2026-08-02", "2026-08-02")
        .await;
    assert_eq!(code(&r), "E-IDO-052");
    // The same 氏名・性別・生年月日 as someone on the register: recorded, with an alert.
    let twin = newcomer();
    let r = ok(c.record(move_in(twin), "2026-08-03", "2026-08-03").await);
    assert!(
        r.alerts
            .iter()
            .any(|a| a.contains("二重に記録していないか")),
        "{:?}",
        r.alerts
    );
    // 転居 to the dwelling one lives in: refused; to another room of the same 番地: a 転居.
    let stay = c
        .record(
            Change::Relocation {
                ward_move: None,
                persons: vec![f.son],
                address: flat.clone(),
                target: RelocationTarget::WholeHousehold,
            },
            "2026-08-10",
            "2026-08-10",
        )
        .await;
    assert_eq!(code(&stay), "E-IDO-050");
    ok(c.record(
        Change::Relocation {
            ward_move: None,
            persons: vec![f.son],
            address: addr("神奈川県横浜市中区山下町", "7番地", Some("山下荘2号室")),
            target: RelocationTarget::WholeHousehold,
        },
        "2026-08-10",
        "2026-08-10",
    )
    .await);
    // A foreign resident who left is known again by the 在留カード等番号 (written with a
    // blank and in lower case this time): refused until entered as the 再転入者.
    let nguyen = foreigner(
        "グエン　ヴァン　アン",
        "グエン　ヴァン　アン",
        "1995-05-05",
        "男",
        "世帯主",
        "技術・人文知識・国際業務",
    );
    let nguyen_id = nguyen.id;
    ok(c.record(move_in(nguyen), "2026-08-11", "2026-08-11").await);
    ok(c.record(
        Change::MoveOut {
            persons: vec![nguyen_id],
            destination: addr("ベトナム社会主義共和国", "", None),
            planned_on: d("2026-08-20"),
            abroad: true,
            succession: None,
            destination_head: None,
        },
        "2026-08-20",
        "2026-08-20",
    )
    .await);
    let mut card_again = foreigner(
        "グエン　ヴァン　アン",
        "グエン　ヴァン　アン",
        "1995-05-06",
        "男",
        "世帯主",
        "技術・人文知識・国際業務",
    );
    if let Some(f) = card_again.foreign.as_mut() {
        f.card_number = Some("ab12345678 cd".into());
    }
    let r = c
        .record(move_in(card_again.clone()), "2026-09-01", "2026-09-01")
        .await;
    assert_eq!(code(&r), "E-IDO-051");
    assert!(format!("{r:?}").contains("在留カード等番号"), "{r:?}");
    // Searching by the card finds the 除票 too.
    let found = ok(c
        .store
        .search(
            c.tenant,
            &SearchQuery {
                card_number: Some("AB12345678CD".into()),
                include_removed: true,
                limit: 10,
                ..Default::default()
            }
            .keys(),
        )
        .await);
    assert_eq!(
        found.iter().map(|p| p.id).collect::<Vec<_>>(),
        vec![nguyen_id]
    );
    card_again.id = nguyen_id;
    card_again.returning = true;
    if let Some(f) = card_again.foreign.as_mut() {
        f.card_number = Some("AB12345678CD".into());
    }
    ok(c.record(move_in(card_again), "2026-09-01", "2026-09-01")
        .await);
    ok(check(&*c.store, c.tenant).await);
}

/// 異動の取消し (4.6, j980): a 転居 undone (修正), a 死亡 undone — the 除票 returns to the
/// register (増), a 転入 undone — the newcomer leaves it (減), each as a new entry that
/// keeps the cancelled one; refused when a later entry changed the same records, or for
/// a cancellation itself, nothing changed. Replay agrees.
pub async fn cancellations(s: TestStore) {
    use kikan_app::cancel::cancellation;
    let c = Clerk::new(s.store(), "141003", "横浜市").await;
    let f = move_in_family(&c).await;
    let cancel = |seq: i64, on: &'static str| {
        let store = c.store.clone();
        let tenant = c.tenant;
        let c = &c;
        async move {
            let change = cancellation(&*store, tenant, seq).await?;
            c.record(change, on, on).await
        }
    };
    // 転居, then its cancellation: the old address again, for every member.
    let moved = ok(c
        .record(
            Change::Relocation {
                ward_move: None,
                persons: vec![f.head, f.wife, f.son, f.daughter],
                address: addr("神奈川県横浜市中区山下町", "3番地", None),
                target: RelocationTarget::WholeHousehold,
            },
            "2026-05-01",
            "2026-05-01",
        )
        .await);
    let r = ok(cancel(moved.entry.seq, "2026-05-02").await);
    assert_eq!(r.entry.reason(), ChangeReason::CancellationCorrection);
    for m in [f.head, f.wife, f.son, f.daughter] {
        assert_eq!(c.person(m).await.address, home());
    }
    assert_eq!(c.household(f.household).await.address, home());
    // 死亡, then its cancellation: she is on the register again, in her household.
    let died = ok(c
        .record(
            Change::Death {
                person: f.wife,
                succession: None,
            },
            "2026-05-10",
            "2026-05-11",
        )
        .await);
    assert!(c.person(f.wife).await.is_removed());
    let r = ok(cancel(died.entry.seq, "2026-05-12").await);
    assert_eq!(r.entry.reason(), ChangeReason::CancellationIncrease);
    assert!(matches!(
        c.person(f.wife).await.status,
        PersonStatus::Active
    ));
    assert!(c.household(f.household).await.members.contains(&f.wife));
    // 転入 into the household, then its cancellation: the newcomer leaves.
    let mut aunt = japanese(
        ("髙橋", "ふみ"),
        ("タカハシ", "フミ"),
        "1960-02-02",
        "女",
        "父の妹",
    );
    aunt.id = kikan_app::ids::new_person_id();
    let aunt_id = aunt.id;
    let came = ok(c
        .record(
            Change::MoveIn {
                kind: MoveInKind::Domestic,
                household: MoveInHousehold::Existing { id: f.household },
                persons: vec![aunt],
                address: home(),
                previous_address: Some(addr("東京都港区芝公園", "4番2号", None)),
                unnotified: false,
                last_registered: None,
                previous_head: None,
            },
            "2026-05-20",
            "2026-05-20",
        )
        .await);
    let r = ok(cancel(came.entry.seq, "2026-05-21").await);
    assert_eq!(r.entry.reason(), ChangeReason::CancellationDecrease);
    match c.person(aunt_id).await.status {
        PersonStatus::Removed { reason, .. } => assert_eq!(reason, RemovalReason::Cancelled),
        other => panic!("{other:?}"),
    }
    assert!(!c.household(f.household).await.members.contains(&aunt_id));
    // A later entry on the same household: the earlier one cannot be cancelled.
    let moved = ok(c
        .record(
            Change::Relocation {
                ward_move: None,
                persons: vec![f.head, f.wife, f.son, f.daughter],
                address: addr("神奈川県横浜市中区山下町", "5番地", None),
                target: RelocationTarget::WholeHousehold,
            },
            "2026-06-01",
            "2026-06-01",
        )
        .await);
    ok(c.record(
        Change::HeadChange {
            household: f.household,
            relationships: vec![
                rel(f.wife, "世帯主"),
                rel(f.head, "夫"),
                rel(f.son, "子"),
                rel(f.daughter, "子"),
            ],
        },
        "2026-06-02",
        "2026-06-02",
    )
    .await);
    let entries = ok(c.store.ledger(c.tenant, 0, 100).await).len();
    let blocked = cancel(moved.entry.seq, "2026-06-03").await;
    assert_eq!(code(&blocked), "E-IDO-054");
    // Neither a cancellation nor a number not in the ledger can be cancelled.
    let twice = cancel(r.entry.seq, "2026-06-03").await;
    assert_eq!(code(&twice), "E-IDO-055");
    let unknown = cancel(9_999, "2026-06-03").await;
    assert_eq!(code(&unknown), "E-IDO-055");
    assert_eq!(ok(c.store.ledger(c.tenant, 0, 100).await).len(), entries);
    assert_eq!(
        c.person(f.son).await.address,
        addr("神奈川県横浜市中区山下町", "5番地", None)
    );
    ok(check(&*c.store, c.tenant).await);
}

/// 旧氏 (1.1.7, j70): 記載, 変更 and 削除 on a 請求, with its フリガナ and history; refused
/// twice, without one, or for a foreign resident, nothing changed.
pub async fn former_surnames(s: TestStore) {
    let c = Clerk::new(s.store(), "141003", "横浜市").await;
    let f = move_in_family(&c).await;
    let surname = |n: &str, k: &str| {
        (
            ok(PersonName::parse(n, "")),
            Some(ok(Furigana::parse(k, ""))),
        )
    };
    let (sato, sato_kana) = surname("佐藤", "さとう");
    let r = ok(c
        .record(
            Change::FormerSurnameRecord {
                person: f.wife,
                surname: sato.clone(),
                furigana: sato_kana.clone(),
            },
            "2026-05-01",
            "2026-05-01",
        )
        .await);
    assert_eq!(r.entry.reason(), ChangeReason::FormerSurnameRecord);
    let kept = c.person(f.wife).await.former_surname;
    assert_eq!(
        kept.as_ref().map(|k| k.surname.full()),
        Some("佐藤".to_string())
    );
    assert_eq!(
        kept.and_then(|k| k.furigana).map(|k| k.full()),
        Some("サトウ".to_string())
    );
    let twice = c
        .record(
            Change::FormerSurnameRecord {
                person: f.wife,
                surname: sato.clone(),
                furigana: None,
            },
            "2026-05-02",
            "2026-05-02",
        )
        .await;
    assert_eq!(code(&twice), "E-IDO-057");
    let (suzuki, suzuki_kana) = surname("鈴木", "スズキ");
    let r = ok(c
        .record(
            Change::FormerSurnameChange {
                person: f.wife,
                surname: suzuki,
                furigana: suzuki_kana,
            },
            "2026-06-01",
            "2026-06-01",
        )
        .await);
    assert_eq!(r.entry.reason(), ChangeReason::FormerSurnameChange);
    // 旧氏 is a search key (2.1.3): the one recorded now, not the one before.
    let by_former = |name: &str| SearchQuery {
        former_surname: Some(name.into()),
        limit: 10,
        ..Default::default()
    };
    let found = ok(c.store.search(c.tenant, &by_former("鈴").keys()).await);
    assert_eq!(found.iter().map(|p| p.id).collect::<Vec<_>>(), vec![f.wife]);
    assert!(ok(c.store.search(c.tenant, &by_former("佐藤").keys()).await).is_empty());
    let r = ok(c
        .record(
            Change::FormerSurnameDeletion { person: f.wife },
            "2026-07-01",
            "2026-07-01",
        )
        .await);
    assert_eq!(r.entry.reason(), ChangeReason::FormerSurnameDeletion);
    assert!(c.person(f.wife).await.former_surname.is_none());
    let none = c
        .record(
            Change::FormerSurnameDeletion { person: f.wife },
            "2026-07-02",
            "2026-07-02",
        )
        .await;
    assert_eq!(code(&none), "E-IDO-056");
    let change_none = c
        .record(
            Change::FormerSurnameChange {
                person: f.son,
                surname: sato.clone(),
                furigana: None,
            },
            "2026-07-02",
            "2026-07-02",
        )
        .await;
    assert_eq!(code(&change_none), "E-IDO-056");
    // Its history: the three entries, the surnames as they were.
    let history: Vec<ChangeReason> = ok(c.store.entries_for(c.tenant, Some(f.wife), None).await)
        .iter()
        .map(|e| e.reason())
        .filter(|r| r.label().starts_with("旧氏"))
        .collect();
    assert_eq!(
        history,
        vec![
            ChangeReason::FormerSurnameRecord,
            ChangeReason::FormerSurnameChange,
            ChangeReason::FormerSurnameDeletion
        ]
    );
    let june = ok(c
        .store
        .person_as_of(c.tenant, f.wife, d("2026-06-15"))
        .await)
    .and_then(|p| p.former_surname)
    .map(|k| k.surname.full());
    assert_eq!(june, Some("鈴木".to_string()));
    // Not for a foreign resident.
    let mut v = foreigner(
        "NGUYEN VAN AN",
        "グエン ヴァン アン",
        "1995-05-05",
        "男",
        "世帯主",
        "技能",
    );
    v.id = kikan_app::ids::new_person_id();
    let vid = v.id;
    ok(c.record(
        Change::MoveIn {
            kind: MoveInKind::FromAbroad,
            household: MoveInHousehold::New {
                id: new_household_id(),
            },
            persons: vec![v],
            address: addr("神奈川県横浜市中区山下町", "9番地", None),
            previous_address: None,
            unnotified: false,
            last_registered: None,
            previous_head: None,
        },
        "2026-04-10",
        "2026-04-10",
    )
    .await);
    let foreign = c
        .record(
            Change::FormerSurnameRecord {
                person: vid,
                surname: sato,
                furigana: sato_kana,
            },
            "2026-07-03",
            "2026-07-03",
        )
        .await;
    assert_eq!(code(&foreign), "E-IDO-058");
    ok(check(&*c.store, c.tenant).await);
}

/// 未届転入 and 住所設定 (4.1.1.4, j620; 4.2.1.1, j800): the 転入前住所 is the latest
/// address never notified, marked （未届）, and the 最終登録住所地 is kept as data; a 未届
/// 転入 without that address is refused.
pub async fn unnotified_move_ins(s: TestStore) {
    let c = Clerk::new(s.store(), "141003", "横浜市").await;
    let mut p = japanese(
        ("山本", "実"),
        ("ヤマモト", "ミノル"),
        "1970-07-07",
        "男",
        "世帯主",
    );
    p.id = kikan_app::ids::new_person_id();
    let id = p.id;
    let set = |p: PersonData, previous: Option<Address>| Change::MoveIn {
        kind: MoveInKind::ExOfficio,
        household: MoveInHousehold::New {
            id: new_household_id(),
        },
        persons: vec![p],
        address: addr("神奈川県横浜市中区山下町", "11番地", None),
        previous_address: previous,
        unnotified: true,
        last_registered: Some(addr("北海道札幌市中央区北一条西", "2丁目", None)),
        previous_head: None,
    };
    let refused = c
        .record(set(p.clone(), None), "2026-06-01", "2026-06-01")
        .await;
    assert_eq!(code(&refused), "E-INPUT-001");
    let unnotified = addr("東京都新宿区西新宿", "2番8号", None);
    ok(
        c.record(set(p, Some(unnotified.clone())), "2026-06-01", "2026-06-01")
            .await,
    );
    let m = c
        .person(id)
        .await
        .moved_in
        .unwrap_or_else(|| panic!("a 転入 record"));
    assert!(m.unnotified);
    assert_eq!(m.previous_address, Some(unnotified));
    assert_eq!(
        m.last_registered,
        Some(addr("北海道札幌市中央区北一条西", "2丁目", None))
    );
    ok(check(&*c.store, c.tenant).await);
}

/// 年月日の管理 (1.1.8): beside 生年月日, the 住民となった年月日, 住所を定めた年月日 and the
/// 出生・死亡・失踪 異動日 take a 不詳日 or a day not on the calendar, kept as written
/// beside a sortable date; every other 異動日 refuses one (E-DATE-005).
pub async fn unknown_dates_beyond_birth(s: TestStore) {
    let c = Clerk::new(s.store(), "141003", "横浜市").await;
    let f = move_in_family(&c).await;
    // 職権記載 of a person found living here since an unknown day of 平成15年.
    let found = japanese(
        ("田中", "実"),
        ("タナカ", "ミノル"),
        "1960-02-02",
        "男",
        "世帯主",
    );
    let found_id = found.id;
    let found_home = addr("神奈川県横浜市中区本町二丁目", "2番地", None);
    ok(c.record_dated(
        Change::MoveIn {
            kind: MoveInKind::ExOfficio,
            household: MoveInHousehold::New {
                id: new_household_id(),
            },
            persons: vec![found],
            address: found_home.clone(),
            previous_address: None,
            unnotified: false,
            last_registered: None,
            previous_head: None,
        },
        "平成15年頃",
        "2026-05-01",
    )
    .await);
    let p = c.person(found_id).await;
    assert_eq!(
        p.became_resident_on,
        d("2003-01-01"),
        "the internal date sorts"
    );
    assert_eq!(p.became_resident_text.as_deref(), Some("平成15年頃"));
    assert_eq!(ok(p.became_resident_shown()), "平成15年頃");
    assert_eq!(ok(p.address_since_shown()), "平成15年頃");
    // A 転居 is on a known day: a 不詳 異動日 is refused, nothing changed.
    let r = c
        .record_dated(
            Change::Relocation {
                ward_move: None,
                persons: vec![found_id],
                address: addr("神奈川県横浜市中区本町三丁目", "3番地", None),
                target: RelocationTarget::WholeHousehold,
            },
            "令和8年5月頃",
            "2026-06-01",
        )
        .await;
    assert_eq!(code(&r), "E-DATE-005");
    assert_eq!(c.person(found_id).await.address, found_home);
    assert_eq!(c.person(f.head).await.address, home());
    // A day not on the calendar (2月29日 of a common year) is kept as written.
    ok(c.record(
        Change::Correction {
            person: found_id,
            kind: CorrectionKind::Clerical,
            correction: Correction::AddressSince {
                old: d("2003-01-01"),
                old_text: Some("平成15年頃".into()),
                new: d("2003-03-01"),
                new_text: Some("平成15年2月29日".into()),
            },
        },
        "2026-06-01",
        "2026-06-01",
    )
    .await);
    let p = c.person(found_id).await;
    assert_eq!(ok(p.address_since_shown()), "平成15年2月29日");
    assert_eq!(
        ok(p.became_resident_shown()),
        "平成15年頃",
        "only the one item"
    );
    // A correction that names the old date without its text is stale.
    let stale = c
        .record(
            Change::Correction {
                person: found_id,
                kind: CorrectionKind::Clerical,
                correction: Correction::BecameResidentOn {
                    old: d("2003-01-01"),
                    old_text: None,
                    new: d("2003-04-01"),
                    new_text: None,
                },
            },
            "2026-06-01",
            "2026-06-01",
        )
        .await;
    assert_eq!(code(&stale), "E-IDO-040");
    // A 転居 then sets a known 住所を定めた年月日 and leaves the 住民となった年月日.
    ok(c.record(
        Change::Relocation {
            ward_move: None,
            persons: vec![found_id],
            address: addr("神奈川県横浜市中区本町四丁目", "4番地", None),
            target: RelocationTarget::WholeHousehold,
        },
        "2026-06-10",
        "2026-06-10",
    )
    .await);
    let p = c.person(found_id).await;
    assert_eq!(p.address_since_text, None);
    assert_eq!(ok(p.address_since_shown()), "令和8年6月10日");
    assert_eq!(ok(p.became_resident_shown()), "平成15年頃");
    // 死亡 on a day known only as 上旬: the 除票's 消除日 is kept as written.
    ok(c.record_dated(
        Change::Death {
            person: found_id,
            succession: None,
        },
        "令和8年7月上旬",
        "2026-07-20",
    )
    .await);
    match c.person(found_id).await.status {
        PersonStatus::Removed { on, on_text, .. } => {
            assert_eq!(on, d("2026-07-01"));
            assert_eq!(on_text.as_deref(), Some("令和8年7月上旬"));
        }
        other => panic!("not removed: {other:?}"),
    }
    // The ledger keeps the text; the replay agrees.
    let history = ok(c.store.entries_for(c.tenant, Some(found_id), None).await);
    assert!(
        history
            .iter()
            .any(|e| e.effective_text.as_deref() == Some("令和8年7月上旬"))
    );
    ok(kikan_app::check::check(&*c.store, c.tenant).await);
}

/// 旧氏・通称 carried over (1.1.7, third item): a resident with a 旧氏 emigrates; on the
/// first 転入 from abroad back into the same municipality, entered as the 再転入者, the
/// 旧氏 the 除票 kept takes effect again when asked; not for a 転入 from within Japan,
/// nor for one whose 除票 is not a 国外転出.
pub async fn former_names_come_back_from_abroad(s: TestStore) {
    let c = Clerk::new(s.store(), "141003", "横浜市").await;
    let f = move_in_family(&c).await;
    let sato = ok(PersonName::parse("佐藤", ""));
    ok(c.record(
        Change::FormerSurnameRecord {
            person: f.wife,
            surname: sato.clone(),
            furigana: Some(ok(Furigana::parse("サトウ", ""))),
        },
        "2026-05-01",
        "2026-05-01",
    )
    .await);
    ok(c.record(
        Change::MoveOut {
            persons: vec![f.wife],
            destination: addr("アメリカ合衆国ニューヨーク州", "", None),
            planned_on: d("2026-06-01"),
            abroad: true,
            succession: None,
            destination_head: None,
        },
        "2026-06-01",
        "2026-06-02",
    )
    .await);
    let gone = c.person(f.wife).await;
    assert!(gone.is_removed());
    let back = |kind: MoveInKind, keep: bool| {
        let mut p = japanese(
            ("髙橋", "花子"),
            ("タカハシ", "ハナコ"),
            "1982-06-15",
            "女",
            "妻",
        );
        p.id = f.wife;
        p.returning = true;
        p.keep_former_names = keep;
        Change::MoveIn {
            kind,
            household: MoveInHousehold::Existing { id: f.household },
            persons: vec![p],
            address: home(),
            previous_address: Some(addr("アメリカ合衆国ニューヨーク州", "", None)),
            unnotified: false,
            last_registered: None,
            previous_head: None,
        }
    };
    // Asked for a 転入 from within Japan: refused, nothing changed.
    let r = c
        .record(back(MoveInKind::Domestic, true), "2026-09-01", "2026-09-01")
        .await;
    assert_eq!(code(&r), "E-IDO-062");
    assert_eq!(c.person(f.wife).await, gone);
    // Back from abroad: the 旧氏 comes back with the record.
    ok(c.record(
        back(MoveInKind::FromAbroad, true),
        "2026-09-01",
        "2026-09-01",
    )
    .await);
    let p = c.person(f.wife).await;
    assert!(!p.is_removed());
    assert_eq!(
        p.former_surname.as_ref().map(|k| k.surname.clone()),
        Some(sato)
    );
    // One whose 除票 is a 職権消除 carries nothing over.
    ok(c.record(
        Change::ExOfficioRemoval {
            person: f.son,
            succession: None,
        },
        "2026-09-02",
        "2026-09-02",
    )
    .await);
    let mut son = japanese(("髙橋", "一郎"), ("ﾀｶﾊｼ", "ｲﾁﾛｳ"), "2010-01-20", "男", "子");
    son.id = f.son;
    son.returning = true;
    son.keep_former_names = true;
    let r = c
        .record(
            Change::MoveIn {
                kind: MoveInKind::FromAbroad,
                household: MoveInHousehold::Existing { id: f.household },
                persons: vec![son],
                address: home(),
                previous_address: None,
                unnotified: false,
                last_registered: None,
                previous_head: None,
            },
            "2026-09-03",
            "2026-09-03",
        )
        .await;
    assert_eq!(code(&r), "E-IDO-062");
    // A foreign resident's 通称 likewise.
    let anh = foreigner(
        "グエン　アン",
        "グエン　アン",
        "1990-01-01",
        "女",
        "世帯主",
        "技術・人文知識・国際業務",
    );
    let anh_id = anh.id;
    let anh_household = new_household_id();
    let flat = addr("神奈川県横浜市中区山下町", "9番地", None);
    let arrive = |p: PersonData, household: MoveInHousehold| Change::MoveIn {
        kind: MoveInKind::FromAbroad,
        household,
        persons: vec![p],
        address: flat.clone(),
        previous_address: None,
        unnotified: false,
        last_registered: None,
        previous_head: None,
    };
    ok(c.record(
        arrive(anh.clone(), MoveInHousehold::New { id: anh_household }),
        "2026-04-10",
        "2026-04-10",
    )
    .await);
    let alias = ok(PersonName::parse("中村", "杏"));
    ok(c.record(
        Change::AliasRecord {
            person: anh_id,
            alias: alias.clone(),
            furigana: Some(ok(Furigana::parse("なかむら", "あん"))),
            municipality: None,
        },
        "2026-05-10",
        "2026-05-10",
    )
    .await);
    ok(c.record(
        Change::MoveOut {
            persons: vec![anh_id],
            destination: addr("ベトナム社会主義共和国", "", None),
            planned_on: d("2026-06-10"),
            abroad: true,
            succession: None,
            destination_head: None,
        },
        "2026-06-10",
        "2026-06-10",
    )
    .await);
    let mut again = anh;
    again.returning = true;
    again.keep_former_names = true;
    ok(c.record(
        arrive(
            again,
            MoveInHousehold::New {
                id: new_household_id(),
            },
        ),
        "2026-09-05",
        "2026-09-05",
    )
    .await);
    let p = c.person(anh_id).await;
    assert_eq!(p.foreign.and_then(|f| f.alias).map(|a| a.name), Some(alias));
    ok(check(&*c.store, c.tenant).await);
}

/// 異動の取消し for some of the persons of an entry (4.6.0.1: 全部又は一部): a household's
/// 転居 undone for the son alone — the household has moved, so he returns to the former
/// address as a household of his own, which he heads; a 転入 of three undone for one —
/// she leaves the register, the others stay; a person the entry did not concern is
/// refused (E-IDO-063), nothing changed. Replay agrees.
pub async fn partial_cancellations(s: TestStore) {
    use kikan_app::cancel::cancellation_for;
    let c = Clerk::new(s.store(), "141003", "横浜市").await;
    let f = move_in_family(&c).await;
    let yamashita = addr("神奈川県横浜市中区山下町", "3番地", None);
    let moved = ok(c
        .record(
            Change::Relocation {
                ward_move: None,
                persons: vec![f.head, f.wife, f.son, f.daughter],
                address: yamashita.clone(),
                target: RelocationTarget::WholeHousehold,
            },
            "2026-05-01",
            "2026-05-01",
        )
        .await);
    // Someone the entry did not concern.
    let outsider = kikan_app::ids::new_person_id();
    let r = cancellation_for(&*c.store, c.tenant, moved.entry.seq, &[outsider]).await;
    assert_eq!(r.map_err(|e| e.code()).err(), Some("E-IDO-063"));
    let change = ok(cancellation_for(&*c.store, c.tenant, moved.entry.seq, &[f.son]).await);
    ok(c.record(change, "2026-05-02", "2026-05-02").await);
    let son = c.person(f.son).await;
    assert_eq!(son.address, home(), "back at the former address");
    assert_ne!(
        son.household_id, f.household,
        "the household moved: a new one"
    );
    assert_eq!(son.relationship, Relationship::Head);
    let his = c.household(son.household_id).await;
    assert_eq!((his.head, his.members.clone()), (Some(f.son), vec![f.son]));
    assert_eq!(his.address, home());
    let family = c.household(f.household).await;
    assert_eq!(family.address, yamashita);
    assert_eq!(family.members, vec![f.head, f.wife, f.daughter]);
    assert_eq!(c.person(f.wife).await.address, yamashita, "the others stay");
    // A 転入 of three undone for one: she leaves the register; the others stay.
    let (head, wife, child) = (
        japanese(
            ("佐藤", "一"),
            ("サトウ", "ハジメ"),
            "1970-01-01",
            "男",
            "世帯主",
        ),
        japanese(("佐藤", "幸"), ("サトウ", "サチ"), "1972-02-02", "女", "妻"),
        japanese(
            ("佐藤", "光"),
            ("サトウ", "ヒカル"),
            "2000-03-03",
            "女",
            "子",
        ),
    );
    let (hid, wid, cid) = (head.id, wife.id, child.id);
    let sato = new_household_id();
    let arrived = ok(c
        .record(
            Change::MoveIn {
                kind: MoveInKind::Domestic,
                household: MoveInHousehold::New { id: sato },
                persons: vec![head, wife, child],
                address: addr("神奈川県横浜市中区本町五丁目", "5番地", None),
                previous_address: Some(addr("東京都千代田区千代田", "1番1号", None)),
                unnotified: false,
                last_registered: None,
                previous_head: None,
            },
            "2026-06-01",
            "2026-06-01",
        )
        .await);
    let change = ok(cancellation_for(&*c.store, c.tenant, arrived.entry.seq, &[cid]).await);
    let r = ok(c.record(change, "2026-06-02", "2026-06-02").await);
    assert_eq!(r.entry.reason(), ChangeReason::CancellationDecrease);
    assert!(matches!(
        c.person(cid).await.status,
        PersonStatus::Removed {
            reason: RemovalReason::Cancelled,
            ..
        }
    ));
    assert!(!c.person(wid).await.is_removed());
    let h = c.household(sato).await;
    assert_eq!((h.head, h.members.clone()), (Some(hid), vec![hid, wid]));
    ok(check(&*c.store, c.tenant).await);
}

/// 帰化, 国籍取得 and 国籍喪失 (4.5.3–4.5.5): the same person's record changes kind and
/// keeps the carried items; what it cannot carry is refused with nothing written; the
/// entry is classified as the standard's 職権消除 and 職権記載 (1.2.2); a cancellation
/// brings the old record back; replay agrees.
pub async fn nationality_changes(s: TestStore) {
    use kikan_app::cancel::cancellation;
    use kikan_domain::{NationalityChangeKind as K, StandardReason};
    let c = Clerk::new(s.store(), "141003", "横浜市").await;
    let (aid, bid) = foreign_couple(&c, ("永住者", "永住者")).await;
    ok(c.record(
        Change::AliasRecord {
            person: aid,
            alias: ok(PersonName::parse("中村", "安")),
            furigana: None,
            municipality: None,
        },
        "2026-04-10",
        "2026-04-10",
    )
    .await);
    let before = c.person(aid).await;
    let honseki = || {
        Some(ok(Honseki::parse(
            "神奈川県横浜市中区本町一丁目1番地",
            "中村　安",
        )))
    };
    let naturalise =
        |kind: K, person: PersonId, honseki: Option<Honseki>| Change::NationalityChange {
            person,
            kind,
            name: ok(PersonName::parse("中村", "安")),
            furigana: ok(Furigana::parse("ナカムラ", "ヤスシ")),
            honseki,
            foreign: None,
        };
    let with_foreign = |mut c: Change, f: Option<ForeignDetails>| {
        if let Change::NationalityChange { foreign, .. } = &mut c {
            *foreign = f;
        }
        c
    };
    // 帰化: the same 宛名番号 and household, the carried items, a Japanese record.
    let r = ok(c
        .record(
            naturalise(K::Naturalisation, aid, honseki()),
            "2026-06-01",
            "2026-06-05",
        )
        .await);
    assert_eq!(
        r.entry.standard_reasons(),
        vec![
            StandardReason::RemovalNaturalisation,
            StandardReason::RecordNaturalisation
        ]
    );
    assert_eq!(r.entry.reason(), ChangeReason::Naturalisation);
    let after = c.person(aid).await;
    assert!(after.foreign.is_none());
    assert_eq!(after.honseki, honseki());
    assert_eq!(after.name.full(), "中村　安");
    for (what, same) in [
        ("住所", after.address == before.address),
        ("生年月日", after.birth_date == before.birth_date),
        ("性別", after.sex == before.sex),
        ("続柄", after.relationship == before.relationship),
        ("世帯", after.household_id == before.household_id),
        // 外国人住民となった年月日 carried as the 住民となった年月日.
        (
            "住民となった年月日",
            after.became_resident_on == d("2026-04-01"),
        ),
        (
            "住所を定めた年月日",
            after.address_since == before.address_since,
        ),
        ("住民票コード", after.juminhyo_code == before.juminhyo_code),
        (
            "個人番号",
            after.individual_number == before.individual_number,
        ),
        ("転入前住所", after.moved_in == before.moved_in),
    ] {
        assert!(same, "{what} not carried");
    }
    assert!(matches!(after.status, PersonStatus::Active));
    // The 外国人住民票 as it stood the day before is still there, as of that day.
    let then = ok(c.store.person_as_of(c.tenant, aid, d("2026-05-31")).await);
    assert!(then.is_some_and(|p| p.foreign.is_some_and(|f| f.alias.is_some())));
    // Refused, nothing written: 帰化 of a Japanese resident; without 本籍; with 30条の45
    // items on the Japanese record; 国籍喪失 of a foreign resident.
    let v = c.person(bid).await.version;
    for (change, expected) in [
        (naturalise(K::Naturalisation, aid, honseki()), "E-IDO-064"),
        (naturalise(K::Acquisition, bid, None), "E-INPUT-001"),
        (
            with_foreign(
                naturalise(K::Acquisition, bid, honseki()),
                c.person(bid).await.foreign,
            ),
            "E-IDO-065",
        ),
        (
            with_foreign(naturalise(K::Loss, bid, None), c.person(bid).await.foreign),
            "E-IDO-064",
        ),
    ] {
        let r = c.record(change, "2026-06-10", "2026-06-10").await;
        assert_eq!(code(&r), expected);
    }
    assert_eq!(c.person(bid).await.version, v);
    // 国籍取得 of the wife, then its cancellation: her 外国人住民票 again.
    let got = ok(c
        .record(
            naturalise(K::Acquisition, bid, honseki()),
            "2026-06-10",
            "2026-06-12",
        )
        .await);
    assert!(c.person(bid).await.foreign.is_none());
    let undo = ok(cancellation(&*c.store, c.tenant, got.entry.seq).await);
    ok(c.record(undo, "2026-06-13", "2026-06-13").await);
    let bp = c.person(bid).await;
    assert!(bp.foreign.is_some() && bp.honseki.is_none());
    // 国籍喪失 of a Japanese resident with a 旧氏: a foreign record whose 外国人住民となった
    // 年月日 is the later of the loss and the 住民となった年月日; no 本籍, no 旧氏.
    let fam = move_in_family(&c).await;
    ok(c.record(
        Change::FormerSurnameRecord {
            person: fam.wife,
            surname: ok(PersonName::parse("佐藤", "")),
            furigana: None,
        },
        "2026-05-01",
        "2026-05-01",
    )
    .await);
    let wife = c.person(fam.wife).await;
    let lost_foreign = Some(ForeignDetails {
        status: None,
        period: None,
        expires_on: None,
        card_number: None,
        ..ForeignDetails::new(
            "アメリカ合衆国".into(),
            ForeignCategory::TransitionalLossOfNationality,
        )
    });
    let lose =
        |honseki: Option<Honseki>, foreign: Option<ForeignDetails>| Change::NationalityChange {
            person: fam.wife,
            kind: K::Loss,
            name: ok(PersonName::parse("TAKAHASHI HANAKO", "")),
            furigana: ok(Furigana::parse("タカハシ　ハナコ", "")),
            honseki,
            foreign,
        };
    for (change, expected) in [
        (lose(None, None), "E-INPUT-001"),
        (lose(honseki(), lost_foreign.clone()), "E-IDO-033"),
    ] {
        let r = c.record(change, "2026-07-01", "2026-07-03").await;
        assert_eq!(code(&r), expected);
    }
    assert_eq!(c.person(fam.wife).await.version, wife.version);
    let r = ok(c
        .record(lose(None, lost_foreign.clone()), "2026-07-01", "2026-07-03")
        .await);
    assert_eq!(
        r.entry.standard_reasons(),
        vec![
            StandardReason::RemovalNationalityLoss,
            StandardReason::RecordNationalityLoss
        ]
    );
    let lost = c.person(fam.wife).await;
    assert_eq!(lost.foreign, lost_foreign);
    assert!(lost.honseki.is_none() && lost.former_surname.is_none());
    assert_eq!(lost.became_resident_on, d("2026-07-01"));
    assert_eq!(lost.juminhyo_code, wife.juminhyo_code);
    assert_eq!(lost.household_id, fam.household);
    assert!(c.household(fam.household).await.members.contains(&fam.wife));
    // 1.2.1: every version of a record is whole and numbered from 1 (履歴番号), the
    // highest being the current record: the foreign record's, then the Japanese one's.
    let versions = ok(c.store.person_versions(c.tenant, aid).await);
    let numbers: Vec<u64> = versions.iter().map(|v| v.person.version).collect();
    assert_eq!(numbers, (1..=numbers.len() as u64).collect::<Vec<_>>());
    assert!(
        versions[0].person.foreign.is_some() && versions[0].person.name.full() == "NGUYEN VAN AN"
    );
    assert_eq!(
        versions.last().map(|v| &v.person),
        Some(&c.person(aid).await)
    );
    ok(check(&*c.store, c.tenant).await);
}

/// 法第30条の46転入 and 法第30条の47届出 (4.5.1, 4.5.2): recorded like a 国外からの転入,
/// without a 転入前住所, under their own reasons; only for 中長期在留者, 特別永住者,
/// 一時庇護許可者 and 仮滞在許可者 (E-IDO-067 otherwise, nothing written).
pub async fn article_46_and_47(s: TestStore) {
    use kikan_domain::StandardReason;
    let c = Clerk::new(s.store(), "141003", "横浜市").await;
    let move_in = |kind, person: PersonData| Change::MoveIn {
        kind,
        household: MoveInHousehold::New {
            id: new_household_id(),
        },
        persons: vec![person],
        address: home(),
        previous_address: None,
        unnotified: false,
        last_registered: None,
        previous_head: None,
    };
    let newcomer = foreigner(
        "LE VAN BA",
        "レ　ヴァン　バ",
        "1999-09-09",
        "男",
        "世帯主",
        "留学",
    );
    let id = newcomer.id;
    let r = ok(c
        .record(
            move_in(MoveInKind::Article46, newcomer),
            "2026-04-01",
            "2026-04-02",
        )
        .await);
    assert_eq!(r.entry.reason(), ChangeReason::Article46);
    assert_eq!(
        r.entry.standard_reasons(),
        vec![StandardReason::MoveInFromAbroad]
    );
    let p = c.person(id).await;
    assert!(p.moved_in.is_some_and(|m| m.previous_address.is_none()));
    // 30条の47: a 特別永住者 living here is recorded.
    let mut special = foreigner(
        "KIM MIN",
        "キム　ミン",
        "1990-01-01",
        "女",
        "世帯主",
        "留学",
    );
    if let Some(f) = special.foreign.as_mut() {
        f.category = ForeignCategory::SpecialPermanent;
        f.card_number = Some("XY87654321ZW".into());
        f.status = None;
        f.period = None;
        f.expires_on = None;
    }
    let r = ok(c
        .record(
            move_in(MoveInKind::Article47, special),
            "2026-05-01",
            "2026-05-01",
        )
        .await);
    assert_eq!(r.entry.reason(), ChangeReason::Article47);
    // Refused, nothing written: a 経過滞在者 and a Japanese resident.
    let mut born = foreigner(
        "LE THI CA",
        "レ　ティ　カ",
        "2026-03-01",
        "女",
        "世帯主",
        "留学",
    );
    if let Some(f) = born.foreign.as_mut() {
        f.category = ForeignCategory::TransitionalBirth;
        f.card_number = None;
        f.status = None;
        f.period = None;
        f.expires_on = None;
    }
    let (born_id, japanese_id) = (born.id, new_person_id());
    let mut jp = japanese(
        ("山田", "一"),
        ("ヤマダ", "ハジメ"),
        "1980-01-01",
        "男",
        "世帯主",
    );
    jp.id = japanese_id;
    for (kind, person) in [(MoveInKind::Article47, born), (MoveInKind::Article46, jp)] {
        let r = c
            .record(move_in(kind, person), "2026-05-02", "2026-05-02")
            .await;
        assert_eq!(code(&r), "E-IDO-067");
    }
    assert!(ok(c.store.persons(c.tenant, &[born_id, japanese_id]).await).is_empty());
    ok(check(&*c.store, c.tenant).await);
}
