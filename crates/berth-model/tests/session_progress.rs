//! Property tests of the engine progress stream codec.

use berth_model::progress::{
    ErrorDetail, Framing, ProgressDecoder, ProgressDetail, ProgressMessage,
};
use proptest::prelude::*;

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "[a-z0-9 ]{1,12}",
        any::<String>(),
        Just("{\"}\\<>&\r\n\u{2028}".to_owned()),
    ]
}

fn number() -> impl Strategy<Value = i64> {
    prop_oneof![Just(0i64), any::<i64>(), 1i64..10_000_000]
}

fn message() -> impl Strategy<Value = ProgressMessage> {
    let detail = proptest::option::of((number(), number(), number()).prop_map(
        |(current, total, start)| ProgressDetail {
            current,
            total,
            start,
        },
    ));
    let error = proptest::option::of(
        (number(), text()).prop_map(|(code, message)| ErrorDetail { code, message }),
    );
    (
        (text(), text(), detail, text()),
        (text(), text(), number(), error, text()),
    )
        .prop_map(
            |(
                (stream, status, progress_detail, progress),
                (id, from, time, error_detail, error),
            )| {
                ProgressMessage {
                    stream,
                    status,
                    progress_detail,
                    progress,
                    id,
                    from,
                    time,
                    error_detail,
                    error,
                }
            },
        )
}

fn encode_all(msgs: &[ProgressMessage]) -> Vec<u8> {
    let mut wire = Vec::new();
    for m in msgs {
        m.encode(&mut wire);
    }
    wire
}

proptest! {
    #[test]
    fn any_chunking_yields_the_same_messages(
        msgs in proptest::collection::vec(message(), 0..8),
        cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..12),
    ) {
        let wire = encode_all(&msgs);
        let mut points: Vec<usize> = cuts.iter().map(|c| c.index(wire.len() + 1)).collect();
        points.push(0);
        points.push(wire.len());
        points.sort_unstable();
        let mut decoder = ProgressDecoder::new();
        let mut out = Vec::new();
        for pair in points.windows(2) {
            decoder.decode(&wire[pair[0]..pair[1]], &mut out).unwrap();
        }
        decoder.finish().unwrap();
        prop_assert_eq!(out, msgs);
    }

    #[test]
    fn encode_decode_round_trip_and_serde_agree(msg in message()) {
        let mut wire = Vec::new();
        msg.encode(&mut wire);
        let mut decoder = ProgressDecoder::new();
        let mut out = Vec::new();
        decoder.decode(&wire, &mut out).unwrap();
        prop_assert_eq!(&out, &vec![msg.clone()]);
        // Framing: progress messages are bare, everything else ends in CRLF.
        prop_assert_eq!(wire.ends_with(b"}\r\n"), msg.framing() == Framing::Line);
        // The serde view parses the Go-escaped bytes back to the same value.
        let mut json = Vec::new();
        msg.encode_json(&mut json);
        prop_assert_eq!(serde_json::from_slice::<ProgressMessage>(&json).unwrap(), msg.clone());
        // Without HTML-sensitive characters serde_json and the Go encoder agree byte for byte.
        let serde_bytes = serde_json::to_vec(&msg).unwrap();
        let plain = !json.windows(2).any(|w| w == b"\\u");
        if plain {
            prop_assert_eq!(serde_bytes, json);
        }
    }

    #[test]
    fn decoder_never_panics_on_garbage(
        bytes in proptest::collection::vec(any::<u8>(), 0..256),
        split in any::<prop::sample::Index>(),
    ) {
        let at = split.index(bytes.len() + 1);
        let mut decoder = ProgressDecoder::with_max_message(64);
        let mut out = Vec::new();
        let _ = decoder.decode(&bytes[..at], &mut out);
        let _ = decoder.decode(&bytes[at..], &mut out);
        let _ = decoder.finish();
        prop_assert!(decoder.pending() <= 64);
    }
}
