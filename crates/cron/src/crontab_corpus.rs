//! The oracle tests' inputs: a deterministic generator, and a corpus of crontab lines over
//! every kind of field, macro, variable and junk cron meets.

/// A tiny deterministic generator (xorshift), so failures reproduce.
pub(super) struct Gen(pub(super) u64);

impl Gen {
    pub(super) fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub(super) fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }

    pub(super) fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

const ATOMS: [&[&str]; 5] = [
    &[
        "0", "5", "59", "60", "00", "*", "*/15", "*/0", "*/60", "1-5", "5-1", "0-59/10",
    ],
    &["0", "23", "24", "*", "9-17", "17-9", "*/2", "1/5", "8-18/0"],
    &["1", "0", "31", "32", "*", "1-15", "15-1", "*/3"],
    &[
        "1",
        "12",
        "13",
        "0",
        "*",
        "jan",
        "JAN",
        "Jan",
        "january",
        "jan-mar",
        "Mar-jan",
        "dec",
        "jun-aug/2",
        "foo",
    ],
    &[
        "0", "7", "8", "0-7", "*", "mon", "MON", "mOn", "monday", "mon-fri", "Fri-mon", "sun",
        "SAT", "*/2", "1-5/0",
    ],
];
const JUNK: [&str; 7] = ["x", ".5", "/2", "*", ";", "\u{e9}", "-"];
const MACROS: [&str; 12] = [
    "@reboot",
    "@yearly",
    "@annually",
    "@monthly",
    "@weekly",
    "@daily",
    "@midnight",
    "@hourly",
    "@Daily",
    "@HOURLY",
    "@often",
    "@",
];
const COMMANDS: [&str; 6] = [
    "echo hi",
    "/bin/true > /dev/null 2>&1",
    "*cmd",
    "",
    "a%b",
    "x\r",
];
const ENV_LINES: [&str; 12] = [
    "MAILTO=",
    "MAILTO=\"\"",
    "MAILTO=''",
    "MAILTO=a@b",
    " A = b ",
    "A=\"b\" c",
    "\"A B\"=c",
    "=b",
    "A",
    "A='x",
    "PATH=/bin:/usr/bin",
    "MAILTO=  ",
];
const OTHER_LINES: [&str; 8] = [
    "",
    "   ",
    "# comment",
    "  \t# x",
    "\r",
    "\u{feff}# x",
    "\t",
    "#",
];

fn field(g: &mut Gen, i: usize) -> String {
    let mut parts = vec![g.pick(ATOMS[i]).to_string()];
    while g.chance(20) {
        let sep = if g.chance(85) { "," } else { ",," };
        parts.push(format!("{sep}{}", g.pick(ATOMS[i])));
    }
    let mut f = parts.concat();
    if g.chance(8) {
        f.push_str(g.pick(&JUNK));
    }
    if g.chance(2) {
        f.push(',');
    }
    f
}

fn job_line(g: &mut Gen) -> String {
    let schedule = if g.chance(15) {
        g.pick(&MACROS).to_string()
    } else {
        let count = if g.chance(5) { 4 } else { 5 };
        (0..count)
            .map(|i| field(g, i))
            .collect::<Vec<_>>()
            .join(if g.chance(10) { "\t" } else { " " })
    };
    let lead = if g.chance(10) { " \t" } else { "" };
    format!("{lead}{schedule} {}", g.pick(&COMMANDS))
}

pub(super) fn corpus() -> Vec<String> {
    let mut g = Gen(0x5eed_cafe_f00d_d00d);
    let mut cases = Vec::new();
    for _ in 0..700 {
        let line = match g.next() % 10 {
            0 => g.pick(&ENV_LINES).to_string(),
            1 => g.pick(&OTHER_LINES).to_string(),
            _ => job_line(&mut g),
        };
        let end = match g.next() % 12 {
            0 => "",
            1 => "\r\n",
            _ => "\n",
        };
        cases.push(format!("{line}{end}"));
    }
    // Whole files: cron must refuse a file if any line is bad.
    for _ in 0..100 {
        let lines: Vec<String> = (0..3)
            .map(|_| match g.next() % 4 {
                0 => g.pick(&ENV_LINES).to_string(),
                1 => g.pick(&OTHER_LINES).to_string(),
                _ => job_line(&mut g),
            })
            .collect();
        cases.push(format!("{}\n", lines.join("\n")));
    }
    for n in [996, 997, 998, 999, 1000, 1200] {
        cases.push(format!("* * * * * {}\n", "x".repeat(n)));
        cases.push(format!("@daily {}\n", "y".repeat(n)));
        cases.push(format!("A={}\n", "v".repeat(n)));
        cases.push(format!("A=\"{}\"\n", "v".repeat(n)));
    }
    let edge = [
        "mon-fri",
        "JAN",
        "7",
        "0-7",
        "5-1",
        "*x",
        "1.5",
        "*/5/2",
        "*/60",
        "*/0",
        "1/5",
        "60",
        "monday",
        "4294967296",
        "2147483648",
        "-1",
        "1-",
        ",1",
    ];
    for e in edge {
        cases.push(format!("{e} * * * * cmd\n"));
        cases.push(format!("0 0 * {e} {e} cmd\n"));
    }
    cases.extend(
        [
            "",
            "\n",
            "* * * * * cmd",
            "# no newline",
            "   ",
            "A=b",
            "@daily cmd\r\n",
            "\u{feff}* * * * * cmd\n",
            "\u{feff}A=b\n",
            "\r\n",
            "* * * * *\n",
            "* * * * *\r\n",
            "@daily\n",
            "@daily\r\n",
            "* * * * * a\0b\n",
            "\0abc",
            "A=b\0\n",
            "A=b\0",
            "#a\0b\n",
            "@daily\0\n",
            "* * * * *\0 cmd\n",
            "1= * * * * cmd\n",
            "* * * * * cmd\n#x",
            "A=b\n\n* * * * * cmd\n",
            "\t@hourly\tcmd\n",
            "@reboot  \n",
        ]
        .map(String::from),
    );
    cases.push("# c\n".repeat(10_000));
    cases.push("# c\n".repeat(10_001));
    cases.push(format!("{}# tail", "\n".repeat(10_000)));
    cases
}
