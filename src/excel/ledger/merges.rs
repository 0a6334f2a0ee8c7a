//! The merged ranges of each worksheet, collected while the container check inflates the
//! sheet parts anyway: calamine's `merge_cells_by_sheet_name` parses every cell of a sheet a
//! second time to reach the `<mergeCells>` list at its end, which costs a quarter of the
//! reading time of a large ledger. Sheets are found by name through `xl/workbook.xml` and its
//! relationships; when anything here is unclear the caller falls back to calamine.

use std::collections::HashMap;
use std::io::{self, Read, Write};

use calamine::Dimensions;

/// A `Write` sink that keeps the `ref` of every `<mergeCell>` tag written through it.
#[derive(Default)]
pub(crate) struct MergeScanner {
    pending: Vec<u8>,
    pub(crate) found: Vec<Dimensions>,
}

const TAG: &[u8] = b"mergeCell ";

/// Longest `<mergeCell …>` tag looked for: a "mergeCell " with no `>` within this many bytes
/// is not a tag, and what follows it is not kept (a broken part must not make the scan
/// quadratic by keeping everything after it).
const MAX_TAG: usize = 1024;

impl MergeScanner {
    /// Records the tags of `data` that start before `starts_before`; returns where the bytes
    /// still needed begin: a tag whose `>` may come in the next write, or else the last bytes,
    /// which may begin one.
    fn scan(&mut self, data: &[u8], starts_before: usize) -> usize {
        let mut at = 0;
        while let Some(offset) = memchr::memmem::find(&data[at..], TAG) {
            let start = at + offset;
            if start >= starts_before {
                break;
            }
            let window = &data[start..data.len().min(start + MAX_TAG)];
            match memchr::memchr(b'>', window) {
                Some(end) => {
                    if let Some(range) = tag_ref(&window[..end]).and_then(parse_range) {
                        self.found.push(range);
                    }
                    at = start + end;
                }
                // No `>` within MAX_TAG bytes: not a tag.
                None if window.len() == MAX_TAG => at = start + 1,
                None => return start,
            }
        }
        data.len().saturating_sub(TAG.len() - 1).max(at)
    }
}

impl Write for MergeScanner {
    /// Scans `buf` where it lies: only the few bytes a tag cut between two writes needs are
    /// kept, and joined with the start of the next write.
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if !self.pending.is_empty() {
            let kept = self.pending.len();
            self.pending
                .extend_from_slice(&buf[..buf.len().min(MAX_TAG + TAG.len())]);
            let joined = std::mem::take(&mut self.pending);
            let resume = self.scan(&joined, kept);
            if resume < kept {
                // A tag begun in the kept bytes is still open: `buf` is short, and all of it
                // is in `joined`, kept until the tag closes.
                self.pending = joined[resume..].to_vec();
                return Ok(buf.len());
            }
        }
        let resume = self.scan(buf, buf.len());
        self.pending.extend_from_slice(&buf[resume..]);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The value of `ref="…"` in a tag.
fn tag_ref(tag: &[u8]) -> Option<&[u8]> {
    let at = memchr::memmem::find(tag, b"ref=")? + 4;
    let quote = *tag.get(at)?;
    let rest = tag.get(at + 1..)?;
    let end = rest.iter().position(|&b| b == quote)?;
    Some(&rest[..end])
}

/// "A1:T1" (or "B3") into 0-based (row, column) corners.
fn parse_range(text: &[u8]) -> Option<Dimensions> {
    let text = std::str::from_utf8(text).ok()?;
    let (a, b) = text.split_once(':').unwrap_or((text, text));
    Some(Dimensions {
        start: parse_cell(a)?,
        end: parse_cell(b)?,
    })
}

fn parse_cell(cell: &str) -> Option<(u32, u32)> {
    let cell = cell.trim().trim_start_matches('$');
    let letters = cell.bytes().take_while(u8::is_ascii_alphabetic).count();
    if letters == 0 || letters > 3 {
        return None;
    }
    let mut col: u32 = 0;
    for b in cell[..letters].bytes() {
        col = col * 26 + u32::from(b.to_ascii_uppercase() - b'A' + 1);
    }
    let row: u32 = cell[letters..].trim_start_matches('$').parse().ok()?;
    Some((row.checked_sub(1)?, col - 1))
}

/// Sheet name → zip part path, from `xl/workbook.xml` and `xl/_rels/workbook.xml.rels`.
pub(crate) fn sheet_parts(archive: &mut zip::ZipArchive<io::Cursor<&[u8]>>) -> Option<HashMap<String, String>> {
    let workbook = read_part(archive, "xl/workbook.xml")?;
    let rels = read_part(archive, "xl/_rels/workbook.xml.rels")?;
    let mut targets = HashMap::new();
    for tag in tags(&rels, "Relationship") {
        let id = attr(tag, "Id")?;
        let target = attr(tag, "Target")?;
        let path = match target.strip_prefix('/') {
            Some(absolute) => absolute.to_owned(),
            None if target.contains("..") => return None,
            None => format!("xl/{}", target.trim_start_matches("./")),
        };
        targets.insert(id, path);
    }
    let mut parts = HashMap::new();
    for tag in tags(&workbook, "sheet") {
        let name = attr(tag, "name")?;
        let id = attr_ending(tag, ":id")?;
        parts.insert(name, targets.get(&id)?.clone());
    }
    Some(parts)
}

fn read_part(archive: &mut zip::ZipArchive<io::Cursor<&[u8]>>, name: &str) -> Option<String> {
    let mut text = String::new();
    archive
        .by_name(name)
        .ok()?
        .take(16 * 1024 * 1024)
        .read_to_string(&mut text)
        .ok()?;
    Some(text)
}

/// The opening tags `<name …>` (with or without a namespace prefix) in `xml`.
fn tags<'a>(xml: &'a str, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    xml.split('<').filter_map(move |chunk| {
        let tag = chunk.split('>').next()?;
        let element = tag.split([' ', '\t', '\r', '\n', '/']).next()?;
        let local = element.rsplit(':').next()?;
        (local == name).then_some(tag)
    })
}

