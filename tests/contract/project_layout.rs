//! The route table in `shared` is the one truth: each route has its function crate, and
//! the `cargo lambda watch` router in Cargo.toml sends its path to that function.

use std::path::Path;

use shared::Route;

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
fn every_route_has_its_own_function_crate_calling_it() {
    for route in Route::ALL {
        let main = root().join("functions").join(route.function_name()).join("src/main.rs");
        let source = std::fs::read_to_string(&main).unwrap_or_else(|error| panic!("{}: {error}", main.display()));
        assert!(source.contains(&format!("Route::{route:?}")), "{} does not serve Route::{route:?}", main.display());
    }
}

#[test]
fn watch_router_maps_each_route_to_its_function_and_the_rest_to_the_catch_all() {
    let router = watch_router();
    for route in Route::ALL {
        let entry = router.iter().find(|(path, _)| path == route.path_template());
        assert_eq!(
            entry.map(|(_, function)| function.as_str()),
            Some(route.function_name()),
            "{}",
            route.path_template()
        );
    }
    for catch_all in ["/", "/{*path}"] {
        assert!(router.iter().any(|(path, function)| path == catch_all && function == "unknown-route"), "{catch_all}");
    }
    assert_eq!(router.len(), Route::ALL.len() + 2, "no other entries: {router:?}");
}
