//! Property tests: body formats round-trip, parsers never panic, raw image JSON is kept.

use std::collections::BTreeMap;

use berth_model::range::{RangePlan, plan_range};
use berth_model::{
    Ancestry, ImageId, ImageJson, ImageList, ImageListEntry, TagMap, TagMetadata, UserBody,
    parse_endpoints, parse_tag_body, pyjson, tag_body, user_agent_pairs,
};
use bytes::Bytes;
use proptest::prelude::*;
use serde_json::Value;

fn image_id() -> impl Strategy<Value = ImageId> {
    prop_oneof!["[a-f0-9]{64}", "[a-f0-9]{16}"].prop_map(|s| ImageId::parse(&s).unwrap())
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        ".{0,8}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(".{0,6}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn pyjson_parses_back(v in json_value()) {
        let text = pyjson::dumps(&v);
        prop_assert!(text.is_ascii());
        prop_assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), v);
    }

    #[test]
    fn tag_map_round_trip(entries in prop::collection::btree_map("[A-Za-z0-9_][A-Za-z0-9_.-]{0,10}", image_id(), 0..6)) {
        let map = TagMap(entries.into_iter().map(|(t, id)| (t.parse().unwrap(), id)).collect::<BTreeMap<_, _>>());
        let body = map.to_body();
        prop_assert_eq!(TagMap::parse(&body).unwrap(), map.clone());
        // The body is Python's `json.dumps(sort_keys=True)` of the same object.
        let v: Value = serde_json::from_slice(&body).unwrap();
        let expected = pyjson::dumps(&v);
        prop_assert_eq!(expected.as_bytes(), &body[..]);
    }

    #[test]
    fn tag_body_round_trip(id in image_id()) {
        prop_assert_eq!(parse_tag_body(&tag_body(&id)), Ok(id));
    }

    #[test]
    fn image_list_round_trip(entries in prop::collection::vec(
        (image_id(), prop::option::of("[ -~é<&]{0,10}"), prop::option::of("[A-Za-z0-9_.-]{1,10}")), 0..6)) {
        let list = ImageList(entries.into_iter().map(|(id, checksum, tag)| ImageListEntry { id, checksum, tag }).collect());
        prop_assert_eq!(ImageList::parse(&list.to_body()).unwrap(), list.clone());
        // Go's `omitempty` drops empty strings, so compare after normalising them away.
        let normalised = ImageList(list.0.iter().cloned().map(|mut e| {
            e.checksum = e.checksum.filter(|s| !s.is_empty());
            e.tag = e.tag.filter(|s| !s.is_empty());
            e
        }).collect());
        prop_assert_eq!(ImageList::parse(&list.to_docker_body()).unwrap(), normalised);
    }

    #[test]
    fn image_list_merge_keeps_every_id_once(a in prop::collection::vec(image_id(), 0..6), b in prop::collection::vec(image_id(), 0..6)) {
        let new = ImageList(a.iter().cloned().map(ImageListEntry::new).collect());
        let stored = ImageList(b.iter().cloned().map(ImageListEntry::new).collect());
        let merged = ImageList::merge(&new, &stored);
        let mut ids: Vec<_> = merged.ids().collect();
        let n = ids.len();
        ids.sort();
        ids.dedup();
        prop_assert_eq!(ids.len(), n);
        for id in a.iter().chain(b.iter()) {
            prop_assert!(merged.contains(id));
        }
    }

    #[test]
    fn image_json_keeps_raw_bytes(id in image_id(), extra in prop::collection::btree_map("[a-z]{1,6}", json_value(), 0..4),
                                  newline in any::<bool>()) {
        let mut obj = serde_json::Map::new();
        obj.insert("id".into(), Value::String(id.to_string()));
        for (k, v) in extra {
            if k != "id" && k != "parent" {
                obj.insert(k, v);
            }
        }
        let mut raw = serde_json::to_vec(&Value::Object(obj)).unwrap();
        if newline {
            raw.push(b'\n');
        }
        let raw = Bytes::from(raw);
        let parsed = ImageJson::parse(raw.clone()).unwrap();
        prop_assert_eq!(parsed.raw(), &raw);
        prop_assert_eq!(parsed.id(), &id);
        let validated = ImageJson::validate_put(&id, raw.clone()).unwrap();
        prop_assert_eq!(validated.into_raw(), raw);
    }

    #[test]
    fn image_json_never_panics(data in prop::collection::vec(any::<u8>(), 0..200)) {
        let _ = ImageJson::parse(Bytes::from(data.clone()));
        let _ = ImageList::parse(&data);
        let _ = TagMap::parse(&data);
        let _ = Ancestry::parse(&data);
        let _ = UserBody::parse(&data);
        let _ = TagMetadata::parse(&data);
        let _ = parse_tag_body(&data);
    }

    #[test]
    fn ancestry_round_trip(ids in prop::collection::hash_set(image_id(), 1..8)) {
        let a = Ancestry::from_ids(ids.into_iter().collect()).unwrap();
        prop_assert_eq!(Ancestry::parse(&a.to_body()).unwrap(), a.clone());
        prop_assert_eq!(a.pull_order().next(), Some(a.base()));
    }

    #[test]
    fn tag_metadata_round_trip(ua in "[ -~]{0,60}", now in any::<i64>()) {
        let m = TagMetadata::from_user_agent(&ua, now);
        prop_assert_eq!(TagMetadata::parse(&m.to_body()).unwrap(), m);
        for (k, v) in user_agent_pairs(&ua) {
            prop_assert!(!k.is_empty() && !v.is_empty());
            prop_assert!(!k.contains('/') && !v.contains('/'));
        }
    }

    #[test]
    fn endpoints_round_trip(eps in prop::collection::vec("[a-z0-9.-]{1,12}(:[0-9]{1,5})?", 0..5)) {
        let header = berth_model::format_endpoints(&eps);
        prop_assert_eq!(parse_endpoints([header.as_str()]), eps);
    }

    #[test]
    fn range_plans_stay_inside_the_layer(start in 0u64..2000, end in prop::option::of(0u64..2000), size in 0u64..1500) {
        let header = match end {
            Some(e) => format!("bytes={start}-{e}"),
            None => format!("bytes={start}-"),
        };
        match plan_range(Some(&header), size) {
            RangePlan::Full => prop_assert!(end.is_some_and(|e| e < start)),
            RangePlan::Partial { start: s, end: e } => {
                prop_assert_eq!(s, start);
                prop_assert!(s <= e && e < size);
            }
            RangePlan::Unsatisfiable => prop_assert!(start >= size),
            _ => prop_assert!(false, "unknown plan"),
        }
    }

    #[test]
    fn range_never_panics(header in ".{0,40}", size in any::<u64>()) {
        let plan = plan_range(Some(&header), size);
        prop_assert!(plan.content_length(size) <= size);
    }
}
