#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""
Rewrite the origins in an FRR 10 .xref file (python/xrelfo.py's output) so
python/xref2vtysh.py sends each command to the right daemon.

xref2vtysh decides a command's daemon from the ELF file it came from: a
daemon by its file name, a library or module by the name of the directory
it sits in, which in FRR's build tree is the daemon's source directory.
We run xrelfo over the installed FRR (and our module), where every library
and module sits in one directory. So each origin is renamed to where FRR's
build tree has it: a daemon to DIR/NAME (isisd/fabricd matters: xref2vtysh
keeps fabricd's commands apart from isisd's by that name), a library to
LIBDIRS below, a module (ours included) to the directory of the source
files that define its commands (bgpd/ for bgpd_bmp.so and bgpd_vnetrs.so).

Usage: xref-origins.py IN.xref OUT.xref
"""

import json
import os
import sys

# Where FRR 10 builds its shared libraries (lib/subdir.am, mgmtd/subdir.am,
# ospfclient/subdir.am).
LIBDIRS = {
    "libfrr": "lib",
    "libfrrcares": "lib",
    "libfrrospfapiclient": "ospfclient",
    "libmgmt_be_nb": "mgmtd",
}


# Daemons built outside a directory of their own name.
DAEMONDIRS = {
    "fabricd": "isisd",  # xref2vtysh tells its commands from isisd's so
}


def origin_dir(origin, specs):
    name = os.path.basename(origin)
    if "." not in name:
        # a daemon: its file name says which; the directory as in FRR's tree
        return DAEMONDIRS.get(name, name)
    lib = name.split(".", 1)[0]
    if lib.startswith("lib"):
        return LIBDIRS.get(lib, "lib")
    dirs = {os.path.basename(os.path.dirname(s["defun"]["file"])) for s in specs}
    if len(dirs) != 1:
        sys.exit("xref-origins: %s defines commands in %s: which daemon is it for?"
                 % (origin, ", ".join(sorted(dirs))))
    return dirs.pop()


def main():
    with open(sys.argv[1]) as fd:
        xref = json.load(fd)

    by_origin = {}
    for origins in xref.get("cli", {}).values():
        for origin, spec in origins.items():
            by_origin.setdefault(origin, []).append(spec)
    rename = {}
    for origin, specs in by_origin.items():
        d = origin_dir(origin, specs)
        if d:
            rename[origin] = "%s/%s" % (d, os.path.basename(origin))

    for name, origins in xref.get("cli", {}).items():
        xref["cli"][name] = {rename.get(o, o): s for o, s in origins.items()}

    with open(sys.argv[2], "w") as fd:
        json.dump(xref, fd)


if __name__ == "__main__":
    main()
