//! 通知書・照会書: the letters the registry sends out, as content (kikan-cert draws them).
//!
//! - 転入通知未着照会書 (4.1.3.1.4, j710): to the municipality a resident said they were
//!   moving to, when its 転入通知 has not come.
//! - 世帯主変更通知書 (4.0.4, j490; 4.0.5, j500): the household is told whom the mayor made
//!   its 世帯主 by 職権.
//! - 世帯主変更依頼通知書 (4.0.5): a household left without a 世帯主 is asked to notify one.
//!
//! - 支援措置期間終了通知 (3.4, j440; 帳票 20.5.1): the 申出者 is told, before the period
//!   of their 支援措置 ends, when it ends and from when they may ask for its extension.
//!
//! The two household letters go to the member listed first (5.2) among those who stay.

use crate::DomainError;
use crate::person::{Household, Person, PersonStatus};
use crate::wareki::format_wareki;
use chrono::NaiveDate;

/// What a letter says, ready to draw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letter {
    pub title: String,
    /// The addressee: address lines, then the name with its honorific.
    pub to: Vec<String>,
    /// 発行日, 和暦.
    pub dated: String,
    /// The sender: the municipality's mayor, as the certificates print it.
    pub from: String,
    pub body: Vec<String>,
    /// 記: labelled items.
    pub items: Vec<(String, String)>,
    /// A table after the items (heading row first), e.g. the household's members.
    pub table: Vec<Vec<String>>,
    /// 回答欄: what the recipient fills in and sends back.
    pub reply: Vec<String>,
    /// The 交付番号 of a document the issuance register records (1.3.8), printed at
    /// the top.
    pub serial: Option<i64>,
}

/// The municipality sending a letter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sender {
    /// 横浜市.
    pub municipality: String,
    /// 横浜市長　山田　太郎.
    pub mayor: String,
}

fn members_table(members: &[&Person]) -> Result<Vec<Vec<String>>, DomainError> {
    let mut rows = vec![vec![
        "氏名".to_string(),
        "続柄".to_string(),
        "生年月日".to_string(),
    ]];
    for m in members {
        rows.push(vec![
            m.name.full(),
            m.relationship.label(),
            m.birth_date_shown()?,
        ]);
    }
    Ok(rows)
}

/// The members on the register in the order the 住民票 lists them (5.2: the head, then
/// by birth), as the household letters list them.
fn current<'a>(household: &Household, members: &'a [Person]) -> Vec<&'a Person> {
    let mut on: Vec<&Person> = household
        .members
        .iter()
        .filter_map(|id| members.iter().find(|m| m.id == *id && !m.is_removed()))
        .collect();
    on.sort_by_key(|m| household.listing_key(m));
    on
}

/// The member a household letter goes to (4.0.5): of those who stay, the one the
/// 住民票 listed first before the head left (by birth, the head aside: a head named
/// since was a member then).
pub fn addressee<'a>(household: &Household, members: &'a [Person]) -> Option<&'a Person> {
    current(household, members)
        .into_iter()
        .min_by_key(|m| (m.birth_date, m.id))
}

/// 転入通知未着照会書 (4.1.3.1.4): asks the destination whether the person moved in.
/// Only for a 転出 removed (or due) without a 転入通知.
pub fn move_in_inquiry(
    from: &Sender,
    person: &Person,
    today: NaiveDate,
) -> Result<Letter, DomainError> {
    let (planned_on, destination) = match &person.status {
        PersonStatus::Removed {
            moved_out: Some(m), ..
        } if m.notice.is_none() => (m.planned_on, m.planned_destination.line()),
        _ => {
            return Err(DomainError::NotAwaitingMoveInNotice {
                name: person.name.full(),
            });
        }
    };
    Ok(Letter {
        serial: None,
        title: "転入通知未着照会書".into(),
        to: vec![
            format!("転出先 {destination}"),
            "上記住所地の市区町村長　様".into(),
        ],
        dated: format_wareki(today)?,
        from: from.mayor.clone(),
        body: vec![
            format!(
                "下記の者は、{}を転出予定年月日として貴市区町村へ転出する旨の届出をしましたが、現在まで転入通知が届いておりません。",
                format_wareki(planned_on)?
            ),
            "つきましては、転入届の有無を下欄にご記入のうえ、ご回答くださいますようお願いします。"
                .into(),
        ],
        items: vec![
            ("氏名".into(), person.name.full()),
            ("フリガナ".into(), person.furigana.full()),
            ("生年月日".into(), person.birth_date_shown()?),
            ("性別".into(), person.sex.label().into()),
            ("転出前の住所".into(), person.address.line()),
            ("転出先（予定）".into(), destination),
            ("転出予定年月日".into(), format_wareki(planned_on)?),
        ],
        table: vec![],
        reply: vec![
            "□ 転入届を受理しています（転入年月日　　　　年　　月　　日）".into(),
            "□ 転入届を受理していません".into(),
            "回答日　　　　年　　月　　日　　回答者（市区町村名・担当）".into(),
        ],
    })
}

