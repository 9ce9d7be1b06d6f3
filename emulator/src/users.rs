//! The in-memory user store, MX's user model, body validation and response shapes.
//!
//! Texts marked "documented" are copied from MX's SSO v2 error page; every other text and
//! encoding is an inference listed in the README's "Inferences" section.

use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

/// Fields accepted by `PUT /user/{id}` (MX's update-user page).
const UPDATE_FIELDS: &[&str] = &[
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
const CREATE_FIELDS: &[&str] = &[
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
const SEED_EXTRA_FIELDS: &[&str] = &["guid", "status"];

/// An MX error answer: HTTP status and the `error` text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserError {
    /// HTTP status MX answers with.
    pub status: u16,
    /// The text of MX's `{"error": "..."}` body.
    pub message: String,
}

impl UserError {
    fn bad_request(message: impl Into<String>) -> Self {
        UserError {
            status: 400,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for UserError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status, self.message)
    }
}

impl std::error::Error for UserError {}

/// Documented: 400 for an unknown user guid or external user guid.
pub fn not_found(id: &str) -> UserError {
    UserError::bad_request(format!("User with guid {id} not found."))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sex {
    Male,
    Female,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum UserStatus {
    Enabled,
    Disabled,
}

/// One stored user.
#[derive(Debug, Clone)]
struct User {
    guid: String,
    external_user_guid: Option<String>,
    email: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    phone: Option<String>,
    birthdate: Option<String>,
    sex: Option<Sex>,
    credit_score: Option<i64>,
    zip_code: Option<String>,
    status: UserStatus,
    login_token: String,
}

/// Validated changes from a request body.
#[derive(Debug, Default)]
struct Patch {
    email: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    phone: Option<String>,
    birthdate: Option<String>,
    sex: Option<Sex>,
    credit_score: Option<i64>,
    zip_code: Option<String>,
    status: Option<UserStatus>,
}

impl Patch {
    fn apply(self, user: &mut User) {
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

fn parse_object(body: &[u8]) -> Result<Map<String, Value>, UserError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|_| UserError::bad_request("Request body is not valid JSON."))?;
    match value {
        Value::Object(map) => Ok(map),
        _ => Err(UserError::bad_request(
            "Request body must be a JSON object.",
        )),
    }
}

fn string_field(name: &str, value: &Value) -> Result<String, UserError> {
    match value {
        Value::String(s) => Ok(s.clone()),
        _ => Err(UserError::bad_request(format!(
            "Invalid format for {}.",
            name.replace('_', " ")
        ))),
    }
}

/// Validates one profile field into `patch`. `Ok(false)` means the name is not a profile field.
fn patch_field(patch: &mut Patch, name: &str, value: &Value) -> Result<bool, UserError> {
    match name {
        "email" => patch.email = Some(string_field(name, value)?),
        "first_name" => patch.first_name = Some(string_field(name, value)?),
        "last_name" => patch.last_name = Some(string_field(name, value)?),
        "phone" => patch.phone = Some(string_field(name, value)?),
        "birthdate" => {
            let text = string_field(name, value)?;
            if !is_iso_date(&text) {
                return Err(UserError::bad_request("Invalid format for birthdate."));
            }
            patch.birthdate = Some(text);
        }
        "sex" => {
            patch.sex = Some(match value.as_str() {
                Some("MALE") => Sex::Male,
                Some("FEMALE") => Sex::Female,
                _ => return Err(UserError::bad_request("Sex must be MALE or FEMALE.")),
            })
        }
        "status" => {
            patch.status = Some(match value.as_str() {
                Some("ENABLED") => UserStatus::Enabled,
                Some("DISABLED") => UserStatus::Disabled,
                _ => {
                    return Err(UserError::bad_request(
                        "Status must be ENABLED or DISABLED.",
                    ))
                }
            })
        }
        "credit_score" => {
            patch.credit_score = Some(
                value
                    .as_i64()
                    .ok_or_else(|| UserError::bad_request("Credit score must be an integer."))?,
            )
        }
        "zip_code" => {
            let text = string_field(name, value)?;
            if !is_zip_code(&text) {
                return Err(UserError::bad_request("Invalid format for zip code."));
            }
            patch.zip_code = Some(text);
        }
        _ => return Ok(false),
    }
    Ok(true)
}

fn unknown_field(name: &str) -> UserError {
    UserError::bad_request(format!("Unknown attribute '{name}' for user."))
}

/// `YYYY-MM-DD`, a real calendar date.
fn is_iso_date(text: &str) -> bool {
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
fn is_zip_code(text: &str) -> bool {
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

/// A small, fast, non-cryptographic generator for guids and tokens (splitmix64).
struct IdGenerator {
    state: u64,
}

impl IdGenerator {
    fn new() -> Self {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        IdGenerator {
            state: nanos ^ (u64::from(std::process::id()) << 32),
        }
    }

    fn next(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// `USR-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, MX's prefixed-UUID look.
    fn user_guid(&mut self) -> String {
        let (a, b) = (self.next(), self.next());
        format!(
            "USR-{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xffff,
            b >> 48,
            b & 0xffff_ffff_ffff
        )
    }

    /// An opaque token in MX's look (letters, digits, `-`, `_`).
    fn login_token(&mut self) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut out = String::with_capacity(48);
        for _ in 0..4 {
            let mut bits = self.next();
            for _ in 0..10 {
                out.push(ALPHABET[(bits & 63) as usize] as char);
                bits >>= 6;
            }
        }
        out
    }
}

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
    pub fn create(&mut self, body: &[u8]) -> Result<Vec<u8>, UserError> {
        let map = parse_object(body)?;
        let guid = self.insert(map, CREATE_FIELDS)?;
        Ok(self.render(&guid, Shape::Read))
    }

    /// Adds a user from a create-user body that may also carry `guid` and `status`.
    pub fn seed(&mut self, value: Value) -> Result<String, UserError> {
        match value {
            Value::Object(map) => self.insert(map, &[CREATE_FIELDS, SEED_EXTRA_FIELDS].concat()),
            _ => Err(UserError::bad_request("A seed user must be a JSON object.")),
        }
    }

    fn insert(&mut self, map: Map<String, Value>, allowed: &[&str]) -> Result<String, UserError> {
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
                        return Err(UserError::bad_request(
                            "Invalid format for external user guid.",
                        ));
                    }
                    external = Some(text);
                }
                "guid" => {
                    let text = string_field(name, value)?;
                    if !text.starts_with("USR-") {
                        return Err(UserError::bad_request(
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
                return Err(UserError::bad_request(format!(
                    "User already exists with guid {ext}"
                )));
            }
        }
        let guid = match fixed_guid {
            Some(guid) if self.by_guid.contains_key(&guid) => {
                return Err(UserError::bad_request(format!(
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
    pub fn update(&mut self, id: &str, body: &[u8]) -> Result<Vec<u8>, UserError> {
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
    pub fn read(&self, id: &str) -> Result<Vec<u8>, UserError> {
        let guid = self.find_guid(id).ok_or_else(|| not_found(id))?;
        Ok(self.render(guid, Shape::Read))
    }

    /// The read representation as a JSON value (library API).
    pub fn read_value(&self, id: &str) -> Option<Value> {
        let guid = self.find_guid(id)?;
        let user = self.by_guid.get(guid)?;
        serde_json::to_value(ReadView::new(user, &self.client_guid)).ok()
    }

    /// `DELETE /user/{id}`.
    pub fn delete(&mut self, id: &str) -> Result<(), UserError> {
        let guid = self.find_guid(id).ok_or_else(|| not_found(id))?.to_string();
        if let Some(user) = self.by_guid.remove(&guid) {
            if let Some(ext) = user.external_user_guid {
                self.guid_by_external.remove(&ext);
            }
        }
        Ok(())
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

/// `zip_code` as MX's examples show it: a JSON number for a plain five-digit ZIP without a
/// leading zero, a string otherwise (a number would lose ZIP+4, Canadian codes, leading zeros).
#[derive(Serialize)]
#[serde(untagged)]
enum ZipView<'a> {
    Number(u32),
    Text(&'a str),
}

fn zip_view(zip: &Option<String>) -> Option<ZipView<'_>> {
    let zip = zip.as_deref()?;
    match zip.parse::<u32>() {
        Ok(n) if zip.len() == 5 && !zip.starts_with('0') => Some(ZipView::Number(n)),
        _ => Some(ZipView::Text(zip)),
    }
}

#[derive(Serialize)]
struct StatusView {
    status: u8,
    name: &'static str,
    message: &'static str,
}

fn status_view(status: UserStatus) -> StatusView {
    match status {
        UserStatus::Enabled => StatusView {
            status: 1,
            name: "ENABLED",
            message: "",
        },
        UserStatus::Disabled => StatusView {
            status: 0,
            name: "DISABLED",
            message: "",
        },
    }
}

struct Widgets {
    master: String,
    accounts: String,
    budgets: String,
    debts: String,
    net_worth: String,
    spending: String,
    transactions: String,
}

impl Widgets {
    fn new(token: &str) -> Self {
        let url =
            |name: &str| format!("https://widgets.moneydesktop.com/raja/{name}?token={token}");
        Widgets {
            master: url("master"),
            accounts: url("accounts"),
            budgets: url("budgets"),
            debts: url("debts"),
            net_worth: url("net_worth"),
            spending: url("spending"),
            transactions: url("transactions"),
        }
    }
}

fn sex_view(sex: Option<Sex>) -> Option<u8> {
    sex.map(|s| match s {
        Sex::Male => 0,
        Sex::Female => 1,
    })
}

/// Field order follows MX's read-user example.
#[derive(Serialize)]
struct ReadView<'a> {
    guid: &'a str,
    external_guid: Option<&'a str>,
    external_user_guid: Option<&'a str>,
    client_guid: &'a str,
    email: Option<&'a str>,
    login_token: &'a str,
    first_name: Option<&'a str>,
    last_name: Option<&'a str>,
    phone: Option<&'a str>,
    birthday: Option<&'a str>,
    sex: Option<u8>,
    credit_score: Option<i64>,
    zip_code: Option<ZipView<'a>>,
    last_login: Option<&'a str>,
    master_widget_url: String,
    accounts_widget_url: String,
    budgets_widget_url: String,
    debts_widget_url: String,
    net_worth_widget_url: String,
    spending_widget_url: String,
    transactions_widget_url: String,
    status: StatusView,
}

impl<'a> ReadView<'a> {
    fn new(user: &'a User, client_guid: &'a str) -> Self {
        let w = Widgets::new(&user.login_token);
        ReadView {
            guid: &user.guid,
            external_guid: user.external_user_guid.as_deref(),
            external_user_guid: user.external_user_guid.as_deref(),
            client_guid,
            email: user.email.as_deref(),
            login_token: &user.login_token,
            first_name: user.first_name.as_deref(),
            last_name: user.last_name.as_deref(),
            phone: user.phone.as_deref(),
            birthday: user.birthdate.as_deref(),
            sex: sex_view(user.sex),
            credit_score: user.credit_score,
            zip_code: zip_view(&user.zip_code),
            last_login: None,
            master_widget_url: w.master,
            accounts_widget_url: w.accounts,
            budgets_widget_url: w.budgets,
            debts_widget_url: w.debts,
            net_worth_widget_url: w.net_worth,
            spending_widget_url: w.spending,
            transactions_widget_url: w.transactions,
            status: status_view(user.status),
        }
    }
}

/// Field order follows MX's update-user example.
#[derive(Serialize)]
struct UpdateView<'a> {
    guid: &'a str,
    external_guid: Option<&'a str>,
    external_user_guid: Option<&'a str>,
    client_guid: &'a str,
    email: Option<&'a str>,
    login_token: &'a str,
    first_name: Option<&'a str>,
    last_name: Option<&'a str>,
    phone: Option<&'a str>,
    age: Option<u32>,
    sex: Option<u8>,
    credit_score: Option<i64>,
    zip_code: Option<ZipView<'a>>,
    master_widget_url: String,
    accounts_widget_url: String,
    budgets_widget_url: String,
    debts_widget_url: String,
    net_worth_widget_url: String,
    spending_widget_url: String,
    transactions_widget_url: String,
    status: StatusView,
}

impl<'a> UpdateView<'a> {
    fn new(user: &'a User, client_guid: &'a str) -> Self {
        let w = Widgets::new(&user.login_token);
        UpdateView {
            guid: &user.guid,
            external_guid: user.external_user_guid.as_deref(),
            external_user_guid: user.external_user_guid.as_deref(),
            client_guid,
            email: user.email.as_deref(),
            login_token: &user.login_token,
            first_name: user.first_name.as_deref(),
            last_name: user.last_name.as_deref(),
            phone: user.phone.as_deref(),
            age: user.birthdate.as_deref().and_then(age_today),
            sex: sex_view(user.sex),
            credit_score: user.credit_score,
            zip_code: zip_view(&user.zip_code),
            master_widget_url: w.master,
            accounts_widget_url: w.accounts,
            budgets_widget_url: w.budgets,
            debts_widget_url: w.debts,
            net_worth_widget_url: w.net_worth,
            spending_widget_url: w.spending,
            transactions_widget_url: w.transactions,
            status: StatusView {
                status: 2,
                name: "User update succeeded",
                message: "",
            },
        }
    }
}

/// Age in whole years today (UTC) for a validated `YYYY-MM-DD` birthdate.
fn age_today(birthdate: &str) -> Option<u32> {
    let year: i64 = birthdate.get(0..4)?.parse().ok()?;
    let month: u32 = birthdate.get(5..7)?.parse().ok()?;
    let day: u32 = birthdate.get(8..10)?.parse().ok()?;
    let days = SystemTime::now().duration_since(UNIX_EPOCH).ok()?.as_secs() / 86_400;
    let (ty, tm, td) = civil_from_days(days as i64);
    let mut age = ty - year;
    if (tm, td) < (month, day) {
        age -= 1;
    }
    u32::try_from(age).ok()
}

/// Gregorian date from days since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
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
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
    }

    #[test]
    fn zip_rendering() {
        let text = |z: &str| serde_json::to_string(&zip_view(&Some(z.to_string()))).unwrap();
        assert_eq!(text("12345"), "12345");
        assert_eq!(text("01234"), "\"01234\"");
        assert_eq!(text("12345-6789"), "\"12345-6789\"");
    }
}
