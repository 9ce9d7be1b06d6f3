//! Users and members together behind the emulator's one lock, for the operations that span
//! both: a member needs its owning user, and deleting a user deletes its members. Every state
//! change of a request happens in one critical section, so concurrent creates of one external
//! guid make one resource and "already exists" answers.

use crate::errors::{parse_object, MxError};
use crate::members::body::{self, Owner};
use crate::members::MemberStore;
use crate::users::{not_found as user_not_found, UserStore};
use serde_json::{Map, Value};

pub struct Store {
    pub users: UserStore,
    pub members: MemberStore,
}

impl Store {
    pub fn new(client_guid: &str) -> Self {
        Store {
            users: UserStore::new(client_guid),
            members: MemberStore::new(),
        }
    }

    /// `DELETE /user/{id}`: the user and its members.
    pub fn delete_user(&mut self, id: &str) -> Result<(), MxError> {
        let guid = self.users.delete(id)?;
        self.members.delete_for_user(&guid);
        Ok(())
    }

    /// `POST /member`: the body is validated, then the owning user looked up, then the external
    /// member guid checked for uniqueness.
    pub fn create_member(&mut self, request_body: &[u8]) -> Result<Vec<u8>, MxError> {
        let map = parse_object(request_body)?;
        let guid = self.insert_member(&map, false)?;
        self.members.read(&guid)
    }

    /// Adds a member from a create-member body that may also carry a fixed `guid` (`MBR-…`).
    pub fn seed_member(&mut self, value: Value) -> Result<String, MxError> {
        match value {
            Value::Object(map) => self.insert_member(&map, true),
            _ => Err(MxError::bad_request("A seed member must be a JSON object.")),
        }
    }

    fn insert_member(&mut self, map: &Map<String, Value>, seed: bool) -> Result<String, MxError> {
        let new = body::create(map, seed)?;
        let user_guid = match &new.owner {
            Owner::Guid(guid) if self.users.has_guid(guid) => guid.clone(),
            Owner::External(ext) => match self.users.guid_of_external(ext) {
                Some(guid) => guid.to_string(),
                None => return Err(user_not_found(ext)),
            },
            // Documented text, with the guid as sent.
            Owner::Guid(guid) => return Err(user_not_found(guid)),
        };
        self.members.insert(new, user_guid)
    }
}
