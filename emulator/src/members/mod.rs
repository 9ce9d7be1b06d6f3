//! The in-memory member store: members found by MX guid (`MBR-…`) or external member guid,
//! each owned by one user, with credentials that are kept but never shown.
//!
//! MX documents only create-member; read, update and delete follow the guide's workflow and
//! are inferences listed in the README.

pub(crate) mod body;

use crate::errors::{parse_object, MxError};
use crate::ids::IdGenerator;
use body::NewMember;
use serde::Serialize;
use serde_json::Value;
use std::collections::HashMap;

/// The institution a member gets when its create body names none.
pub const DEFAULT_INSTITUTION_GUID: &str = "INS-0d5c2a4e-1b3f-4e8a-9c7d-000000000001";

/// Documented: 500 (not 400, not 404) for an unknown member guid or external member guid.
pub(crate) fn not_found() -> MxError {
    MxError {
        status: 500,
        message: "Member not found.".to_string(),
    }
}

/// One stored member. No `Debug`: the credentials must never reach a log or a panic message.
struct Member {
    guid: String,
    external_member_guid: Option<String>,
    user_guid: String,
    name: Option<String>,
    institution_guid: String,
    credentials: Vec<(String, String)>,
}

/// Field order follows MX's create-member example.
#[derive(Serialize)]
struct MemberView<'a> {
    guid: &'a str,
    institution_guid: &'a str,
    user_guid: &'a str,
    name: Option<&'a str>,
    status: StatusView,
    external_member_guid: Option<&'a str>,
}

#[derive(Serialize)]
struct StatusView {
    status: u8,
    name: &'static str,
    message: &'static str,
}

impl<'a> MemberView<'a> {
    fn new(member: &'a Member) -> Self {
        MemberView {
            guid: &member.guid,
            institution_guid: &member.institution_guid,
            user_guid: &member.user_guid,
            name: member.name.as_deref(),
            status: StatusView {
                status: 1,
                name: "ENABLED",
                message: "",
            },
            external_member_guid: member.external_member_guid.as_deref(),
        }
    }
}

/// The members of the one emulated client.
pub struct MemberStore {
    by_guid: HashMap<String, Member>,
    guid_by_external: HashMap<String, String>,
    /// Member guids of each user guid, so that deleting a user deletes its members.
    by_user: HashMap<String, Vec<String>>,
    ids: IdGenerator,
}

impl MemberStore {
    pub fn new() -> Self {
        MemberStore {
            by_guid: HashMap::new(),
            guid_by_external: HashMap::new(),
            by_user: HashMap::new(),
            ids: IdGenerator::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.by_guid.len()
    }

    fn find_guid(&self, id: &str) -> Option<&str> {
        if let Some((guid, _)) = self.by_guid.get_key_value(id) {
            return Some(guid);
        }
        self.guid_by_external.get(id).map(String::as_str)
    }

    fn find(&self, id: &str) -> Option<&Member> {
        self.by_guid.get(self.find_guid(id)?)
    }

    /// Stores a validated member for an existing user; refuses a used external member guid
    /// (or seed guid). Returns the member's MX guid.
    pub(crate) fn insert(&mut self, new: NewMember, user_guid: String) -> Result<String, MxError> {
        if let Some(ext) = &new.external_member_guid {
            if self.guid_by_external.contains_key(ext) {
                return Err(MxError::bad_request(format!(
                    "Member already exists with guid {ext}"
                )));
            }
        }
        let guid = match new.guid {
            Some(guid) if self.by_guid.contains_key(&guid) => {
                return Err(MxError::bad_request(format!(
                    "Member already exists with guid {guid}"
                )))
            }
            Some(guid) => guid,
            None => loop {
                let guid = self.ids.member_guid();
                if !self.by_guid.contains_key(&guid) {
                    break guid;
                }
            },
        };
        if let Some(ext) = &new.external_member_guid {
            self.guid_by_external.insert(ext.clone(), guid.clone());
        }
        self.by_user
            .entry(user_guid.clone())
            .or_default()
            .push(guid.clone());
        let member = Member {
            guid: guid.clone(),
            external_member_guid: new.external_member_guid,
            user_guid,
            name: new.name,
            institution_guid: new
                .institution_guid
                .unwrap_or_else(|| DEFAULT_INSTITUTION_GUID.to_string()),
            credentials: new.credentials,
        };
        self.by_guid.insert(guid.clone(), member);
        Ok(guid)
    }

    /// `GET /member/{id}`.
    pub fn read(&self, id: &str) -> Result<Vec<u8>, MxError> {
        let member = self.find(id).ok_or_else(not_found)?;
        Ok(render(member))
    }

    /// The member as `GET /member/{id}` shows it (library API).
    pub fn read_value(&self, id: &str) -> Option<Value> {
        serde_json::to_value(MemberView::new(self.find(id)?)).ok()
    }

    /// The stored credentials, in the order sent (library API, for tests only).
    pub fn credentials(&self, id: &str) -> Option<Vec<(String, String)>> {
        self.find(id).map(|m| m.credentials.clone())
    }

    /// `PUT /member/{id}` with `{"credentials": [...]}`: replaces the credentials. An unknown
    /// member is "Member not found." whatever the body.
    pub fn update(&mut self, id: &str, request_body: &[u8]) -> Result<Vec<u8>, MxError> {
        let guid = self.find_guid(id).ok_or_else(not_found)?.to_string();
        let credentials = body::update(&parse_object(request_body)?)?;
        let member = self.by_guid.get_mut(&guid).ok_or_else(not_found)?;
        member.credentials = credentials;
        Ok(render(member))
    }

    /// `DELETE /member/{id}`.
    pub fn delete(&mut self, id: &str) -> Result<(), MxError> {
        let guid = self.find_guid(id).ok_or_else(not_found)?.to_string();
        let member = self.remove(&guid).ok_or_else(not_found)?;
        if let Some(list) = self.by_user.get_mut(&member.user_guid) {
            list.retain(|g| *g != guid);
            if list.is_empty() {
                self.by_user.remove(&member.user_guid);
            }
        }
        Ok(())
    }

    /// Deletes every member of this user (the user is being deleted).
    pub fn delete_for_user(&mut self, user_guid: &str) {
        for guid in self.by_user.remove(user_guid).unwrap_or_default() {
            self.remove(&guid);
        }
    }

    fn remove(&mut self, guid: &str) -> Option<Member> {
        let member = self.by_guid.remove(guid)?;
        if let Some(ext) = &member.external_member_guid {
            self.guid_by_external.remove(ext);
        }
        Some(member)
    }
}

fn render(member: &Member) -> Vec<u8> {
    serde_json::to_vec(&MemberView::new(member)).unwrap_or_else(|_| b"{}".to_vec())
}
