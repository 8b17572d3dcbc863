"""The credential hunt's tenant script (infra/rehearsal/credential-hunt.sh): an execution that tries
every credential it can find on its worker. Standard library only; never prints a value it finds,
only its name, where it was and its SHA-256, so the step can tell a real credential by its hash.

  credential-hunt.py hunt TARGET...   looks in its environment, in files it can read (env and
                                      config files, keys, the Docker socket) and in /proc, then tries
                                      each TARGET with no token and with every value it found:
                                      HOST:PORT (a TCP connect) or http(s)://... (a GET with
                                      Authorization: Bearer <value>); prints HUNT-TRIED lines (what it
                                      tried) and one line HUNT {"values": {sha256: where}, "found": [...],
                                      "reached": {target: result}}
  credential-hunt.py hashes FILE...   NAME SHA256 of each secret-named KEY=VALUE of env files (run
                                      where the real credentials are: the step compares hashes)
"""
import glob
import hashlib
import json
import os
import re
import socket
import ssl
import sys
import urllib.request

SECRET_NAME = re.compile(r"(PASSWORD|PASSWD|TOKEN|SECRET|_KEY$|^KEY$|CREDENTIAL|JAAS)", re.I)
ASSIGNMENT = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.\-]*)\s*[=:]\s*(.*?)\s*$")
PEM_KEY = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")
LOOK_IN = ["/etc", "/run", "/var/run", "/var/lib/rgrid", "/opt", "/home", "/root", "/tmp", "/srv", "/mnt", "/work",
           "/attempt", os.getcwd()]
NAMED = ["/etc/rgrid/worker.env", "/etc/rgrid/kafka-ca.pem", "/opt/rgrid/.env", "/etc/rgrid/kafka.env",
         "/run/rgrid/egress-policy", "/var/run/docker.sock", "/run/docker.sock", "/root/.ssh/id_ed25519",
         "/etc/ssh/ssh_host_ed25519_key", "/home/rgrid-worker/.ssh/authorized_keys", "/proc/1/environ"]


def sha(value):
    return hashlib.sha256(value.encode("utf-8", "replace")).hexdigest()


def unquote(value):
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


class Hunt:
    def __init__(self):
        self.values = {}      # sha256 -> where first seen
        self.found = []       # secret-named or key-looking things: where and name, never the value
        self.tokens = set()   # values worth trying as a bearer token
        self.tried = {"env": 0, "files": [], "unreadable": [], "proc": 0}

    def value(self, where, name, value):
        if len(value) < 20:  # every credential RGrid makes is longer; shorter ones are config
            return
        # 64 bits of the hash: enough to recognise a credential, and keeps the output short.
        self.values.setdefault(sha(value)[:16], where + ":" + name)
        if SECRET_NAME.search(name):
            self.found.append({"where": where, "name": name, "sha256": sha(value)})
            if 8 <= len(value) <= 512 and "\n" not in value:
                self.tokens.add(value)

    def text(self, where, text):
        for line in text.splitlines():
            m = ASSIGNMENT.match(line)
            if m:
                self.value(where, m.group(1), unquote(m.group(2)))
        for block in PEM_KEY.finditer(text):
            self.found.append({"where": where, "name": "PEM private key", "sha256": sha(text[block.start():])})

    def environment(self):
        for name, value in os.environ.items():
            self.value("env", name, value)
        self.tried["env"] = len(os.environ)

    def file(self, path):
        try:
            if os.path.getsize(path) > 1 << 20:
                return
            with open(path, "rb") as f:
                data = f.read()
        except OSError as e:
            if os.path.lexists(path) and not path.startswith("/proc"):
                self.tried["unreadable"].append("%s (%s)" % (path, e.strerror or type(e).__name__))
            return
        self.tried["files"].append(path)
        self.text(path, data.replace(b"\0", b"\n").decode("utf-8", "replace"))

    def files(self):
        for path in NAMED:
            if path.endswith(".sock"):
                if os.path.exists(path):
                    self.found.append({"where": path, "name": "docker socket", "sha256": ""})
                continue
            self.file(path)
        seen = 0
        for top in LOOK_IN:
            for root, dirs, names in os.walk(top, onerror=lambda e: None):
                dirs[:] = [d for d in dirs if not os.path.islink(os.path.join(root, d))]
                for n in names:
                    path = os.path.join(root, n)
                    if seen < 20000 and os.path.isfile(path) and not os.path.islink(path):
                        seen += 1
                        self.file(path)

    def proc(self):
        for pid_dir in glob.glob("/proc/[0-9]*"):
            self.tried["proc"] += 1
            for part in ("environ", "cmdline"):
                self.file(os.path.join(pid_dir, part))

    def reach(self, targets):
        reached = {}
        tokens = [None] + sorted(self.tokens)
        for target in targets:
            if target.startswith("http"):
                results = [self.get(target, token) for token in tokens]
                answered = [r for r in results if not r.startswith("no answer")]
                reached[target] = answered[0] if answered else results[0]
            else:
                reached[target] = self.connect(target)
        return reached

    @staticmethod
    def connect(target):
        host, port = target.rsplit(":", 1)
        try:
            socket.create_connection((host, int(port)), timeout=3).close()
            return "open"
        except OSError as e:
            return "no answer: %s" % (e.strerror or type(e).__name__)

    @staticmethod
    def get(url, token):
        request = urllib.request.Request(url)
        if token:
            request.add_header("Authorization", "Bearer " + token)
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        try:
            with urllib.request.urlopen(request, timeout=4, context=context) as reply:
                return "http %d%s" % (reply.status, " with a found token" if token else "")
        except urllib.error.HTTPError as e:
            return "http %d%s" % (e.code, " with a found token" if token else "")
        except (OSError, ValueError) as e:
            reason = getattr(e, "reason", e)
            return "no answer: %s" % (getattr(reason, "strerror", None) or type(reason).__name__)


def hunt(targets):
    h = Hunt()
    h.environment()
    h.files()
    h.proc()
    reached = h.reach(targets)
    print("HUNT-TRIED environment: %d variables" % h.tried["env"])
    print("HUNT-TRIED files read: %d (%s)" % (len(h.tried["files"]),
                                                ", ".join(p for p in h.tried["files"] if not p.startswith("/proc"))[:1500]))
    print("HUNT-TRIED not readable: %s" % ", ".join(h.tried["unreadable"][:40]))
    print("HUNT-TRIED /proc: %d processes' environ and cmdline" % h.tried["proc"])
    print("HUNT-TRIED bearer tokens: none and %d found value(s); targets: %s" % (len(h.tokens), " ".join(targets)))
    print("HUNT " + json.dumps({"values": h.values, "found": h.found, "reached": reached}), flush=True)


def hashes(files):
    for path in files:
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                m = ASSIGNMENT.match(line)
                if m and SECRET_NAME.search(m.group(1)) and unquote(m.group(2)):
                    print(m.group(1), sha(unquote(m.group(2))))


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "hunt":
        hunt(sys.argv[2:])
    elif len(sys.argv) >= 3 and sys.argv[1] == "hashes":
        hashes(sys.argv[2:])
    else:
        sys.exit(__doc__)
