//! The push and pull part of `cargo xtask bench --compare`: a 1 GiB image pushed to and
//! pulled from a `berth serve` on loopback, against `berth checksum` of the same layer.
//!
//! The layer (`--push-size` MB of generated files) is wrapped in a `docker save` archive (one
//! image, `repositories` naming `bench/<mode>:latest`). For each push compression
//! (`default` = gzip -6 as docker did, `fast` = gzip -1, `none` = the plain tar), every run
//! starts a fresh server (empty data directory) and times, with the wall clock:
//!
//! * `berth push` of the archive (the client compresses and digests, the server stores and
//!   verifies, both on this machine);
//! * `berth pull` of the same tag with an empty layer cache (download, payload checksum,
//!   unpacking into a `docker load` archive);
//! * `berth checksum` of the layer exactly as the server stored it (the blob the pull
//!   downloads), which is "the same layer" of the target.
//!
//! Speeds are MB/s of the uncompressed tar, like the rest of the comparison. Each step starts
//! after a `sync`, so that writing back what an earlier step left in the page cache does not
//! fall into it; the steps themselves are timed until their process exits (the server's own
//! `fsync` of an upload is part of the push; a pulled archive is not `fsync`ed, see
//! `berth_client::archive::ArchiveWriter::finish`).

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::util;

/// The push compressions measured, as `berth push --compression` takes them.
pub(crate) const MODES: [&str; 3] = ["default", "fast", "none"];

/// Seconds of the best run of each step, for one compression.
#[derive(Debug)]
pub(crate) struct Timings {
    pub(crate) mode: &'static str,
    pub(crate) push: f64,
    pub(crate) pull: f64,
    /// `berth checksum` of the blob the server stored.
    pub(crate) checksum: f64,
    /// Size of that blob.
    pub(crate) blob_len: u64,
}

/// Measures push, pull and checksum of `layer` for every mode in [`MODES`], `runs` times each
/// (the best is kept), in `work` (emptied first).
pub(crate) fn measure(
    berth: &Path,
    layer: &Path,
    work: &Path,
    runs: u32,
) -> anyhow::Result<Vec<Timings>> {
    if work.exists() {
        std::fs::remove_dir_all(work)?;
    }
    std::fs::create_dir_all(work)?;
    let mut all = Vec::new();
    for (i, mode) in MODES.into_iter().enumerate() {
        // One image id per mode: a registry refuses to take the same image twice.
        let id = char::from(b'a' + u8::try_from(i).unwrap_or(0))
            .to_string()
            .repeat(64);
        let repo = format!("bench/{mode}");
        let archive = work.join(format!("{mode}-image.tar"));
        write_image(layer, &id, &repo, &work.join("image"), &archive)?;
        let mut best: Option<Timings> = None;
        for _ in 0..runs {
            let run = one_run(berth, mode, &archive, &id, &repo, &work.join("run"))?;
            println!(
                "  {mode}: push {:.2} s, pull {:.2} s, checksum of the stored layer {:.2} s",
                run.push, run.pull, run.checksum
            );
            best = Some(match best {
                None => run,
                Some(b) => Timings {
                    push: b.push.min(run.push),
                    pull: b.pull.min(run.pull),
                    checksum: b.checksum.min(run.checksum),
                    ..run
                },
            });
        }
        std::fs::remove_file(&archive)?;
        all.extend(best);
    }
    Ok(all)
}

/// Writes a `docker save` archive holding `layer` as image `id`, tagged `repo:latest`.
fn write_image(
    layer: &Path,
    id: &str,
    repo: &str,
    staging: &Path,
    out: &Path,
) -> anyhow::Result<()> {
    if staging.exists() {
        std::fs::remove_dir_all(staging)?;
    }
    let image = staging.join(id);
    std::fs::create_dir_all(&image)?;
    std::fs::write(image.join("VERSION"), "1.0")?;
    std::fs::write(
        image.join("json"),
        format!(
            "{{\"id\":\"{id}\",\"created\":\"2015-01-01T00:00:00Z\",\"container_config\":{{}},\
             \"architecture\":\"amd64\",\"os\":\"linux\"}}\n"
        ),
    )?;
    // A hard link when the file system allows, so the layer is not copied twice.
    if std::fs::hard_link(layer, image.join("layer.tar")).is_err() {
        std::fs::copy(layer, image.join("layer.tar"))?;
    }
    std::fs::write(
        staging.join("repositories"),
        format!("{{\"{repo}\":{{\"latest\":\"{id}\"}}}}"),
    )?;
    let mut tar = Command::new("tar");
    tar.arg("-C")
        .arg(staging)
        .arg("-cf")
        .arg(out)
        .args(["repositories", id]);
    util::run(&mut tar).context("GNU tar is needed to build the image archive")?;
    std::fs::remove_dir_all(staging)?;
    Ok(())
}

