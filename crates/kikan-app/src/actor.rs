//! Who acts: a staff member or system signed in to the server, or the operator at the
//! command line. Use cases audit what they do in the actor's name.

use kikan_domain::LocalGovCode;
use kikan_security::{AuditEvent, Outcome, Permission, Role};

/// The one who asks for a use case, as the audit log records them.
#[derive(Debug, Clone)]
pub struct Actor {
    pub tenant: LocalGovCode,
    /// The staff login, `token:<name>` for a system, `cli:<user>` at the command line.
    pub name: String,
    /// The role, when signed in (the command line has none: it runs as the installation).
    pub role: Option<Role>,
    /// The purpose stated with the request (利用目的), if any.
    pub purpose: Option<String>,
    /// The client address, when known.
    pub client: Option<String>,
    /// 入力場所・入力端末 (1.3.1), as `terminal@place`, when the request named one.
    pub terminal: Option<String>,
}

impl Actor {
    /// The operator at the command line of this machine (`cli:$USER`).
    /// The server itself, doing `what` unasked (`system:…` in the audit log).
    pub fn system(tenant: LocalGovCode, what: &str, purpose: &str) -> Self {
        Actor {
            tenant,
            name: format!("system:{what}"),
            role: None,
            purpose: Some(purpose.to_string()),
            client: None,
            terminal: None,
        }
    }

    pub fn command_line(tenant: LocalGovCode, purpose: Option<&str>) -> Self {
        Actor {
            tenant,
            name: format!(
                "cli:{}",
                std::env::var("USER").unwrap_or_else(|_| "unknown".into())
            ),
            role: None,
            purpose: purpose.map(String::from),
            client: None,
            terminal: None,
        }
    }

    /// Whether the actor's role allows this; the command line's operator may all.
    pub fn may(&self, p: Permission) -> bool {
        self.role.is_none_or(|r| r.allows(p))
    }

    /// An audit event in this actor's name.
    pub fn event(&self, action: &str, persons: Vec<i64>, detail: impl Into<String>) -> AuditEvent {
        AuditEvent {
            at: chrono::Utc::now(),
            actor: self.name.clone(),
            role: self.role.map(|r| r.code().into()),
            action: action.into(),
            purpose: self.purpose.clone(),
            persons,
            detail: detail.into(),
            outcome: Outcome::Ok,
            client: self.client.clone(),
            terminal: self.terminal.clone(),
            my_number: false,
        }
    }
}
