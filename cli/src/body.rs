//! Building request bodies as JSON text, without judging them: field flags and CSV cells become
//! `"name": value` pairs spliced into an object, and the library's body rules then check the
//! result exactly as they check any caller's body. The text is never parsed into a map and
//! printed back, which would silently merge a repeated key that the library must refuse.

use std::io::Read;

use crate::exit::UsageError;

/// The one integer field of MX's bodies; every other field value from a flag or a CSV cell is a
/// JSON string. A value that is not an integer is sent as a string, for the rules to refuse.
const INTEGER_FIELDS: &[&str] = &["credit_score"];

/// A field value as JSON text: a JSON integer for integer fields written as one (as the number
/// parsed: `+700` and `007` are not JSON), else a string.
pub fn value_json(name: &str, value: &str) -> String {
    if INTEGER_FIELDS.contains(&name) {
        if let Ok(number) = value.parse::<i64>() {
            return number.to_string();
        }
    }
    serde_json::Value::from(value).to_string()
}

/// `{"name": value, ...}` from pairs whose values are already JSON text.
pub fn object(pairs: &[(String, String)]) -> String {
    let mut out = String::with_capacity(
        2 + pairs
            .iter()
            .map(|(k, v)| k.len() + v.len() + 4)
            .sum::<usize>(),
    );
    out.push('{');
    for (i, (name, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&serde_json::Value::from(name.as_str()).to_string());
        out.push(':');
        out.push_str(value);
    }
    out.push('}');
    out
}

/// `base` with `pairs` added at the front of its object. A `base` that is not an object text is
/// returned unchanged (its own rules refuse it, naming the real problem).
pub fn splice(base: &str, pairs: &[(String, String)]) -> String {
    if pairs.is_empty() {
        return base.to_string();
    }
    let trimmed = base.trim_start();
    let Some(rest) = trimmed.strip_prefix('{') else {
        return base.to_string();
    };
    let head = object(pairs);
    let head = &head[..head.len() - 1];
    if rest.trim_start().starts_with('}') {
        format!("{head}{rest}")
    } else {
        format!("{head},{rest}")
    }
}

/// `--status` for the field `status`.
pub fn flag_name(field: &str) -> String {
    format!("--{}", field.replace('_', "-"))
}

/// The refusal of a field that `by` (`--json`, a column, a row's body) and its flag both set.
pub fn set_twice(field: &str, by: &str) -> String {
    format!(
        "{field} is set both by {by} and by {}; give it once",
        flag_name(field)
    )
}

/// The first field flag whose field the JSON object text `json` sets too (a field given twice
/// is refused by the body rules on every row; this names both places once). `None` as well
/// when `json` is not an object: its own rules refuse it.
pub fn flag_also_in<'a>(json: &str, pairs: &'a [(String, String)]) -> Option<&'a str> {
    if pairs.is_empty() {
        return None;
    }
    let keys: std::collections::HashMap<String, serde::de::IgnoredAny> =
        serde_json::from_str(json).ok()?;
    pairs
        .iter()
        .map(|(name, _)| name.as_str())
        .find(|name| keys.contains_key(*name))
}

/// Field flags as pairs of name and JSON value text.
pub fn flag_pairs(fields: &[(&str, &str)]) -> Vec<(String, String)> {
    fields
        .iter()
        .map(|(name, value)| (name.to_string(), value_json(name, value)))
        .collect()
}

/// The text of a `--json` argument: the argument itself, `@FILE` read from FILE, `-` read from
/// standard input (so that credentials need not appear in `ps` or shell history).
pub fn json_argument(arg: &str) -> Result<String, UsageError> {
    if arg == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| UsageError(format!("--json -: cannot read standard input: {e}")))?;
        return Ok(text);
    }
    if let Some(path) = arg.strip_prefix('@') {
        return std::fs::read_to_string(path)
            .map_err(|e| UsageError(format!("--json @{path}: cannot read the file: {e}")));
    }
    Ok(arg.to_string())
}

/// The body of a one-call command: `--json` (if any) with the field flags spliced in; `None`
/// when neither was given.
pub fn from_args(
    json: Option<&str>,
    fields: &[(&str, &str)],
) -> Result<Option<String>, UsageError> {
    let pairs = flag_pairs(fields);
    Ok(match json {
        Some(arg) => {
            let json = json_argument(arg)?;
            if let Some(field) = flag_also_in(&json, &pairs) {
                return Err(UsageError(set_twice(field, "--json")));
            }
            Some(splice(&json, &pairs))
        }
        None if pairs.is_empty() => None,
        None => Some(object(&pairs)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        flag_pairs(list)
    }

    #[test]
    fn values_are_strings_except_integer_fields_written_as_integers() {
        assert_eq!(value_json("status", "DISABLED"), r#""DISABLED""#);
        assert_eq!(value_json("zip_code", "01234"), r#""01234""#);
        assert_eq!(value_json("credit_score", "-700"), "-700");
        assert_eq!(value_json("credit_score", "+700"), "700");
        assert_eq!(value_json("credit_score", "007"), "7");
        assert_eq!(value_json("credit_score", "7e2"), r#""7e2""#);
        assert_eq!(value_json("first_name", "a\"b\n"), r#""a\"b\n""#);
    }

    #[test]
    fn splice_adds_pairs_to_an_object_text_and_keeps_everything_else() {
        let p = pairs(&[("status", "DISABLED")]);
        assert_eq!(object(&p), r#"{"status":"DISABLED"}"#);
        assert_eq!(splice("{}", &p), r#"{"status":"DISABLED"}"#);
        assert_eq!(splice(" { } ", &p), r#"{"status":"DISABLED" } "#);
        assert_eq!(
            splice(r#"{"email":"a@b.example"}"#, &p),
            r#"{"status":"DISABLED","email":"a@b.example"}"#
        );
        // A repeated key stays repeated, for the library's rule to refuse.
        assert_eq!(
            splice(r#"{"status":"ENABLED"}"#, &p),
            r#"{"status":"DISABLED","status":"ENABLED"}"#
        );
        assert_eq!(splice("[1]", &p), "[1]");
        assert_eq!(splice("{\"a\":1}", &[]), "{\"a\":1}");
    }

    #[test]
    fn one_call_bodies_come_from_json_or_flags_or_both() {
        assert_eq!(from_args(None, &[]).unwrap(), None);
        assert_eq!(
            from_args(None, &[("credit_score", "700")])
                .unwrap()
                .as_deref(),
            Some(r#"{"credit_score":700}"#)
        );
        assert_eq!(
            from_args(Some(r#"{"email":"x"}"#), &[("sex", "MALE")])
                .unwrap()
                .as_deref(),
            Some(r#"{"sex":"MALE","email":"x"}"#)
        );
        let err =
            from_args(Some(r#"{"status":"DISABLED"}"#), &[("status", "ENABLED")]).unwrap_err();
        assert_eq!(
            err.0,
            "status is set both by --json and by --status; give it once"
        );
        let err = from_args(
            Some(r#"{"a":1,"credit_score":1}"#),
            &[("credit_score", "2")],
        )
        .unwrap_err();
        assert!(err.0.contains("--credit-score"), "{}", err.0);
        let err = from_args(Some("@/nonexistent/body.json"), &[]).unwrap_err();
        assert!(err.0.contains("/nonexistent/body.json"), "{}", err.0);
    }
}
