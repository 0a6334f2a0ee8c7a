//! What a project's identifying text may be: its code (项目编号), its name, and the names of
//! investors and reference records (teams, clusters, parks). The API, the import and the
//! console all check through these functions; none of them writes the limits again.

/// The longest 项目编号, in bytes (codes are ASCII).
pub const CODE_MAX_LEN: usize = 64;
/// The longest project or investor name, in characters.
pub const NAME_MAX_CHARS: usize = 200;
/// The longest name of a team, cluster or park, in characters.
pub const REFERENCE_NAME_MAX_CHARS: usize = 100;

/// Takes a 项目编号: 1 to 64 letters, digits, `-` or `_`, surrounding blanks trimmed.
pub fn project_code(code: &str) -> Result<&str, String> {
    let code = code.trim();
    let valid = (1..=CODE_MAX_LEN).contains(&code.len())
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'));
    if valid {
        Ok(code)
    } else {
        Err(format!(
            "`{code}` must be 1 to {CODE_MAX_LEN} letters, digits, `-` or `_`"
        ))
    }
}

/// A name refused: blank, or longer than its limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("must not be blank")]
    Blank,
    #[error("must be at most {0} characters")]
    TooLong(usize),
}

/// Takes a project or investor name: surrounding blanks trimmed, not blank, at most
/// [`NAME_MAX_CHARS`] characters.
pub fn name(name: &str) -> Result<&str, NameError> {
    limited(name, NAME_MAX_CHARS)
}

/// Takes a team, cluster or park name: surrounding blanks trimmed, not blank, at most
/// [`REFERENCE_NAME_MAX_CHARS`] characters.
pub fn reference_name(name: &str) -> Result<&str, NameError> {
    limited(name, REFERENCE_NAME_MAX_CHARS)
}

fn limited(name: &str, max_chars: usize) -> Result<&str, NameError> {
    let name = name.trim();
    if name.is_empty() {
        Err(NameError::Blank)
    } else if name.chars().count() > max_chars {
        Err(NameError::TooLong(max_chars))
    } else {
        Ok(name)
    }
}

/// Whether a project or investor name is short enough.
pub fn name_fits(name: &str) -> bool {
    name.chars().count() <= NAME_MAX_CHARS
}

/// Whether a team, cluster or park name is short enough.
pub fn reference_name_fits(name: &str) -> bool {
    name.chars().count() <= REFERENCE_NAME_MAX_CHARS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        assert_eq!(project_code(" DZ-2025_001 "), Ok("DZ-2025_001"));
        assert!(project_code("").is_err());
        assert!(project_code("大足001").is_err());
        assert!(project_code(&"A".repeat(65)).is_err());
        assert!(project_code(&"A".repeat(64)).is_ok());
    }

    #[test]
    fn names() {
        assert!(name_fits(&"项".repeat(200)));
        assert!(!name_fits(&"项".repeat(201)));
        assert!(reference_name_fits(&"园".repeat(100)));
        assert!(!reference_name_fits(&"园".repeat(101)));
        assert_eq!(name(" 大足项目 "), Ok("大足项目"));
        assert_eq!(name("  "), Err(NameError::Blank));
        assert_eq!(
            name(&"项".repeat(201)).unwrap_err().to_string(),
            "must be at most 200 characters"
        );
        assert_eq!(
            reference_name(&"园".repeat(101)).unwrap_err().to_string(),
            "must be at most 100 characters"
        );
    }
}
