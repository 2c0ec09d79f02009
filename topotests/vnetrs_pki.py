# SPDX-License-Identifier: GPL-2.0-or-later
"""
Certificates for TLS topotests, made at test time with the openssl CLI:
a CA, a rogue CA, and certificates signed by either (EC P-256: quick).

    pki = Pki("/tmp/x/pki")
    pki.ca("ca"); pki.ca("rogue")
    pki.cert("rs1", "ca", san=["IP:10.9.0.1", "DNS:rs1"])
    pki.cert("hv1", "ca")
    pki.cert("old", "ca", expired=True)
    pki.crt("rs1"), pki.key("rs1")
"""

import os
import subprocess


class Pki:
    def __init__(self, directory):
        self.dir = directory
        os.makedirs(directory, exist_ok=True)
        # bgpd runs as frr: it must read the files (test keys only).
        os.chmod(directory, 0o755)

    def crt(self, name):
        return os.path.join(self.dir, name + ".crt")

    def key(self, name):
        return os.path.join(self.dir, name + ".key")

    def _run(self, *args):
        subprocess.run(["openssl"] + list(args), check=True, capture_output=True, cwd=self.dir)

    def _readable(self, name):
        os.chmod(self.crt(name), 0o644)
        os.chmod(self.key(name), 0o644)

    def ca(self, name):
        self._run(
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", self.key(name), "-out", self.crt(name), "-subj", "/CN=" + name, "-days", "30",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        )
        self._readable(name)

    def cert(self, name, ca, san=(), expired=False):
        "A certificate for name (CN=name) signed by ca; expired: valid only in 2020."
        csr = os.path.join(self.dir, name + ".csr")
        ext = os.path.join(self.dir, name + ".ext")
        self._run(
            "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", self.key(name), "-out", csr, "-subj", "/CN=" + name,
        )
        with open(ext, "w") as f:
            f.write("basicConstraints=CA:FALSE\n")
            if san:
                f.write("subjectAltName=" + ",".join(san) + "\n")
        if expired:
            self._expired(name, ca, csr, ext)
        else:
            self._run(
                "x509", "-req", "-in", csr, "-CA", self.crt(ca), "-CAkey", self.key(ca),
                "-CAcreateserial", "-out", self.crt(name), "-days", "30", "-extfile", ext,
            )
        self._readable(name)

    def _expired(self, name, ca, csr, ext):
        "openssl ca sets the validity dates x509 -req cannot."
        db = os.path.join(self.dir, ca + ".db")
        open(db, "w").close()
        conf = os.path.join(self.dir, ca + ".cnf")
        with open(conf, "w") as f:
            f.write(
                "[ca]\ndefault_ca=d\n[d]\ndatabase={db}\nnew_certs_dir={dir}\n"
                "serial={dir}/{ca}.serial\ndefault_md=sha256\npolicy=p\n"
                "copy_extensions=none\nunique_subject=no\n[p]\ncommonName=supplied\n".format(db=db, dir=self.dir, ca=ca)
            )
        serial = os.path.join(self.dir, ca + ".serial")
        if not os.path.exists(serial):
            with open(serial, "w") as f:
                f.write("1000\n")
        self._run(
            "ca", "-batch", "-config", conf, "-cert", self.crt(ca), "-keyfile", self.key(ca),
            "-in", csr, "-out", self.crt(name), "-startdate", "20200101000000Z",
            "-enddate", "20200102000000Z", "-extfile", ext, "-notext",
        )