/// 世帯主変更通知書 (4.0.4, 4.0.5): the household is told whom the mayor made its head by
/// 職権, and from when.
pub fn head_change_notice(
    from: &Sender,
    household: &Household,
    members: &[Person],
    changed_on: NaiveDate,
    today: NaiveDate,
) -> Result<Letter, DomainError> {
    let head = household
        .head
        .and_then(|h| members.iter().find(|m| m.id == h))
        .ok_or(DomainError::HouseholdHeadless {
            id: household.id.to_string(),
        })?;
    let to = addressee(household, members).unwrap_or(head);
    Ok(Letter {
        serial: None,
        title: "世帯主変更通知書".into(),
        to: vec![to.address.line(), format!("{}　様", to.name.full())],
        dated: format_wareki(today)?,
        from: from.mayor.clone(),
        body: vec![format!(
            "あなたの世帯の世帯主が世帯からいなくなったため、住民基本台帳法に基づき、{}付けで職権により次のとおり世帯主を定めましたので通知します。",
            format_wareki(changed_on)?
        )],
        items: vec![
            ("住所".into(), household.address.line()),
            ("世帯主".into(), head.name.full()),
            ("変更年月日".into(), format_wareki(changed_on)?),
        ],
        table: members_table(&current(household, members))?,
        reply: vec![],
    })
}

