//! Character-level clean-up shared by headers and values: full-width to half-width, invisible
//! characters, trimming, and the markers teams write for "nothing here".

pub(crate) use crate::domain::text::{compact, half_width, is_invisible, trim_text};

/// A one-line value with its tabs and line breaks (a cell wrapped by hand) made spaces.
pub(crate) fn fold_lines(text: String) -> String {
    if !text.chars().any(is_line_break) {
        return text;
    }
    text.chars().map(|c| if is_line_break(c) { ' ' } else { c }).collect()
}

/// Tab, line feed, vertical tab, form feed, carriage return, next line: the blanks that are
/// control characters.
fn is_line_break(c: char) -> bool {
    c.is_whitespace() && c.is_control()
}

/// "-", "—", "/", "无", "暂无", "空" and blanks: the cell holds no value.
pub(crate) fn is_empty_marker(text: &str) -> bool {
    // No marker has more than three visible characters: most cells are ruled out unallocated.
    if text
        .chars()
        .filter(|c| !c.is_whitespace() && !is_invisible(*c))
        .nth(3)
        .is_some()
    {
        return false;
    }
    let key = compact(text);
    key.is_empty()
        || matches!(
            key.as_ref(),
            "-" | "--" | "---" | "—" | "——" | "–" | "/" | "//" | "无" | "暂无" | "空" | "\\"
        )
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;

    #[test]
    fn markers_and_widths() {
        for marker in [
            "", " ", "-", "—", "——", "/", "无", "暂无", "空", "－", "／", " 无 ", "\u{3000}",
        ] {
            assert!(is_empty_marker(marker), "{marker:?}");
        }
        for value in ["0", "无锡", "-5", "空港"] {
            assert!(!is_empty_marker(value), "{value:?}");
        }
        assert_eq!(compact("１２３，４ （万元）"), "123,4(万元)");
        assert!(matches!(compact("大足区五金专班"), Cow::Borrowed("大足区五金专班")));
        assert!(matches!(compact("五金 专班"), Cow::Owned(s) if s == "五金专班"));
        assert!(matches!(compact("五金\u{200B}专班"), Cow::Owned(s) if s == "五金专班"));
        assert_eq!(trim_text("\u{3000}\u{FEFF} 上海 \n"), "上海");
    }
}
