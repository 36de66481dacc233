//! Roles and permissions. A role is a closed list; what it allows is one table,
//! [`Role::allows`], so that a reviewer reads the whole policy in one place.

use serde::{Deserialize, Serialize};

/// The staff roles of the standard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 窓口: reception. Searches, enters 異動 as drafts, issues certificates.
    Reception,
    /// 審査: examination. Examines and commits 異動, approves exceptions.
    Examiner,
    /// 管理者: administration. Accounts and settings; no resident data.
    Admin,
    /// 監査: audit. Reads the audit log only.
    Auditor,
    /// 連携システム: another business system (税務, 国保 …) reading the register through an
    /// API token: residents and extractions, never a change, a certificate or a
    /// protected address; the items it sees can be narrowed per token ([`Item`]).
    System,
}

/// What a request needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Read residents: search, 住民票 and 世帯 views, histories.
    ReadResidents,
    /// Enter a 異動 as a draft for examination.
    DraftChange,
    /// Examine and commit a 異動 (and reject drafts).
    CommitChange,
    /// Issue certificates (住民票の写し …).
    IssueCertificate,
    /// Approve an exception (a third-party request concerning a 支援措置 subject).
    ApproveException,
    /// Bulk extraction of the register and the ledger.
    Export,
    /// Run the replay check.
    RunCheck,
    /// Manage staff accounts and API tokens.
    ManageAccounts,
    /// Register the 認証者, 電子公印 and fixed phrases of certificates (1.3.7, 1.3.9, 5.6).
    ManageCertificateSettings,
    /// Approve an account or API token that an administrator asked for, when its role
    /// sees personal data (アクセス権の承認: the business, not IT, lets people in).
    ApproveAccess,
    /// Read the audit log.
    ReadAudit,
    /// Set and release 抑止 (3.1).
    ManageSuppression,
    /// Release a 抑止 for a while (一時解除), with a reason.
    ReleaseSuppression,
    /// Set the 法第7条 items another business keeps (選挙, 国保 …, 1.1.1 and 7.2.2): a
    /// 連携システム within its token's scope, 審査 for any business.
    SetBusinessItems,
    /// Keep the 住所辞書 and the 方書 master (1.3.3, 1.3.4): imports and staff edits.
    ManageAddresses,
    /// Register 外字 and their 異体字, which a search finds one by the other (2.1.2).
    ManageCharacters,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Reception,
        Role::Examiner,
        Role::Admin,
        Role::Auditor,
        Role::System,
    ];

    /// The policy: which role may do what.
    pub fn allows(self, p: Permission) -> bool {
        use Permission::*;
        match self {
            Role::Reception => matches!(p, ReadResidents | DraftChange | IssueCertificate),
            Role::Examiner => matches!(
                p,
                ReadResidents
                    | DraftChange
                    | CommitChange
                    | IssueCertificate
                    | ApproveException
                    | Export
                    | RunCheck
                    | ApproveAccess
                    | ManageSuppression
                    | ReleaseSuppression
                    | SetBusinessItems
                    | ManageAddresses
                    | ManageCharacters
            ),
            Role::Admin => matches!(
                p,
                ManageAccounts
                    | ManageCertificateSettings
                    | RunCheck
                    | ManageAddresses
                    | ManageCharacters
            ),
            Role::Auditor => matches!(p, ReadAudit),
            Role::System => matches!(p, ReadResidents | Export | SetBusinessItems),
        }
    }

    /// Whether the role sees personal data (residents or the audit log, which names
    /// them). An account or API token with such a role, asked for by an administrator,
    /// works only once someone with [`Permission::ApproveAccess`] approves it.
    pub fn sees_personal_data(self) -> bool {
        self.allows(Permission::ReadResidents) || self.allows(Permission::ReadAudit)
    }

    /// The stable code (API, database).
    pub fn code(self) -> &'static str {
        match self {
            Role::Reception => "reception",
            Role::Examiner => "examiner",
            Role::Admin => "admin",
            Role::Auditor => "auditor",
            Role::System => "system",
        }
    }

    /// The staff's name for it.
    pub fn label(self) -> &'static str {
        match self {
            Role::Reception => "窓口",
            Role::Examiner => "審査",
            Role::Admin => "管理者",
            Role::Auditor => "監査",
            Role::System => "連携システム",
        }
    }

    /// Parses a code or a label.
    pub fn parse(s: &str) -> Option<Role> {
        let s = s.trim();
        Role::ALL
            .into_iter()
            .find(|r| r.code() == s || r.label() == s)
    }
}

/// 10.4 (j1390): the items each person's (or system's) screens can be set to hide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Item {
    /// 戸籍の表示: 本籍 and 筆頭者.
    Honseki,
    /// 個人番号 (whether one is held; the number itself is never shown).
    IndividualNumber,
    /// 住民票コード.
    JuminhyoCode,
    /// 在留資格等: status, period, its expiry and the card number.
    ResidenceStatus,
}

