//! The route table in `shared` is the one truth: each route has its function crate, and
//! the `cargo lambda watch` router in Cargo.toml sends its path to that function (the watch
//! smoke test then shows each function answers its route).

use std::path::Path;

use shared::http::routes;

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// `"path" = "function"` lines of `[workspace.metadata.lambda.watch.router]`.
fn watch_router() -> Vec<(String, String)> {
    let manifest = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
    let section = manifest.split("[workspace.metadata.lambda.watch.router]").nth(1).expect("router section");
    section
        .lines()
        .take_while(|line| !line.starts_with('['))
        .filter_map(|line| {
            let (path, function) = line.split_once('=')?;
            Some((path.trim().trim_matches('"').to_owned(), function.trim().trim_matches('"').to_owned()))
        })
        .collect()
}

#[test]
fn every_route_has_its_own_function_crate_and_nothing_else_is_one() {
    let mut crates: Vec<String> = std::fs::read_dir(root().join("functions"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    crates.sort();
    let mut expected: Vec<String> = routes::ALL.iter().map(|route| route.function.to_owned()).collect();
    expected.extend(["authorizer", "migrate", "unknown-route"].map(String::from));
    expected.sort();
    assert_eq!(crates, expected);
}

#[test]
fn watch_router_maps_each_route_to_its_function_and_the_rest_to_the_catch_all() {
    let router = watch_router();
    for route in routes::ALL {
        let entry = router.iter().find(|(path, _)| path == route.path);
        assert_eq!(entry.map(|(_, function)| function.as_str()), Some(route.function), "{}", route.path);
    }
    for catch_all in ["/", "/{*path}"] {
        assert!(router.iter().any(|(path, function)| path == catch_all && function == "unknown-route"), "{catch_all}");
    }
    assert_eq!(router.len(), routes::ALL.len() + 2, "no other entries: {router:?}");
}
