//! Conformance tests for the shipped storage back ends (what any other back end must also pass).

use bytes::Bytes;

use super::*;

fn meta() -> (tempfile::TempDir, SqliteMeta) {
    let dir = tempfile::tempdir().unwrap();
    let meta = SqliteMeta::open(&dir.path().join("m.sqlite3")).unwrap();
    (dir, meta)
}

fn user(name: &str, email: &str) -> UserRecord {
    UserRecord {
        name: name.into(),
        email: email.into(),
        password_hash: "$argon2id$x".into(),
        admin: false,
    }
}

#[test]
fn users_are_unique_by_name_and_email_and_the_first_may_be_admin() {
    let (_d, m) = meta();
    assert!(m.create_user(&user("alice", "a@x.io"), true).unwrap());
    assert!(!m.create_user(&user("alice", "other@x.io"), true).unwrap());
    assert!(!m.create_user(&user("bob", "a@x.io"), true).unwrap());
    assert!(m.create_user(&user("bob", "b@x.io"), true).unwrap());
    assert!(m.user("alice").unwrap().unwrap().admin);
    assert!(!m.user("bob").unwrap().unwrap().admin);
    assert!(m.update_user("bob", Some("new@x.io"), None).unwrap());
    let bob = m.user("bob").unwrap().unwrap();
    assert_eq!(
        (bob.email.as_str(), bob.password_hash.as_str()),
        ("new@x.io", "$argon2id$x")
    );
    assert!(!m.update_user("nobody", None, Some("h")).unwrap());
    assert!(m.user("nobody").unwrap().is_none());
}

#[test]
fn image_upload_state_machine() {
    let (_d, m) = meta();
    let anc = vec!["aa".to_owned()];
    assert_eq!(
        m.complete_image("aa", "sha256:1").unwrap(),
        Err(CompleteError::NotFound)
    );
    m.begin_image("aa", None, &anc).unwrap().unwrap();
    assert_eq!(
        m.complete_image("aa", "sha256:1").unwrap(),
        Err(CompleteError::NoLayer)
    );
    assert!(m.set_layer("aa", 10, "sha256:1").unwrap());
    assert_eq!(
        m.complete_image("aa", "sha256:2").unwrap(),
        Err(CompleteError::Mismatch)
    );
    // A retried PUT json forgets the earlier layer checksum.
    m.begin_image("aa", None, &anc).unwrap().unwrap();
    assert_eq!(
        m.complete_image("aa", "sha256:1").unwrap(),
        Err(CompleteError::NoLayer)
    );
    assert!(m.set_layer("aa", 10, "sha256:1").unwrap());
    m.complete_image("aa", "sha256:1").unwrap().unwrap();
    assert_eq!(
        m.complete_image("aa", "sha256:1").unwrap(),
        Err(CompleteError::NotInProgress)
    );
    assert_eq!(
        m.begin_image("aa", None, &anc).unwrap(),
        Err(NewImageError::AlreadyExists)
    );
    assert!(!m.set_layer("aa", 11, "sha256:3").unwrap());
    let rec = m.image("aa").unwrap().unwrap();
    assert_eq!(rec.layer_size, Some(10));
    assert!(!rec.in_progress);
    assert_eq!(rec.ancestry, anc);
}

#[test]
fn repositories_tags_and_search() {
    let (_d, m) = meta();
    assert!(m.tags("ns/app").unwrap().is_none());
    let mut calls = Vec::new();
    m.update_repo_images(
        "ns/app",
        &mut |stored| {
            calls.push(stored.map(<[u8]>::to_vec));
            b"[]".to_vec()
        },
        &["i1".into()],
    )
    .unwrap();
    m.update_repo_images(
        "ns/app",
        &mut |stored| {
            calls.push(stored.map(<[u8]>::to_vec));
            b"[1]".to_vec()
        },
        &[],
    )
    .unwrap();
    assert_eq!(calls, vec![None, Some(b"[]".to_vec())]);
    assert_eq!(m.tags("ns/app").unwrap(), Some(vec![]));
    m.put_tag("ns/app", "latest", "i2", "{}", &["i2".into(), "i1".into()])
        .unwrap();
    assert_eq!(
        m.tag("ns/app", "latest").unwrap(),
        Some(("i2".into(), Some("{}".into())))
    );
    assert_eq!(m.image_repos("i2").unwrap(), vec![("ns/app".into(), false)]);
    m.set_private("ns/app", true).unwrap();
    assert_eq!(m.image_repos("i1").unwrap(), vec![("ns/app".into(), true)]);
    m.put_tag("ns/web_1", "x", "i1", "{}", &[]).unwrap();
    assert_eq!(
        m.search("app", 10, 0).unwrap().0,
        0,
        "private repositories are not listed"
    );
    assert_eq!(m.search("web", 10, 0).unwrap().0, 1);
    assert_eq!(m.search("b_", 10, 0).unwrap().0, 1, "`_` is literal");
    assert_eq!(m.search("%", 10, 0).unwrap().0, 0, "`%` is literal");
    assert!(m.delete_tag("ns/app", "latest").unwrap());
    assert!(!m.delete_tag("ns/app", "latest").unwrap());
    assert!(m.delete_repo("ns/app").unwrap());
    assert!(!m.delete_repo("ns/app").unwrap());
    assert!(m.tags("ns/app").unwrap().is_none());
}