/// 世帯主変更依頼通知書 (4.0.5): a household without a head is asked to notify one.
pub fn head_change_request(
    from: &Sender,
    household: &Household,
    members: &[Person],
    since: NaiveDate,
    today: NaiveDate,
) -> Result<Letter, DomainError> {
    if household.head.is_some() || household.dissolved_on.is_some() {
        return Err(DomainError::HouseholdHasHead {
            id: household.id.to_string(),
        });
    }
    let to = addressee(household, members).ok_or(DomainError::HouseholdHasHead {
        id: household.id.to_string(),
    })?;
    Ok(Letter { serial: None,
        title: "世帯主変更依頼通知書".into(),
        to: vec![to.address.line(), format!("{}　様", to.name.full())],
        dated: format_wareki(today)?,
        from: from.mayor.clone(),
        body: vec![
            format!(
                "あなたの世帯は、{}から世帯主がいない状態となっています。",
                format_wareki(since)?
            ),
            "世帯員のうちどなたが世帯主となるかを定め、世帯主変更届を提出してください（住民基本台帳法第25条）。".into(),
        ],
        items: vec![
            ("住所".into(), household.address.line()),
            ("世帯主が不在となった日".into(), format_wareki(since)?),
        ],
        table: members_table(&current(household, members))?,
        reply: vec![],
    })
}
/// 支援措置期間終了通知 (3.4, j440; 帳票 20.5.1): to the 申出者, at their address (or, once
/// they moved away, at the 転出先 the register knows), naming everyone the measure
/// protects. Refused for a measure that has ended or is still a 仮支援措置 (no period yet).
pub fn support_period_notice(
    from: &Sender,
    measure: &crate::support::SupportMeasure,
    protected: &[Person],
    today: NaiveDate,
) -> Result<Letter, DomainError> {
    let refuse = |reason: &str| DomainError::Invalid {
        field: "支援措置",
        reason: reason.into(),
    };
    if !measure.in_force(today) {
        return Err(refuse("終了した支援措置には期間終了通知を作成できません"));
    }
    if measure.provisional.is_some() {
        return Err(refuse(
            "仮支援措置には期間がありません。支援措置を開始してから作成してください",
        ));
    }
    let applicant = protected
        .iter()
        .find(|p| p.id == measure.applicant)
        .ok_or_else(|| DomainError::PersonNotFound(measure.applicant.to_string()))?;
    let address = match &applicant.status {
        PersonStatus::Removed {
            destination: Some(d),
            ..
        } => d.line(),
        _ => applicant.address.line(),
    };
    let mut table = vec![vec![
        "氏名".to_string(),
        "申出者との関係".to_string(),
        "生年月日".to_string(),
    ]];
    for id in measure.protected() {
        if let Some(p) = protected.iter().find(|p| p.id == id) {
            table.push(vec![
                p.name.full(),
                if id == measure.applicant {
                    "申出者".into()
                } else {
                    measure.relations.get(&id).cloned().unwrap_or_default()
                },
                p.birth_date_shown()?,
            ]);
        }
    }
    let ends = format_wareki(measure.ends_on)?;
    let from_day = format_wareki(measure.extendable_from())?;
    Ok(Letter {
        serial: None,
        title: "支援措置期間終了通知".into(),
        to: vec![address, format!("{}　様", applicant.name.full())],
        dated: format_wareki(today)?,
        from: from.mayor.clone(),
        body: vec![
            format!(
                "あなたからの申出により実施している住民基本台帳事務における支援措置の期間は、{ends}をもって終了します。"
            ),
            format!(
                "引き続き支援措置を希望される場合は、{from_day}から{ends}までの間に、支援措置の延長の申出をしてください。延長後の期間は、{}から1年間です。",
                format_wareki(measure.ends_on.succ_opt().unwrap_or(measure.ends_on))?
            ),
            "延長の申出がないときは、期間の終了後に支援措置を終了することがあります。".into(),
        ],
        items: vec![
            ("申出者".into(), applicant.name.full()),
            (
                "支援措置の期間".into(),
                format!("{}から{ends}まで", format_wareki(measure.starts_on)?),
            ),
            (
                "延長の申出ができる期間".into(),
                format!("{from_day}から{ends}まで"),
            ),
        ],
        table,
        reply: vec![],
    })
}

/// 住所一括変更の通知 (9.7): the household is told, before or after, how a 住居表示の実施,
/// 町名変更, 地番変更 or 区画整理 changes its address (or the 本籍 of `persons`).
#[allow(clippy::too_many_arguments)]
pub fn address_change_notice(
    from: &Sender,
    household: &Household,
    members: &[Person],
    persons: &[crate::PersonId],
    honseki: bool,
    (old, new): (&str, &str),
    reason: &str,
    on: NaiveDate,
    before: bool,
    today: NaiveDate,
) -> Result<Letter, DomainError> {
    let listed = current(household, members);
    let to = household
        .head
        .and_then(|h| listed.iter().copied().find(|m| m.id == h))
        .or_else(|| addressee(household, members))
        .ok_or(DomainError::HouseholdHeadless {
            id: household.id.to_string(),
        })?;
    let item = if honseki { "本籍" } else { "住所" };
    let date = format_wareki(on)?;
    let body = if before {
        format!(
            "{date}に実施される{reason}により、あなたの{item}の表示が次のとおり変わりますのでお知らせします。届出の必要はありません。"
        )
    } else {
        format!(
            "{date}に実施された{reason}により、住民票の{item}の表示を次のとおり変更しましたので通知します。届出の必要はありません。"
        )
    };
    let concerned: Vec<&Person> = listed
        .iter()
        .copied()
        .filter(|m| persons.is_empty() || persons.contains(&m.id))
        .collect();
    Ok(Letter {
        serial: None,
        title: format!(
            "{item}の表示の変更について（{}）",
            if before { "お知らせ" } else { "通知" }
        ),
        to: vec![household.address.line(), format!("{}　様", to.name.full())],
        dated: format_wareki(today)?,
        from: from.mayor.clone(),
        body: vec![body],
        items: vec![
            (format!("変更前の{item}"), old.to_string()),
            (format!("変更後の{item}"), new.to_string()),
            ("実施日".into(), date),
            ("事由".into(), reason.to_string()),
        ],
        table: members_table(&concerned)?,
        reply: vec![],
    })
}
