//! The pieces results are drawn with: aligned tables for lists, `key: value` for one object,
//! warnings under what they are about, marked `warning:`.

use crate::domain::warning::Warning;
use serde::Serialize;
use std::io::{self, Write};

/// A result (or error object) as `--json` prints it.
pub fn json(out: &mut dyn Write, value: &impl Serialize) -> io::Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(io::Error::other)?;
    writeln!(out, "{text}")
}

/// A value as a person reads it: its wire form (an enum's name, a timestamp's RFC 3339),
/// strings unquoted, `-` for none. Enums and timestamps are named by their serde form, so the
/// words are the contract's, defined once on the types.
pub fn text(value: &impl Serialize) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::Null) => "-".into(),
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(e) => format!("({e})"),
    }
}

/// Columns padded to their widest cell; the last column is not padded.
pub fn table(out: &mut dyn Write, header: &[&str], rows: &[Vec<String>]) -> io::Result<()> {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let last = cells.len().saturating_sub(1);
        let mut line = String::new();
        for (i, cell) in cells.into_iter().enumerate() {
            if i == last {
                line.push_str(cell);
            } else {
                let pad = widths[i] - cell.chars().count();
                line.push_str(cell);
                line.push_str(&" ".repeat(pad + 2));
            }
        }
        line
    };
    writeln!(out, "{}", line(header.to_vec()))?;
    for row in rows {
        writeln!(out, "{}", line(row.iter().map(String::as_str).collect()))?;
    }
    Ok(())
}

/// `key:   value` lines, the values aligned after the widest key given.
pub fn fields(out: &mut dyn Write, width: usize, rows: &[(&str, String)]) -> io::Result<()> {
    for (key, value) in rows {
        writeln!(out, "{:<width$} {value}", format!("{key}:"))?;
    }
    Ok(())
}

pub fn warnings(out: &mut dyn Write, warnings: &[Warning]) -> io::Result<()> {
    for w in warnings {
        let at = w.line.map(|l| format!(" (line {l})")).unwrap_or_default();
        writeln!(out, "warning: {}{at}: {}", text(&w.code), w.message)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::warning::WarningCode;

    #[test]
    fn tables_align_on_the_widest_cell() {
        let mut out = Vec::new();
        let rows = vec![
            vec!["a".to_owned(), "x".to_owned(), "last".to_owned()],
            vec!["longer".to_owned(), "é".to_owned(), "z".to_owned()],
        ];
        table(&mut out, &["ID", "S", "JOB"], &rows).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "ID      S  JOB\na       x  last\nlonger  é  z\n"
        );
    }

    #[test]
    fn values_read_as_their_wire_form() {
        assert_eq!(text(&None::<String>), "-");
        assert_eq!(text(&"plain"), "plain");
        assert_eq!(text(&Some(3)), "3");
        assert_eq!(text(&WarningCode::StepTooLarge), "STEP_TOO_LARGE");
        let mut out = Vec::new();
        let mut w = Warning::new(WarningCode::StepTooLarge, "fires once");
        w.line = Some(4);
        warnings(&mut out, &[w]).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "warning: STEP_TOO_LARGE (line 4): fires once\n"
        );
    }
}