impl Item {
    pub const ALL: [Item; 4] = [
        Item::Honseki,
        Item::IndividualNumber,
        Item::JuminhyoCode,
        Item::ResidenceStatus,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Item::Honseki => "honseki",
            Item::IndividualNumber => "individual_number",
            Item::JuminhyoCode => "juminhyo_code",
            Item::ResidenceStatus => "residence_status",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Item::Honseki => "戸籍の表示",
            Item::IndividualNumber => "個人番号",
            Item::JuminhyoCode => "住民票コード",
            Item::ResidenceStatus => "在留資格等",
        }
    }

    /// Parses a code or a label.
    pub fn parse(s: &str) -> Option<Item> {
        let s = s.trim();
        Item::ALL
            .into_iter()
            .find(|i| i.code() == s || i.label() == s)
    }
}

/// A set of hidden items as stored (a JSON array of codes); an unreadable value hides
/// everything rather than nothing.
pub fn items_from_json(s: &str) -> std::collections::BTreeSet<Item> {
    serde_json::from_str(s).unwrap_or_else(|_| Item::ALL.into_iter().collect())
}

/// The stored form of a set of hidden items.
pub fn items_to_json(items: &std::collections::BTreeSet<Item>) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".into())
}

impl Permission {
    pub const ALL: [Permission; 16] = [
        Permission::ReadResidents,
        Permission::DraftChange,
        Permission::CommitChange,
        Permission::IssueCertificate,
        Permission::ApproveException,
        Permission::Export,
        Permission::RunCheck,
        Permission::ManageAccounts,
        Permission::ManageCertificateSettings,
        Permission::ApproveAccess,
        Permission::ReadAudit,
        Permission::ManageSuppression,
        Permission::ReleaseSuppression,
        Permission::SetBusinessItems,
        Permission::ManageAddresses,
        Permission::ManageCharacters,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Permission::ReadResidents => "住民情報の参照",
            Permission::DraftChange => "異動の入力(下書き)",
            Permission::CommitChange => "異動の審査・確定",
            Permission::IssueCertificate => "証明書の交付",
            Permission::ApproveException => "例外の承認",
            Permission::Export => "一括抽出",
            Permission::RunCheck => "整合性検査",
            Permission::ManageAccounts => "職員アカウントの管理",
            Permission::ManageCertificateSettings => "認証者・公印の設定",
            Permission::ApproveAccess => "アクセス権の承認",
            Permission::ReadAudit => "監査ログの参照",
            Permission::ManageSuppression => "抑止の設定・解除",
            Permission::ReleaseSuppression => "抑止の一時解除",
            Permission::SetBusinessItems => "法第7条の業務事項の設定",
            Permission::ManageAddresses => "住所辞書・方書の管理",
            Permission::ManageCharacters => "外字の登録",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_table() {
        use Permission::*;
        // Every role × permission, written out: a change of policy changes this table.
        let expect: &[(Role, &[Permission])] = &[
            (
                Role::Reception,
                &[ReadResidents, DraftChange, IssueCertificate],
            ),
            (
                Role::Examiner,
                &[
                    ReadResidents,
                    DraftChange,
                    CommitChange,
                    IssueCertificate,
                    ApproveException,
                    Export,
                    RunCheck,
                    ApproveAccess,
                    ManageSuppression,
                    ReleaseSuppression,
                    SetBusinessItems,
                    ManageAddresses,
                    ManageCharacters,
                ],
            ),
            (
                Role::Admin,
                &[
                    ManageAccounts,
                    ManageCertificateSettings,
                    RunCheck,
                    ManageAddresses,
                    ManageCharacters,
                ],
            ),
            (Role::Auditor, &[ReadAudit]),
            (Role::System, &[ReadResidents, Export, SetBusinessItems]),
        ];
        for (role, allowed) in expect {
            for p in Permission::ALL {
                assert_eq!(role.allows(p), allowed.contains(&p), "{role:?} × {p:?}");
            }
        }
    }

    #[test]
    fn only_the_administrator_sees_no_personal_data() {
        let blind: Vec<Role> = Role::ALL
            .into_iter()
            .filter(|r| !r.sees_personal_data())
            .collect();
        assert_eq!(blind, vec![Role::Admin]);
        // A system only reads.
        assert!(Role::System.sees_personal_data());
        assert!(!Role::System.allows(Permission::DraftChange));
        // Who manages accounts never approves them.
        for r in Role::ALL {
            assert!(!(r.allows(Permission::ManageAccounts) && r.allows(Permission::ApproveAccess)));
        }
    }

    #[test]
    fn roles_parse_by_code_and_label() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.code()), Some(r));
            assert_eq!(Role::parse(r.label()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }
}
