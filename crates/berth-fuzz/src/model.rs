//! The Registry and Index protocol model (`berth_model`): routing and image JSON.

use berth_model::http::Method;
use berth_model::{ImageId, ImageJson, route as route_request};
use bytes::Bytes;

/// Routes `METHOD SP PATH[?QUERY]` (the first line of an HTTP request, without the version).
///
/// Invariants: no panic; a routed request formats (`Request::method`, `path_and_query`) to a
/// request line that routes to the same request; every error has a 4xx status, a JSON body and,
/// for 405, an `Allow` header.
pub fn route(data: &[u8]) {
    let line = String::from_utf8_lossy(data);
    let (method, target) = line.split_once(' ').unwrap_or(("GET", &line));
    let method = Method::from_bytes(method.as_bytes()).unwrap_or(Method::GET);
    match route_request(&method, target, None) {
        Ok(request) => {
            let again = route_request(&request.method(), &request.path_and_query(), None);
            assert_eq!(
                again.as_ref(),
                Ok(&request),
                "route(format(r)) != r for {target:?}"
            );
            let split = route_request(
                &request.method(),
                &request.path(),
                request.query().as_deref(),
            );
            assert_eq!(split, Ok(request), "path and query given apart");
        }
        Err(err) => {
            assert!(err.status().is_client_error(), "{err:?} is not a 4xx");
            assert!(
                err.body().starts_with(b"{\"error\": "),
                "{err:?} has no JSON error body"
            );
            assert_eq!(
                err.allow().is_some(),
                err.status() == 405,
                "Allow header of {err:?}"
            );
        }
    }
}

/// Parses `data` as image JSON.
///
/// Invariants: no panic; the raw bytes are kept exactly; parsing the kept bytes again gives
/// the same value; the id and parent are valid image ids that print and parse back; the PUT
/// validation against the document's own id accepts it and agrees with the parse.
pub fn image_json(data: &[u8]) {
    let raw = Bytes::copy_from_slice(data);
    let Ok(image) = ImageJson::parse(raw.clone()) else {
        return;
    };
    assert_eq!(image.raw(), &raw, "image JSON raw bytes changed");
    assert_eq!(
        ImageJson::parse(image.raw().clone()).as_ref(),
        Ok(&image),
        "reparse differs"
    );
    for id in [Some(image.id()), image.parent()].into_iter().flatten() {
        assert_eq!(
            ImageId::parse(id.as_str()).as_ref(),
            Ok(id),
            "image id does not round trip"
        );
    }
    let put = ImageJson::validate_put(image.id(), raw);
    assert_eq!(
        put.as_ref(),
        Ok(&image),
        "PUT validation disagrees with parse"
    );
}
