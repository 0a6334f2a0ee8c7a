//! What a project's identifying text may be: its code (项目编号), its name, and the names of
//! investors and reference records (teams, clusters, parks). The services check through these
//! functions, by the limits and characters of `domain::text`; none of them writes the limits
//! again.

use super::text::{self, Rule, TextError};
use super::words::Words;

/// The longest 项目编号, in bytes (codes are ASCII).
pub const CODE_MAX_LEN: usize = text::CODE;

/// Takes a 项目编号: 1 to 64 letters, digits, `-` or `_`, surrounding blanks trimmed.
pub fn project_code(code: &str) -> Result<&str, Words> {
    let code = code.trim();
    let valid = (1..=CODE_MAX_LEN).contains(&code.len())
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'));
    if valid {
        Ok(code)
    } else {
        Err(Words::new(
            format!("`{code}`不是有效的项目编号：应为1至{CODE_MAX_LEN}个英文字母、数字、`-`或`_`"),
            format!("`{code}` must be 1 to {CODE_MAX_LEN} letters, digits, `-` or `_`"),
        ))
    }
}

/// Takes a project name by the rule of [`text::PROJECT_NAME`]: surrounding blanks trimmed.
pub fn name(name: &str) -> Result<&str, TextError> {
    checked(name, Rule::name(text::PROJECT_NAME))
}

/// Takes an investor name by the rule of [`text::INVESTOR_NAME`]: surrounding blanks trimmed.
pub fn investor_name(name: &str) -> Result<&str, TextError> {
    checked(name, Rule::name(text::INVESTOR_NAME))
}

/// Takes a team, cluster or park name by the rule of [`text::REFERENCE_NAME`]: surrounding
/// blanks trimmed.
pub fn reference_name(name: &str) -> Result<&str, TextError> {
    checked(name, Rule::name(text::REFERENCE_NAME))
}

fn checked(name: &str, rule: Rule) -> Result<&str, TextError> {
    rule.check(name).map(|()| name.trim())
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
        assert!(name(&"项".repeat(200)).is_ok());
        assert!(name(&"项".repeat(201)).is_err());
        assert!(reference_name(&"园".repeat(100)).is_ok());
        assert!(reference_name(&"园".repeat(101)).is_err());
        assert_eq!(name(" 大足项目 "), Ok("大足项目"));
        assert_eq!(name("  "), Err(TextError::Blank));
        assert_eq!(name("大足\0项目"), Err(TextError::Control(text::Lines::One)));
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
