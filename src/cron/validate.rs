//! Whole-crontab validation, accepting exactly what Debian's `crontab` accepts: crontab.c's
//! replace_cmd check (line limit, final newline) over the per-line port in `line.rs`.

use schemars::JsonSchema;
use serde::Serialize;

use super::line::{scan_line, Item};

/// crontab.c's MAX_TAB_LINES.
const MAX_TAB_LINES: usize = 10_000;

/// One reason a crontab would be refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct CrontabError {
    /// 1-based line number.
    pub line: usize,
    /// The line as it stands.
    pub text: String,
    pub reason: String,
}

/// `Ok` exactly when Debian's `crontab` would install `content`.
///
/// Unlike `crontab`, which stops at the first bad line, this reports every bad line. Lines
/// are independent to cron (nothing it reads spans a `\n`), so checking them one by one
/// decides acceptance exactly as cron's single pass does.
pub fn validate_crontab(content: &str) -> Result<(), Vec<CrontabError>> {
    let mut errors = Vec::new();
    let mut lines = content.split('\n').peekable();
    let mut number = 0;
    while let Some(line) = lines.next() {
        number += 1;
        let terminated = lines.peek().is_some();
        if !terminated && line.is_empty() {
            break;
        }
        for item in scan_line(line.as_bytes(), terminated) {
            if let Item::Error(reason) = item {
                errors.push(CrontabError {
                    line: number,
                    text: line.to_string(),
                    reason,
                });
            }
        }
    }
    let newlines = content.bytes().filter(|&b| b == b'\n').count();
    if newlines > MAX_TAB_LINES {
        errors.push(CrontabError {
            line: MAX_TAB_LINES + 1,
            text: String::new(),
            reason: format!("crontab has {newlines} lines; cron allows at most {MAX_TAB_LINES}"),
        });
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}
