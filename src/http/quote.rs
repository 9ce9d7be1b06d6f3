//! Text from outside this crate (a body, a header, ureq's error texts) made fit for a message:
//! secrets masked, HTML reduced to its words, cut short.

use crate::redact::Secrets;

/// Longest piece of foreign text quoted in a message.
pub(crate) const MAX_QUOTED_BYTES: usize = 200;

/// `bytes` lossily decoded, every secret masked, then cut to [`MAX_QUOTED_BYTES`]. Masking
/// comes first so that a key straddling the cut cannot leave a prefix of itself behind.
pub(crate) fn foreign(bytes: &[u8], secrets: &Secrets) -> String {
    cut(secrets.mask(&String::from_utf8_lossy(bytes)))
}

/// A body quoted in a message: an HTML page (a proxy's or a gateway's error page) by its words
/// alone, so that "Certificate verify failed" is what fits, not the page's markup.
pub(crate) fn body_text(body: &[u8], content_type: Option<&str>, secrets: &Secrets) -> String {
    let text = String::from_utf8_lossy(body);
    let html = content_type.is_some_and(|ct| ct.to_ascii_lowercase().contains("html"))
        || text.trim_start().starts_with('<');
    if !html {
        return foreign(body, secrets);
    }
    cut(secrets.mask(&html_words(&text)))
}

/// Text from a server made fit for a message: printable ASCII only, at most `max_chars`.
pub(crate) fn printable(text: &str, max_chars: usize) -> String {
    text.chars()
        .filter(|c| c.is_ascii_graphic() || *c == ' ')
        .take(max_chars)
        .collect()
}

fn cut(mut text: String) -> String {
    if text.len() > MAX_QUOTED_BYTES {
        let mut end = MAX_QUOTED_BYTES;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    text
}

/// The words of an HTML page: tags, scripts, styles and comments dropped, the common entities
/// decoded, runs of white space made one space.
fn html_words(html: &str) -> String {
    let mut words = String::with_capacity(html.len().min(4096));
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        words.push_str(&rest[..start]);
        words.push(' ');
        let tag = &rest[start..];
        let skip_past = |closing: &str| {
            find_ignoring_case(tag, closing).map_or(tag.len(), |at| at + closing.len())
        };
        let end = if tag.starts_with("<!--") {
            skip_past("-->")
        } else if starts_with_ignoring_case(tag, "<script") {
            skip_past("</script>")
        } else if starts_with_ignoring_case(tag, "<style") {
            skip_past("</style>")
        } else {
            tag.find('>').map_or(tag.len(), |at| at + 1)
        };
        rest = &tag[end..];
    }
    words.push_str(rest);
    let decoded = words
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    decoded.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn starts_with_ignoring_case(text: &str, prefix: &str) -> bool {
    text.get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}

fn find_ignoring_case(text: &str, needle: &str) -> Option<usize> {
    let needle = needle.as_bytes();
    text.as_bytes()
        .windows(needle.len())
        .position(|window| window.eq_ignore_ascii_case(needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_text_is_masked_before_it_is_cut() {
        // A key straddling the cut must not leave its first bytes behind.
        let key = "MXSSO-SECRET-KEY-0123456789";
        let secrets = Secrets::new(key, Vec::new());
        for start in 170..=200 {
            let body = format!("{}{key}{}", "x".repeat(start), "y".repeat(50));
            let quoted = foreign(body.as_bytes(), &secrets);
            assert!(quoted.len() <= MAX_QUOTED_BYTES);
            assert!(!quoted.contains("MXSSO-SECRET"), "start {start}: {quoted}");
        }
        let multibyte = "é".repeat(150);
        assert!(foreign(multibyte.as_bytes(), &secrets).len() <= MAX_QUOTED_BYTES);
    }

    #[test]
    fn an_html_error_page_is_quoted_by_its_words() {
        let page = "<!DOCTYPE html><html><head><title>502 Bad Gateway</title>\
                    <style>body { color: red }</style><script>var k = 1;</script></head>\
                    <body><!-- proxy --><h1>Certificate verify failed:</h1>\n\n<p>unable to get \
                    local issuer certificate &amp; more</p></body></html>";
        let secrets = Secrets::default();
        assert_eq!(
            body_text(page.as_bytes(), Some("text/html; charset=utf-8"), &secrets),
            concat!(
                "502 Bad Gateway Certificate verify failed: ",
                "unable to get local issuer certificate & more"
            )
        );
        // Without a content type, a body that starts with markup is read as HTML too.
        assert_eq!(
            printable("\u{7}Bell\u{e9}", 100),
            "Bell",
            "control, non-ASCII dropped"
        );
        assert_eq!(printable("Proxy Authentication Required", 5), "Proxy");
        assert_eq!(body_text(b"  <p>down</p>", None, &secrets), "down");
        assert_eq!(body_text(b"plain <text>", None, &secrets), "plain <text>");
        // An unclosed tag or script ends the text instead of running away.
        assert_eq!(
            body_text(b"<p>a<script>x", Some("text/html"), &secrets),
            "a"
        );
    }
}