/// The unescaped value of the attribute `name` in a tag.
fn attr(tag: &str, name: &str) -> Option<String> {
    attrs(tag).find(|(k, _)| *k == name).map(|(_, v)| unescape(v))
}

fn attr_ending(tag: &str, suffix: &str) -> Option<String> {
    attrs(tag).find(|(k, _)| k.ends_with(suffix)).map(|(_, v)| unescape(v))
}

fn attrs(tag: &str) -> impl Iterator<Item = (&str, &str)> {
    let mut rest = tag;
    std::iter::from_fn(move || {
        let eq = rest.find('=')?;
        let key = rest[..eq].rsplit([' ', '\t', '\r', '\n']).next()?.trim();
        let after = rest[eq + 1..].trim_start();
        let quote = after.chars().next()?;
        if quote != '"' && quote != '\'' {
            return None;
        }
        let value_and_rest = &after[1..];
        let end = value_and_rest.find(quote)?;
        let value = &value_and_rest[..end];
        rest = &value_and_rest[end + 1..];
        Some((key, value))
    })
}

fn unescape(text: &str) -> String {
    if !text.contains('&') {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let Some(end) = after.find(';') else {
            out.push_str(&rest[at..]);
            return out;
        };
        let entity = &after[..end];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|dec| dec.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => out.push(c),
            None => out.push_str(&rest[at..=at + end + 1]),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scanner_finds_merges_across_writes() {
        let xml = br#"<sheetData/><mergeCells count="2"><mergeCell ref="A1:T1"/><x:mergeCell ref='B3:C4'/><mergeCell ref="$D$5"/></mergeCells>"#;
        for split in [1, 7, 30, 50, 70, xml.len()] {
            let mut scanner = MergeScanner::default();
            for chunk in xml.chunks(split) {
                scanner.write_all(chunk).unwrap();
            }
            let found: Vec<_> = scanner.found.iter().map(|d| (d.start, d.end)).collect();
            assert_eq!(
                found,
                vec![((0, 0), (0, 19)), ((2, 1), (3, 2)), ((4, 3), (4, 3))],
                "{split}"
            );
        }
    }

    #[test]
    fn scanner_finds_merges_whatever_the_write_sizes() {
        let filler = "<c r=\"A1\" t=\"s\"><v>1</v></c>".repeat(100);
        // A "mergeCell " with no `>` within MAX_TAG bytes is not a tag.
        let decoy = format!("mergeCell {}", "x".repeat(MAX_TAG + 10));
        let xml = format!(
            "{filler}<mergeCell ref=\"A1:B2\"/>{decoy}<mergeCell ref=\"C3:D4\"/>{filler}<mergeCell ref=\"E5:F6\"/>"
        );
        let expected = vec![((0, 0), (1, 1)), ((2, 2), (3, 3)), ((4, 4), (5, 5))];
        for split in [
            1,
            9,
            10,
            11,
            100,
            1023,
            1024,
            1025,
            1034,
            1035,
            1036,
            2048,
            4096,
            xml.len(),
        ] {
            let mut scanner = MergeScanner::default();
            for chunk in xml.as_bytes().chunks(split) {
                scanner.write_all(chunk).unwrap();
            }
            let found: Vec<_> = scanner.found.iter().map(|d| (d.start, d.end)).collect();
            assert_eq!(found, expected, "{split}");
            assert!(scanner.pending.len() <= MAX_TAG + TAG.len(), "{split}");
        }
    }

    #[test]
    fn attributes_and_entities() {
        let tag = r#"sheet name="台账 &amp; 汇总" sheetId="1" r:id="rId1""#;
        assert_eq!(attr(tag, "name").as_deref(), Some("台账 & 汇总"));
        assert_eq!(attr_ending(tag, ":id").as_deref(), Some("rId1"));
        assert_eq!(unescape("&#x4E00;&#20108;&lt;"), "一二<");
        assert_eq!(parse_cell("AA10"), Some((9, 26)));
    }
}
