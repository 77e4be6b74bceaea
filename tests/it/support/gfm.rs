//! GitHub's Markdown, as far as the tests need it: render a body the way GitHub renders a comment
//! (cmark-gfm with the GitHub Flavored Markdown extensions, here through `comrak`), and read the
//! links and the prose of the result. One file for both test crates: the library's render tests
//! include it with `#[path]`, the integration tests as `support::gfm`.

/// The HTML GitHub makes of a comment body, before its sanitiser (which only removes things).
pub fn render_like_github(body: &str) -> String {
    let mut options = comrak::Options::default();
    options.extension.table = true;
    options.extension.strikethrough = true;
    options.extension.autolink = true;
    options.extension.tasklist = true;
    options.extension.footnotes = true;
    // `> [!CAUTION]` and the other alerts, as GitHub renders them.
    options.extension.alerts = true;
    // Comments use `<details>` and `<summary>`, which GitHub keeps.
    options.render.r#unsafe = true;
    comrak::markdown_to_html(body, &options)
}

/// Every `href` in `html`.
pub fn hrefs(html: &str) -> Vec<String> {
    html.split("<a href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next().map(str::to_owned))
        .collect()
}

/// The text of `html` outside its tags and outside the elements named in `skipped` (`code`: a
/// backslash there is a value's own; `a`: a link's text is no mention).
pub fn text_outside(html: &str, skipped: &[&str]) -> String {
    let mut out = String::new();
    let mut depth = 0usize;
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        if depth == 0 {
            out.push_str(&rest[..start]);
        }
        let end = rest[start..]
            .find('>')
            .map_or(rest.len(), |e| start + e + 1);
        let tag = &rest[start..end];
        let name: String = tag
            .trim_start_matches(['<', '/'])
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect();
        if skipped.contains(&name.as_str()) {
            if tag.starts_with("</") {
                depth = depth.saturating_sub(1);
            } else {
                depth += 1;
            }
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}
