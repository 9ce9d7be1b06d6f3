//! MX's routes (`/user`, `/user/{id}`, `/member`, `/member/{id}`): API key, route and content
//! type, client, then the resource, all of a request's state change under the one store lock.

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

/// MX's behaviour for one API request; `None` means "no answer at all".
///
/// Order of checks (README: "Inferences"): API key, then route and content type (404), then
/// client (500), then the resource.
pub(crate) fn answer(shared: &Shared, head: &RequestHead, body: &[u8]) -> Option<Response> {
    let query = head.query();
    if http::query_param(query, "k").as_deref() != Some(shared.api_key.as_str()) {
        return None;
    }

    #[derive(Clone, Copy, PartialEq, Eq)]
    enum Resource {
        User,
        Member,
    }
    enum Route<'a> {
        Create,
        Read(&'a str),
        Update(&'a str),
        Delete(&'a str),
    }
    let path = head.path();
    let method = head.method.as_str();
    let route = match path {
        "/user" if method == "POST" => Some((Resource::User, Route::Create)),
        "/member" if method == "POST" => Some((Resource::Member, Route::Create)),
        _ => {
            let (resource, raw) = match path.strip_prefix("/user/") {
                Some(raw) => (Resource::User, Some(raw)),
                None => (Resource::Member, path.strip_prefix("/member/")),
            };
            match raw {
                Some(raw) if !raw.is_empty() && !raw.contains('/') => match method {
                    "GET" => Some((resource, Route::Read(raw))),
                    "PUT" => Some((resource, Route::Update(raw))),
                    "DELETE" => Some((resource, Route::Delete(raw))),
                    _ => None,
                },
                _ => None,
            }
        }
    };
    let Some((resource, route)) = route else {
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

    let result = {
        let mut store = lock(&shared.store);
        match (resource, &route) {
            (Resource::User, Route::Create) => store.users.create(body),
            (Resource::User, Route::Read(raw)) => {
                store.users.read(&http::percent_decode(raw, false))
            }
            (Resource::User, Route::Update(raw)) => {
                store.users.update(&http::percent_decode(raw, false), body)
            }
            (Resource::User, Route::Delete(raw)) => store
                .delete_user(&http::percent_decode(raw, false))
                .map(|()| Vec::new()),
            (Resource::Member, Route::Create) => store.create_member(body),
            (Resource::Member, Route::Read(raw)) => {
                store.members.read(&http::percent_decode(raw, false))
            }
            (Resource::Member, Route::Update(raw)) => store
                .members
                .update(&http::percent_decode(raw, false), body),
            (Resource::Member, Route::Delete(raw)) => store
                .members
                .delete(&http::percent_decode(raw, false))
                .map(|()| Vec::new()),
        }
    };
    Some(match (result, route) {
        (Ok(_), Route::Delete(_)) => Response::empty(204),
        (Ok(json), _) => Response::json(200, json),
        (Err(e), _) => Response::error(e.status, &e.message),
    })
}
