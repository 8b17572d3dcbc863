#!/usr/bin/env python3
"""Mirror an S3 bucket to a directory and back (the backup's `mc mirror`, with no mc needed).

    s3mirror.py download ENDPOINT BUCKET DIR    every object -> DIR/<key>
    s3mirror.py upload   DIR ENDPOINT BUCKET    every file under DIR -> <key> (bucket created if missing)

Credentials come from the environment (never the command line, where `ps` would show them):
S3_ACCESS_KEY, S3_SECRET_KEY, and S3_REGION (default us-east-1). ENDPOINT is http(s)://host:port;
requests are path-style and signed with AWS Signature Version 4, which MinIO, S3Proxy and AWS S3
accept. Python 3 standard library only. Keys are written as relative paths: a key containing
"..", an empty segment or a leading "/" is refused rather than written outside DIR.
"""
import datetime
import hashlib
import hmac
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

S3_NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"
CHUNK = 1024 * 1024


class S3:
    def __init__(self, endpoint, access_key, secret_key, region):
        parsed = urllib.parse.urlsplit(endpoint)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise SystemExit(f"s3mirror: endpoint must be http(s)://host:port, not {endpoint!r}")
        self.scheme, self.host = parsed.scheme, parsed.netloc
        self.access_key, self.secret_key, self.region = access_key, secret_key, region

    def request(self, method, bucket, key="", query=None, body_path=None, expect=(200,)):
        """Sends one signed request; returns the open response (caller reads and closes it)."""
        path = "/" + urllib.parse.quote(bucket, safe="")
        if key:
            path += "/" + urllib.parse.quote(key, safe="/~")
        query = sorted((query or {}).items())
        canonical_query = "&".join(
            f"{urllib.parse.quote(k, safe='~')}={urllib.parse.quote(v, safe='~')}" for k, v in query)
        payload_hash = hashlib.sha256(b"").hexdigest()
        length = 0
        if body_path is not None:
            digest = hashlib.sha256()
            with open(body_path, "rb") as f:
                for block in iter(lambda: f.read(CHUNK), b""):
                    digest.update(block)
                    length += len(block)
            payload_hash = digest.hexdigest()
        now = datetime.datetime.now(datetime.timezone.utc)
        amz_date = now.strftime("%Y%m%dT%H%M%SZ")
        scope = f"{now.strftime('%Y%m%d')}/{self.region}/s3/aws4_request"
        headers = {"host": self.host, "x-amz-content-sha256": payload_hash, "x-amz-date": amz_date}
        signed = ";".join(sorted(headers))
        canonical = "\n".join([method, path, canonical_query,
                               "".join(f"{h}:{headers[h]}\n" for h in sorted(headers)), signed, payload_hash])
        to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
        key_bytes = ("AWS4" + self.secret_key).encode()
        for part in (now.strftime("%Y%m%d"), self.region, "s3", "aws4_request"):
            key_bytes = hmac.new(key_bytes, part.encode(), hashlib.sha256).digest()
        signature = hmac.new(key_bytes, to_sign.encode(), hashlib.sha256).hexdigest()
        headers["authorization"] = (f"AWS4-HMAC-SHA256 Credential={self.access_key}/{scope}, "
                                    f"SignedHeaders={signed}, Signature={signature}")
        url = f"{self.scheme}://{self.host}{path}" + (f"?{canonical_query}" if canonical_query else "")
        data = None
        if body_path is not None:
            headers["content-length"] = str(length)
            # urllib would send application/x-www-form-urlencoded, which some servers parse as a form.
            headers["content-type"] = "application/octet-stream"
            data = open(body_path, "rb")
        req = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            response = urllib.request.urlopen(req, timeout=120)
        except urllib.error.HTTPError as e:
            if e.code in expect:
                return e
            detail = e.read(500).decode("utf-8", "replace")
            raise SystemExit(f"s3mirror: {method} {path} -> HTTP {e.code}: {detail}")
        finally:
            if data is not None:
                data.close()
        if response.status not in expect:
            raise SystemExit(f"s3mirror: {method} {path} -> HTTP {response.status}")
        return response

    def keys(self, bucket):
        token = None
        while True:
            query = {"list-type": "2", "max-keys": "1000"}
            if token:
                query["continuation-token"] = token
            with self.request("GET", bucket, query=query) as response:
                root = ET.fromstring(response.read())
            for item in root.findall(f"{S3_NS}Contents"):
                yield item.find(f"{S3_NS}Key").text
            if root.findtext(f"{S3_NS}IsTruncated") != "true":
                return
            token = root.findtext(f"{S3_NS}NextContinuationToken")


def safe_relative(key):
    parts = key.split("/")
    if key.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise SystemExit(f"s3mirror: refusing unsafe object key {key!r}")
    return os.path.join(*parts)


def download(s3, bucket, target):
    count = 0
    for key in s3.keys(bucket):
        path = os.path.join(target, safe_relative(key))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with s3.request("GET", bucket, key) as response, open(path + ".part", "wb") as out:
            for block in iter(lambda: response.read(CHUNK), b""):
                out.write(block)
        os.replace(path + ".part", path)
        count += 1
    print(f"s3mirror: {count} objects from {bucket} to {target}")


def upload(s3, source, bucket):
    with s3.request("HEAD", bucket, expect=(200, 404)) as response:
        exists = response.status == 200 if hasattr(response, "status") else response.code == 200
    if not exists:
        s3.request("PUT", bucket, expect=(200,)).close()
    count = 0
    for directory, _, files in os.walk(source):
        for name in sorted(files):
            path = os.path.join(directory, name)
            key = os.path.relpath(path, source).replace(os.sep, "/")
            s3.request("PUT", bucket, key, body_path=path).close()
            count += 1
    print(f"s3mirror: {count} objects from {source} to {bucket}")


def main(argv):
    if len(argv) != 4 or argv[0] not in ("download", "upload"):
        print(__doc__, file=sys.stderr)
        return 2
    access, secret = os.environ.get("S3_ACCESS_KEY"), os.environ.get("S3_SECRET_KEY")
    if not access or not secret:
        print("s3mirror: set S3_ACCESS_KEY and S3_SECRET_KEY", file=sys.stderr)
        return 2
    region = os.environ.get("S3_REGION", "us-east-1")
    if argv[0] == "download":
        _, endpoint, bucket, target = argv
        download(S3(endpoint, access, secret, region), bucket, target)
    else:
        _, source, endpoint, bucket = argv
        if not os.path.isdir(source):
            print(f"s3mirror: no directory {source}", file=sys.stderr)
            return 2
        upload(S3(endpoint, access, secret, region), source, bucket)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
