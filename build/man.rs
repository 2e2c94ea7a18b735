//! lanai.1: clap_mangen writes the title, NAME and OPTIONS from the command line's definition, so the page lists
//! exactly the options `--help` does; the synopsis and the prose sections around them are ours, in man(7) roff.
//! mandoc's style rules want no input line over 80 bytes and each sentence on a line of its own; clap_mangen
//! writes each help text as one line, so its lines are refilled before they go into the page.

use clap::Command;
use clap_mangen::Man;

/// The date of the release this page describes; move it with the version.
const DATE: &str = "2026-11-24";

/// The whole page for `command`, whose examples (the after-help) it also uses.
pub fn page(command: Command) -> String {
    let about = command
        .get_about()
        .map(|text| text.to_string())
        .unwrap_or_default();
    let examples = command
        .get_after_help()
        .map(|text| text.to_string())
        .unwrap_or_default();
    let man = Man::new(command.disable_help_subcommand(true))
        .title("LANAI")
        .date(DATE)
        .manual("User Commands");
    // The title carries roff's definition of \*(Aq, the apostrophe clap_mangen writes; the options reuse it.
    let mut title = Vec::new();
    man.render_title(&mut title).expect("write to memory");
    let mut page = String::from_utf8(title).expect("roff is UTF-8");
    page.push_str(".SH NAME\n");
    // NAME reads "lanai \- a fast, …": the about line without its capital and full stop.
    let (first, rest) = about.split_at(about.chars().next().map_or(0, char::len_utf8));
    let summary = format!(
        "lanai \\- {}{}",
        first.to_lowercase(),
        rest.trim_end_matches('.')
    );
    page.push_str(&refill(&summary));
    page.push_str(SYNOPSIS);
    page.push_str(DESCRIPTION);
    let mut options = Vec::new();
    man.render_options_section(&mut options)
        .expect("write to memory");
    let options = String::from_utf8(options).expect("roff is UTF-8");
    page.push_str(&refill(options.trim_start_matches(APOSTROPHE)));
    page.push_str(REFERENCE);
    page.push_str(".SH EXAMPLES\n");
    for (command, effect) in example_lines(&examples) {
        page.push_str(&format!(".TP\n\\fB{}\\fR\n", command.replace('-', "\\-")));
        page.push_str(&refill(&format!("{}.", capitalized(effect))));
    }
    page.push_str(SECURITY);
    page.push_str(SEE_ALSO);
    page
}

/// What every clap_mangen section starts with: the definition of the apostrophe string.
const APOSTROPHE: &str = ".ie \\n(.g .ds Aq \\(aq\n.el .ds Aq '\n";

/// The example lines of the after-help: `  COMMAND    EFFECT`, split at the first run of spaces after the command.
fn example_lines(after_help: &str) -> Vec<(&str, &str)> {
    after_help
        .lines()
        .skip(1)
        .filter_map(|line| {
            let line = line.trim();
            let split = line.find("  ")?;
            Some((&line[..split], line[split..].trim_start()))
        })
        .collect()
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// Each text line of `roff` (requests, starting with `.`, stay as they are) split after every sentence and then
/// filled to at most 80 bytes, breaking at spaces. Blank lines go: clap_mangen puts one between two `.br` before
/// a list of values, where mandoc warns that the break is skipped.
fn refill(roff: &str) -> String {
    let mut page = String::new();
    for line in roff.lines() {
        if line.is_empty() || line == ".br" && page.ends_with(".br\n") {
            continue;
        }
        if line.starts_with('.') {
            page.push_str(line);
            page.push('\n');
            continue;
        }
        for sentence in sentences(line) {
            fill(&mut page, sentence);
        }
    }
    page
}

/// `line` cut after each `. ` or `; ` that ends a sentence or clause.
fn sentences(line: &str) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut rest = line;
    while let Some(end) = rest.find(". ").filter(|&end| end > 0) {
        pieces.push(&rest[..=end]);
        rest = rest[end + 2..].trim_start();
    }
    pieces.push(rest);
    pieces
}

/// One text of roff as input lines of at most 80 bytes, none starting with a control character.
fn fill(page: &mut String, text: &str) {
    let mut filled = String::new();
    for word in text.split(' ').filter(|word| !word.is_empty()) {
        if !filled.is_empty() && filled.len() + 1 + word.len() > 80 {
            page.push_str(&filled);
            page.push('\n');
            filled.clear();
        }
        if filled.is_empty() && word.starts_with(['.', '\'']) {
            filled.push_str("\\&"); // a line starting with these would be read as a request
        } else if !filled.is_empty() {
            filled.push(' ');
        }
        filled.push_str(word);
    }
    page.push_str(&filled);
    page.push('\n');
}

const SYNOPSIS: &str = r#".SH SYNOPSIS
.B lanai
[\fIOPTIONS\fR] [\fIROOT\fR]
"#;

// The prose of the page, in roff: one sentence per input line, none over 80 bytes.
const DESCRIPTION: &str = r#".SH DESCRIPTION
.B lanai
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
A clean stop: after SIGINT, SIGTERM or SIGHUP (Ctrl-C, or closing the console
on Windows) the responses in flight finished, or
.B \-\-shutdown\-timeout
ran out.
A signal that arrives within a second of the first one is part of the same
stop.
Also after
.BR \-\-help ,
.B \-\-version
or
.BR \-\-generate .
.TP
.B 2
A start-up problem: a bad option or value on the command line or in the config
file, a document root that is missing, not a folder or not readable, a port in
use or not permitted, or a log file that cannot be opened.
.B lanai
names the problem on the first line of standard error and says what to do
about it.
.TP
.B 130
A second stop signal, a second or more after the first, cut the graceful stop
short.
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

const SECURITY: &str = r#".SH SECURITY
.B lanai
is meant for previewing and for a trusted LAN, not for the open internet: it
has no TLS and no authentication.
By default it listens on 127.0.0.1 only, so nothing else on the network can
reach it;
.B \-\-host 0.0.0.0
shows the root to everyone who can reach the machine.
It answers only requests whose Host names it: an IP address,
.IR localhost ,
this machine's name when it serves the LAN, or a name given with
.BR \-\-allowed\-host ,
so a web page cannot read it by pointing a domain of its own at this machine
(DNS rebinding).
.PP
Every request path goes through one resolver that refuses
.BR .. ,
encoded separators, NUL, drive letters, alternate data streams and Windows
device names, and answers 404 for them.
Hidden names (starting with a dot, such as
.I .env
or
.IR .git/ )
are refused unless
.B \-\-hidden
is given, and symbolic links that lead outside the root are refused unless
.B \-\-follow\-symlinks
is given; with
.B \-v
the log says which option would have allowed a refused path.
On Windows the rules apply to the long name the system opens, so a short 8.3
name such as
.I GIT~1
is refused like the
.I .git
it stands for.
.PP
Folders are listed only with
.BR \-\-listing .
Request heads, header counts, request bodies and open connections are bounded,
and slow clients are timed out, so one client cannot exhaust the server.
"#;

const SEE_ALSO: &str = r#".SH SEE ALSO
.BR curl (1),
.BR darkhttpd (1),
.BR nginx (8)
"#;
