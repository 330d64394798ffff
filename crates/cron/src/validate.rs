//! Whole-crontab validation, accepting exactly what Debian's `crontab` accepts: crontab.c's
//! replace_cmd check (line limit, final newline) over the per-line port in `line.rs`.

use schemars::JsonSchema;
use serde::Serialize;

use super::line::{scan_line, Loaded};

/// cron refuses a crontab of more than this many lines (crontab.c's MAX_TAB_LINES).
pub const MAX_TAB_LINES: usize = 10_000;

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
            if let Loaded::Error(reason) = item {
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
            text: content
                .split('\n')
                .nth(MAX_TAB_LINES)
                .unwrap_or_default()
                .to_string(),
            reason: format!("crontab has {newlines} lines; cron allows at most {MAX_TAB_LINES}"),
        });
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reasons(content: &str) -> Vec<(usize, String)> {
        match validate_crontab(content) {
            Ok(()) => Vec::new(),
            Err(errors) => errors.into_iter().map(|e| (e.line, e.reason)).collect(),
        }
    }

    #[test]
    fn accepts_what_crontab_accepts() {
        for ok in [
            "",
            "# only a comment",
            "   ",
            "0 0 * * mon-fri cmd\n",
            "0 0 1 JAN * cmd\n",
            "0 0 * * 7 cmd\n0 0 * * 0-7 cmd\n",
            "5-1 * * * * cmd\n*x * * * * cmd\n1.5 * * * * cmd\n*/5/2 * * * * cmd\n",
            "*/60 * * * * cmd\n",
            "@reboot a\n@yearly a\n@annually a\n@monthly a\n@weekly a\n@daily a\n@midnight a\n\
             @hourly a\n",
            "MAILTO=\"\"\n* * * * * cmd\r\n",
            "* * * * *\n",
        ] {
            assert_eq!(validate_crontab(ok), Ok(()), "{ok:?}");
        }
        assert_eq!(validate_crontab(&"\n".repeat(MAX_TAB_LINES)), Ok(()));
        let cmd = format!("* * * * * {}\n", "x".repeat(998));
        assert_eq!(validate_crontab(&cmd), Ok(()));
    }

    #[test]
    fn rejects_what_crontab_rejects() {
        for bad in [
            "60 * * * * cmd\n",
            "*/0 * * * * cmd\n",
            "1/5 * * * * cmd\n",
            "* * * * monday cmd\n",
            "@Daily cmd\n",
            "MAILTO=\n",
            "* * * * * cmd",
            "\u{feff}* * * * * cmd\n",
            "\u{feff}# comment\n",
            "\r\n",
            "* * * * * *cmd\n",
            "* * * * cmd\n",
        ] {
            assert!(validate_crontab(bad).is_err(), "{bad:?}");
        }
        let cmd = format!("* * * * * {}\n", "x".repeat(999));
        assert!(reasons(&cmd)[0].1.contains("too long"));
        let long = "\n".repeat(MAX_TAB_LINES + 1);
        assert!(reasons(&long)[0].1.contains("cron allows at most 10000"));
    }

    #[test]
    fn reports_every_bad_line() {
        let got = reasons("# ok\n61 * * * * a\nA=b\n* * * * monday b\n@daily c");
        assert_eq!(
            got,
            vec![
                (2, "minute field: 61 is out of range 0-59".to_string()),
                (
                    4,
                    "day-of-week field: 'monday' is not a weekday name (use mon, or 1)".to_string()
                ),
                (5, "missing newline before end of file".to_string()),
            ]
        );
        let Err(errors) = validate_crontab("x\n") else {
            panic!()
        };
        assert_eq!(errors[0].text, "x");
    }
}
