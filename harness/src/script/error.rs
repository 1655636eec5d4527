//! Errors in a scenario script, located at `file:line:column` for the person who wrote it.

use std::fmt;
use std::ops::Range;

use mock_tax_platform::plan::locate::key_span;

/// A problem with a scenario script: where it is, what was expected, what was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptError {
    /// The script as the user named it.
    pub file: String,
    /// 1-based line, when the problem has a place in the file.
    pub line: Option<usize>,
    /// 1-based column (in characters), when the problem has a place in the file.
    pub column: Option<usize>,
    /// What was expected and what was found.
    pub message: String,
    /// The offending source line with a caret under the column, for the terminal.
    pub snippet: Option<String>,
}

impl ScriptError {
    /// An error about the file as a whole (it could not be read, or no place applies).
    pub fn whole_file(file: &str, message: impl Into<String>) -> Self {
        ScriptError {
            file: file.to_string(),
            line: None,
            column: None,
            message: message.into(),
            snippet: None,
        }
    }

    /// An error at a byte range of the script's source.
    pub fn at(file: &str, source: &str, span: Range<usize>, message: impl Into<String>) -> Self {
        let (line, column) = line_column(source, span.start);
        let text = source.lines().nth(line - 1).unwrap_or("");
        let caret_width = span
            .len()
            .clamp(1, text.chars().count().saturating_sub(column - 1).max(1));
        let gutter = line.to_string();
        let snippet = format!(
            "{pad} |\n{gutter} | {text}\n{pad} | {spaces}{carets}",
            pad = " ".repeat(gutter.len()),
            spaces = " ".repeat(column - 1),
            carets = "^".repeat(caret_width),
        );
        ScriptError {
            file: file.to_string(),
            line: Some(line),
            column: Some(column),
            message: message.into(),
            snippet: Some(snippet),
        }
    }

    /// A script that is not UTF-8 text, located at its first invalid byte.
    pub fn not_utf8(file: &str, bytes: &[u8], err: &std::str::Utf8Error) -> Self {
        let offset = err.valid_up_to();
        // The text before the bad byte is valid, so it can place and show it.
        let valid = bytes
            .get(..offset)
            .and_then(|b| std::str::from_utf8(b).ok())
            .unwrap_or_default();
        let byte = bytes.get(offset).copied().unwrap_or_default();
        ScriptError::at(
            file,
            valid,
            offset..offset,
            format!("expected UTF-8 text, found the byte 0x{byte:02X} at byte offset {offset}"),
        )
    }

    /// The error located by a `toml` deserialization error's span (1:1 when it has none),
    /// narrowed to the key a fault rule's message names.
    pub fn from_toml(file: &str, source: &str, err: &toml::de::Error) -> Self {
        let mut message = explain(err.message());
        if message.is_empty() {
            // `toml` says nothing when the text ends where a value should start (`a =`).
            message = "expected a value, found the end of the file".into();
        }
        let span = key_span(source, err.span().unwrap_or(0..0), &message);
        ScriptError::at(file, source, span, message)
    }
}

impl fmt::Display for ScriptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(line), Some(column)) => {
                write!(f, "{}:{line}:{column}: {}", self.file, self.message)?
            }
            _ => write!(f, "{}: {}", self.file, self.message)?,
        }
        if let Some(snippet) = &self.snippet {
            write!(f, "\n{snippet}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ScriptError {}

/// 1-based (line, column) of a byte offset; columns count characters, not bytes.
pub fn line_column(source: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(source.len());
    let mut offset = offset;
    while !source.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &source[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = source[line_start..offset].chars().count() + 1;
    (line, column)
}

/// Rewrites the few `toml`/serde messages that do not read well for a script author.
fn explain(message: &str) -> String {
    let message = message.trim_end();
    if message.starts_with("wrong number of keys")
        || message.starts_with("wanted exactly 1 element")
    {
        return format!(
            "expected exactly one action per `[[steps]]` entry (issue, fault, clear_faults, wait, \
             maintenance, checkpoint, restart_client, reconcile or settle); {message}"
        );
    }
    message
        .replace("expected a nonzero u64", "expected a positive whole number")
        .replace(
            "expected a nonzero usize",
            "expected a positive whole number",
        )
        .replace("expected u64", "expected a whole number")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_column_counts_from_one_in_characters() {
        let src = "a = 1\nbé = 2\n";
        assert_eq!(line_column(src, 0), (1, 1));
        assert_eq!(line_column(src, 6), (2, 1));
        assert_eq!(line_column(src, 9), (2, 3));
    }

    #[test]
    fn a_script_that_is_not_utf8_is_placed_at_its_first_bad_byte() {
        let bytes = [b"name = \"x\"\nseed = ".as_slice(), &[0xff], b"1\n"].concat();
        let utf8 = std::str::from_utf8(&bytes).unwrap_err();
        let err = ScriptError::not_utf8("s.toml", &bytes, &utf8);
        assert_eq!((err.line, err.column), (Some(2), Some(8)), "{err}");
        assert!(err.message.contains("0xFF at byte offset 18"), "{err}");
    }

    #[test]
    fn a_script_that_ends_before_a_value_says_so() {
        let source = "name = \"x\"\nseed =";
        let err = toml::from_str::<toml::Table>(source).unwrap_err();
        let err = ScriptError::from_toml("s.toml", source, &err);
        assert_eq!((err.line, err.column), (Some(2), Some(7)), "{err}");
        assert_eq!(err.message, "expected a value, found the end of the file");
    }

    #[test]
    fn display_names_file_line_and_column_then_the_snippet() {
        let err = ScriptError::at("s.toml", "x = 1\nbad = 2\n", 6..9, "unknown field `bad`");
        let text = err.to_string();
        assert!(
            text.starts_with("s.toml:2:1: unknown field `bad`"),
            "{text}"
        );
        assert!(text.contains("2 | bad = 2"), "{text}");
        assert!(text.contains("  | ^^^"), "{text}");
    }
}
