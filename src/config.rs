//! The config file: where it is, what it says, and how its arguments go under the command line's.
//!
//! The file holds command-line arguments, one a line, with `#` comments. They are read before the real command
//! line, and every option lets a later occurrence win, so the command line overrides the file.

use crate::cli::Options;
use clap::error::{ContextKind, ContextValue, Error, ErrorKind};
use clap::Parser;
use directories::ProjectDirs;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// Names a config file to read instead of the per-user one.
pub const PATH_VARIABLE: &str = "LANAI_CONFIG";

/// The options of `command_line` (whose `options` are already parsed from it alone) with the config file's
/// arguments read first, unless `--no-config` was given or there is no file.
pub fn apply(options: Options, command_line: &[OsString]) -> Result<Options, String> {
    if options.no_config {
        return Ok(options);
    }
    let Some(path) = location() else {
        return Ok(options);
    };
    let file = ConfigFile::read(&path)?;
    file.check()?;
    let (program, arguments) = command_line.split_first().expect("argv has the program");
    let merged = std::iter::once(program.clone())
        .chain(
            file.arguments
                .iter()
                .map(|argument| argument.text.clone().into()),
        )
        .chain(arguments.iter().cloned());
    Options::try_parse_from(merged).map_err(|error| first_line(&error))
}

/// LANAI_CONFIG when it is set (the file must then exist; set empty, it means no file), else `config` in the
/// per-user config folder when it exists there: ~/.config/lanai/config on Linux (XDG_CONFIG_HOME moves it).
pub fn location() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(PATH_VARIABLE) {
        return Some(PathBuf::from(path)).filter(|path| !path.as_os_str().is_empty());
    }
    let dirs = ProjectDirs::from("", "", "lanai")?;
    Some(dirs.config_dir().join("config")).filter(|path| path.exists())
}

/// One argument of the file and the line it is on, counting from 1.
struct Argument {
    line: usize,
    text: String,
}

struct ConfigFile {
    path: PathBuf,
    arguments: Vec<Argument>,
}

impl ConfigFile {
    fn read(path: &Path) -> Result<ConfigFile, String> {
        let text = std::fs::read_to_string(path).map_err(|error| {
            format!(
                "cannot read the config file '{}': {error}; fix {PATH_VARIABLE} or the file, or run with --no-config",
                path.display()
            )
        })?;
        Ok(ConfigFile {
            path: path.to_path_buf(),
            arguments: parse(&text),
        })
    }

    /// Parses the file's arguments on their own, a line more each time, so a problem is pinned to its line.
    fn check(&self) -> Result<(), String> {
        for end in 1..=self.arguments.len() {
            let argument = &self.arguments[end - 1];
            match self.parse_with(end, None) {
                // An option whose value is on the next line.
                Err(error) if is_missing_value(&error) => {}
                Err(error) => return Err(self.at(argument, &problem(&error, &argument.text))),
                // As ROOT it would clash with a folder on the command line; as an option it gives way.
                Ok(options) if options.root.is_some() => {
                    let problem = format!(
                        "a folder to serve goes in as --document-root={0}, not '{0}'",
                        argument.text
                    );
                    return Err(self.at(argument, &problem));
                }
                Ok(_) => {}
            }
        }
        // A value still wanted at the end would swallow the command line's first argument.
        const FOLLOWER: &str = "\u{0}the command line";
        let follower_is_root = self
            .parse_with(self.arguments.len(), Some(FOLLOWER))
            .is_ok_and(|options| options.root.as_deref() == Some(Path::new(FOLLOWER)));
        match self.arguments.last() {
            Some(last) if !follower_is_root => Err(self.at(
                last,
                &format!(
                    "'{}' needs a value, on the next line or after '='",
                    last.text
                ),
            )),
            _ => Ok(()),
        }
    }

