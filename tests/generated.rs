//! The man page and completions: the committed copies equal what the build generates (`lanai --generate`), and
//! they cover every option `--help` shows.

mod common;

use common::lanai;

/// What `--generate` takes, and where the committed copy of it lives.
const COMMITTED: &[(&str, &str)] = &[
    ("man", "man/lanai.1"),
    ("bash", "completions/lanai.bash"),
    ("zsh", "completions/_lanai"),
    ("fish", "completions/lanai.fish"),
    ("powershell", "completions/_lanai.ps1"),
    ("elvish", "completions/lanai.elv"),
];

fn stdout_of(args: &[&str]) -> String {
    let output = lanai().args(args).output().expect("run lanai");
    assert_eq!(output.status.code(), Some(0), "{args:?}");
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

#[test]
fn committed_copies_equal_the_build_output() {
    let stale: Vec<&str> = COMMITTED
        .iter()
        .filter(|(what, path)| {
            let committed =
                std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR")));
            committed.ok() != Some(stdout_of(&["--generate", what]))
        })
        .map(|(_, path)| *path)
        .collect();
    assert!(
        stale.is_empty(),
        "{} differ from what the build generates; refresh them with: scripts/refresh-generated",
        stale.join(", ")
    );
}

#[test]
fn every_long_option_of_help_is_in_the_man_page_and_the_bash_completion() {
    let help = stdout_of(&["--help"]);
    let mut options: Vec<&str> = help
        .split(|c: char| !(c.is_ascii_lowercase() || c == '-'))
        .filter(|word| word.starts_with("--") && word.len() > 2)
        .collect();
    options.sort_unstable();
    options.dedup();
    assert!(options.len() >= 12, "options found in --help: {options:?}");
    let man = stdout_of(&["--generate", "man"]);
    let bash = stdout_of(&["--generate", "bash"]);
    let bash_words: Vec<&str> = bash.split([' ', '"', '\n', '|', ')']).collect();
    for option in options {
        let heading = format!("\\fB{}\\fR", option.replace('-', "\\-"));
        assert!(
            man.contains(&heading),
            "the man page has no heading {heading}"
        );
        assert!(
            bash_words.contains(&option),
            "the bash completion lacks {option}"
        );
    }
}
