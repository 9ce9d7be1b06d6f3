//! The in-memory user store of the one emulated client: users found by MX guid or external
//! user guid, created, read, updated and deleted as MX documents.

mod fields;
mod views;

use crate::errors::{parse_object, string_field, MxError};
use crate::ids::IdGenerator;
pub(crate) use fields::not_found;
use fields::{
    patch_field, unknown_field, Patch, User, UserStatus, CREATE_FIELDS, SEED_EXTRA_FIELDS,
    UPDATE_FIELDS,
};
use serde_json::{Map, Value};
use std::collections::HashMap;
use views::{ReadView, UpdateView};

/// The users of the one emulated client, found by MX guid or external user guid.
pub struct UserStore {
    client_guid: String,
    by_guid: HashMap<String, User>,
    guid_by_external: HashMap<String, String>,
    ids: IdGenerator,
}

/// Which of MX's response examples a user answer follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Read and create: `birthday`, `last_login`, the user's status object.
    Read,
    /// Update: `age` instead of `birthday` and `last_login`, status `2 "User update succeeded"`.
    Updated,
}

impl UserStore {
    pub fn new(client_guid: &str) -> Self {
        UserStore {
            client_guid: client_guid.to_string(),
            by_guid: HashMap::new(),
            guid_by_external: HashMap::new(),
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

    fn find_mut(&mut self, id: &str) -> Option<&mut User> {
        let guid = self.find_guid(id)?.to_string();
        self.by_guid.get_mut(&guid)
    }

    /// `POST /user`: documented validations first, then the profile fields.
    pub fn create(&mut self, body: &[u8]) -> Result<Vec<u8>, MxError> {
        let map = parse_object(body)?;
        let guid = self.insert(map, CREATE_FIELDS)?;
        Ok(self.render(&guid, Shape::Read))
    }

    /// Adds a user from a create-user body that may also carry `guid` and `status`.
    pub fn seed(&mut self, value: Value) -> Result<String, MxError> {
        match value {
            Value::Object(map) => self.insert(map, &[CREATE_FIELDS, SEED_EXTRA_FIELDS].concat()),
            _ => Err(MxError::bad_request("A seed user must be a JSON object.")),
        }
    }

    fn insert(&mut self, map: Map<String, Value>, allowed: &[&str]) -> Result<String, MxError> {
        let mut patch = Patch::default();
        let mut external = None;
        let mut fixed_guid = None;
        for (name, value) in &map {
            if !allowed.contains(&name.as_str()) {
                return Err(unknown_field(name));
            }
            match name.as_str() {
                "external_user_guid" => {
                    let text = string_field(name, value)?;
                    // Documented: an external guid must not look like an MX user guid.
                    if text.is_empty() || text.starts_with("USR-") {
                        return Err(MxError::bad_request(
                            "Invalid format for external user guid.",
                        ));
                    }
                    external = Some(text);
                }
                "guid" => {
                    let text = string_field(name, value)?;
                    if !text.starts_with("USR-") {
                        return Err(MxError::bad_request(
                            "A seed user's guid must start with USR-.",
                        ));
                    }
                    fixed_guid = Some(text);
                }
                _ => {
                    patch_field(&mut patch, name, value)?;
                }
            }
        }
        if let Some(ext) = &external {
            if self.guid_by_external.contains_key(ext) {
                // Documented text; the guid named is the external one that was sent.
                return Err(MxError::bad_request(format!(
                    "User already exists with guid {ext}"
                )));
            }
        }
        let guid = match fixed_guid {
            Some(guid) if self.by_guid.contains_key(&guid) => {
                return Err(MxError::bad_request(format!(
                    "User already exists with guid {guid}"
                )))
            }
            Some(guid) => guid,
            None => loop {
                let guid = self.ids.user_guid();
                if !self.by_guid.contains_key(&guid) {
                    break guid;
                }
            },
        };
        let mut user = User {
            guid: guid.clone(),
            external_user_guid: external.clone(),
            email: None,
            first_name: None,
            last_name: None,
            phone: None,
            birthdate: None,
            sex: None,
            credit_score: None,
            zip_code: None,
            status: UserStatus::Enabled,
            login_token: self.ids.login_token(),
        };
        patch.apply(&mut user);
        if let Some(ext) = external {
            self.guid_by_external.insert(ext, guid.clone());
        }
        self.by_guid.insert(guid.clone(), user);
        Ok(guid)
    }

    /// `PUT /user/{id}`: validates the whole body before changing anything.
    pub fn update(&mut self, id: &str, body: &[u8]) -> Result<Vec<u8>, MxError> {
        // Not-found is checked before the body, so an unknown user with a bad body still gets
        // MX's documented not-found answer.
        if self.find_guid(id).is_none() {
            return Err(not_found(id));
        }
        let map = parse_object(body)?;
        let mut patch = Patch::default();
        for (name, value) in &map {
            if !UPDATE_FIELDS.contains(&name.as_str()) || !patch_field(&mut patch, name, value)? {
                return Err(unknown_field(name));
            }
        }
        let user = self.find_mut(id).ok_or_else(|| not_found(id))?;
        patch.apply(user);
        let guid = user.guid.clone();
        Ok(self.render(&guid, Shape::Updated))
    }

    /// `GET /user/{id}`.
    pub fn read(&self, id: &str) -> Result<Vec<u8>, MxError> {
        let guid = self.find_guid(id).ok_or_else(|| not_found(id))?;
        Ok(self.render(guid, Shape::Read))
    }

    /// The read representation as a JSON value (library API).
    pub fn read_value(&self, id: &str) -> Option<Value> {
        let guid = self.find_guid(id)?;
        let user = self.by_guid.get(guid)?;
        serde_json::to_value(ReadView::new(user, &self.client_guid)).ok()
    }

    /// `DELETE /user/{id}`; returns the MX guid of the user deleted (its members go too, see
    /// `Store::delete_user`).
    pub fn delete(&mut self, id: &str) -> Result<String, MxError> {
        let guid = self.find_guid(id).ok_or_else(|| not_found(id))?.to_string();
        if let Some(user) = self.by_guid.remove(&guid) {
            if let Some(ext) = user.external_user_guid {
                self.guid_by_external.remove(&ext);
            }
        }
        Ok(guid)
    }

    /// Whether a user has this MX guid (`user_guid` in a create-member body).
    pub fn has_guid(&self, guid: &str) -> bool {
        self.by_guid.contains_key(guid)
    }

    /// The MX guid of the user with this external user guid.
    pub fn guid_of_external(&self, external_user_guid: &str) -> Option<&str> {
        self.guid_by_external
            .get(external_user_guid)
            .map(String::as_str)
    }

    fn render(&self, guid: &str, shape: Shape) -> Vec<u8> {
        let Some(user) = self.by_guid.get(guid) else {
            return b"{}".to_vec();
        };
        let result = match shape {
            Shape::Read => serde_json::to_vec(&ReadView::new(user, &self.client_guid)),
            Shape::Updated => serde_json::to_vec(&UpdateView::new(user, &self.client_guid)),
        };
        result.unwrap_or_else(|_| b"{}".to_vec())
    }
}