/// A fresh server, then push, pull and checksum once.
fn one_run(
    berth: &Path,
    mode: &'static str,
    archive: &Path,
    id: &str,
    repo: &str,
    dir: &Path,
) -> anyhow::Result<Timings> {
    if dir.exists() {
        std::fs::remove_dir_all(dir)?;
    }
    std::fs::create_dir_all(dir)?;
    let data = dir.join("data");
    let server = Server::start(berth, &data)?;
    let addr = server.addr.to_string();
    let client = |args: &[&str]| {
        let mut c = Command::new(berth);
        c.args(["--server", &addr, "--insecure", "-q"])
            .args(args)
            .env("BERTH_CONFIG", dir.join("config.json"))
            .env("BERTH_CACHE_DIR", dir.join("cache"))
            .stdout(Stdio::null());
        c
    };
    let mut login = client(&[
        "login",
        "--user",
        "bench",
        "--password-stdin",
        "--email",
        "bench@example.com",
    ]);
    login.stdin(Stdio::piped());
    let mut child = login.spawn().context("could not run berth login")?;
    if let Some(mut stdin) = child.stdin.take() {
        std::io::Write::write_all(&mut stdin, b"bench-password\n")?;
    }
    if !child.wait()?.success() {
        bail!("berth login failed");
    }
    let archive_arg = archive.display().to_string();
    let push = timed(&mut client(&[
        "push",
        "--compression",
        mode,
        &archive_arg,
        repo,
    ]))?;
    let pulled = dir.join("pulled.tar");
    let pulled_arg = pulled.display().to_string();
    let tag = format!("{repo}:latest");
    let pull = timed(&mut client(&["pull", &tag, "-o", &pulled_arg]))?;
    drop(server);
    let blob = data.join("images").join(id).join("layer");
    let blob_len = std::fs::metadata(&blob)
        .with_context(|| format!("the server did not store {}", blob.display()))?
        .len();
    // Read once so that it is in the page cache like the other measured files.
    std::fs::read(&blob)?;
    let mut checksum = Command::new(berth);
    checksum.arg("checksum").arg(&blob).stdout(Stdio::null());
    let checksum = timed(&mut checksum)?;
    std::fs::remove_dir_all(dir)?;
    Ok(Timings {
        mode,
        push,
        pull,
        checksum,
        blob_len,
    })
}

/// Runs `command` and returns its wall-clock seconds; fails if it fails.
///
/// Dirty pages left by the step before (a 1 GiB archive, a pulled image) are written out
/// first with `sync`, so that the kernel's background write-back of earlier steps does not run
/// during this one: each step is timed from a clean page cache state.
fn timed(command: &mut Command) -> anyhow::Result<f64> {
    let shown = util::display(command);
    let _ = Command::new("sync").status();
    let start = Instant::now();
    let status = command
        .status()
        .with_context(|| format!("could not run {shown}"))?;
    let secs = start.elapsed().as_secs_f64();
    if !status.success() {
        bail!("{shown} failed ({status})");
    }
    Ok(secs)
}

/// A `berth serve` child process on a free loopback port, stopped when dropped.
struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Server {
    fn start(berth: &Path, data: &Path) -> anyhow::Result<Self> {
        // A port the kernel just handed out and released; nothing else here races for it.
        let addr = TcpListener::bind("127.0.0.1:0")?.local_addr()?;
        let log = std::fs::File::create(PathBuf::from(format!("{}.log", data.display())))?;
        let child = Command::new(berth)
            .args(["serve", "--addr", &addr.to_string(), "--log-level", "warn"])
            .arg("--data-dir")
            .arg(data)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .context("could not start berth serve")?;
        let server = Self { child, addr };
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(addr).is_err() {
            if Instant::now() > deadline {
                bail!("berth serve did not listen on {addr} within 30 s");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(server)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
