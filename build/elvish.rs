//! clap_complete's elvish script completes options only: `lanai <Tab>` offers no folder, `--log-file <Tab>` no
//! file. This wraps its completer so that file names are offered where the command line takes a path.

use clap::{Command, ValueHint};

/// `script` (clap_complete's elvish completer for `command`) with file-name completion for ROOT and for the
/// values of path options, and nothing offered for other options' values (a port is not a file name).
pub fn with_file_names(command: &Command, script: String) -> String {
    let name = command.get_name();
    let mut path_options = Vec::new();
    let mut other_options = Vec::new();
    for option in command.get_opts() {
        let spellings = option
            .get_short()
            .map(|short| format!("-{short}"))
            .into_iter()
            .chain(option.get_long().map(|long| format!("--{long}")));
        let takes_path = matches!(
            option.get_value_hint(),
            ValueHint::DirPath | ValueHint::FilePath | ValueHint::AnyPath
        );
        let list = if takes_path {
            &mut path_options
        } else {
            &mut other_options
        };
        list.extend(spellings.map(|spelling| format!("'{spelling}'")));
    }
    format!(
        r#"{script}
# Added by lanai's build: file names for ROOT and for the values of path options.
var {name}-options~ = $edit:completion:arg-completer[{name}]
set edit:completion:arg-completer[{name}] = {{|@words|
    var current = $words[-1]
    var previous = $words[-2]
    if (has-value [{path_options}] $previous) {{
        edit:complete-filename $current
    }} elif (has-value [{other_options}] $previous) {{
        # a value that is not a path: nothing to offer
    }} elif (str:has-prefix $current '-') {{
        {name}-options $@words
    }} else {{
        edit:complete-filename $current
    }}
}}
"#,
        path_options = path_options.join(" "),
        other_options = other_options.join(" "),
    )
}
