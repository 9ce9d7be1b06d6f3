//! The JSON shapes of a user in MX's answers (read/create and update examples).

use super::fields::{Sex, User, UserStatus};
use serde::Serialize;
use std::time::{SystemTime, UNIX_EPOCH};

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
pub(super) struct ReadView<'a> {
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
    pub(super) fn new(user: &'a User, client_guid: &'a str) -> Self {
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
pub(super) struct UpdateView<'a> {
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
    pub(super) fn new(user: &'a User, client_guid: &'a str) -> Self {
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
    fn civil_dates() {
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
