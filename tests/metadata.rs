//! The package tells the truth about itself: its rust-version is at least every dependency's, and the crate
//! carries what builds lanai and nothing of CI, benchmarks, scripts or test data.

use std::process::Command;

fn cargo(args: &[&str]) -> String {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run cargo");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "cargo {args:?}: {stderr}");
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

/// `1.91` or `1.88.0` as numbers that compare.
fn version(text: &str) -> Vec<u32> {
    let mut numbers: Vec<u32> = text.split('.').map(|part| part.parse().unwrap()).collect();
    numbers.resize(3, 0);
    numbers
}

#[test]
fn rust_version_is_at_least_every_dependencys() {
    let ours = version(env!("CARGO_PKG_RUST_VERSION"));
    let metadata = cargo(&["metadata", "--format-version", "1", "--locked"]);
    // Each package object ends with its rust_version, after its manifest_path, which names the crate.
    let mut checked = 0;
    for (before, after) in metadata
        .split("\"rust_version\":")
        .zip(metadata.split("\"rust_version\":").skip(1))
    {
        let Some(theirs) = after
            .strip_prefix('"')
            .and_then(|rest| rest.split('"').next())
        else {
            continue; // null: the package declares none
        };
        let package = before
            .rsplit("\"manifest_path\":\"")
            .next()
            .and_then(|rest| rest.split('"').next())
            .unwrap_or("?");
        assert!(
            version(theirs) <= ours,
            "{package} needs Rust {theirs}, above rust-version {}",
            env!("CARGO_PKG_RUST_VERSION")
        );
        checked += 1;
    }
    assert!(
        checked > 20,
        "only {checked} packages declare a rust_version"
    );
}

#[test]
fn the_crate_ships_sources_and_docs_only() {
    let listed = cargo(&["package", "--list", "--allow-dirty", "--offline"]);
    let files: Vec<&str> = listed.lines().collect();
    for needed in [
        "build.rs",
        "build/man.rs",
        "src/main.rs",
        "man/lanai.1",
        "completions/_lanai",
        "README.md",
        "LICENSE-MIT",
        "LICENSE-APACHE",
    ] {
        assert!(files.contains(&needed), "the crate lacks {needed}");
    }
    for file in &files {
        let unwanted = [
            ".ci/",
            ".github/",
            "bench/",
            "scripts/",
            "packaging/",
            "dist/",
            "target/",
        ]
        .iter()
        .any(|folder| file.starts_with(folder));
        let test_data = file.starts_with("tests/") && !file.ends_with(".rs");
        assert!(!unwanted && !test_data, "the crate carries {file}");
    }
}
