"""Interoperability check: the PyPI v1 client `docker-registry-client` reads what `berth push` sent.

Usage: check_v1_client.py BASE_URL USER PASSWORD SAMPLE_TAR

BASE_URL is the Berth server (`http://127.0.0.1:PORT`); the sample archive
(`testdata/images/sample.tar`) must already have been pushed to `berth/sample` by Berth's
client. Every check compares what the third-party client reads with the archive itself.
Run by `.ci/interop.sh`.
"""

import gzip
import hashlib
import io
import json
import sys
import tarfile

from docker_registry_client import DockerRegistryClient
from requests import get

REPO = "berth/sample"


def archive_contents(path):
    """(repositories map, {id: json bytes}, {id: layer.tar bytes}) of a docker save archive."""
    jsons, layers, repositories = {}, {}, None
    with tarfile.open(path) as tar:
        for member in tar.getmembers():
            if not member.isfile():
                continue
            data = tar.extractfile(member).read()
            if member.name == "repositories":
                repositories = json.loads(data)
            elif member.name.endswith("/json"):
                jsons[member.name.split("/")[0]] = data
            elif member.name.endswith("/layer.tar"):
                layers[member.name.split("/")[0]] = data
    return repositories, jsons, layers


def main():
    base, user, password, sample = sys.argv[1:5]
    repositories, jsons, layers = archive_contents(sample)
    expected_tags = repositories[REPO]
    passed, failed = 0, 0

    def check(name, ok, detail=""):
        nonlocal passed, failed
        if ok:
            passed += 1
            print(f"ok   {name}")
        else:
            failed += 1
            print(f"FAIL {name} {detail}")

    client = DockerRegistryClient(base, api_version=1, username=user, password=password)
    check("api version is 1", client.api_version == 1)
    repos = client.repositories()
    check("search lists the repository", REPO in repos, repr(sorted(repos)))

    repo = client.repository(REPO)
    check("tags match the archive", sorted(repo.tags()) == sorted(expected_tags), repr(repo.tags()))
    for tag, image_id in sorted(expected_tags.items()):
        image = repo.image(tag)
        check(f"tag {tag} points to {image_id[:12]}", image.image_id == image_id, image.image_id)
        meta = image.get_json()
        check(f"json of {image_id[:12]} is the archive's", meta == json.loads(jsons[image_id]))
        ancestry = image.ancestry()
        chain, current = [], image_id
        while current:
            chain.append(current)
            current = json.loads(jsons[current]).get("parent")
        check(f"ancestry of {image_id[:12]}", ancestry == chain, repr(ancestry))
        data = repo.data(tag)
        check(f"tag {tag} metadata is an object", isinstance(data, dict), repr(data))

    # Layers: the raw bytes the registry serves are gzip of the archive's layer.tar, and the
    # payload checksum header (if any) covers json + "\n" + those bytes.
    for image_id, layer in sorted(layers.items()):
        response = get(f"{base}/v1/images/{image_id}/layer", auth=(user, password))
        check(f"layer of {image_id[:12]} served", response.status_code == 200, response.status_code)
        blob = response.content
        check(f"layer of {image_id[:12]} is gzip of layer.tar", gzip.GzipFile(fileobj=io.BytesIO(blob)).read() == layer)
        meta = get(f"{base}/v1/images/{image_id}/json", auth=(user, password))
        check(f"json of {image_id[:12]} is byte-identical", meta.content == jsons[image_id])
        payload = "sha256:" + hashlib.sha256(meta.content + b"\n" + blob).hexdigest()
        header = meta.headers.get("X-Docker-Checksum-Payload")
        check(f"payload checksum of {image_id[:12]}", header in (None, payload), f"{header} != {payload}")
        check(f"X-Docker-Size of {image_id[:12]}", meta.headers.get("X-Docker-Size") == str(len(blob)),
              meta.headers.get("X-Docker-Size"))

    print(f"interop: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
