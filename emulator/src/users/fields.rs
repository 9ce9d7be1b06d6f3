//! MX's user model and the validation of create-user and update-user bodies.
//!
//! Texts marked "documented" are copied from MX's SSO v2 error page; every other text is an
//! inference listed in the README's "Inferences" section.

use crate::errors::{string_field, MxError};
use serde_json::Value;

/// Fields accepted by `PUT /user/{id}` (MX's update-user page).
pub(super) const UPDATE_FIELDS: &[&str] = &[
    "email",
    "first_name",
    "last_name",
    "phone",
    "birthdate",
    "sex",
    "credit_score",
    "zip_code",
    "status",
];

/// Fields accepted by `POST /user` (MX's create-user page, plus `credit_score`, which only
/// the update page lists).
pub(super) const CREATE_FIELDS: &[&str] = &[
    "external_user_guid",
    "email",
    "first_name",
    "last_name",
    "phone",
    "birthdate",
    "sex",
    "credit_score",
    "zip_code",
];

/// Extra fields a seed user (file or library) may carry: a fixed MX guid and a status.
pub(super) const SEED_EXTRA_FIELDS: &[&str] = &["guid", "status"];

/// Documented: 400 for an unknown user guid or external user guid.
pub(crate) fn not_found(id: &str) -> MxError {
    MxError::bad_request(format!("User with guid {id} not found."))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Sex {
    Male,
    Female,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum UserStatus {
    Enabled,
    Disabled,
}

/// One stored user.
#[derive(Debug, Clone)]
pub(super) struct User {
    pub(super) guid: String,
    pub(super) external_user_guid: Option<String>,
    pub(super) email: Option<String>,
    pub(super) first_name: Option<String>,
    pub(super) last_name: Option<String>,
    pub(super) phone: Option<String>,
    pub(super) birthdate: Option<String>,
    pub(super) sex: Option<Sex>,
    pub(super) credit_score: Option<i64>,
    pub(super) zip_code: Option<String>,
    pub(super) status: UserStatus,
    pub(super) login_token: String,
}

/// Validated changes from a request body.
#[derive(Debug, Default)]
pub(super) struct Patch {
    pub(super) email: Option<String>,
    pub(super) first_name: Option<String>,
    pub(super) last_name: Option<String>,
    pub(super) phone: Option<String>,
    pub(super) birthdate: Option<String>,
    pub(super) sex: Option<Sex>,
    pub(super) credit_score: Option<i64>,
    pub(super) zip_code: Option<String>,
    pub(super) status: Option<UserStatus>,
}

impl Patch {
    pub(super) fn apply(self, user: &mut User) {
        macro_rules! set {
            ($($field:ident),*) => {$( if let Some(v) = self.$field { user.$field = Some(v); } )*};
        }
        set!(
            email,
            first_name,
            last_name,
            phone,
            birthdate,
            sex,
            credit_score,
            zip_code
        );
        if let Some(status) = self.status {
            user.status = status;
        }
    }
}

/// Validates one profile field into `patch`. `Ok(false)` means the name is not a profile field.
pub(super) fn patch_field(patch: &mut Patch, name: &str, value: &Value) -> Result<bool, MxError> {
    match name {
        "email" => patch.email = Some(string_field(name, value)?),
        "first_name" => patch.first_name = Some(string_field(name, value)?),
        "last_name" => patch.last_name = Some(string_field(name, value)?),
        "phone" => patch.phone = Some(string_field(name, value)?),
        "birthdate" => {
            let text = string_field(name, value)?;
            if !is_iso_date(&text) {
                return Err(MxError::bad_request("Invalid format for birthdate."));
            }
            patch.birthdate = Some(text);
        }
        "sex" => {
            patch.sex = Some(match value.as_str() {
                Some("MALE") => Sex::Male,
                Some("FEMALE") => Sex::Female,
                _ => return Err(MxError::bad_request("Sex must be MALE or FEMALE.")),
            })
        }
        "status" => {
            patch.status = Some(match value.as_str() {
                Some("ENABLED") => UserStatus::Enabled,
                Some("DISABLED") => UserStatus::Disabled,
                _ => return Err(MxError::bad_request("Status must be ENABLED or DISABLED.")),
            })
        }
        "credit_score" => {
            patch.credit_score = Some(
                value
                    .as_i64()
                    .ok_or_else(|| MxError::bad_request("Credit score must be an integer."))?,
            )
        }
        "zip_code" => {
            let text = string_field(name, value)?;
            if !is_zip_code(&text) {
                return Err(MxError::bad_request("Invalid format for zip code."));
            }
            patch.zip_code = Some(text);
        }
        _ => return Ok(false),
    }
    Ok(true)
}

pub(super) fn unknown_field(name: &str) -> MxError {
    MxError::bad_request(format!("Unknown attribute '{name}' for user."))
}

/// `YYYY-MM-DD`, a real calendar date.
pub(super) fn is_iso_date(text: &str) -> bool {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        let s = &text[r];
        s.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| s.parse().ok())
            .flatten()
    };
    let (Some(year), Some(month), Some(day)) = (digits(0..4), digits(5..7), digits(8..10)) else {
        return false;
    };
    (1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month)
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

/// US `nnnnn` / `nnnnn-nnnn`, or Canadian `ana nan` (letters in either case).
pub(super) fn is_zip_code(text: &str) -> bool {
    let b = text.as_bytes();
    let digit = |i: usize| b[i].is_ascii_digit();
    let letter = |i: usize| b[i].is_ascii_alphabetic();
    match b.len() {
        5 => (0..5).all(digit),
        10 => (0..5).all(digit) && b[5] == b'-' && (6..10).all(digit),
        7 => {
            letter(0) && digit(1) && letter(2) && b[3] == b' ' && digit(4) && letter(5) && digit(6)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zip_codes() {
        for ok in ["12345", "12345-6789", "K1A 0B1", "k1a 0b1"] {
            assert!(is_zip_code(ok), "{ok}");
        }
        for bad in [
            "1234",
            "123456",
            "12345-678",
            "K1A0B1",
            "K1A-0B1",
            "1A1 A1A",
            "",
        ] {
            assert!(!is_zip_code(bad), "{bad}");
        }
    }

    #[test]
    fn dates() {
        assert!(is_iso_date("1992-03-28"));
        assert!(is_iso_date("2000-02-29"));
        assert!(!is_iso_date("1900-02-29"));
        assert!(!is_iso_date("1992-13-01"));
        assert!(!is_iso_date("1992-3-28"));
        assert!(!is_iso_date("+992-03-28"));
    }
}
