//! The byte cursor: misc.c's get_char, unget_char, get_string and skip_comments, and cron.h's
//! Skip_Blanks and Skip_Nonblanks, over a byte slice instead of a FILE.

/// cron's EOF from getc().
pub(crate) const EOF: i32 = -1;
pub(super) const NL: i32 = b'\n' as i32;

/// A stdio stream over bytes with get_char/unget_char semantics. A line handed over without
/// its `\n` can be read as if the `\n` were there (`virtual_nl`), so the port never allocates.
pub(crate) struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
    virtual_nl: bool,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(bytes: &'a [u8], virtual_nl: bool) -> Self {
        Cursor {
            bytes,
            pos: 0,
            virtual_nl,
        }
    }

    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    pub(crate) fn set_pos(&mut self, pos: usize) {
        self.pos = pos;
    }

    pub(crate) fn get_char(&mut self) -> i32 {
        if let Some(&b) = self.bytes.get(self.pos) {
            self.pos += 1;
            i32::from(b)
        } else if self.virtual_nl && self.pos == self.bytes.len() {
            self.pos += 1;
            NL
        } else {
            EOF
        }
    }

    /// ungetc(EOF) pushes nothing back.
    pub(crate) fn unget_char(&mut self, ch: i32) {
        if ch != EOF {
            self.pos -= 1;
        }
    }

    /// Offset of `ch`, the character last read (or the end, after EOF).
    pub(crate) fn at(&self, ch: i32) -> usize {
        if ch == EOF {
            self.pos
        } else {
            self.pos - 1
        }
    }

    /// The source bytes in `start..end`, clamped (the virtual `\n` is not in `bytes`).
    pub(crate) fn slice(&self, start: usize, end: usize) -> &'a [u8] {
        let end = end.min(self.bytes.len());
        self.bytes.get(start.min(end)..end).unwrap_or_default()
    }

    /// misc.c get_string: reads up to a terminator, keeping at most `size - 1` bytes. A NUL
    /// also terminates, because cron tests `strchr(terms, ch)` and strchr finds the NUL that
    /// ends `terms`. Returns the kept bytes and the terminator (or EOF).
    pub(crate) fn get_string(&mut self, size: usize, terms: &[u8]) -> (&'a [u8], i32) {
        let start = self.pos;
        let stops = |ch: i32| ch == EOF || ch == 0 || terms.iter().any(|&t| i32::from(t) == ch);
        // The bytes in one pass (every line is read this way, some twice), then get_char for
        // what follows them: the virtual `\n`, and EOF.
        let rest = self.bytes.get(start..).unwrap_or_default();
        let mut ch = match rest.iter().position(|&b| stops(i32::from(b))) {
            Some(i) => {
                self.pos = start + i + 1;
                i32::from(rest[i])
            }
            None => {
                self.pos = self.pos.max(self.bytes.len());
                self.get_char()
            }
        };
        while !stops(ch) {
            ch = self.get_char();
        }
        let end = self.at(ch).min(start + size.saturating_sub(1));
        (self.slice(start, end), ch)
    }

    /// misc.c skip_comments: skips blank lines and comment lines, stopping before the first
    /// non-blank character of a useful line.
    pub(crate) fn skip_comments(&mut self) {
        let mut ch;
        loop {
            ch = self.get_char();
            if ch == EOF {
                break;
            }
            while is_blank(ch) {
                ch = self.get_char();
            }
            if ch == EOF {
                break;
            }
            if ch != NL && ch != i32::from(b'#') {
                break;
            }
            while ch != NL && ch != EOF {
                ch = self.get_char();
            }
        }
        self.unget_char(ch);
    }

    /// cron.h Skip_Blanks.
    pub(crate) fn skip_blanks(&mut self, mut ch: i32) -> i32 {
        while is_blank(ch) {
            ch = self.get_char();
        }
        ch
    }

    /// cron.h Skip_Nonblanks.
    pub(super) fn skip_nonblanks(&mut self, mut ch: i32) -> i32 {
        while !is_blank(ch) && ch != NL && ch != EOF {
            ch = self.get_char();
        }
        ch
    }
}

pub(crate) fn is_blank(ch: i32) -> bool {
    ch == i32::from(b' ') || ch == i32::from(b'\t')
}

pub(super) fn is(ch: i32, c: u8) -> bool {
    ch == i32::from(c)
}

/// For messages: bytes shown as text, control characters escaped.
pub(crate) fn show(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).escape_debug().to_string()
}

pub(super) fn show_ch(ch: i32) -> String {
    match u8::try_from(ch) {
        Ok(b) => show(&[b]),
        Err(_) => "end of line".to_string(),
    }
}
