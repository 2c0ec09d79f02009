# SPDX-License-Identifier: GPL-2.0-or-later
"""
vnetrs topotest conftest.

Runs FRR's own pytest topotest framework, imported from the FRR source tree
at $VNETRS_FRR_SRC (default <repo>/build/frr/src), without editing it:

* FRR's tests/topotests directory goes on sys.path, so tests can do
  "from lib.topogen import Topogen, TopoRouter, get_topogen" and
  "from lib import topotest" like FRR's own tests.
* FRR's tests/topotests/conftest.py is imported as a plain module and its
  hooks and fixtures (--rundir and the other options, environment check,
  per-test logs, the tgen fixture, ...) are re-exported from here.
* $VNETRS_VTYSH_DIR, if set, is prepended to PATH (topotests run "vtysh").
* Overrides for this machine are in vnetrs_topo.py.

Run as root with the system interpreter:

    /usr/bin/python3 -m pytest --rundir /tmp/vnetrs-topotests topotests/
"""

import os
import sys

_here = os.path.dirname(os.path.abspath(__file__))
if _here not in sys.path:
    sys.path.insert(0, _here)

import vnetrs_topo  # noqa: E402  pylint: disable=wrong-import-position

globals().update(vnetrs_topo.pytest_objects(vnetrs_topo.bootstrap()))

# One topotest session at a time on a machine: FRR's pytest_configure reaps
# every micronet process it did not start ("cleanup_previous"), which would
# kill the daemons of another session running beside this one. The lock is
# held by the controlling pytest process until it exits (xdist workers run
# under it and do not take it).
_frr_pytest_configure = globals().get("pytest_configure")


def pytest_configure(config):
    import fcntl

    if not os.environ.get("PYTEST_XDIST_WORKER"):
        lock = open("/tmp/vnetrs-topotests.lock", "w")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            sys.stderr.write("vnetrs: waiting for another topotest session to finish\n")
            fcntl.flock(lock, fcntl.LOCK_EX)
        config._vnetrs_lock = lock
    if _frr_pytest_configure:
        _frr_pytest_configure(config)
