//! lanai.1, written in man(7) roff from clap's own record of the arguments, so the page lists exactly the options
//! `--help` does. No maintained man-page generator reads clap 2 (clap_mangen needs clap 4), and clap 2 is frozen
//! at its last release, so its argument lists (public, though hidden from its docs) keep this shape.

use std::fmt::Write;
use structopt::clap::App;

/// The date of the release this page describes; move it with the version.
const DATE: &str = "2026-11-24";

/// The whole page for `app`, whose name, version, about line and examples (its after-help) it uses.
pub fn page(app: &App) -> String {
    let meta = &app.p.meta;
    let name = meta.name.as_str();
    let mut page = format!(
        ".TH {} 1 {DATE} \"{name} {}\" \"User Commands\"\n",
        name.to_uppercase(),
        meta.version.unwrap_or_default()
    );
    let about = meta.about.unwrap_or_default().trim_end_matches('.');
    section(&mut page, "NAME");
    fill(&mut page, &format!("{name} - {}", lowercase_first(about)));
    section(&mut page, "SYNOPSIS");
    line(&mut page, &format!(".B {name}"));
    let mut synopsis = String::from("[\\fIOPTIONS\\fR]");
    for positional in app.p.positionals.values() {
        let _ = write!(synopsis, " [\\fI{}\\fR]", escape(positional.b.name));
    }
    line(&mut page, &synopsis);
    section(&mut page, "DESCRIPTION");
    page.push_str(DESCRIPTION);
    section(&mut page, "OPTIONS");
    for entry in entries(app) {
        line(&mut page, ".TP");
        line(&mut page, &entry.heading);
        for paragraph in entry.help.split("\n\n") {
            sentence(&mut page, paragraph);
        }
        if !entry.values.is_empty() {
            sentence(&mut page, &format!("One of: {}", entry.values.join(", ")));
        }
        if let Some(default) = entry.default {
            sentence(&mut page, &format!("Default: {default}"));
        }
    }
    page.push_str(REFERENCE);
    section(&mut page, "EXAMPLES");
    for (command, effect) in examples(meta.more_help.unwrap_or_default()) {
        line(&mut page, ".TP");
        line(&mut page, &format!("\\fB{}\\fR", escape(command)));
        sentence(&mut page, effect);
    }
    page.push_str(SEE_ALSO);
    page
}

/// One argument as the OPTIONS section shows it.
struct Entry<'b> {
    heading: String,
    help: &'b str,
    values: Vec<&'b str>,
    default: Option<String>,
}

impl<'b> Entry<'b> {
    fn new(heading: String, long_help: Option<&'b str>, help: Option<&'b str>) -> Self {
        Entry {
            heading,
            help: long_help.or(help).unwrap_or_default(),
            values: Vec::new(),
            default: None,
        }
    }
}

/// The positionals, then flags and options in the order cli.rs declares them, then the --help and --version that
/// clap adds on its own when it parses.
fn entries<'b>(app: &App<'_, 'b>) -> Vec<Entry<'b>> {
    let positionals = app.p.positionals.values().map(|positional| {
        let heading = format!("\\fI{}\\fR", escape(positional.b.name));
        Entry::new(heading, positional.b.long_help, positional.b.help)
    });
    let flags = app.p.flags.iter().map(|flag| {
        let heading = switch(flag.s.short, flag.s.long, None);
        (
            flag.s.unified_ord,
            Entry::new(heading, flag.b.long_help, flag.b.help),
        )
    });
    let options = app.p.opts.iter().map(|option| {
        let value_name = option
            .v
            .val_names
            .as_ref()
            .and_then(|names| names.values().next().copied())
            .unwrap_or(option.b.name);
        let heading = switch(option.s.short, option.s.long, Some(value_name));
        let entry = Entry {
            values: option.v.possible_vals.clone().unwrap_or_default(),
            default: option
                .v
                .default_val
                .map(|value| value.to_string_lossy().into_owned()),
            ..Entry::new(heading, option.b.long_help, option.b.help)
        };
        (option.s.unified_ord, entry)
    });
    let mut declared: Vec<(usize, Entry)> = flags.chain(options).collect();
    declared.sort_by_key(|(order, _)| *order);
    let mut complete = app.clone();
    complete.p.create_help_and_version();
    let built_in: Vec<Entry> = complete.p.flags[app.p.flags.len()..]
        .iter()
        .map(|flag| Entry::new(switch(flag.s.short, flag.s.long, None), None, flag.b.help))
        .collect();
    positionals
        .chain(declared.into_iter().map(|(_, entry)| entry))
        .chain(built_in)
        .collect()
}

/// `\fB\-p\fR, \fB\-\-port\fR \fIPORT\fR`
fn switch(short: Option<char>, long: Option<&str>, value_name: Option<&str>) -> String {
    let mut names = Vec::new();
    if let Some(short) = short {
        names.push(format!("\\fB\\-{}\\fR", escape(&short.to_string())));
    }
    if let Some(long) = long {
        names.push(format!("\\fB\\-\\-{}\\fR", escape(long)));
    }
    let mut heading = names.join(", ");
    if let Some(value_name) = value_name {
        let _ = write!(heading, " \\fI{}\\fR", escape(value_name));
    }
    heading
}

