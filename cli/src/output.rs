//! What a one-call command prints: MX's JSON on standard output (indented on a terminal, as
//! received otherwise), the error object on standard error.

use std::io::{IsTerminal, Write};

use mx_sso::{Error, Status};

use crate::exit;

/// Prints a call's result and gives its exit status: 0 on success; 2 when the library refused
/// the arguments before sending (a usage error: nothing was sent); 1 for any other failure.
pub fn print_result(result: Result<String, Error>) -> u8 {
    match result {
        Ok(json) => {
            let mut stdout = std::io::stdout().lock();
            let text = if stdout.is_terminal() {
                indent(&json)
            } else {
                json
            };
            // A closed pipe (`| head`) is not the call's failure.
            let _ = writeln!(stdout, "{text}");
            exit::OK
        }
        Err(error) => {
            eprintln!("{}", error.to_json());
            exit_status(&error)
        }
    }
}

/// 2 for a refusal before sending (bad arguments, a body that breaks a rule), else 1.
pub fn exit_status(error: &Error) -> u8 {
    match error.status() {
        Status::InvalidArgument | Status::Validation => exit::USAGE,
        _ => exit::FAILED,
    }
}

/// JSON text indented by two spaces, keys in the order received (parsing into a map and printing
/// it back would sort them). Assumes valid JSON, as the library hands back.
pub fn indent(json: &str) -> String {
    let mut out = String::with_capacity(json.len() * 2);
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut chars = json.chars().peekable();
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        out.push_str(&"  ".repeat(depth));
    };
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' => {
                out.push(c);
                // An empty object or array stays on one line.
                while chars.peek().is_some_and(|c| c.is_whitespace()) {
                    chars.next();
                }
                if matches!(chars.peek(), Some('}' | ']')) {
                    out.push(chars.next().unwrap_or(c));
                } else {
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            c if c.is_whitespace() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indent_keeps_key_order_strings_and_empty_containers() {
        let text = r#"{"z":1,"a":{"s":"x,{\"y\":[]}\\","e":{},"l":[1, 2]},"n":null}"#;
        let pretty = indent(text);
        assert_eq!(
            pretty,
            "{\n  \"z\": 1,\n  \"a\": {\n    \"s\": \"x,{\\\"y\\\":[]}\\\\\",\n    \"e\": {},\n    \
             \"l\": [\n      1,\n      2\n    ]\n  },\n  \"n\": null\n}"
        );
        let back: serde_json::Value = serde_json::from_str(&pretty).unwrap();
        assert_eq!(
            back,
            serde_json::from_str::<serde_json::Value>(text).unwrap()
        );
    }

    #[test]
    fn refusals_before_sending_are_usage_errors() {
        assert_eq!(exit_status(&Error::Validation("x".into())), exit::USAGE);
        assert_eq!(
            exit_status(&Error::InvalidArgument("x".into())),
            exit::USAGE
        );
        let http = Error::Http {
            status: 400,
            mx_error: None,
            message: "x".into(),
            attempts: 1,
        };
        assert_eq!(exit_status(&http), exit::FAILED);
    }
}
