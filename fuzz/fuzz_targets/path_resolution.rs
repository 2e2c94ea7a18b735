//! The files endpoint's path resolver on arbitrary URL paths. Properties: what it resolves is made only of plain
//! names (no root, no `..`, no `.`, no separator, NUL or drive colon inside a name), so joined onto the root it
//! stays there; hidden names come out only when allowed; refusing hidden names never lets through more.
#![no_main]

use lanai::files::path::{resolve, SafePath};
use libfuzzer_sys::fuzz_target;
use std::path::{Component, Path};

fuzz_target!(|data: &[u8]| {
    let Ok(url_path) = std::str::from_utf8(data) else {
        return;
    };
    let with_hidden = resolve(url_path, true);
    let without_hidden = resolve(url_path, false);
    if let Ok(safe) = &with_hidden {
        check_inside_the_root(safe, true);
    }
    if let Ok(safe) = &without_hidden {
        check_inside_the_root(safe, false);
        assert_eq!(
            with_hidden.as_ref(),
            Ok(safe),
            "--hidden changed a plain path"
        );
    }
});

fn check_inside_the_root(safe: &SafePath, allow_hidden: bool) {
    let root = Path::new("/srv/site");
    let joined = root.join(&safe.relative);
    assert!(joined.starts_with(root), "{joined:?} left the root");
    for component in safe.relative.components() {
        let Component::Normal(name) = component else {
            panic!("{:?} has the component {component:?}", safe.relative);
        };
        let name = name.to_str().expect("names come from UTF-8 paths");
        assert!(
            !name.is_empty() && name != "." && name != "..",
            "{:?} has the name {name:?}",
            safe.relative
        );
        assert!(
            !name.contains(['/', '\\', '\0', ':']),
            "{:?} has the name {name:?}",
            safe.relative
        );
        assert!(
            allow_hidden || !name.starts_with('.'),
            "hidden {name:?} without --hidden"
        );
    }
}