/// The example lines of the after-help: `    COMMAND    EFFECT`, split at the first run of spaces after the command.
fn examples(after_help: &str) -> Vec<(&str, &str)> {
    after_help
        .lines()
        .skip_while(|line| !line.starts_with("EXAMPLES:"))
        .skip(1)
        .filter_map(|line| {
            let line = line.trim();
            let split = line.find("  ")?;
            Some((&line[..split], line[split..].trim_start()))
        })
        .collect()
}

fn section(page: &mut String, title: &str) {
    page.push_str(&format!(".SH {title}\n"));
}

/// One input line of roff, as given.
fn line(page: &mut String, text: &str) {
    page.push_str(text);
    page.push('\n');
}

/// Help text as sentences that each start on a new input line, as roff style asks. A trailing `[default: X]` from
/// the help becomes a sentence of its own.
fn sentence(page: &mut String, text: &str) {
    let text = text.trim();
    if let Some((help, default)) = text
        .strip_suffix(']')
        .and_then(|rest| rest.rsplit_once(" [default: "))
    {
        sentence(page, help);
        return sentence(page, &format!("Default: {default}"));
    }
    let stop = if text.ends_with(|c: char| c.is_alphanumeric() || c == ')') {
        "."
    } else {
        ""
    };
    fill(page, &format!("{text}{stop}"));
}

/// Plain text, escaped, filling input lines of at most 80 bytes.
fn fill(page: &mut String, text: &str) {
    let mut filled = String::new();
    for word in escape(text).split_whitespace() {
        if !filled.is_empty() && filled.len() + 1 + word.len() > 80 {
            line(page, &filled);
            filled.clear();
        }
        if filled.is_empty() && word.starts_with(['.', '\'']) {
            filled.push_str("\\&"); // a line starting with these would be read as a request
        } else if !filled.is_empty() {
            filled.push(' ');
        }
        filled.push_str(word);
    }
    line(page, &filled);
}

/// Backslashes and hyphens in roff: `\e`, and `\-` so options copy and paste as the ASCII minus they are.
fn escape(text: &str) -> String {
    text.replace('\\', "\\e").replace('-', "\\-")
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_lowercase().chain(chars).collect())
        .unwrap_or_default()
}

// The prose of the page, in roff: one sentence per input line, none over 80 bytes.
const DESCRIPTION: &str = r#".B lanai
serves the files of one folder, the document root, over HTTP/1.1.
It answers GET and HEAD.
A request for a folder gets the folder's index.html, and a folder named without
its trailing slash is redirected to the name with one.
.PP
It is safe by default: it listens on 127.0.0.1 unless
.B \-\-host
says otherwise, and it serves no hidden names (those that start with a dot), no
directory listings and nothing outside the root.
.PP
Before it accepts connections it prints one line to standard output with the
root and the URL to open.
The access log, one line per request, goes to standard error.
.PP
Options come from the config file first (see
.BR FILES )
and then from the command line, so the command line wins: when an option is
given more than once, the last one counts.
"#;

const REFERENCE: &str = r#".SH EXIT STATUS
.TP
.B 0
After
.BR \-\-help ,
.B \-\-version
or
.BR \-\-generate .
.TP
.B 2
A start-up problem: a bad option on the command line or in the config file, a
document root that is missing or not a folder, a port in use or not permitted,
or a log file that cannot be opened.
.B lanai
says what to do about it in one sentence on standard error.
.PP
Once it is serving,
.B lanai
runs until it is stopped.
.SH ENVIRONMENT
.TP
.B LANAI_CONFIG
The config file to read instead of the per-user one.
It must exist; set empty, it means no config file.
.TP
.B XDG_CONFIG_HOME
On Linux and the BSDs, the folder that holds the per-user config folder.
.SH FILES
The config file holds options as they are typed on the command line, one
argument per line: an option and its value are either one line
.RB ( \-\-port=8081 )
or two.
Blank lines and lines that start with # are skipped, and spaces around an
argument are ignored.
It may name the folder to serve only as
.BR \-\-document\-root=DIR ,
so that a folder given on the command line replaces it.
An option the file gets wrong is an error that names the file and the line.
.B \-\-no\-config
skips the file.
.PP
Where it is:
.TP
Linux and the BSDs
.I $XDG_CONFIG_HOME/lanai/config
or, without that variable,
.I ~/.config/lanai/config
.TP
macOS
.I ~/Library/Application Support/lanai/config
.TP
Windows
.I %APPDATA%\elanai\econfig\econfig
.PP
For example:
.PP
.EX
# share a build folder with the LAN
\-\-host=0.0.0.0
\-\-document\-root=/srv/site
\-\-port
8081
.EE
"#;

const SEE_ALSO: &str = r#".SH SEE ALSO
.BR curl (1),
.BR darkhttpd (1),
.BR nginx (8)
"#;