#[tokio::test]
async fn layers_become_visible_only_on_commit() {
    use futures_util::StreamExt;
    let dir = tempfile::tempdir().unwrap();
    let blobs = FsBlobStore::open(dir.path()).unwrap();
    blobs
        .put_json("aa", Bytes::from_static(b"{}"))
        .await
        .unwrap();
    assert_eq!(
        blobs.get_json("aa").await.unwrap().as_deref(),
        Some(&b"{}"[..])
    );
    assert!(blobs.get_json("bb").await.unwrap().is_none());

    let mut upload = blobs.begin_layer("aa").await.unwrap();
    upload.write(b"hello ").await.unwrap();
    assert!(blobs.open_layer("aa", None).await.unwrap().is_none());
    drop(upload);
    assert!(blobs.open_layer("aa", None).await.unwrap().is_none());
    assert_eq!(
        std::fs::read_dir(dir.path().join("tmp")).unwrap().count(),
        0
    );

    let mut upload = blobs.begin_layer("aa").await.unwrap();
    upload.write(b"hello ").await.unwrap();
    upload.write(b"world").await.unwrap();
    upload.commit().await.unwrap();
    let read = blobs.open_layer("aa", None).await.unwrap().unwrap();
    assert_eq!(read.size, 11);
    let body: Vec<u8> = read.body.map(|c| c.unwrap().to_vec()).concat().await;
    assert_eq!(body, b"hello world");
    let part = blobs
        .open_layer("aa", Some(ByteRange { start: 6, end: 9 }))
        .await
        .unwrap()
        .unwrap();
    let body: Vec<u8> = part.body.map(|c| c.unwrap().to_vec()).concat().await;
    assert_eq!(body, b"worl");
    assert_eq!(
        std::fs::read_dir(dir.path().join("tmp")).unwrap().count(),
        0
    );
}

#[tokio::test]
async fn a_layer_larger_than_the_write_back_step_is_stored_whole() {
    use futures_util::StreamExt;
    // More than `FLUSH_EVERY` (64 MiB), so background write-backs run while it is written,
    // and the upload is dropped or committed while one may still be running.
    let dir = tempfile::tempdir().unwrap();
    let blobs = FsBlobStore::open(dir.path()).unwrap();
    let chunk: Vec<u8> = (0..1u32 << 20).map(|i| (i % 251) as u8).collect();
    let mut dropped = blobs.begin_layer("aa").await.unwrap();
    for _ in 0..65 {
        dropped.write(&chunk).await.unwrap();
    }
    drop(dropped);
    assert!(blobs.open_layer("aa", None).await.unwrap().is_none());

    let mut upload = blobs.begin_layer("aa").await.unwrap();
    for i in 0..70u8 {
        let mut piece = chunk.clone();
        piece[0] = i;
        upload.write(&piece).await.unwrap();
    }
    upload.commit().await.unwrap();
    let read = blobs.open_layer("aa", None).await.unwrap().unwrap();
    assert_eq!(read.size, 70 << 20);
    let body: Vec<u8> = read.body.map(|c| c.unwrap().to_vec()).concat().await;
    for (i, piece) in body.chunks(1 << 20).enumerate() {
        assert_eq!(piece[0], i as u8);
        assert_eq!(piece[1..], chunk[1..]);
    }
    assert_eq!(
        std::fs::read_dir(dir.path().join("tmp")).unwrap().count(),
        0
    );
}