    /// The first `count` arguments of the file, then `follower`, parsed as a command line.
    fn parse_with(&self, count: usize, follower: Option<&str>) -> Result<Options, Error> {
        let arguments = self.arguments[..count]
            .iter()
            .map(|argument| argument.text.as_str());
        Options::try_parse_from(std::iter::once("lanai").chain(arguments).chain(follower))
    }

    fn at(&self, argument: &Argument, problem: &str) -> String {
        format!(
            "{}, line {}: {problem}; fix the line, or run with --no-config",
            self.path.display(),
            argument.line
        )
    }
}

/// The arguments of a config file's text: each line trimmed, without blank lines and `#` comments.
fn parse(text: &str) -> Vec<Argument> {
    text.lines()
        .enumerate()
        .map(|(index, line)| (index + 1, line.trim()))
        .filter(|(_, line)| !line.is_empty() && !line.starts_with('#'))
        .map(|(line, text)| Argument {
            line,
            text: text.to_string(),
        })
        .collect()
}

/// What clap found wrong with `text`, in one sentence.
fn problem(error: &Error, text: &str) -> String {
    match error.kind() {
        ErrorKind::UnknownArgument => {
            let suggestion = match error.get(ContextKind::SuggestedArg) {
                Some(ContextValue::String(option)) => format!(" (did you mean {option}?)"),
                _ => String::new(),
            };
            format!("'{text}' is not an option of lanai{suggestion}")
        }
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            format!("'{text}' belongs on the command line, not in a config file")
        }
        _ => first_line(error),
    }
}

/// An option that ends the arguments without the value it takes (it may be on the next line).
fn is_missing_value(error: &Error) -> bool {
    error.kind() == ErrorKind::InvalidValue
        && matches!(error.get(ContextKind::InvalidValue), Some(ContextValue::String(value)) if value.is_empty())
}

/// clap's message without its `error: ` label, usage and hints.
fn first_line(error: &Error) -> String {
    let message = error.to_string();
    let line = message.lines().next().unwrap_or_default();
    line.strip_prefix("error: ").unwrap_or(line).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_trimmed_arguments_without_blanks_and_comments() {
        let arguments =
            parse("# serve the LAN\n\n  --host=0.0.0.0  \r\n--port\r\n8081\n   # indented\n");
        let found: Vec<(usize, &str)> = arguments
            .iter()
            .map(|argument| (argument.line, argument.text.as_str()))
            .collect();
        assert_eq!(found, [(3, "--host=0.0.0.0"), (4, "--port"), (5, "8081")]);
    }

    fn check(text: &str) -> Result<(), String> {
        ConfigFile {
            path: PathBuf::from("/etc/lanai.conf"),
            arguments: parse(text),
        }
        .check()
    }

    #[test]
    fn well_formed_files_pass() {
        assert_eq!(check(""), Ok(()));
        assert_eq!(check("--port\n8081\n-q\n--host=::\n-r\n/srv\n"), Ok(()));
    }

    #[test]
    fn each_problem_names_its_line() {
        for (text, line, needle) in [
            (
                "--port=1\n\n--xyzzy\n",
                3,
                "'--xyzzy' is not an option of lanai;",
            ),
            (
                "--prot\n8081\n",
                1,
                "'--prot' is not an option of lanai (did you mean --port?)",
            ),
            (
                "-q\n--workers\nmany\n",
                3,
                "invalid value 'many' for '--workers <N>'",
            ),
            (
                "# a folder\nsite/\n",
                2,
                "a folder to serve goes in as --document-root=site/, not 'site/'",
            ),
            ("-q\n--help\n", 2, "'--help' belongs on the command line"),
            ("-q\n--host\n", 2, "'--host' needs a value"),
            ("--workers\n", 1, "'--workers' needs a value"),
        ] {
            let message = check(text).expect_err(text);
            let place = format!("/etc/lanai.conf, line {line}: ");
            assert!(message.starts_with(&place), "{text:?} gave {message}");
            assert!(message.contains(needle), "{text:?} gave {message}");
        }
    }
}
