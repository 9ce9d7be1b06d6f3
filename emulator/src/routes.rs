//! MX's routes: API key, route and content type, client, then the resource.

use crate::http::{self, RequestHead, Response};
use crate::state::{lock, Shared};

fn is_json_content_type(value: Option<&str>) -> bool {
    value.is_some_and(|v| {
        v.split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .eq_ignore_ascii_case("application/json")
    })
}

/// MX's behaviour for one user-resource request; `None` means "no answer at all".
///
/// Order of checks (README: "Inferences"): API key, then route and content type (404), then
/// client (500), then the resource.
pub(crate) fn answer(shared: &Shared, head: &RequestHead, body: &[u8]) -> Option<Response> {
    let query = head.query();
    if http::query_param(query, "k").as_deref() != Some(shared.api_key.as_str()) {
        return None;
    }

    enum Route<'a> {
        Create,
        Read(&'a str),
        Update(&'a str),
        Delete(&'a str),
    }
    let path = head.path();
    let route = match (head.method.as_str(), path) {
        ("POST", "/user") => Some(Route::Create),
        (method, _) => match path.strip_prefix("/user/") {
            Some(raw) if !raw.is_empty() && !raw.contains('/') => match method {
                "GET" => Some(Route::Read(raw)),
                "PUT" => Some(Route::Update(raw)),
                "DELETE" => Some(Route::Delete(raw)),
                _ => None,
            },
            _ => None,
        },
    };
    let Some(route) = route else {
        return Some(Response::empty(404));
    };
    if matches!(route, Route::Create | Route::Update(_))
        && !is_json_content_type(head.content_type.as_deref())
    {
        return Some(Response::empty(404));
    }

    let client = http::query_param(query, "c");
    let client_ok = client.as_deref().is_some_and(|c| {
        c == shared.client_guid || shared.external_client_guid.as_deref() == Some(c)
    });
    if !client_ok {
        return Some(Response::error(
            500,
            "Create user failed: Client must be associated.",
        ));
    }

    let result = match route {
        Route::Create => lock(&shared.users).create(body),
        Route::Read(raw) => lock(&shared.users).read(&http::percent_decode(raw, false)),
        Route::Update(raw) => lock(&shared.users).update(&http::percent_decode(raw, false), body),
        Route::Delete(raw) => lock(&shared.users)
            .delete(&http::percent_decode(raw, false))
            .map(|()| Vec::new()),
    };
    Some(match (result, route) {
        (Ok(_), Route::Delete(_)) => Response::empty(204),
        (Ok(json), _) => Response::json(200, json),
        (Err(e), _) => Response::error(e.status, &e.message),
    })
}
